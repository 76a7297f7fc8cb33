"""Patient-aware evaluation: the default splitter and patch -> patient aggregation."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["default_cv", "aggregate_by_group"]

AGGREGATIONS = ("mean", "max", "median")


def default_cv(cv=5, groups=None, random_state=None, stratify=True):
    """The cross-validation splitter medcnn uses for ``cv=<int>``.

    With patient groups it is :class:`~sklearn.model_selection.StratifiedGroupKFold`
    (no patient on both sides of a split, class balance kept as far as groups allow);
    without, :class:`~sklearn.model_selection.StratifiedKFold`. Both shuffle when a
    ``random_state`` is given. For continuous targets (``stratify=False``) they are
    ``GroupKFold`` and ``KFold``. A splitter object is returned unchanged.

    Parameters
    ----------
    cv : int or splitter, default=5
        Number of folds, or a scikit-learn splitter.
    groups : array-like, optional
        Patient/subject ID per sample.
    random_state : int, optional
        Seed for shuffling.
    stratify : bool, default=True
        Whether the folds keep the class balance (False for a regressor's targets).

    Returns
    -------
    splitter
        A scikit-learn cross-validation splitter.

    Examples
    --------
    >>> type(default_cv(5, groups=["p1", "p1", "p2"])).__name__
    'StratifiedGroupKFold'
    >>> type(default_cv(3)).__name__
    'StratifiedKFold'
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    if not isinstance(cv, numbers.Integral) or isinstance(cv, bool):
        return cv
    if cv < 2:
        raise ValueError(f"cv={cv!r} is not valid; give at least 2 folds or a splitter.")
    shuffle = random_state is not None
    if groups is not None:
        return (StratifiedGroupKFold if stratify else GroupKFold)(int(cv), shuffle=shuffle, random_state=random_state)
    return (StratifiedKFold if stratify else KFold)(int(cv), shuffle=shuffle, random_state=random_state)


def aggregate_by_group(values, groups, how="mean"):
    """Combine per-image values (probabilities, labels) into one value per group.

    Parameters
    ----------
    values : array-like of shape (n,) or (n, k)
        Per-image values, e.g. ``predict_proba`` output or the malignant column.
    groups : array-like of shape (n,)
        Patient/subject ID per image.
    how : {"mean", "max", "median"}, default="mean"
        ``"mean"`` averages a patient's patches; ``"max"`` takes the most suspicious
        patch (a patient is positive if any patch is).

    Returns
    -------
    group_ids : ndarray of shape (n_groups,)
        Sorted unique group IDs.
    aggregated : ndarray of shape (n_groups,) or (n_groups, k)
        One row per group, in the order of ``group_ids``.

    Examples
    --------
    >>> ids, proba = aggregate_by_group([0.2, 0.4, 0.9], ["p1", "p1", "p2"])
    >>> ids.tolist(), proba.round(2).tolist()
    (['p1', 'p2'], [0.3, 0.9])
    >>> aggregate_by_group([0, 1, 0], ["p1", "p1", "p2"], how="max")[1].tolist()
    [1, 0]
    """
    values = np.asarray(values)
    groups = np.asarray(groups)
    if how not in AGGREGATIONS:
        raise ValueError(f"how={how!r} is not valid; use one of {AGGREGATIONS}.")
    if values.ndim not in (1, 2) or len(values) != len(groups) or groups.ndim != 1:
        raise ValueError(
            f"values (shape {values.shape}) and groups (shape {groups.shape}) do not line up: "
            "give one value (or row) and one group ID per image."
        )
    if len(values) == 0:
        raise ValueError("values and groups are empty.")
    ids, inverse = np.unique(groups, return_inverse=True)
    reduce = {"mean": np.mean, "max": np.max, "median": np.median}[how]
    rows = [reduce(values[inverse == g], axis=0) for g in range(len(ids))]
    out = np.stack(rows)
    if how == "max" or np.issubdtype(values.dtype, np.floating):
        out = out.astype(values.dtype, copy=False)
    return ids, out
