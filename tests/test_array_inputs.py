"""Every array input case, for every estimator entry point that takes arrays.

Each case is either handled (and the test shows how) or raises a ValueError whose
message names what was wrong and says what to do. Entry points:
``CNNClassifier.fit/predict/predict_proba/score``,
``TransferFeatureExtractor.fit/transform``, ``TextureFeatures.fit/transform``,
``CNNEnsemble.fit/predict_proba`` (which pass X on to their members) and the
tabular feature selectors (``ReliefFSelector``, ``SymmetricUncertaintySelector``).
"""

from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.datasets import make_histology
from medcnn.ensemble import CNNEnsemble
from medcnn._input import resize_images
from medcnn.feature_selection import ReliefFSelector, SymmetricUncertaintySelector
from medcnn.features import TextureFeatures

SMALL = dict(architecture="lenet5", epochs=1, batch_size=8, augment=None, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    """One fitted estimator per kind, on 24 uint8 RGB patches 16x16."""
    X, y = make_histology(24, image_size=16, weights=(0.5, 0.5), random_state=0)
    return SimpleNamespace(
        X=X, y=y,
        clf=CNNClassifier(**SMALL).fit(X, y),
        extractor=TransferFeatureExtractor("lenet5", weights=None, random_state=0).fit(X),
        texture=TextureFeatures().fit(X),
    )


def _labels(fitted, X):
    n = len(X) if hasattr(X, "__len__") else 1
    return np.resize(fitted.y, n)


#: entry point -> call(fitted, X); the fit entries fit a fresh estimator.
ENTRY_POINTS = {
    "CNNClassifier.predict": lambda f, X: f.clf.predict(X),
    "CNNClassifier.predict_proba": lambda f, X: f.clf.predict_proba(X),
    "CNNClassifier.score": lambda f, X: f.clf.score(X, _labels(f, X)),
    "TransferFeatureExtractor.transform": lambda f, X: f.extractor.transform(X),
    "TextureFeatures.transform": lambda f, X: f.texture.transform(X),
    "CNNClassifier.fit": lambda f, X: CNNClassifier(**SMALL).fit(X, _labels(f, X)),
    "TransferFeatureExtractor.fit": lambda f, X: TransferFeatureExtractor("lenet5", weights=None).fit(X),
    "TextureFeatures.fit": lambda f, X: TextureFeatures().fit(X),
}
PREDICT_ENTRIES = [name for name in ENTRY_POINTS if not name.endswith(".fit")]
OUTPUTS = {  # entry point -> what a valid output looks like
    "predict": lambda f, out, n: out.shape == (n,) and set(out) <= set(f.clf.classes_),
    "predict_proba": lambda f, out, n: out.shape == (n, 2) and np.allclose(out.sum(axis=1), 1),
    "transform": lambda f, out, n: out.shape == (n, f.extractor.n_features_out_) and np.isfinite(out).all(),
}


def _with_bad_value(X, value, index=1):
    X = X[:3].astype(np.float64)
    X[index, 2, 3, 0] = value
    return X


# ---------------------------------------------------------------------- rejected inputs
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("value, match", [
    (np.nan, r"Input X contains NaN in 1 of 3 sample\(s\) \(index 1\).*finite.*nan_to_num"),
    (np.inf, r"Input X contains infinity in 1 of 3 sample\(s\) \(index 1\).*finite"),
    (-np.inf, r"Input X contains infinity in 1 of 3 sample\(s\) \(index 1\)"),
    (1e300, r"values up to 1e\+300, beyond the float32 range.*rescale"),
], ids=["nan", "inf", "-inf", "beyond-float32"])
def test_non_finite_X_names_the_samples(fitted, entry, value, match):
    with pytest.raises(ValueError, match=match):
        ENTRY_POINTS[entry](fitted, _with_bad_value(fitted.X, value))


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("X, match", [
    (np.zeros(4), r"Expected 2D array or more, got 1D array.*shape \(4,\).*\(n, h, w\).*Reshape your data: X\[np.newaxis\]"),
    (np.float64(3.0), r"got scalar array.*X: 3.0"),
    (np.zeros((2, 16, 16, 3, 1)), r"X has 5 dimensions \(shape \(2, 16, 16, 3, 1\)\).*squeeze"),
    (np.zeros((0, 16, 16, 3)), r"X is empty: found array with 0 sample\(s\).*at least one image"),
    ([], r"X is empty: found array with 0 sample\(s\)"),
    (None, r"X is None;.*expects images"),
    (np.zeros((2, 0, 16, 3)), r"images of shape \(0, 16, 3\); images need at least one pixel"),
    (np.zeros((2, 16, 16, 0)), r"images of shape \(16, 16, 0\);.*one channel"),
], ids=["1d", "0d", "5d", "0-samples", "empty-list", "None", "0-height", "0-channels"])
def test_wrong_ndim_or_empty_X(fitted, entry, X, match):
    with pytest.raises(ValueError, match=match):
        ENTRY_POINTS[entry](fitted, X)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("kind, match", [
    ("object-str", r"X has dtype object and holds 'a' \(str\), which is not a number.*numeric"),
    ("text", r"X has dtype <U1 \(text or bytes\).*astype"),
    ("complex", r"Complex data not supported: X has dtype complex128.*np.abs"),
    ("ragged", r"X holds images of different shapes; stack images of one shape"),
    ("mixed-paths", r"X mixes file paths and other values: X\[1\] is 3 \(int\)"),
])
def test_non_numeric_X(fitted, entry, kind, match):
    X = fitted.X[:2]
    with_text = X.astype(object)
    with_text[1, 2, 3, 0] = "a"
    bad = {"object-str": with_text,
           "text": np.full((2, 16, 16), "a"),
           "complex": X.astype(complex),
           "ragged": [X[0], X[1, :8]],
           "mixed-paths": ["a.png", 3]}[kind]
    with pytest.raises(ValueError, match=match):
        ENTRY_POINTS[entry](fitted, bad)


@pytest.mark.parametrize("entry", ["CNNClassifier.predict", "CNNClassifier.predict_proba",
                                   "CNNClassifier.score", "TransferFeatureExtractor.transform"])
@pytest.mark.parametrize("channels", [1, 4])
def test_predict_time_channels_must_match_fit(fitted, entry, channels):
    X = np.zeros((2, 16, 16, channels), np.uint8)
    with pytest.raises(ValueError, match=rf"X has {channels} channel\(s\) per image, but \w+ was fitted "
                                         r"on images with 3.*to_channels\(image, 3\)"):
        ENTRY_POINTS[entry](fitted, X)
    if channels == 1:  # a 3-D gray batch is 1 channel too
        with pytest.raises(ValueError, match=r"X has 1 channel\(s\)"):
            ENTRY_POINTS[entry](fitted, X[..., 0])


@pytest.mark.parametrize("entry", PREDICT_ENTRIES)
def test_predict_time_flat_rows_must_match_fit(fitted, entry):
    with pytest.raises(ValueError, match=r"X has 99 features, but \w+ is expecting 768 features.*size seen in fit"):
        ENTRY_POINTS[entry](fitted, np.zeros((2, 99)))


# ----------------------------------------------------------------------------- labels
@pytest.mark.parametrize("fit", [
    lambda X, y: CNNClassifier(**SMALL).fit(X, y),
    lambda X, y: TransferFeatureExtractor(CNNClassifier(**SMALL)).fit(X, y),
    lambda X, y: CNNEnsemble([("a", CNNClassifier(**SMALL))]).fit(X, y),
], ids=["CNNClassifier", "TransferFeatureExtractor(CNNClassifier)", "CNNEnsemble"])
@pytest.mark.parametrize("y, match", [
    ([0, 1, 0], r"4 samples in X, 3 labels in y"),
    ([1, 1, 1, 1], r"y contains only one class \(1\).*at least two classes"),
    ([0, 1, None, 1], r"y contains None \(a missing label\) in 1 of 4 sample\(s\) \(index 2\).*leave those"),
    (["a", "b", None, None], r"y contains None.*in 2 of 4 sample\(s\) \(index 2, 3\)"),
    ([0.0, 1.0, np.nan, 1.0], r"y contains NaN \(a missing label\).*index 2"),
    (np.array([0, "a", 0, "a"], dtype=object), r"y mixes labels of types \['int', 'str'\].*one type"),
    (np.array([[0, 2], [1, 0], [0, 1], [2, 1]]), r"y has shape \(4, 2\).*one 0/1 column per label.*argmax"),
    ([0.1, 0.2, 0.3, 0.4], r"Unknown label type"),
], ids=["length", "one-class", "None", "str-None", "NaN", "mixed-types", "2-D-not-indicator", "continuous"])
def test_bad_labels(fitted, fit, y, match):
    with pytest.raises(ValueError, match=match):
        fit(fitted.X[:4], y)


def test_extractor_ignores_y_unless_it_trains_a_classifier(fitted):
    """y is documented as used only to train a CNNClassifier backbone."""
    extractor = TransferFeatureExtractor("lenet5", weights=None, random_state=0)
    assert_allclose(extractor.fit(fitted.X, [None]).transform(fitted.X[:3]),
                    fitted.extractor.transform(fitted.X[:3]), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------- handled dtypes
def _outputs(fitted, X):
    return {"predict_proba": fitted.clf.predict_proba(X), "transform": fitted.extractor.transform(X),
            "texture": fitted.texture.transform(X)}


def _assert_same_outputs(fitted, X, reference):
    got, expected = _outputs(fitted, X), _outputs(fitted, reference)
    for name in got:
        assert_allclose(got[name], expected[name], rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("convert, reference", [
    (lambda X: X, lambda X: X / 255.0),                                        # uint8 / 255
    (lambda X: X.astype(np.uint16) * 257, lambda X: X / 255.0),                # uint16 / 65535
    (lambda X: X.astype(np.int64), lambda X: X.astype(np.float64)),            # int64 as given
    (lambda X: X.astype(np.int32), lambda X: X.astype(np.float32)),            # int32 as given
    (lambda X: (X / 255).astype(np.float16), lambda X: (X / 255).astype(np.float16).astype(np.float32)),
    (lambda X: X / 255.0, lambda X: (X / 255.0).astype(np.float32)),           # float64 as float32
    (lambda X: X > 128, lambda X: (X > 128).astype(np.float32)),               # bool as 0/1
    (lambda X: X.astype(object), lambda X: X.astype(np.float64)),              # numbers as objects
    (lambda X: X.tolist(), lambda X: np.asarray(X, np.float64)),               # nested lists
], ids=["uint8", "uint16", "int64", "int32", "float16", "float64", "bool", "object", "list"])
def test_numeric_dtypes_are_scaled_by_the_documented_rule(fitted, convert, reference):
    """uint8 / 255, uint16 / 65535, every other numeric dtype used as given (as float32)."""
    _assert_same_outputs(fitted, convert(fitted.X[:4]), reference(fitted.X[:4]))


@pytest.mark.slow
def test_fit_accepts_every_integer_width_and_scales_uint16_like_uint8(fitted):
    X, y = fitted.X, fitted.y
    from_uint16 = CNNClassifier(**SMALL).fit(X.astype(np.uint16) * 257, y)
    assert_allclose(from_uint16.predict_proba(X[:5]), fitted.clf.predict_proba(X[:5]), rtol=1e-4, atol=1e-5)
    from_int64 = CNNClassifier(**SMALL).fit(X[:12].astype(np.int64), y[:12])
    proba = from_int64.predict_proba(X[:5].astype(np.int64))
    assert proba.shape == (5, 2) and np.isfinite(proba).all()


@pytest.mark.parametrize("size", [1, 8, 40])
def test_predict_time_image_size_differs_from_fit_images_are_resized(fitted, size):
    """Images of another size are resized (bilinear) to the input size seen in fit."""
    X = np.random.default_rng(size).integers(0, 256, (3, size, size, 3), dtype=np.uint8)
    resized = resize_images(X.astype(np.float32) / 255, fitted.clf.input_shape_[:2])
    assert_allclose(fitted.clf.predict_proba(X), fitted.clf.predict_proba(resized), rtol=1e-4, atol=1e-5)
    features = fitted.extractor.transform(X)
    assert features.shape == (3, fitted.extractor.n_features_out_) and np.isfinite(features).all()
    assert set(fitted.clf.predict(X)) <= set(fitted.clf.classes_)


# ------------------------------------------------------------------ other estimators
@pytest.mark.slow
def test_ensemble_passes_X_to_its_members_checks(fitted):
    ensemble = CNNEnsemble([("a", CNNClassifier(**SMALL))]).fit(fitted.X[:12], fitted.y[:12])
    proba = ensemble.predict_proba(fitted.X[:3].astype(np.uint16) * 257)
    assert_allclose(proba, ensemble.predict_proba(fitted.X[:3]), rtol=1e-4, atol=1e-5)
    for X, match in [(_with_bad_value(fitted.X, np.nan), "Input X contains NaN"),
                     (np.zeros((2, 16, 16, 1)), r"1 channel\(s\)"), (np.zeros(4), "Expected 2D array")]:
        with pytest.raises(ValueError, match=match):
            ensemble.predict_proba(X)


@pytest.mark.parametrize("selector", [ReliefFSelector(k=2), SymmetricUncertaintySelector(k=2)],
                         ids=["ReliefF", "SymmetricUncertainty"])
def test_tabular_selectors_use_the_scikit_learn_checks(selector):
    """The selectors take features (n, n_features), checked by scikit-learn's validate_data."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 6)), np.array([0, 1] * 10)
    for bad_X, bad_y, match in [(np.full((20, 6), np.nan), y, "Input X contains NaN"),
                                (np.full((20, 6), np.inf), y, "Input X contains infinity"),
                                (np.zeros(20), y, "Expected 2D array"),
                                (np.zeros((20, 2, 3)), y, "dim 3"),
                                (np.zeros((0, 6)), y[:0], r"0 sample\(s\)"),
                                (X, y[:5], r"inconsistent numbers of samples: \[20, 5\]"),
                                (X.astype(complex), y, "Complex data not supported")]:
        with pytest.raises(ValueError, match=match):
            selector.fit(bad_X, bad_y)
    reference = selector.fit(X, y).scores_
    for converted in (X.astype(object), X.tolist()):
        assert_allclose(selector.fit(converted, y).scores_, reference, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="X has 5 features, but .* is expecting 6"):
        selector.transform(X[:, :5])


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_object_X_holding_other_objects_is_a_type_error(fitted, entry):
    """scikit-learn's convention for items that are neither number nor string."""
    X = fitted.X[:2].astype(object)
    X[0, 0, 0, 0] = {"foo": "bar"}
    with pytest.raises(TypeError, match=r"X has dtype object and holds \{'foo': 'bar'\} \(dict\).*numeric"):
        ENTRY_POINTS[entry](fitted, X)
