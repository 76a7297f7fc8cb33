"""Metrics of a classifier of several labels per sample (findings per radiograph).

Each label is scored as a binary problem of its own (its column of the 0/1 indicator
``Y`` against its column of probabilities, the threshold metrics at ``threshold``):
the ten metrics of :func:`~medcnn.evaluation.binary_metrics`. Overall: ROC AUC macro
(the mean over labels) and micro (all label decisions pooled), as
``roc_auc_score(Y, P, average=...)``; PR AUC macro; F1 macro; the subset accuracy
(every label of a sample right) and the Hamming loss (the share of wrong label
decisions).
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from ._metrics import binary_metrics, score_runs, weighted_binary_metrics, weighted_roc_auc

__all__ = ["MULTILABEL_METRICS", "multilabel_metrics", "weighted_multilabel_metrics", "multilabel_intervals"]

#: Name -> description, in report order.
MULTILABEL_METRICS = {
    "roc_auc_macro": "ROC AUC, macro (mean over labels)",
    "roc_auc_micro": "ROC AUC, micro (label decisions pooled)",
    "pr_auc_macro": "PR AUC, macro",
    "f1_macro": "F1, macro",
    "subset_accuracy": "Subset accuracy (every label right)",
    "hamming_loss": "Hamming loss (lower is better)",
}


def multilabel_metrics(Y, proba, threshold=0.5):
    """The overall metrics of :data:`MULTILABEL_METRICS` for 0/1 ``Y`` and probabilities ``proba``.

    Parameters
    ----------
    Y : array-like of shape (n, n_labels)
        0/1 indicator of each label.
    proba : array-like of shape (n, n_labels)
        Probability of each label.
    threshold : float, default=0.5
        A label is predicted where its probability is at least ``threshold``.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> Y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> m = multilabel_metrics(Y, [[.9, .2], [.3, .8], [.6, .4], [.2, .1]])
    >>> m["roc_auc_macro"], m["subset_accuracy"], m["hamming_loss"]
    (1.0, 0.75, 0.125)
    """
    Y = np.asarray(Y).astype(int)
    proba = np.asarray(proba, dtype=float)
    pred = (proba >= threshold).astype(int)
    return {
        "roc_auc_macro": float(skm.roc_auc_score(Y, proba, average="macro")),
        "roc_auc_micro": float(skm.roc_auc_score(Y, proba, average="micro")),
        "pr_auc_macro": float(skm.average_precision_score(Y, proba, average="macro")),
        "f1_macro": float(skm.f1_score(Y, pred, average="macro", zero_division=np.nan)),
        "subset_accuracy": float(skm.accuracy_score(Y, pred)),
        "hamming_loss": float(skm.hamming_loss(Y, pred)),
    }


def label_metrics(Y, proba, threshold=0.5):
    """The binary metrics of each label, one dict per column."""
    Y = np.asarray(Y).astype(int)
    return [binary_metrics(Y[:, j], proba[:, j], threshold) for j in range(Y.shape[1])]


def weighted_multilabel_metrics(weights, Y, proba, threshold=0.5):
    """Overall and per-label metrics for many case weightings at once (bootstrap resamples),
    as :func:`multilabel_metrics` and :func:`label_metrics` with ``sample_weight``."""
    w = np.asarray(weights, dtype=float)
    Y = np.asarray(Y).astype(bool)
    proba = np.asarray(proba, dtype=float)
    n, n_labels = Y.shape
    per_label = [weighted_binary_metrics(w, Y[:, j], proba[:, j], threshold) for j in range(n_labels)]
    pred = proba >= threshold
    total = w.sum(axis=1)
    flat_w = np.repeat(w, n_labels, axis=1)  # sample-major, as Y.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = {
            "roc_auc_macro": np.stack([m["roc_auc"] for m in per_label], axis=1).mean(axis=1),
            "roc_auc_micro": weighted_roc_auc(flat_w, Y.ravel(), *score_runs(proba.ravel())),
            "pr_auc_macro": np.stack([m["pr_auc"] for m in per_label], axis=1).mean(axis=1),
            "f1_macro": np.stack([m["f1"] for m in per_label], axis=1).mean(axis=1),
            "subset_accuracy": (w @ (pred == Y).all(axis=1)) / total,
            "hamming_loss": (w @ (pred != Y).mean(axis=1)) / total,
        }
    return overall, per_label


def multilabel_intervals(Y, proba, groups, threshold, n_bootstraps, confidence, random_state,
                         ci_method="percentile"):
    """``(metrics, per_label)``: name -> ``{"value", "low", "high"}`` overall and for each
    label, with bootstrap intervals of ``ci_method`` (whole groups resampled when given)."""
    from ._multiclass import bootstrap_intervals

    return bootstrap_intervals(multilabel_metrics(Y, proba, threshold), label_metrics(Y, proba, threshold),
                               lambda w: weighted_multilabel_metrics(w, Y, proba, threshold),
                               len(Y), groups, n_bootstraps, confidence, random_state, ci_method)
