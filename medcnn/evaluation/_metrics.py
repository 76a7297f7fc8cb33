"""The binary metrics of an evaluation report, and a regressor's, each a scikit-learn function.

Threshold metrics use ``score >= threshold``; ``sensitivity`` is recall of the
positive class, ``specificity`` recall of the negative one, ``ppv`` and ``npv``
the precision of each.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

__all__ = ["METRICS", "binary_metrics", "metric_functions", "weighted_binary_metrics", "weighted_roc_auc",
           "score_runs", "REGRESSION_METRICS", "regression_metrics", "weighted_regression_metrics",
           "SURVIVAL_METRICS"]

#: Name -> (needs a threshold, description) in report order.
METRICS = {
    "roc_auc": (False, "ROC AUC"),
    "pr_auc": (False, "PR AUC (average precision)"),
    "balanced_accuracy": (True, "Balanced accuracy"),
    "sensitivity": (True, "Sensitivity (recall, TPR)"),
    "specificity": (True, "Specificity (TNR)"),
    "ppv": (True, "PPV (precision)"),
    "npv": (True, "NPV"),
    "f1": (True, "F1"),
    "mcc": (True, "Matthews correlation"),
    "brier": (False, "Brier score (lower is better)"),
}


def metric_functions(threshold=0.5):
    """Name -> ``f(y_true01, score)`` for every metric in :data:`METRICS`."""

    def at(function, **params):
        def metric(y_true, score):
            return function(y_true, (np.asarray(score) >= threshold).astype(int), **params)
        return metric

    return {
        "roc_auc": skm.roc_auc_score,
        "pr_auc": skm.average_precision_score,
        "balanced_accuracy": at(skm.balanced_accuracy_score),
        "sensitivity": at(skm.recall_score, pos_label=1, zero_division=np.nan),
        "specificity": at(skm.recall_score, pos_label=0, zero_division=np.nan),
        "ppv": at(skm.precision_score, pos_label=1, zero_division=np.nan),
        "npv": at(skm.precision_score, pos_label=0, zero_division=np.nan),
        "f1": at(skm.f1_score, pos_label=1, zero_division=np.nan),
        "mcc": at(skm.matthews_corrcoef),
        "brier": skm.brier_score_loss,
    }


def binary_metrics(y_true, score, threshold=0.5):
    """Every metric of :data:`METRICS` for 0/1 ``y_true`` and positive-class ``score``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Labels, 1 for the positive class and 0 for the negative one.
    score : array-like of shape (n,)
        Positive-class probability (or any score, higher meaning more likely
        positive) of each case.
    threshold : float, default=0.5
        The threshold metrics predict positive where ``score >= threshold``.

    Returns
    -------
    dict of str to float
        Metric name -> value, in the order of :data:`METRICS`; NaN where a metric
        is undefined (e.g. PPV when no case reaches the threshold).

    Examples
    --------
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m["roc_auc"], m["sensitivity"], m["specificity"]
    (0.75, 0.5, 0.5)
    """
    y_true = np.asarray(y_true)
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError(f"binary_metrics takes 0/1 labels; y_true holds {np.unique(y_true).tolist()[:10]}. "
                         "Encode the positive class as 1, or use multiclass_metrics and class_metrics for "
                         "three or more classes.")
    return {name: float(function(y_true, score)) for name, function in metric_functions(threshold).items()}


def score_runs(score):
    """Ascending order of ``score`` and the start of each run of tied scores in it."""
    order = np.argsort(score, kind="stable")
    ordered = np.asarray(score)[order]
    return order, np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])


def weighted_roc_auc(weights, positive, order, run_starts):
    """ROC AUC of each row of case weights (ties count 1/2); NaN without both classes.

    ``order`` and ``run_starts`` come from :func:`score_runs` of the scores.
    """
    w = weights[:, order].astype(float)
    pos = np.add.reduceat(w * positive[order], run_starts, axis=1)
    neg = np.add.reduceat(w * ~positive[order], run_starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    numerator = np.sum(pos * (below + 0.5 * neg), axis=1)
    denominator = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def weighted_binary_metrics(weights, y_true, score, threshold=0.5):
    """The metrics of :data:`METRICS` for many case weightings at once (bootstrap resamples).

    ``weights`` is ``(r, n)``: how often each of the ``n`` cases appears in each of
    ``r`` resamples. Each row's values equal the scikit-learn function called with
    ``sample_weight=weights[i]`` (the tests check this); a resample without both
    classes gives NaN. Vectorised, so 1000 resamples cost milliseconds instead of
    thousands of scikit-learn calls.
    """
    w = np.asarray(weights, dtype=float)
    y = np.asarray(y_true).astype(bool)
    score = np.asarray(score, dtype=float)
    pred = score >= threshold
    tp, fn = w @ (y & pred), w @ (y & ~pred)
    fp, tn = w @ (~y & pred), w @ (~y & ~pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        sens, spec = tp / (tp + fn), tn / (tn + fp)
        ppv, npv = tp / (tp + fp), tn / (tn + fn)
        mcc_den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        result = {
            "balanced_accuracy": (sens + spec) / 2, "sensitivity": sens, "specificity": spec,
            "ppv": ppv, "npv": npv, "f1": 2 * tp / (2 * tp + fp + fn),
            "mcc": np.where(mcc_den > 0, (tp * tn - fp * fn) / np.where(mcc_den > 0, mcc_den, 1), 0.0),
            "brier": (w @ (score - y) ** 2) / w.sum(axis=1),
        }
        # average precision: cumulative weights over distinct scores, highest first
        order = np.argsort(-score, kind="mergesort")
        starts = np.flatnonzero(np.r_[True, np.diff(score[order]) != 0])
        pos = np.add.reduceat(w[:, order] * y[order], starts, axis=1)
        neg = np.add.reduceat(w[:, order] * ~y[order], starts, axis=1)
        tps, fps = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
        recall = tps / tps[:, -1:]
        precision = np.where(tps + fps > 0, tps / (tps + fps), 0.0)
        result["pr_auc"] = np.sum(np.diff(np.c_[np.zeros(len(w)), recall], axis=1) * precision, axis=1)
    result["roc_auc"] = weighted_roc_auc(w, y, *score_runs(score))
    both = (tp + fn > 0) & (tn + fp > 0)
    return {name: np.where(both, result[name], np.nan) for name in METRICS}


#: Name -> description, in report order.
REGRESSION_METRICS = {
    "mae": "Mean absolute error (lower is better)",
    "rmse": "Root mean squared error (lower is better)",
    "r2": "R² (coefficient of determination)",
}


def regression_metrics(y_true, y_pred):
    """The metrics of :data:`REGRESSION_METRICS`, each a scikit-learn function's.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted values.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> m = regression_metrics([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.0])
    >>> m["mae"], m["r2"]
    (0.25, 0.9)
    """
    return {"mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "rmse": float(skm.root_mean_squared_error(y_true, y_pred)),
            "r2": float(skm.r2_score(y_true, y_pred))}


def weighted_regression_metrics(weights, y_true, y_pred):
    """The metrics for many case weightings at once (bootstrap resamples), each row equal
    to the scikit-learn function called with ``sample_weight=weights[i]``."""
    w = np.asarray(weights, dtype=float)
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    total = w.sum(axis=1)
    error = y_pred - y_true
    mean = (w @ y_true) / total
    spread = np.sum(w * (y_true[None, :] - mean[:, None]) ** 2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"mae": (w @ np.abs(error)) / total, "rmse": np.sqrt((w @ error ** 2) / total),
                "r2": np.where(spread > 0, 1 - (w @ error ** 2) / spread, np.nan)}

#: Metrics of a survival model's report, by name -> description.
SURVIVAL_METRICS = {
    "c_index": "Harrell's concordance index (C-index)",
    "c_index_uno": "Uno's concordance index (inverse probability of censoring weights), truncated",
}
