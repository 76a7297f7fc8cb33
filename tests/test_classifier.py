"""CNNClassifier behaviour on generated images: inputs, labels, persistence, sklearn tools."""

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

import medcnn
from medcnn import CNNClassifier
from medcnn.exceptions import ImageReadError, ModelFileError, UnknownNameError


@pytest.mark.slow
def test_fit_predict_shapes_and_fitted_attributes(histology, small_classifier):
    X, y = histology
    clf = small_classifier(epochs=2).fit(X, y)
    assert clf.classes_.tolist() == [0, 1]
    assert clf.n_features_in_ == 28 * 28 * 3
    assert clf.sample_shape_ == (28, 28, 3) and clf.input_shape_ == (28, 28, 3)
    assert set(clf.history_) >= {"loss", "accuracy"} and len(clf.history_["loss"]) == 2
    proba = clf.predict_proba(X[:7])
    assert proba.shape == (7, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(clf.predict(X)) <= {0, 1}


@pytest.mark.slow
def test_cnn_beats_mean_colour_baseline_on_make_histology():
    """make_histology is not separable by mean colour; a small CNN learns its morphology."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from medcnn.datasets import make_histology

    X, y = make_histology(400, image_size=32, random_state=1)
    train, test = slice(0, 300), slice(300, None)
    mean_rgb = X.reshape(len(X), -1, 3).mean(axis=1)
    baseline = make_pipeline(StandardScaler(), LogisticRegression()).fit(mean_rgb[train], y[train])
    baseline_auc = roc_auc_score(y[test], baseline.predict_proba(mean_rgb[test])[:, 1])
    cnn = CNNClassifier(epochs=8, augment=["flip", "rotate90"], random_state=0).fit(X[train], y[train])
    cnn_auc = roc_auc_score(y[test], cnn.predict_proba(X[test])[:, 1])
    assert cnn_auc > 0.85
    assert cnn_auc - baseline_auc > 0.15, (cnn_auc, baseline_auc)


@pytest.mark.slow
def test_string_labels_and_multiclass(histology, small_classifier):
    X, y = histology
    names = np.array(["benign", "malignant", "normal"])
    y3 = names[(np.arange(len(y)) % 3)]
    clf = small_classifier().fit(X, y3)
    assert clf.classes_.tolist() == ["benign", "malignant", "normal"]
    assert clf.predict_proba(X[:5]).shape == (5, 3)
    assert set(clf.predict(X)) <= set(names)


@pytest.mark.slow
def test_random_state_gives_identical_predictions(histology, small_classifier):
    X, y = histology
    a = small_classifier(epochs=2, augment=["flip", "rotate90", "rotate"]).fit(X, y).predict_proba(X)
    b = small_classifier(epochs=2, augment=["flip", "rotate90", "rotate"]).fit(X, y).predict_proba(X)
    c = small_classifier(epochs=2, augment=["flip", "rotate90", "rotate"], random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_global_numpy_random_state_alone(histology, small_classifier):
    X, y = histology
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    small_classifier().fit(X[:40], y[:40])
    assert np.random.rand() == expected


@pytest.mark.slow
def test_grayscale_and_flattened_input(histology, small_classifier):
    X, y = histology
    gray = X.mean(axis=-1).astype(np.uint8)  # (n, h, w)
    clf = small_classifier().fit(gray, y)
    assert clf.sample_shape_ == (28, 28, 1)
    flat = gray.reshape(len(gray), -1)
    clf_flat = small_classifier(image_shape=(28, 28)).fit(flat, y)
    np.testing.assert_allclose(clf_flat.predict_proba(flat[:5]), clf.predict_proba(gray[:5]), atol=1e-6)
    with pytest.raises(ValueError, match="image_shape=.*does not fit"):
        small_classifier(epochs=2, image_shape=(5, 5)).fit(flat, y)


@pytest.mark.slow
def test_path_input_matches_array_input(histology, histology_files, small_classifier):
    X, y = histology
    paths, y_paths = histology_files
    from_paths = small_classifier().fit(paths, y_paths)
    from_arrays = small_classifier().fit(X[:40], y[:40])
    np.testing.assert_allclose(from_paths.predict_proba(paths), from_arrays.predict_proba(X[:40]), atol=1e-5)
    assert from_paths.sample_shape_ == (28, 28, 3)


@pytest.mark.slow
def test_images_smaller_than_the_network_are_resized_or_padded(histology, small_classifier):
    X, y = histology
    tiny = X[:, :6, :6]  # lenet5 needs 12x12
    for mode in ("resize", "pad"):
        clf = small_classifier(resize_mode=mode).fit(tiny, y)
        assert clf.input_shape_[:2] == (12, 12)
        assert clf.predict_proba(tiny[:3]).shape == (3, 2)
    clf = small_classifier(image_size=20).fit(X, y)
    assert clf.input_shape_ == (20, 20, 3)
    # images of another size at predict time are brought to the network size too
    assert clf.predict(X[:4, :25, :25]).shape == (4,)


@pytest.mark.slow
def test_augment_and_class_weight_change_training(histology, small_classifier):
    X, y = histology
    base = small_classifier().fit(X, y).history_["loss"]
    augmented = small_classifier(augment=["flip", ("rotate", {"factor": 0.2})]).fit(X, y).history_["loss"]
    weighted = small_classifier(class_weight={0: 1.0, 1: 5.0}).fit(X, y).history_["loss"]
    assert base != augmented and base != weighted
    with pytest.raises(UnknownNameError, match="Did you mean 'flip'"):
        small_classifier(epochs=2, augment=["flipp"]).fit(X, y)
    with pytest.raises(ValueError, match="augment item"):
        small_classifier(epochs=2, augment=[42]).fit(X, y)


@pytest.mark.slow
def test_validation_fraction_and_early_stopping(histology, small_classifier):
    X, y = histology
    clf = small_classifier(epochs=30, validation_fraction=0.25, early_stopping=2, learning_rate=0.05).fit(X, y)
    assert "val_loss" in clf.history_
    assert len(clf.history_["loss"]) < 30  # stopped early


@pytest.mark.slow
def test_pickle_and_keras_round_trips_keep_predictions(histology, tmp_path, small_classifier):
    X, y = histology
    y_named = np.where(y == 1, "malignant", "benign")
    clf = small_classifier(augment=[("rotate", {"factor": 0.05})]).fit(X, y_named)
    expected = clf.predict_proba(X[:10])
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X[:10]), expected)
    path = tmp_path / "model.keras"
    clf.save(path)
    loaded = medcnn.load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X[:10]), expected)
    assert loaded.classes_.tolist() == ["benign", "malignant"]
    assert loaded.get_params()["augment"] == [["rotate", {"factor": 0.05}]]
    assert loaded.fit(X[:20], y_named[:20]).predict(X[:2]).shape == (2,)  # refits with saved params
    import keras  # the file is also a plain Keras model

    assert keras.saving.load_model(path).output_shape == (None, 2)


@pytest.mark.slow
def test_load_model_rejects_other_files(tmp_path, small_classifier):
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ModelFileError, match="notes.keras.*not a .keras model archive"):
        medcnn.load_model(text)
    with pytest.raises(ModelFileError, match="not found"):
        medcnn.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="must end in '.keras'"):
        small_classifier(epochs=2).fit(np.zeros((4, 12, 12)), [0, 1, 0, 1]).save(tmp_path / "model.h5")


@pytest.mark.slow
def test_gridsearch_and_cross_val_score(histology, small_classifier):
    X, y = histology
    scores = cross_val_score(small_classifier(epochs=2), X, y, cv=StratifiedKFold(3), scoring="roc_auc")
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    search = GridSearchCV(small_classifier(epochs=2), {"learning_rate": [1e-3, 3e-3]}, cv=2, scoring="roc_auc")
    search.fit(X, y)
    assert search.best_params_["learning_rate"] in (1e-3, 3e-3)
    assert search.best_estimator_.predict(X[:3]).shape == (3,)


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (np.full((4, 12, 12), np.nan), [0, 1, 0, 1], ValueError, "NaN"),
        (np.full((4, 12, 12), np.inf), [0, 1, 0, 1], ValueError, "infinity"),
        (np.zeros((4, 2, 12, 12, 3)), [0, 1, 0, 1], ValueError, "5 dimensions"),
        (np.zeros(4), [0, 1, 0, 1], ValueError, "Expected 2D array"),
        (np.zeros((4, 12, 12)), [0, 1, 0], ValueError, "4 samples in X, 3 labels"),
        (np.zeros((4, 12, 12)), [1, 1, 1, 1], ValueError, "only one class"),
        (np.zeros((4, 12, 12)), [0.1, 0.2, 0.3, 0.4], ValueError, "Unknown label type"),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, error, match, small_classifier):
    with pytest.raises(error, match=match):
        small_classifier(epochs=2).fit(X, y)


def test_bad_parameters_get_a_clear_error(histology, small_classifier):
    X, y = histology
    with pytest.raises(UnknownNameError, match="Unknown architecture 'resnet5'.*Did you mean"):
        small_classifier(epochs=2, architecture="resnet5").fit(X, y)
    for params, match in [({"epochs": 0}, "epochs=0"), ({"resize_mode": "crop"}, "resize_mode"),
                          ({"validation_fraction": 1.5}, "validation_fraction"),
                          ({"image_size": -3}, "image_size"), ({"optimizer": "adamm"}, "optimizer")]:
        with pytest.raises(ValueError, match=match):
            small_classifier(**{"epochs": 2, **params}).fit(X, y)


@pytest.mark.slow
def test_predict_checks_features_and_channels(histology, small_classifier):
    X, y = histology
    clf = small_classifier().fit(X, y)
    with pytest.raises(ValueError, match="1 channel"):
        clf.predict(X[..., :1])
    flat = small_classifier().fit(X.reshape(len(X), -1)[:, :100], y)
    with pytest.raises(ValueError, match="X has 99 features, but CNNClassifier is expecting 100"):
        flat.predict(np.zeros((2, 99)))


def test_unreadable_files_are_named(tmp_path, histology_files, small_classifier):
    paths, y = histology_files
    text = tmp_path / "note.png"
    text.write_text("this is not an image")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(open(paths[0], "rb").read()[:60])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for bad in (text, truncated, empty):
        X = np.append(paths[:3], str(bad))
        with pytest.raises(ImageReadError, match=bad.name):
            small_classifier(epochs=2).fit(X, [0, 1, 0, 1])
    (tmp_path / "notes.xyz").write_text("plain text")
    with pytest.raises(ImageReadError, match="No image reader for '.*notes.xyz'"):
        small_classifier(epochs=2).fit(np.array([str(tmp_path / "notes.xyz")] * 2), [0, 1])
    with pytest.raises(ImageReadError, match="not found: '.*missing.png'"):
        small_classifier(epochs=2).fit(np.array([paths[0], str(tmp_path / "missing.png")]), [0, 1])


@pytest.mark.slow
def test_example_plugin_architecture_trains_by_name(histology):
    pytest.importorskip("medcnn_example", reason="plugins/medcnn-example is not installed")
    X, y = histology
    clf = CNNClassifier(architecture="example_tiny_net", augment=["example_invert"], epochs=2,
                        random_state=0).fit(X, y)
    assert clf.model_.get_layer(index=2).name.startswith("functional") or clf.predict(X[:2]).shape == (2,)
    assert medcnn.registry.architectures.get("example_tiny_net").plugin == "example"


@pytest.mark.slow
def test_fitting_another_estimator_leaves_a_fitted_one_intact(histology, small_classifier):
    X, y = histology
    first = small_classifier().fit(X, y)
    before = first.predict_proba(X[:10])
    small_classifier(architecture="mnist_cnn", random_state=3).fit(X, y)  # clears Keras state
    np.testing.assert_array_equal(first.predict_proba(X[:10]), before)


@pytest.mark.slow
def test_verbose_shows_the_progress_of_predict_and_transform_over_several_batches(histology, capsys):
    from medcnn import TransferFeatureExtractor

    X, y = histology
    clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=16, random_state=0).fit(X[:40], y[:40])
    capsys.readouterr()
    clf.predict_proba(X[:40])
    assert capsys.readouterr().out == ""  # verbose=0: silent
    clf.set_params(verbose=2).predict_proba(X[:40])  # 3 batches
    assert "3/3" in capsys.readouterr().out
    clf.predict_proba(X[:10])  # one batch: nothing to follow
    assert capsys.readouterr().out == ""
    extractor = TransferFeatureExtractor("lenet5", weights=None, batch_size=8, verbose=2).fit(X[:40])
    capsys.readouterr()
    extractor.transform(X[:40])
    assert "5/5" in capsys.readouterr().out
    CNNClassifier(architecture="lenet5", batch_size=16, random_state=0, verbose=2).lr_find(X[:40], y[:40], num_steps=12)
    assert "12/12" in capsys.readouterr().out  # one bar over the range test's steps
