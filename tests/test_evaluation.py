"""Patient-aware evaluation: default_cv and aggregate_by_group."""

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

from medcnn.evaluation import aggregate_by_group, default_cv


def _patients(n_patients=10, per_patient=6, seed=0):
    """Labels and patient IDs: each patient has patches of both classes, unevenly."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([f"P{i:02d}" for i in range(n_patients)], per_patient)
    y = rng.integers(0, 2, size=len(groups))
    y[::per_patient] = 0
    y[1::per_patient] = 1
    return np.zeros((len(y), 1)), y, groups


# ---------------------------------------------------------------------------- default_cv

def test_default_cv_with_groups_is_stratified_group_kfold_without_leaks():
    X, y, groups = _patients()
    cv = default_cv(5, groups=groups)
    assert isinstance(cv, StratifiedGroupKFold)
    assert cv.n_splits == 5 and cv.shuffle is False
    splits = list(cv.split(X, y, groups))
    assert len(splits) == 5
    tested = []
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert len(train) + len(test) == len(y)
        tested.extend(test.tolist())
    assert sorted(tested) == list(range(len(y)))  # every patch tested exactly once


def test_default_cv_without_groups_is_stratified_kfold():
    X, y, _ = _patients()
    cv = default_cv(3)
    assert isinstance(cv, StratifiedKFold) and not isinstance(cv, StratifiedGroupKFold)
    assert cv.n_splits == 3 and cv.shuffle is False and cv.random_state is None
    for _, test in cv.split(X, y):
        # stratified: class share in each test fold is close to the overall share
        assert abs(y[test].mean() - y.mean()) < 0.1


def test_default_cv_passes_splitters_through():
    for splitter in (KFold(4), GroupKFold(3), StratifiedKFold(2, shuffle=True, random_state=1)):
        assert default_cv(splitter) is splitter
        assert default_cv(splitter, groups=["a", "b"], random_state=3) is splitter


@pytest.mark.parametrize("cv", [1, 0, -3])
def test_default_cv_needs_two_folds(cv):
    with pytest.raises(ValueError, match=f"cv={cv}"):
        default_cv(cv)
    with pytest.raises(ValueError, match="at least 2"):
        default_cv(cv, groups=["a", "b"])


def test_default_cv_accepts_numpy_integers():
    cv = default_cv(np.int64(4), groups=["a"])
    assert isinstance(cv, StratifiedGroupKFold) and cv.n_splits == 4


def test_default_cv_shuffles_with_random_state():
    X, y, groups = _patients(n_patients=10, per_patient=6)
    grouped = default_cv(5, groups=groups, random_state=0)
    assert grouped.shuffle is True and grouped.random_state == 0
    plain = default_cv(5, random_state=0)
    assert plain.shuffle is True and plain.random_state == 0

    def folds(cv, with_groups):
        args = (X, y, groups) if with_groups else (X, y)
        return [tuple(sorted(test.tolist())) for _, test in cv.split(*args)]

    # same seed -> same folds; different seeds -> different folds
    assert folds(default_cv(5, groups=groups, random_state=0), True) == folds(grouped, True)
    assert folds(default_cv(5, groups=groups, random_state=1), True) != folds(grouped, True)
    assert folds(default_cv(5, random_state=1), False) != folds(plain, False)
    # still no leak when shuffling
    for train, test in default_cv(5, groups=groups, random_state=1).split(X, y, groups):
        assert not set(groups[train]) & set(groups[test])


# ---------------------------------------------------------------------------- aggregate_by_group

def test_aggregate_mean_max_median_1d():
    values = [0.1, 0.5, 0.9, 0.2, 0.4, 0.7, 0.6]
    groups = ["b", "a", "b", "c", "a", "b", "a"]
    # a: 0.5, 0.4, 0.6 ; b: 0.1, 0.9, 0.7 ; c: 0.2
    ids, mean = aggregate_by_group(values, groups)
    assert ids.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(mean, [0.5, 1.7 / 3, 0.2])
    _, top = aggregate_by_group(values, groups, how="max")
    np.testing.assert_allclose(top, [0.6, 0.9, 0.2])
    _, mid = aggregate_by_group(values, groups, how="median")
    np.testing.assert_allclose(mid, [0.5, 0.7, 0.2])
    assert mean.shape == top.shape == mid.shape == (3,)


def test_aggregate_median_even_count_and_int_ids_sorted():
    ids, mid = aggregate_by_group([1.0, 4.0, 2.0, 10.0, 3.0], [12, 3, 12, 12, 12], how="median")
    assert ids.tolist() == [3, 12]  # numeric IDs sorted numerically
    np.testing.assert_allclose(mid, [4.0, 2.5])


def test_aggregate_2d_probabilities():
    proba = np.array([[0.8, 0.2], [0.4, 0.6], [0.9, 0.1], [0.3, 0.7], [0.5, 0.5]])
    groups = np.array(["p2", "p1", "p2", "p1", "p1"])
    ids, mean = aggregate_by_group(proba, groups, how="mean")
    assert ids.tolist() == ["p1", "p2"]
    np.testing.assert_allclose(mean, [[0.4, 0.6], [0.85, 0.15]])
    _, top = aggregate_by_group(proba, groups, how="max")
    np.testing.assert_allclose(top, [[0.5, 0.7], [0.9, 0.2]])  # column-wise max
    _, mid = aggregate_by_group(proba, groups, how="median")
    np.testing.assert_allclose(mid, [[0.4, 0.6], [0.85, 0.15]])
    assert mean.shape == (2, 2)


def test_aggregate_keeps_float_dtype_and_int_max():
    values = np.array([0.25, 0.75, 0.5], dtype=np.float32)
    _, mean = aggregate_by_group(values, ["a", "a", "b"])
    assert mean.dtype == np.float32
    np.testing.assert_allclose(mean, [0.5, 0.5])
    ids, top = aggregate_by_group(np.array([0, 1, 0, 0]), ["x", "x", "y", "y"], how="max")
    assert top.tolist() == [1, 0] and np.issubdtype(top.dtype, np.integer)
    _, share = aggregate_by_group(np.array([0, 1, 1, 1]), ["x", "x", "y", "y"], how="mean")
    np.testing.assert_allclose(share, [0.5, 1.0])  # integer labels average to a share


def test_aggregate_mismatched_lengths():
    with pytest.raises(ValueError, match="do not line up"):
        aggregate_by_group([0.1, 0.2, 0.3], ["a", "b"])
    with pytest.raises(ValueError, match="do not line up"):
        aggregate_by_group(np.zeros((2, 2)), np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="do not line up"):
        aggregate_by_group(np.zeros((2, 2, 2)), ["a", "b"])


def test_aggregate_bad_how():
    with pytest.raises(ValueError, match="how='sum'.*mean"):
        aggregate_by_group([0.1], ["a"], how="sum")


def test_aggregate_empty():
    with pytest.raises(ValueError, match="empty"):
        aggregate_by_group([], [])
