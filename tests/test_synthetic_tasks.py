"""Tests of the synthetic histology generators for grades, multi-label, regression and survival tasks."""

import re

import numpy as np
import pytest
from scipy import ndimage
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from medcnn.datasets import (HISTOLOGY_FINDINGS, make_histology, make_histology_multilabel,
                             make_histology_regression, make_histology_survival)


def _dark_fraction(X):
    """Share of pixels much darker than their patch's mean: the nuclei."""
    gray = X.astype(float).mean(axis=3).reshape(len(X), -1)
    return (gray < gray.mean(axis=1, keepdims=True) - 40).mean(axis=1)


def _features(X):
    """A few hand-computed statistics per patch: nuclei, their size, pale regions, contrast."""
    gray = X.astype(float).mean(axis=3)
    flat = gray.reshape(len(X), -1)
    dark = gray < flat.mean(axis=1)[:, None, None] - 40
    blobs = []
    for patch in dark:
        labels, count = ndimage.label(patch)
        sizes = np.bincount(labels.ravel())[1:]
        blobs.append([count, sizes.mean() if count else 0.0, sizes.max() if count else 0.0])
    smooth = ndimage.uniform_filter(gray, size=(1, 9, 9)).reshape(len(X), -1)
    pale = (flat > np.median(flat, axis=1, keepdims=True) + 15).mean(axis=1)
    return np.column_stack([dark.mean(axis=(1, 2)), np.array(blobs), flat.std(axis=1),
                            smooth.std(axis=1), pale])


# --------------------------------------------------------------------------- grades


def test_default_weights_are_the_old_ones():
    X1, y1 = make_histology(12, image_size=16, random_state=2)
    X2, y2 = make_histology(12, image_size=16, weights=(0.7, 0.3), random_state=2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert (y1 == 1).sum() == 4  # round(3.6)


@pytest.mark.parametrize("n_samples, n_classes, weights, counts", [
    (12, 4, None, [3, 3, 3, 3]),
    (7, 3, None, [3, 2, 2]),            # 2.33 each: the first remainder rounds up
    (10, 3, (0.5, 0.3, 0.2), [5, 3, 2]),
    (10, 4, [0.25] * 4, [3, 3, 2, 2]),  # 2.5 each
    (9, 3, (0.0, 0.0, 1.0), [0, 0, 9]),
    (11, 5, (0.1, 0.2, 0.3, 0.2, 0.2), [1, 2, 4, 2, 2]),  # 1.1, 2.2, 3.3, 2.2, 2.2
])
def test_grade_counts_follow_weights(n_samples, n_classes, weights, counts):
    X, y = make_histology(n_samples, image_size=16, weights=weights, n_classes=n_classes, random_state=0)
    assert X.shape == (n_samples, 16, 16, 3) and X.dtype == np.uint8
    assert np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y, minlength=n_classes).tolist() == counts


def test_grades_reproducible_and_shuffled():
    X1, y1 = make_histology(40, image_size=16, n_classes=4, random_state=5)
    X2, y2 = make_histology(40, image_size=16, n_classes=4, random_state=5)
    X3, _ = make_histology(40, image_size=16, n_classes=4, random_state=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert not np.all(np.diff(y1) >= 0)


@pytest.mark.parametrize("n_classes", [3, 5])
def test_grades_look_ordered(n_classes):
    X, y = make_histology(60 * n_classes, image_size=32, n_classes=n_classes, random_state=0)
    dark = _dark_fraction(X)
    per_grade = np.array([dark[y == grade].mean() for grade in range(n_classes)])
    assert np.all(np.diff(per_grade) > 0), per_grade
    assert per_grade[-1] > 3 * per_grade[0]
    assert spearmanr(y, dark)[0] > 0.6


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_classes=1), r"n_classes must be an integer >= 2 .*got 1\."),
    (dict(n_classes=0), r"n_classes .* got 0"),
    (dict(n_classes=2.5), r"n_classes .* got 2\.5"),
    (dict(n_classes=True), r"n_classes .* got True"),
    (dict(n_classes=3, weights=(0.5, 0.5)),
     r"weights must be 3 non-negative numbers summing to 1 .*n_classes=3.*got \(0\.5, 0\.5\)\. "
     r"For 2 classes, pass n_classes=2\.$"),
    (dict(n_classes=3, weights=(0.5, 0.3, 0.3)), r"weights must be 3 .*got \(0\.5, 0\.3, 0\.3\)"),
    (dict(n_classes=3, weights=(1.5, -0.25, -0.25)), r"weights .* got \(1\.5, -0\.25, -0\.25\)"),
    (dict(weights=(0.2, 0.3, 0.5)), r"weights must be two .*got \(0\.2, 0\.3, 0\.5\)\. For 3 classes, pass "
                                    r"n_classes=3\."),
])
def test_grade_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_histology(10, image_size=16, **kwargs)


# ---------------------------------------------------------------------- multi-label


def test_multilabel_shapes_counts_and_names():
    X, Y = make_histology_multilabel(20, image_size=24, prevalence=(0.5, 0.25, 0.0), random_state=0)
    assert X.shape == (20, 24, 24, 3) and X.dtype == np.uint8
    assert Y.shape == (20, len(HISTOLOGY_FINDINGS)) and np.issubdtype(Y.dtype, np.integer)
    assert set(np.unique(Y)) <= {0, 1}
    assert Y.sum(axis=0).tolist() == [10, 5, 0]
    assert HISTOLOGY_FINDINGS == ("atypia", "inflammation", "necrosis")


def test_multilabel_defaults_and_scalar_prevalence():
    X, Y = make_histology_multilabel(n_samples=10, random_state=0)
    assert X.shape == (10, 50, 50, 3)
    assert Y.sum(axis=0).tolist() == [3, 3, 3]
    _, Y = make_histology_multilabel(9, image_size=16, prevalence=1.0, random_state=0)
    assert Y.sum() == 27


def test_multilabel_findings_are_independent():
    _, Y = make_histology_multilabel(200, image_size=8, prevalence=0.5, random_state=1)
    combinations = {tuple(row) for row in Y}
    assert len(combinations) == 8  # none, each alone, each pair, all three
    assert np.all(np.abs(np.corrcoef(Y.T)[np.triu_indices(3, 1)]) < 0.2)


def test_multilabel_reproducible():
    X1, Y1 = make_histology_multilabel(12, image_size=16, random_state=3)
    X2, Y2 = make_histology_multilabel(12, image_size=16, random_state=3)
    X3, Y3 = make_histology_multilabel(12, image_size=16, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


def test_each_finding_is_visible():
    X, Y = make_histology_multilabel(300, image_size=32, prevalence=0.5, random_state=0)
    features = _features(X)
    train, test = slice(0, 200), slice(200, None)
    for k, name in enumerate(HISTOLOGY_FINDINGS):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(features[train], Y[train, k])
        auc = roc_auc_score(Y[test, k], model.decision_function(features[test]))
        assert auc > 0.75, (name, auc)


def test_finding_effects_go_the_documented_way():
    X, Y = make_histology_multilabel(200, image_size=32, prevalence=0.5, random_state=2)
    features = _features(X)
    n_blobs, mean_blob, pale = features[:, 1], features[:, 2], features[:, 6]
    atypia, inflammation, necrosis = Y.T.astype(bool)
    assert mean_blob[atypia].mean() > 1.5 * mean_blob[~atypia].mean()  # larger nuclei
    assert n_blobs[inflammation].mean() > 1.8 * n_blobs[~inflammation].mean()  # many more, separate
    assert pale[necrosis].mean() > 1.5 * pale[~necrosis].mean()  # pale regions


@pytest.mark.parametrize("prevalence", [(0.3, 0.3), 1.5, -0.1, (0.3, 0.3, 1.2), (0.3, -0.1, 0.3), "a",
                                        float("nan"), (0.3, 0.3, 0.3, 0.3)])
def test_multilabel_bad_prevalence(prevalence):
    with pytest.raises(ValueError, match=r"prevalence must be .*got " + re.escape(repr(prevalence))):
        make_histology_multilabel(10, image_size=16, prevalence=prevalence)


def test_multilabel_bad_sizes():
    with pytest.raises(ValueError, match=r"n_samples .* got 1"):
        make_histology_multilabel(1)
    with pytest.raises(ValueError, match=r"image_size .* got 4"):
        make_histology_multilabel(10, image_size=4)


# ------------------------------------------------------------------------ regression


def test_regression_target_measures_the_image():
    X, y = make_histology_regression(150, image_size=32, random_state=0)
    assert X.shape == (150, 32, 32, 3) and X.dtype == np.uint8
    assert y.shape == (150,) and y.dtype == np.float64
    assert np.all(np.isfinite(y)) and np.all(y >= 0) and np.all(y <= 1)
    assert y.std() > 0.3 * y.mean()  # a real spread of nuclear burden
    assert spearmanr(y, _dark_fraction(X))[0] > 0.5


def test_regression_reproducible_and_noise_is_relative():
    X1, y1 = make_histology_regression(30, image_size=16, noise=0.0, random_state=4)
    X2, y2 = make_histology_regression(30, image_size=16, noise=0.0, random_state=4)
    X3, y3 = make_histology_regression(30, image_size=16, noise=0.5, random_state=4)
    X4, _ = make_histology_regression(30, image_size=16, noise=0.0, random_state=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(X1, X3)  # the noise only touches the target
    assert not np.array_equal(X1, X4)
    assert np.all((y1 == 0) == (y3 == 0))  # no nuclei in view: nothing to measure wrong
    log_error = np.log(y3[y1 > 0] / y1[y1 > 0])
    assert 0.3 < log_error.std() < 0.7


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf"), "a", None, True])
def test_regression_bad_noise(noise):
    with pytest.raises(ValueError, match=r"noise must be a finite number >= 0 .*got " + re.escape(repr(noise))):
        make_histology_regression(10, image_size=16, noise=noise)


# -------------------------------------------------------------------------- survival


@pytest.fixture(scope="module")
def survival_data():
    return make_histology_survival(200, image_size=32, censoring=0.3, random_state=1)


def test_survival_structured_target(survival_data):
    X, y = survival_data
    assert X.shape == (200, 32, 32, 3) and X.dtype == np.uint8
    assert y.dtype == np.dtype([("event", "?"), ("time", "<f8")])
    assert y.shape == (200,)
    assert np.all(np.isfinite(y["time"])) and np.all(y["time"] > 0)


def test_survival_accepted_by_scikit_survival(survival_data):
    util = pytest.importorskip("sksurv.util")
    _, y = survival_data
    event, time = util.check_y_survival(y)
    np.testing.assert_array_equal(event, y["event"])
    np.testing.assert_array_equal(time, y["time"])
    np.testing.assert_array_equal(util.Surv.from_arrays(y["event"], y["time"]), y)


@pytest.mark.parametrize("censoring", [0.1, 0.3, 0.6])
def test_survival_censored_fraction(censoring):
    _, y = make_histology_survival(200, image_size=8, censoring=censoring, random_state=2)
    assert abs((~y["event"]).mean() - censoring) <= 0.1


def test_survival_without_censoring():
    _, y = make_histology_survival(50, image_size=8, censoring=0.0, random_state=0)
    assert y["event"].all()
    assert np.all(np.isfinite(y["time"])) and np.all(y["time"] > 0)


def test_survival_shorter_with_more_nuclei(survival_data):
    X, y = survival_data
    burden = _dark_fraction(X)
    events = y["event"]
    assert spearmanr(y["time"][events], burden[events])[0] < -0.3


def test_survival_reproducible():
    X1, y1 = make_histology_survival(20, image_size=16, random_state=7)
    X2, y2 = make_histology_survival(20, image_size=16, random_state=7)
    _, y3 = make_histology_survival(20, image_size=16, random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1["time"], y3["time"])


@pytest.mark.parametrize("censoring", [-0.1, 1.0, 1.5, float("nan"), "a", None, True])
def test_survival_bad_censoring(censoring):
    with pytest.raises(ValueError, match=r"censoring must be a number in \[0, 1\) .*got " + re.escape(repr(censoring))):
        make_histology_survival(10, image_size=16, censoring=censoring)
