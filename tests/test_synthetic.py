"""Tests of the synthetic H&E histology generator."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from medcnn.datasets._synthetic import make_histology


def _cv_auc(features, y):
    model = make_pipeline(StandardScaler(), LogisticRegression())
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_score(model, features, y, cv=cv, scoring="roc_auc").mean()


def _dark_fraction(X):
    """Share of pixels much darker than their patch's mean: the nuclei."""
    gray = X.astype(float).mean(axis=3).reshape(len(X), -1)
    return (gray < gray.mean(axis=1, keepdims=True) - 40).mean(axis=1)


def _local_variance(X):
    gray = X.astype(float).mean(axis=3)
    return (np.abs(np.diff(gray, axis=1)).mean(axis=(1, 2))
            + np.abs(np.diff(gray, axis=2)).mean(axis=(1, 2)))


@pytest.fixture(scope="module")
def data400():
    return make_histology(400, weights=(0.5, 0.5), random_state=0)


def test_defaults_shapes_and_dtypes():
    X, y = make_histology(random_state=0)
    assert X.shape == (200, 50, 50, 3)
    assert X.dtype == np.uint8
    assert y.shape == (200,)
    assert np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}
    assert (y == 1).sum() == 60  # 30 % malignant
    assert X.min() < 100 and X.max() > 200  # dark nuclei and pale background


@pytest.mark.parametrize("n_samples, image_size, weights, n_malignant", [
    (10, 32, (0.5, 0.5), 5),
    (7, 8, (0.7, 0.3), 2),     # round(2.1)
    (11, 16, (0.25, 0.75), 8),  # round(8.25)
    (5, 20, (1.0, 0.0), 0),
    (5, 64, (0.0, 1.0), 5),
    (2, 12, [0.5, 0.5], 1),
])
def test_sizes_and_class_counts(n_samples, image_size, weights, n_malignant):
    X, y = make_histology(n_samples, image_size=image_size, weights=weights, random_state=1)
    assert X.shape == (n_samples, image_size, image_size, 3)
    assert X.dtype == np.uint8
    assert int((y == 1).sum()) == n_malignant
    assert int((y == 0).sum()) == n_samples - n_malignant


def test_labels_are_shuffled():
    _, y = make_histology(100, weights=(0.5, 0.5), random_state=0)
    assert not np.all(y[:-1] <= y[1:])
    assert not np.all(y[:-1] >= y[1:])


def test_numpy_integer_arguments():
    X, y = make_histology(np.int64(4), image_size=np.int32(16), random_state=0)
    assert X.shape == (4, 16, 16, 3)


def test_same_seed_same_output():
    X1, y1 = make_histology(20, image_size=24, random_state=3)
    X2, y2 = make_histology(20, image_size=24, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_other_seed_other_output():
    X1, _ = make_histology(20, image_size=24, random_state=3)
    X2, _ = make_histology(20, image_size=24, random_state=4)
    assert not np.array_equal(X1, X2)


def test_random_state_objects():
    Xa, ya = make_histology(8, image_size=16, random_state=np.random.RandomState(5))
    Xb, yb = make_histology(8, image_size=16, random_state=5)
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(ya, yb)
    Xc, _ = make_histology(8, image_size=16, random_state=np.random.default_rng(5))
    Xd, _ = make_histology(8, image_size=16, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(Xc, Xd)
    # A generator passed in advances, so two draws from it differ.
    rng = np.random.default_rng(6)
    assert not np.array_equal(make_histology(4, 16, random_state=rng)[0],
                              make_histology(4, 16, random_state=rng)[0])


def test_chunked_rendering_matches_sizes():
    # More patches than one rendering chunk.
    X, y = make_histology(300, image_size=8, random_state=0)
    assert X.shape == (300, 8, 8, 3)
    assert (y == 1).sum() == 90


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_samples=1), r"n_samples must be an integer >= 2; got 1"),
    (dict(n_samples=0), r"n_samples .* got 0"),
    (dict(n_samples=10.5), r"n_samples .* got 10\.5"),
    (dict(n_samples=True), r"n_samples .* got True"),
    (dict(image_size=7), r"image_size must be an integer >= 8 .*got 7"),
    (dict(image_size=32.0), r"image_size .* got 32\.0"),
    (dict(weights=(0.6, 0.6)),
     r"weights must be two non-negative numbers summing to 1.*got \(0\.6, 0\.6\)"),
    (dict(weights=(1.2, -0.2)), r"weights .* got \(1\.2, -0\.2\)"),
    (dict(weights=(0.2, 0.3, 0.5)), r"weights .* got \(0\.2, 0\.3, 0\.5\)"),
    (dict(weights=0.3), r"weights .* got 0\.3"),
    (dict(weights=("a", "b")), r"weights .* got \('a', 'b'\)"),
    (dict(weights=(float("nan"), 1.0)), r"weights .* got \(nan, 1\.0\)"),
])
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_histology(**kwargs)


def test_looks_like_h_and_e(data400):
    X, _ = data400
    mean = X.reshape(-1, 3).astype(float).mean(axis=0)
    red, green, blue = mean
    # Eosin and haematoxylin both absorb green most: pink-purple, not grey.
    assert red > green + 30 and blue > green + 30


def test_nuclei_fraction_differs_between_classes(data400):
    X, y = data400
    dark = _dark_fraction(X)
    benign, malignant = dark[y == 0].mean(), dark[y == 1].mean()
    assert malignant > 3 * benign
    assert malignant - benign > 0.05


def test_mean_colour_is_a_weak_predictor(data400):
    X, y = data400
    mean_rgb = X.reshape(len(X), -1, 3).astype(float).mean(axis=1)
    auc_colour = _cv_auc(mean_rgb, y)
    assert auc_colour <= 0.75, auc_colour

    # Simple texture features see what the mean colour hides.
    texture = np.column_stack([_dark_fraction(X), _local_variance(X)])
    auc_texture = _cv_auc(texture, y)
    assert auc_texture >= 0.9, auc_texture
    assert auc_texture > auc_colour + 0.15


def test_mean_colour_weak_at_small_size_and_imbalance():
    X, y = make_histology(400, image_size=32, weights=(0.7, 0.3), random_state=1)
    mean_rgb = X.reshape(len(X), -1, 3).astype(float).mean(axis=1)
    assert _cv_auc(mean_rgb, y) <= 0.75
