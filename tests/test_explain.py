"""Grad-CAM: localisation on images whose class is decided by where a square lies,
shapes and ranges, layer and class choices, wrapped estimators, plots, errors."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from medcnn import CNNClassifier
from medcnn.explain import grad_cam, plot_grad_cam

SIZE, SIDE, HALF = 28, 7, 14


def squares(n, seed):
    """Grey noise images with one bright square: in the top-left quadrant for class 1,
    in one of the other three quadrants for class 0 (only the position decides)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(0.0, 0.3, (n, SIZE, SIZE, 1)).astype(np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        quadrant = 0 if y[i] == 1 else rng.randint(1, 4)
        top = (quadrant // 2) * HALF + rng.randint(0, HALF - SIDE + 1)
        left = (quadrant % 2) * HALF + rng.randint(0, HALF - SIDE + 1)
        X[i, top:top + SIDE, left:left + SIDE] = rng.uniform(0.8, 1.0)
    return X, y


def quadrant_means(maps):
    """Mean heat of each quadrant (top-left, top-right, bottom-left, bottom-right) per map."""
    return np.stack([maps[:, :HALF, :HALF].mean((1, 2)), maps[:, :HALF, HALF:].mean((1, 2)),
                     maps[:, HALF:, :HALF].mean((1, 2)), maps[:, HALF:, HALF:].mean((1, 2))], axis=1)


@pytest.fixture(scope="module")
def square_model():
    X, y = squares(300, seed=0)
    # the class is the square's position: flips and quarter turns would hide it
    clf = CNNClassifier(architecture="lenet5", epochs=5, batch_size=16, optimizer="adam", lr_schedule=None,
                        augment=None, random_state=0).fit(X, y)
    return clf, squares(80, seed=1)


@pytest.fixture(scope="module")
def histology_model(histology):
    X, y = histology
    labels = np.where(y == 1, "malignant", "benign")
    clf = CNNClassifier(architecture="workshop_cnn", epochs=1, random_state=0).fit(X, labels)
    return clf, X[:12]


def dense_only(input_shape):
    """An architecture without any feature map: flatten, then dense."""
    import keras

    inputs = keras.Input(shape=input_shape, name="image")
    x = keras.layers.Flatten(name="flatten")(inputs)
    return keras.Model(inputs, keras.layers.Dense(8, activation="relu", name="dense")(x))


# ------------------------------------------------------------- correctness
def test_grad_cam_finds_the_square_that_decides_the_class(square_model):
    clf, (X, y) = square_model
    assert (clf.predict(X) == y).mean() > 0.9  # the network has learned the rule
    positives = X[y == 1]
    for layer in (None, "conv2"):
        maps = grad_cam(clf, positives, layer=layer, class_index=1)
        means = quadrant_means(maps).mean(axis=0)
        assert means[0] > 1.5 * means[1:].mean(), (layer, means)
    # per image, the hottest quadrant is mostly the square's
    maps = grad_cam(clf, positives, class_index=1)
    assert (quadrant_means(maps).argmax(axis=1) == 0).mean() > 0.6


def test_heat_is_on_the_square_itself(square_model):
    clf, (X, y) = square_model
    positives = X[y == 1]
    maps = grad_cam(clf, positives, class_index=1)
    square = positives[..., 0] > 0.5
    inside = np.array([m[s].mean() for m, s in zip(maps, square)])
    outside = np.array([m[~s].mean() for m, s in zip(maps, square)])
    assert inside.mean() > 2 * outside.mean()


# ------------------------------------------------------------ shapes, range
def test_shape_dtype_and_range(histology_model):
    clf, X = histology_model
    maps = grad_cam(clf, X)
    assert maps.shape == (12, 28, 28) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1 and np.isfinite(maps).all()
    peaks = maps.max(axis=(1, 2))
    assert np.all((peaks == 1) | (peaks == 0))  # each map scaled to 1, or all zero
    assert np.all(maps[peaks == 0] == 0)


@pytest.mark.slow
def test_maps_at_the_network_input_size(histology):
    X, y = histology
    clf = CNNClassifier(architecture="lenet5", image_size=36, epochs=1, random_state=0)
    clf.fit(X[:60], y[:60])
    assert grad_cam(clf, X[:3]).shape == (3, 36, 36)


def test_default_class_is_the_predicted_one(histology_model):
    clf, X = histology_model
    predicted = clf.predict(X)
    default = grad_cam(clf, X)
    for column, label in enumerate(clf.classes_):
        chosen = predicted == label
        if chosen.any():
            np.testing.assert_allclose(default[chosen], grad_cam(clf, X[chosen], class_index=column),
                                       atol=1e-5)


def test_class_index_by_label_or_column(histology_model):
    clf, X = histology_model
    assert list(clf.classes_) == ["benign", "malignant"]
    by_label = grad_cam(clf, X, class_index="malignant")
    np.testing.assert_allclose(by_label, grad_cam(clf, X, class_index=1), atol=1e-6)
    np.testing.assert_allclose(by_label, grad_cam(clf, X, class_index=np.int64(1)), atol=1e-6)
    # two classes: the evidence for one is evidence against the other
    benign = grad_cam(clf, X, class_index="benign")
    assert not np.allclose(benign, by_label)


def test_batches_do_not_mix(histology_model):
    clf, X = histology_model
    np.testing.assert_allclose(grad_cam(clf, X, batch_size=5), grad_cam(clf, X, batch_size=32),
                               atol=1e-5)


def test_named_layer(histology_model):
    clf, X = histology_model
    default = grad_cam(clf, X)  # the last feature map: dropout2 (5 x 5)
    np.testing.assert_allclose(default, grad_cam(clf, X, layer="dropout2"), atol=1e-6)
    early = grad_cam(clf, X, layer="conv1")
    assert early.shape == default.shape and not np.allclose(early, default)


def test_file_paths_give_the_same_maps_as_arrays(histology_model, histology_files):
    clf, _ = histology_model
    paths, _ = histology_files
    from PIL import Image

    arrays = np.stack([np.asarray(Image.open(p)) for p in paths[:6]])
    np.testing.assert_allclose(grad_cam(clf, paths[:6], batch_size=4), grad_cam(clf, arrays), atol=1e-4)


def test_pipeline_frozen_and_loaded_estimators(histology_model, tmp_path):
    from medcnn import load_model

    clf, X = histology_model
    expected = grad_cam(clf, X[:4])
    np.testing.assert_allclose(grad_cam(FrozenEstimator(clf), X[:4]), expected, atol=1e-6)
    flatten = FunctionTransformer(lambda Z: np.asarray(Z).reshape(len(Z), -1))
    pipe = make_pipeline(flatten, FrozenEstimator(clf)).fit(X, np.zeros(len(X)))
    np.testing.assert_allclose(grad_cam(pipe, X[:4]), expected, atol=1e-6)
    clf.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(grad_cam(loaded, X[:4]), expected, atol=1e-5)


# ---------------------------------------------------------------- plotting
def test_plot_grad_cam_returns_a_figure_with_one_image_axes_per_image(histology_model, tmp_path):
    from matplotlib.figure import Figure

    clf, X = histology_model
    figure = plot_grad_cam(clf, X[:6], ncols=4)
    assert isinstance(figure, Figure)
    image_axes = [ax for ax in figure.axes if ax.images]
    assert len(image_axes) == 6 == len(figure.axes)
    assert all(len(ax.images) == 2 for ax in image_axes)  # the image and its heatmap
    assert image_axes[0].get_title().split(":")[0] in ("benign", "malignant")
    figure.savefig(tmp_path / "cam.png")
    assert (tmp_path / "cam.png").stat().st_size > 1000


def test_plot_grad_cam_into_given_axes_with_titles(histology_model):
    from matplotlib.figure import Figure

    clf, X = histology_model
    figure = Figure()
    axes = figure.subplots(1, 3)
    returned = plot_grad_cam(clf, X[:2], ax=axes, titles=["first", "second"], alpha=0.6,
                             class_index="malignant", cmap="viridis")
    assert returned is figure
    assert [ax.get_title() for ax in axes[:2]] == ["first", "second"] and not axes[2].images
    single = plot_grad_cam(clf, X[:1], ax=Figure().add_subplot())
    assert len(single.axes[0].images) == 2


@pytest.mark.parametrize("params, message", [
    ({"alpha": 1.5}, "alpha=1.5 is not valid"),
    ({"ncols": 0}, "ncols=0 is not valid"),
    ({"titles": ["only one"]}, "titles has 1 entries for 2 images"),
])
def test_plot_grad_cam_errors(histology_model, params, message):
    clf, X = histology_model
    with pytest.raises(ValueError, match=message):
        plot_grad_cam(clf, X[:2], **params)


def test_plot_grad_cam_needs_enough_axes(histology_model):
    from matplotlib.figure import Figure

    clf, X = histology_model
    with pytest.raises(ValueError, match="ax holds 1 axes for 2 images"):
        plot_grad_cam(clf, X[:2], ax=Figure().add_subplot())


# ------------------------------------------------------------------ errors
def test_unfitted_estimator():
    with pytest.raises(NotFittedError):
        grad_cam(CNNClassifier(architecture="lenet5"), np.zeros((2, 28, 28, 3)))


def test_not_a_cnn():
    X = np.random.RandomState(0).rand(10, 4)
    lr = LogisticRegression().fit(X, np.arange(10) % 2)
    with pytest.raises(TypeError, match="needs a fitted CNNClassifier.*got LogisticRegression"):
        grad_cam(lr, X)


@pytest.mark.parametrize("layer, message", [
    ("conv9", "Unknown layer 'conv9'.*'conv1', 'pool1', 'dropout1', 'conv2', 'conv3', 'pool2', "
              "'dropout2'"),
    ("conv", r"Unknown layer 'conv'.*Did you mean 'conv\d'"),
    ("classifier", "Unknown layer 'classifier'"),
    ("dense", r"Layer 'dense' outputs shape \(None, 512\), not a feature map.*'conv3'"),
    ("image", "Layer 'image' is the input of the architecture"),
])
def test_bad_layers(histology_model, layer, message):
    clf, X = histology_model
    with pytest.raises(ValueError, match=message):
        grad_cam(clf, X[:2], layer=layer)


def test_layer_must_be_a_name(histology_model):
    clf, X = histology_model
    with pytest.raises(TypeError, match="layer=3 is not valid"):
        grad_cam(clf, X[:2], layer=3)


@pytest.mark.parametrize("class_index, message", [
    (2, "class_index=2 is out of range.*0 to 1"),
    (-1, "class_index=-1 is out of range"),
    ("normal", "class_index='normal' is not a label.*'benign', 'malignant'"),
])
def test_bad_class_index(histology_model, class_index, message):
    clf, X = histology_model
    with pytest.raises(ValueError, match=message):
        grad_cam(clf, X[:2], class_index=class_index)


def test_bad_batch_size(histology_model):
    clf, X = histology_model
    with pytest.raises(ValueError, match="batch_size=0 is not valid"):
        grad_cam(clf, X[:2], batch_size=0)


def test_architecture_without_feature_maps(histology):
    X, y = histology
    clf = CNNClassifier(architecture=dense_only, epochs=1, random_state=0).fit(X[:40], y[:40])
    with pytest.raises(ValueError, match="no layer with a feature-map output"):
        grad_cam(clf, X[:2])
    with pytest.raises(ValueError, match="Layer 'dense' outputs shape.*no layer with a feature-map"):
        grad_cam(clf, X[:2], layer="dense")
