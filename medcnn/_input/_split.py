"""The validation data of a fit: a patient-disjoint split of the training samples, or
the user's own ``validation_data`` appended after them."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .._provenance import came_with_groups
from ._arrays import is_path_array

__all__ = ["append_validation", "check_groups", "group_split", "warn_if_patients_mix", "with_validation"]


def check_groups(groups, n_samples):
    """``groups`` as an array of ``n_samples`` group IDs (None stays None)."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(f"groups has {len(groups) if groups.ndim == 1 else groups.shape} entries but X has "
                         f"{n_samples} samples; give one group (patient ID) per sample, in the order of X.")
    return groups


def group_split(fraction, labels, groups, seed, classes=None):
    """``(train, valid)`` indices: about ``fraction`` of the patients held out whole,
    stratified by the integer ``labels`` as far as patients allow
    (``StratifiedGroupKFold`` with ``round(1 / fraction)`` folds, one of them held
    out), or ``GroupShuffleSplit`` without labels. ``classes`` names the labels in
    messages (None: the labels are the event indicator of survival times)."""
    from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold

    patients = np.unique(groups)
    if len(patients) < 2:
        raise ValueError(f"groups holds {len(patients)} patient ({patients[0]!r}); a patient-disjoint validation "
                         "split needs two or more patients. Give the patient ID of each sample, or "
                         "validation_fraction=0.")
    indices = np.arange(len(groups))
    if labels is None:
        splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
        return next(splitter.split(indices, groups=groups))
    n_splits = int(min(max(2, round(1 / fraction)), len(patients)))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=seed is not None, random_state=seed)
    train, valid = next(splitter.split(indices, labels, groups))
    for part, index in (("validation", valid), ("training", train)):
        missing = np.setdiff1d(np.unique(labels), labels[index])
        if len(missing):
            what = (f"class {classes.tolist()[missing[0]]!r}" if classes is not None else
                    "event" if missing[0] == 1 else "censored time")
            holders = len(np.unique(groups[labels == missing[0]]))
            raise ValueError(
                f"The patient-disjoint split of validation_fraction={fraction} ({len(np.unique(groups[valid]))} of "
                f"{len(patients)} patients held out) leaves the {part} part without any {what}: "
                f"{holders} patient(s) have one. Use another validation_fraction or random_state, more patients "
                "with it, or validation_data=(X_val, y_val) of your own.")
    return train, valid


def warn_if_patients_mix(X, groups, fraction):
    """Warn when a random validation split is asked of images that a loader returned with
    their patients (``groups`` not given)."""
    if groups is None and fraction and came_with_groups(X):
        warnings.warn(
            f"validation_fraction={fraction} holds out a random part of the images, but they came from a loader "
            "that knows each image's patient: patients will be on both sides, and early stopping and best.keras "
            "judge the network on patients it trains on. Pass groups=dataset.groups to fit for a "
            "patient-disjoint split.", UserWarning, stacklevel=5)


def with_validation(X, validation_data, fraction, estimator_name):
    """``(X and X_val in one, len(X_val), y_val)`` for ``fit(..., validation_data=(X_val, y_val))``."""
    if fraction:
        raise ValueError(f"validation_data and validation_fraction={fraction} both say what to validate on; give "
                         "validation_data with validation_fraction=0, or leave it out.")
    try:
        X_val, y_val = validation_data
    except (TypeError, ValueError):
        raise ValueError(f"validation_data must be a pair (X_val, y_val); got {type(validation_data).__name__}."
                         ) from None
    if is_path_array(X) != is_path_array(X_val):
        kinds = ["file paths" if is_path_array(part) else "image arrays" for part in (X, X_val)]
        raise ValueError(f"X holds {kinds[0]} but validation_data's X_val {kinds[1]}; give both in one form.")
    if len(X_val) != len(y_val):
        raise ValueError(f"validation_data has {len(X_val)} images but {len(y_val)} targets; give one target per "
                         "validation image.")
    if is_path_array(X):
        return np.concatenate([np.asarray(X, dtype=object), np.asarray(X_val, dtype=object)]), len(X_val), y_val
    X, X_val = np.asarray(X), np.asarray(X_val)
    if X.shape[1:] != X_val.shape[1:]:
        raise ValueError(
            f"validation_data's images have shape {X_val.shape[1:]}, the training images {X.shape[1:]}; "
            f"{estimator_name} validates on images of the training shape. Resize them to {X.shape[1:]}, or "
            "pass file paths (which are resized to the network's input).")
    return np.concatenate([X, X_val]), len(X_val), y_val


def append_validation(task, targets, weights, stratify):
    """The task's targets (a ``TaskTargets``) with the validation rows appended."""
    def extended(values, more):
        if values is None:
            return None
        more = np.zeros(len(targets), dtype=values.dtype) if more is None else more.astype(values.dtype)
        return np.concatenate([values, more])

    return dataclasses.replace(
        task, targets=np.concatenate([task.targets, targets.astype(task.targets.dtype)]),
        weights=None if task.weights is None else np.concatenate([task.weights, weights.astype(np.float32)]),
        stratify=extended(task.stratify, stratify), labels=extended(task.labels, stratify))
