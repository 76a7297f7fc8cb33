"""Volumes (n, d, h, w[, c]) with the 3-D architectures: training, augmenters, Grad-CAM, files."""

import types

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import medcnn
from medcnn import CNNClassifier, CNNRegressor
from medcnn.augmenters import build_augmenters
from medcnn.testing import registered_plugin


def blob_volumes(n, shape=(8, 16, 16), seed=0, centres=False):
    """Noisy volumes; class 1 holds a bright Gaussian blob at a random place, class 0 none."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.3, 0.1, (n,) + shape).astype(np.float32)
    y = np.arange(n) % 2
    grid = np.mgrid[tuple(slice(0, s) for s in shape)]
    where = {}
    for i in np.flatnonzero(y):
        where[i] = centre = tuple(int(rng.integers(2, s - 2)) for s in shape)
        X[i] += 0.5 * np.exp(-sum((g - c) ** 2 for g, c in zip(grid, centre)) / 4.0)
    return (X, y, where) if centres else (X, y)


@pytest.fixture(scope="session")  # a worker that runs both tests using it trains it once
def fitted():
    X, y = blob_volumes(96, seed=0)
    clf = CNNClassifier(architecture="cnn3d_small", epochs=10, batch_size=16, random_state=0).fit(X, y)
    return clf


@pytest.mark.slow
def test_a_3d_cnn_finds_the_blob_in_held_out_volumes(fitted):
    X_test, y_test = blob_volumes(48, seed=1)
    assert fitted.input_shape_ == (8, 16, 16, 1)
    auc = roc_auc_score(y_test, fitted.predict_proba(X_test)[:, 1])
    assert auc > 0.8, auc  # chance is 0.5


@pytest.mark.slow
def test_grad_cam_on_a_volume_is_a_volume_whose_peak_lies_near_the_blob(fitted):
    from medcnn.explain import grad_cam, plot_grad_cam

    X, y, centres = blob_volumes(8, seed=2, centres=True)
    cams = grad_cam(fitted, X, class_index=1)
    assert cams.shape == (8,) + X.shape[1:] and cams.dtype == np.float32
    assert cams.min() >= 0 and cams.max() <= 1
    # the map is higher at the blob than over the volume as a whole
    assert np.mean([cams[i][centre] > cams[i].mean() for i, centre in centres.items()]) >= 0.75
    figure = plot_grad_cam(fitted, X[:2])
    assert len(figure.axes) == 2 and figure.axes[0].images[0].get_array().shape == X.shape[2:]


@pytest.mark.slow
def test_resnet18_3d_regressor_and_channels_last_volumes():
    X, y = blob_volumes(16, seed=3)
    X = np.repeat(X[..., np.newaxis], 2, axis=-1)  # two channels
    reg = CNNRegressor(architecture="resnet18_3d", architecture_params={"width": 4}, epochs=1, batch_size=8,
                       image_size=8, random_state=0).fit(X, y.astype(float))
    assert reg.input_shape_ == (4, 8, 8, 2)  # height and width 8, the depth scaled alike
    assert reg.predict(X).shape == (16,)
    with pytest.raises(ValueError, match="1 channel.*fitted on volumes with 2"):
        reg.predict(X[..., 0])


def test_default_augmenters_have_volume_counterparts_and_2d_ones_are_refused():
    layers = build_augmenters(("flip", "rotate90", "contrast"), seed=0, channels=1, spatial_dims=3)
    assert [type(layer).__name__ for layer in layers] == ["RandomVolumeFlip", "RandomVolumeRotate90",
                                                          "RandomVolumeIntensity"]
    x = np.random.default_rng(0).random((4, 3, 6, 6, 1)).astype(np.float32)
    for layer in layers:
        out = np.asarray(layer(x, training=True))
        assert out.shape == x.shape
        np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    flipped = np.asarray(layers[0](x, training=True))
    assert all(any(np.array_equal(flipped[i], np.flip(x[i], axes)) if axes else np.array_equal(flipped[i], x[i])
                   for axes in [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]) for i in range(4))
    with pytest.raises(ValueError, match="'rotate' acts on 2-D images.*'volume_flip'"):
        build_augmenters(["rotate"], seed=0, spatial_dims=3)


def test_volume_input_errors_name_the_problem():
    X, y = blob_volumes(4)
    with pytest.raises(ValueError, match=r"expects volumes \(n, d, h, w\)"):
        CNNClassifier(architecture="cnn3d_small").fit(X[:, 0, 0], y)
    with pytest.raises(ValueError, match="has 5 dimensions"):  # a 2-D network refuses volumes
        CNNClassifier(architecture="patch_cnn").fit(X[..., np.newaxis], y)
    with pytest.raises(ValueError, match="resize_mode='pad' is not supported for volumes"):
        CNNClassifier(architecture="cnn3d_small", resize_mode="pad", image_size=8, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="image_size=.*not valid for volumes"):
        CNNClassifier(architecture="cnn3d_small", image_size=(8, 8), epochs=1).fit(X, y)


def _read_volume(path):
    return np.load(path)


@pytest.fixture
def volume_reader():
    plugin = types.SimpleNamespace(register_image_readers=medcnn.hookimpl(
        lambda register: register("vol.npy", _read_volume, description="test volumes")))
    with registered_plugin(plugin, "test-volume-reader"):
        yield

@pytest.mark.slow
def test_volume_files_are_one_sample_each_and_are_resized_to_one_shape(volume_reader, tmp_path):
    X, y = blob_volumes(12)
    paths = []
    for i, volume in enumerate(X):
        if i % 3 == 0:  # some volumes of another size
            volume = np.ascontiguousarray(volume[:, ::2, ::2])
        path = tmp_path / f"case{i}.vol.npy"
        np.save(path, volume)
        paths.append(str(path))
    clf = CNNClassifier(architecture="cnn3d_small", epochs=1, batch_size=4, random_state=0).fit(paths, y)
    assert clf.input_shape_ == (8, 16, 16, 1)
    assert clf.predict_proba(paths).shape == (12, 2)
    with pytest.raises(ValueError, match="up to 16 channels.*train a volume architecture"):
        CNNClassifier(architecture="patch_cnn", epochs=1).fit(paths, y)  # a volume is not a 16-channel image


@pytest.mark.slow
def test_evaluate_cross_validates_a_volume_network_by_patient():
    from medcnn.evaluation import evaluate

    X, y = blob_volumes(32, seed=4)
    groups = np.repeat(np.arange(16), 2)
    report = evaluate(CNNClassifier(architecture="cnn3d_small", epochs=6, batch_size=8, random_state=0), X, y,
                      groups=groups, cv=2, n_bootstraps=50, random_state=0)
    assert len(report.y_true) == 32 and len(set(report.groups)) == 16
    assert set(report.fold) == {1, 2}
    assert report.metrics["roc_auc"]["value"] > 0.7
