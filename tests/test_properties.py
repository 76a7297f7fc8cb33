"""Property-based tests of the array entry points over generated shapes and dtypes.

One tiny estimator per kind is fitted once (module fixture) on grayscale images;
the properties then run on predict/transform. Runs are reproducible
(``derandomize=True``) and write no example database.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.features import TextureFeatures

SMALL = dict(architecture="lenet5", epochs=1, batch_size=8, augment=None, random_state=0)
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

INTEGER_DTYPES = [np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]
NUMERIC_DTYPES = INTEGER_DTYPES + FLOAT_DTYPES + [np.bool_]


@pytest.fixture(scope="module")
def fitted():
    """A CNNClassifier, a TransferFeatureExtractor and TextureFeatures fitted on 16 gray 12x12 images."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (16, 12, 12), dtype=np.uint8)
    y = np.array(["benign", "malignant"] * 8)
    return (CNNClassifier(**SMALL).fit(X, y),
            TransferFeatureExtractor("lenet5", weights=None, random_state=0).fit(X),
            TextureFeatures().fit(X))


def _elements(dtype):
    """Finite values; floats within +-1e4 (images, not arbitrary magnitudes)."""
    if np.dtype(dtype).kind == "f":
        width = np.dtype(dtype).itemsize * 8
        return st.floats(-1e4, 1e4, width=width, allow_nan=False, allow_infinity=False)
    return None  # the dtype's whole range


@st.composite
def gray_batches(draw, max_side=9, min_n=1):
    """Batches of 1-4 gray images (n, h, w) or (n, h, w, 1), h and w from 1, any numeric dtype."""
    dtype = draw(st.sampled_from(NUMERIC_DTYPES))
    n, h, w = draw(st.integers(min_n, 4)), draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    shape = (n, h, w) + draw(st.sampled_from([(), (1,)]))
    return draw(arrays(dtype, shape, elements=_elements(dtype)))


@PROPERTY
@given(X=gray_batches())
def test_predict_proba_rows_are_finite_and_sum_to_one(fitted, X):
    clf = fitted[0]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


@settings(PROPERTY, max_examples=15)
@given(X=gray_batches())
def test_predict_returns_labels_from_classes(fitted, X):
    clf = fitted[0]
    labels = clf.predict(X)
    assert labels.shape == (len(X),) and set(labels) <= set(clf.classes_)
    assert 0 <= clf.score(X, np.resize(clf.classes_, len(X))) <= 1


@PROPERTY
@given(X=gray_batches())
def test_transform_returns_n_finite_rows_of_constant_width(fitted, X):
    _, extractor, texture = fitted
    for transformer, width in ((extractor, extractor.n_features_out_), (texture, len(texture.feature_names_out_))):
        features = transformer.transform(X)
        assert features.shape == (len(X), width), type(transformer).__name__
        assert np.isfinite(features).all(), type(transformer).__name__


@pytest.mark.slow
@settings(PROPERTY, max_examples=10)
@given(X=gray_batches(max_side=6))
def test_one_image_at_a_time_gives_the_same_rows(fitted, X):
    """Rows do not depend on the batch they come in (no cross-sample leakage)."""
    clf, extractor, _ = fitted
    np.testing.assert_allclose(clf.predict_proba(X)[-1:], clf.predict_proba(X[-1:]), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(extractor.transform(X)[-1:], extractor.transform(X[-1:]), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------ invalid inputs
@st.composite
def invalid_batches(draw):
    """Arrays no estimator accepts, each with the words its error must contain."""
    kind = draw(st.sampled_from(["ndim", "non-finite", "channels", "empty", "complex", "text"]))
    if kind == "ndim":
        shape = draw(st.one_of(array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=5),
                               array_shapes(min_dims=5, max_dims=6, min_side=1, max_side=3)))
        dtype = draw(st.sampled_from(NUMERIC_DTYPES))
        return np.zeros(shape, dtype), r"Expected 2D array|dimensions|0 sample"
    if kind == "non-finite":
        dtype = draw(st.sampled_from(FLOAT_DTYPES))
        X = draw(arrays(dtype, draw(array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5)),
                        elements=_elements(dtype)))
        index = tuple(draw(st.integers(0, side - 1)) for side in X.shape)
        X[index] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        return X, rf"Input X contains (NaN|infinity) in 1 of {len(X)} sample\(s\) \(index {index[0]}\)"
    if kind == "channels":
        channels = draw(st.integers(2, 5))
        return np.zeros((draw(st.integers(1, 3)), 4, 4, channels), np.uint8), rf"X has {channels} channel\(s\)"
    if kind == "empty":
        shape = list(draw(array_shapes(min_dims=3, max_dims=4, min_side=1, max_side=4)))
        shape[draw(st.integers(0, len(shape) - 1))] = 0
        return np.zeros(shape, np.float32), r"0 sample\(s\)|at least one pixel"
    if kind == "complex":
        return np.zeros((2, 4, 4), np.complex64), "Complex data not supported"
    return np.full((2, 4, 4), "x"), r"dtype <U1 \(text or bytes\)"


@settings(PROPERTY, max_examples=40)
@given(case=invalid_batches())
def test_invalid_arrays_raise_value_error_everywhere(fitted, case):
    X, match = case
    clf, extractor, texture = fitted
    for call in (clf.predict_proba, clf.predict, extractor.transform, texture.transform):
        if "channel" in match and call == texture.transform:
            continue  # texture features describe one plane: any channel count is accepted
        with pytest.raises(ValueError, match=match):
            call(X)


@pytest.mark.slow
@settings(PROPERTY, max_examples=3)
@given(X=gray_batches(max_side=7, min_n=2))
def test_fit_on_any_small_batch_then_predict_its_classes(X):
    y = np.arange(len(X)) % 2
    clf = CNNClassifier(**SMALL).fit(X, y)
    assert clf.sample_shape_ == X.shape[1:3] + (1,)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
