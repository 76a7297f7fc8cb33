"""Cross-validated evaluation of a classifier of three or more classes (called by :func:`evaluate`)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ._groups import default_cv
from ._multiclass import multiclass_intervals, multiclass_metrics, patient_level
from ._report import EvaluationReport

__all__ = ["evaluate_multiclass"]


def _check_folds(splits, codes, classes, groups):
    counts = np.bincount(codes, minlength=len(classes))
    for fold, (train, test) in enumerate(splits, 1):
        for part, index in (("test", test), ("training", train)):
            missing = np.setdiff1d(np.arange(len(classes)), codes[index])
            if len(missing):
                label = classes.tolist()[missing[0]]
                where = "" if groups is None else f" ({len(np.unique(groups[index]))} groups)"
                raise ValueError(
                    f"Fold {fold} of {len(splits)} has no sample of class {label!r} in its {part} part "
                    f"({len(index)} samples{where}); every fold needs every class. Use fewer folds, or "
                    f"groups that spread class {label!r} ({counts[missing[0]]} samples) over more patients.")


def evaluate_multiclass(estimator, X, y, groups, cv, *, aggregate, ordinal, n_bootstraps, confidence,
                        random_state, verbose):
    """:func:`evaluate` for ``y`` of three or more classes (inputs already checked)."""
    classes, codes = np.unique(y, return_inverse=True)
    codes = codes.ravel()
    splitter = default_cv(cv, groups, random_state)
    n_splits = splitter.get_n_splits(X, y, groups)
    counts = np.bincount(codes)
    rare = int(np.argmin(counts))
    if counts[rare] < n_splits:
        raise ValueError(
            f"Class {classes.tolist()[rare]!r} has {counts[rare]} samples and there are {n_splits} folds: every "
            f"test fold needs one of each class. Use cv <= {counts[rare]}, merge rare classes, or collect "
            "more samples of that class.")
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise ValueError(f"groups has {len(np.unique(groups))} distinct groups, fewer than the "
                         f"{n_splits} folds; use cv <= {len(np.unique(groups))}.")
    splits = list(splitter.split(X, y, groups))
    _check_folds(splits, codes, classes, groups)

    proba = np.full((len(y), len(classes)), np.nan)
    fold_of = np.zeros(len(y), dtype=int)
    fold_metrics, histories = [], []
    for fold, (train, test) in enumerate(splits, 1):
        model = clone(estimator).fit(X[train], y[train])
        columns = [list(model.classes_).index(label) for label in classes]
        proba[test] = model.predict_proba(X[test])[:, columns]
        fold_of[test] = fold
        fold_metrics.append({"fold": fold, "n_test": len(test),
                             **multiclass_metrics(codes[test], proba[test], ordinal)})
        histories.append(dict(getattr(model, "history_", None) or {}))
        if verbose:
            print(f"fold {fold}/{len(splits)}: ROC AUC (macro, one-vs-rest) "
                  f"{fold_metrics[-1]['roc_auc_macro']:.3f} ({len(test)} test samples)", flush=True)

    metrics, per_class = multiclass_intervals(codes, proba, groups, ordinal, n_bootstraps, confidence,
                                              random_state)
    patient_metrics = patient_class_metrics = None
    if groups is not None:
        _, truth, rows = patient_level(codes, proba, groups, aggregate, ordinal)
        if len(np.unique(truth)) == len(classes):
            patient_metrics, patient_class_metrics = multiclass_intervals(
                truth, rows, None, ordinal, n_bootstraps, confidence, random_state)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=None, neg_label=None, threshold=None,
        confidence=float(confidence), n_bootstraps=int(n_bootstraps), aggregate=aggregate, metrics=metrics,
        fold_metrics=fold_metrics, patient_metrics=patient_metrics, y_true=y, y_score=proba, fold=fold_of,
        groups=groups, histories=histories, classes=classes, class_metrics=per_class,
        patient_class_metrics=patient_class_metrics, ordinal=bool(ordinal))
