"""Metrics of a classifier of three or more classes: overall and per class (one-vs-rest).

Predictions are the class of highest probability. Overall metrics: ROC AUC
one-vs-rest, macro (the mean over classes) and weighted (by prevalence), as
``roc_auc_score(multi_class="ovr")``; accuracy; balanced accuracy (the mean
sensitivity); macro F1; Cohen's kappa (quadratic weights for ordered classes); log
loss. Per class, each class against the rest: ROC AUC, PR AUC, sensitivity,
specificity, PPV, NPV, F1. Every value is a scikit-learn function's; the weighted
versions, for bootstrap resamples, equal those functions called with
``sample_weight`` (the tests check this).
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from ._metrics import weighted_binary_metrics, weighted_roc_auc, score_runs

__all__ = ["MULTICLASS_METRICS", "CLASS_METRICS", "multiclass_metrics", "class_metrics",
           "weighted_multiclass_metrics", "multiclass_intervals", "bootstrap_intervals", "patient_level"]

#: Name -> description, in report order.
MULTICLASS_METRICS = {
    "roc_auc_macro": "ROC AUC, one-vs-rest, macro",
    "roc_auc_weighted": "ROC AUC, one-vs-rest, weighted",
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "f1_macro": "F1, macro",
    "kappa": "Cohen's kappa",
    "log_loss": "Log loss (lower is better)",
}
#: Name -> description of the one-vs-rest metrics of each class.
CLASS_METRICS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "sensitivity": "Sensitivity (recall)",
    "specificity": "Specificity",
    "ppv": "PPV (precision)",
    "npv": "NPV",
    "f1": "F1",
}
_PROBABILITY_FLOOR = 1e-15


def _kappa_weights(n_classes, ordinal):
    index = np.arange(n_classes)
    if ordinal:
        return (index[:, None] - index[None, :]) ** 2.0
    return (index[:, None] != index[None, :]).astype(float)


def multiclass_metrics(codes, proba, ordinal=False):
    """The overall metrics of :data:`MULTICLASS_METRICS`.

    Parameters
    ----------
    codes : array-like of shape (n,)
        True class of each case as an index into the columns of ``proba``.
    proba : array-like of shape (n, n_classes)
        Class probabilities.
    ordinal : bool, default=False
        Whether the classes are ordered (grades): Cohen's kappa then uses
        quadratic weights.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .3, .6], [.5, .4, .1]])
    >>> m = multiclass_metrics([0, 1, 2, 1], proba)
    >>> m["accuracy"], m["roc_auc_macro"]
    (0.75, 1.0)
    """
    codes = np.asarray(codes)
    proba = np.asarray(proba, dtype=float)
    labels = np.arange(proba.shape[1])
    pred = proba.argmax(axis=1)
    return {
        "roc_auc_macro": float(skm.roc_auc_score(codes, proba, multi_class="ovr", average="macro", labels=labels)),
        "roc_auc_weighted": float(skm.roc_auc_score(codes, proba, multi_class="ovr", average="weighted",
                                                    labels=labels)),
        "accuracy": float(skm.accuracy_score(codes, pred)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(codes, pred)),
        "f1_macro": float(skm.f1_score(codes, pred, labels=labels, average="macro", zero_division=np.nan)),
        "kappa": float(skm.cohen_kappa_score(codes, pred, labels=labels,
                                             weights="quadratic" if ordinal else None)),
        "log_loss": float(skm.log_loss(codes, np.clip(proba, _PROBABILITY_FLOOR, 1), labels=labels)),
    }


def class_metrics(codes, proba):
    """The one-vs-rest metrics of :data:`CLASS_METRICS` for each class (column of ``proba``).

    Parameters
    ----------
    codes : array-like of shape (n,)
        True class of each case as an index into the columns of ``proba``.
    proba : array-like of shape (n, n_classes)
        Class probabilities; the predicted class is the most probable one.

    Returns
    -------
    list of dict
        One dict of metric name -> value per class, in column order.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .3, .6], [.5, .4, .1]])
    >>> [round(m["sensitivity"], 2) for m in class_metrics([0, 1, 2, 1], proba)]
    [1.0, 0.5, 1.0]
    """
    codes = np.asarray(codes)
    proba = np.asarray(proba, dtype=float)
    pred = proba.argmax(axis=1)
    result = []
    for k in range(proba.shape[1]):
        truth, chosen = (codes == k).astype(int), (pred == k).astype(int)
        result.append({
            "roc_auc": float(skm.roc_auc_score(truth, proba[:, k])) if 0 < truth.sum() < len(truth) else np.nan,
            "pr_auc": float(skm.average_precision_score(truth, proba[:, k])) if truth.any() else np.nan,
            "sensitivity": float(skm.recall_score(truth, chosen, pos_label=1, zero_division=np.nan)),
            "specificity": float(skm.recall_score(truth, chosen, pos_label=0, zero_division=np.nan)),
            "ppv": float(skm.precision_score(truth, chosen, pos_label=1, zero_division=np.nan)),
            "npv": float(skm.precision_score(truth, chosen, pos_label=0, zero_division=np.nan)),
            "f1": float(skm.f1_score(truth, chosen, pos_label=1, zero_division=np.nan)),
        })
    return result


def weighted_multiclass_metrics(weights, codes, proba, ordinal=False):
    """Overall and per-class metrics for many case weightings at once (bootstrap resamples).

    ``weights`` is ``(r, n)``: how often each case appears in each of ``r``
    resamples. Returns ``(overall, per_class)``: a dict of name -> ``(r,)`` array as
    :func:`multiclass_metrics`, and one such dict per class as :func:`class_metrics`.
    A resample without every class gives NaN overall (and NaN for the absent class).
    """
    w = np.asarray(weights, dtype=float)
    codes = np.asarray(codes)
    proba = np.asarray(proba, dtype=float)
    n_classes = proba.shape[1]
    pred = proba.argmax(axis=1)
    per_class = []
    for k in range(n_classes):
        truth = codes == k
        ranked = weighted_binary_metrics(w, truth, proba[:, k])
        chosen = weighted_binary_metrics(w, truth, (pred == k).astype(float))
        per_class.append({"roc_auc": weighted_roc_auc(w, truth, *score_runs(proba[:, k])),
                          "pr_auc": ranked["pr_auc"],
                          **{name: chosen[name] for name in ("sensitivity", "specificity", "ppv", "npv", "f1")}})
    total = w.sum(axis=1)
    prevalence = np.stack([w @ (codes == k) for k in range(n_classes)], axis=1)  # (r, K)
    aucs = np.stack([m["roc_auc"] for m in per_class], axis=1)
    # confusion matrix of every resample: counts[r, true, predicted]
    counts = np.stack([np.stack([w @ ((codes == t) & (pred == p)) for p in range(n_classes)], axis=1)
                       for t in range(n_classes)], axis=1)
    expected = prevalence[:, :, None] * counts.sum(axis=1)[:, None, :] / total[:, None, None]
    kappa_weights = _kappa_weights(n_classes, ordinal)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed_cost = np.einsum("rij,ij->r", counts, kappa_weights)
        expected_cost = np.einsum("rij,ij->r", expected, kappa_weights)
        overall = {
            "roc_auc_macro": aucs.mean(axis=1),
            "roc_auc_weighted": np.sum(aucs * prevalence, axis=1) / total,
            "accuracy": (w @ (codes == pred)) / total,
            "balanced_accuracy": np.stack([m["sensitivity"] for m in per_class], axis=1).mean(axis=1),
            "f1_macro": np.stack([m["f1"] for m in per_class], axis=1).mean(axis=1),
            "kappa": 1 - observed_cost / expected_cost,
            "log_loss": -(w @ np.log(np.clip(proba[np.arange(len(codes)), codes], _PROBABILITY_FLOOR, 1))) / total,
        }
    every_class = (prevalence > 0).all(axis=1)
    return {name: np.where(every_class, value, np.nan) for name, value in overall.items()}, per_class


def patient_level(codes, proba, groups, how="mean", ordinal=False):
    """One row of class probabilities and one true class per patient.

    Each class's probability is aggregated over the patient's samples (``how``), and
    the rows are scaled to sum to 1. A patient's true class is its highest class
    when the classes are ordered (its worst grade), else its most frequent class (the
    first of them in class order on a tie).

    Returns
    -------
    (patients, codes, proba)
    """
    from ._groups import aggregate_by_group

    patients, rows = aggregate_by_group(proba, groups, how=how)
    rows = rows / rows.sum(axis=1, keepdims=True)
    _, inverse = np.unique(groups, return_inverse=True)
    counts = np.zeros((len(patients), proba.shape[1]), dtype=int)
    np.add.at(counts, (inverse.ravel(), np.asarray(codes)), 1)
    if ordinal:
        truth = proba.shape[1] - 1 - np.argmax(counts[:, ::-1] > 0, axis=1)
    else:
        truth = np.argmax(counts, axis=1)
    return patients, truth, rows


def bootstrap_intervals(values, per_column_values, weighted, n, groups, n_bootstraps, confidence,
                        random_state, ci_method="percentile"):
    """``(metrics, per_column)``: name -> ``{"value", "low", "high"}``, overall and per class
    (or label), from the point ``values`` and ``weighted(weights)``, which gives the
    same metrics for a ``(r, n)`` array of case weights; bootstrap intervals (whole
    groups resampled when given), NaN without bootstraps or where a metric is
    undefined on most resamples. ``ci_method="bca"`` gives BCa intervals, the
    acceleration from ``weighted`` of the leave-one-group-out (or leave-one-case-out)
    weights."""
    from ._bca import check_ci_method, confidence_limits, leave_one_out_weights
    from ._bootstrap import _Resampler

    ci_method = check_ci_method(ci_method)
    if not n_bootstraps:
        def plain(named):
            return {name: {"value": v, "low": np.nan, "high": np.nan} for name, v in named.items()}
        return plain(values), [plain(named) for named in per_column_values]
    resampler = _Resampler(n, groups, n_bootstraps, random_state)
    draws = [weighted(resampler.multiplicities(chunk)) for chunk in resampler.chunks()]
    jackknife = ([weighted(weights) for weights in leave_one_out_weights(n, groups)]
                 if ci_method == "bca" else [])

    def joined(parts, column, name):
        """One metric's values over all chunks: overall (column None) or of one column."""
        return np.concatenate([part[0][name] if column is None else part[1][column][name] for part in parts])

    def interval(value, column, name):
        samples = joined(draws, column, name)
        samples = samples[np.isfinite(samples)]
        if not np.isfinite(value) or 2 * len(samples) < n_bootstraps:
            return {"value": value, "low": np.nan, "high": np.nan}
        low, high = confidence_limits(samples, confidence, ci_method, value,
                                      joined(jackknife, column, name) if jackknife else None)
        return {"value": value, "low": low, "high": high}

    metrics = {name: interval(value, None, name) for name, value in values.items()}
    per_column = [{name: interval(value, k, name) for name, value in named.items()}
                  for k, named in enumerate(per_column_values)]
    return metrics, per_column


def multiclass_intervals(codes, proba, groups, ordinal, n_bootstraps, confidence, random_state,
                         ci_method="percentile"):
    """``(metrics, per_class)`` of :func:`bootstrap_intervals` for classes ``codes``."""
    return bootstrap_intervals(multiclass_metrics(codes, proba, ordinal), class_metrics(codes, proba),
                               lambda w: weighted_multiclass_metrics(w, codes, proba, ordinal),
                               len(codes), groups, n_bootstraps, confidence, random_state, ci_method)
