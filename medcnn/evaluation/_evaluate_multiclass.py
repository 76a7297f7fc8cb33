"""Cross-validated evaluation of three or more classes, or of several labels per sample
(called by :func:`evaluate`)."""

from __future__ import annotations

import numpy as np

from ._folds import out_of_fold
from ._groups import default_cv
from ._multiclass import multiclass_intervals, multiclass_metrics, patient_level
from ._report import EvaluationReport

__all__ = ["evaluate_multiclass", "evaluate_multilabel"]


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


def _check_groups(groups, n_splits):
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise ValueError(f"groups has {len(np.unique(groups))} distinct groups, fewer than the "
                         f"{n_splits} folds; use cv <= {len(np.unique(groups))}.")


def evaluate_multiclass(estimator, X, y, groups, cv, *, aggregate, ordinal, n_bootstraps, confidence,
                        random_state, folds, ci_method):
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
    _check_groups(groups, n_splits)
    splits = list(splitter.split(X, y, groups))
    _check_folds(splits, codes, classes, groups)

    def probabilities(model, X_test):
        return model.predict_proba(X_test)[:, [list(model.classes_).index(label) for label in classes]]

    proba, fold_of, fold_metrics, histories = out_of_fold(
        estimator, X, y, splits, len(classes), probabilities,
        lambda test, p: multiclass_metrics(codes[test], p, ordinal),
        lambda m: f"ROC AUC (macro, one-vs-rest) {m['roc_auc_macro']:.3f}", groups, folds)

    metrics, per_class = multiclass_intervals(codes, proba, groups, ordinal, n_bootstraps, confidence,
                                              random_state, ci_method)
    patient_metrics = patient_class_metrics = None
    if groups is not None:
        _, truth, rows = patient_level(codes, proba, groups, aggregate, ordinal)
        if len(np.unique(truth)) == len(classes):
            patient_metrics, patient_class_metrics = multiclass_intervals(
                truth, rows, None, ordinal, n_bootstraps, confidence, random_state, ci_method)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=None, neg_label=None, threshold=None,
        confidence=float(confidence), n_bootstraps=int(n_bootstraps), aggregate=aggregate, metrics=metrics,
        fold_metrics=fold_metrics, patient_metrics=patient_metrics, y_true=y, y_score=proba, fold=fold_of,
        groups=groups, histories=histories, classes=classes, class_metrics=per_class,
        patient_class_metrics=patient_class_metrics, ordinal=bool(ordinal), ci_method=ci_method)


def _label_probabilities(proba, n_labels):
    """``(n, n_labels)`` from ``predict_proba`` of a multi-label estimator: an array already,
    or scikit-learn's list of one ``(n, 2)`` array per label (forests, k-NN)."""
    if isinstance(proba, list):
        return np.column_stack([p[:, 1] for p in proba])
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] != n_labels:
        raise ValueError(f"predict_proba returned shape {proba.shape}; several labels per sample need one "
                         f"probability per label, ({len(proba)}, {n_labels}).")
    return proba


def evaluate_multilabel(estimator, X, Y, names, groups, cv, *, threshold, aggregate, n_bootstraps, confidence,
                        random_state, folds, ci_method):
    """:func:`evaluate` for a 0/1 indicator ``Y`` of several labels per sample (inputs checked)."""
    from ._groups import aggregate_by_group
    from ._multilabel import multilabel_intervals, multilabel_metrics

    Y = np.asarray(Y)
    if not np.isin(Y, (0, 1)).all():
        raise ValueError(f"y has shape {Y.shape}: a 2-D y is read as one 0/1 column per label, but it holds "
                         f"{np.unique(Y.astype(str)).tolist()[:10]}. Give 0/1 indicators, or one label per sample.")
    Y = Y.astype(int)
    positives = Y.sum(axis=0)
    scarce = np.minimum(positives, len(Y) - positives)
    splitter = default_cv(cv, groups, random_state)
    strata = Y[:, int(np.argmin(scarce))]  # stratified by the rarest label
    n_splits = splitter.get_n_splits(X, strata, groups)
    rare = int(np.argmin(scarce))
    if scarce[rare] < n_splits:
        value = "positive" if positives[rare] <= len(Y) - positives[rare] else "negative"
        raise ValueError(
            f"Label {names[rare]!r} has {scarce[rare]} {value} samples and there are {n_splits} folds: "
            f"every test fold needs both values of every label. Use cv <= {max(scarce[rare], 2)}, leave the "
            "label out, or collect more samples.")
    _check_groups(groups, n_splits)
    splits = list(splitter.split(X, strata, groups))
    for fold, (train, test) in enumerate(splits, 1):
        for part, index in (("test", test), ("training", train)):
            counts = Y[index].sum(axis=0)
            single = np.flatnonzero((counts == 0) | (counts == len(index)))
            if len(single):
                raise ValueError(
                    f"Fold {fold} of {len(splits)} has label {names[single[0]]!r} "
                    f"{'absent from' if counts[single[0]] == 0 else 'on'} every sample of its {part} part "
                    f"({len(index)} samples); every fold needs both values of every label. Use fewer folds.")

    proba, fold_of, fold_metrics, histories = out_of_fold(
        estimator, X, Y, splits, Y.shape[1],
        lambda model, X_test: _label_probabilities(model.predict_proba(X_test), Y.shape[1]),
        lambda test, p: multilabel_metrics(Y[test], p, threshold),
        lambda m: f"ROC AUC (macro over labels) {m['roc_auc_macro']:.3f}", groups, folds)

    metrics, per_label = multilabel_intervals(Y, proba, groups, threshold, n_bootstraps, confidence, random_state,
                                              ci_method)
    patient_metrics = patient_label_metrics = None
    if groups is not None:
        _, rows = aggregate_by_group(proba, groups, how=aggregate)
        _, truth = aggregate_by_group(Y, groups, how="max")
        if ((truth.min(axis=0) == 0) & (truth.max(axis=0) == 1)).all():
            patient_metrics, patient_label_metrics = multilabel_intervals(
                truth, rows, None, threshold, n_bootstraps, confidence, random_state, ci_method)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=None, neg_label=None, threshold=float(threshold),
        confidence=float(confidence), n_bootstraps=int(n_bootstraps), aggregate=aggregate, metrics=metrics,
        fold_metrics=fold_metrics, patient_metrics=patient_metrics, y_true=Y, y_score=proba, fold=fold_of,
        groups=groups, histories=histories, classes=np.asarray(names), class_metrics=per_label,
        patient_class_metrics=patient_label_metrics, multilabel=True, ci_method=ci_method)
