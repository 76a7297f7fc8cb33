"""Cross-validated evaluation of a regressor (called by :func:`evaluate`): MAE, RMSE and R²."""

from __future__ import annotations

import numpy as np

from ._metrics import regression_metrics, weighted_regression_metrics

__all__ = ["evaluate_regression"]

def evaluate_regression(estimator, X, y, groups, cv, *, aggregate, n_bootstraps, confidence, random_state,
                        folds, ci_method):
    """:func:`evaluate` for a regressor and its numeric ``y`` (inputs checked)."""
    from ._evaluate_multiclass import _check_groups
    from ._folds import out_of_fold
    from ._groups import aggregate_by_group, default_cv
    from ._multiclass import bootstrap_intervals
    from ._report import EvaluationReport

    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{type(estimator).__name__} is a regressor, but y holds {np.ravel(y)[:3].tolist()}: give "
                         "numeric targets, or evaluate a classifier for class labels.") from None
    if y.ndim != 1 or not np.isfinite(y).all():
        raise ValueError("evaluate takes one finite number per sample for a regressor; y has shape "
                         f"{y.shape}{' and NaN or infinite values' if not np.isfinite(y).all() else ''}.")
    splitter = default_cv(cv, groups, random_state, stratify=False)
    n_splits = splitter.get_n_splits(X, y, groups)
    _check_groups(groups, n_splits)
    splits = list(splitter.split(X, y, groups))

    def scored(test, prediction):
        return regression_metrics(y[test], prediction[:, 0])

    prediction, fold_of, fold_metrics, histories = out_of_fold(
        estimator, X, y, splits, 1, lambda model, X_test: np.asarray(model.predict(X_test)).reshape(-1, 1),
        scored, lambda m: f"MAE {m['mae']:.4g}, R² {m['r2']:.3f}", groups, folds)
    prediction = prediction[:, 0]

    def intervals(truth, predicted, units):
        metrics, _ = bootstrap_intervals(
            regression_metrics(truth, predicted), [],
            lambda w: (weighted_regression_metrics(w, truth, predicted), []),
            len(truth), units, n_bootstraps, confidence, random_state, ci_method)
        return metrics

    metrics = intervals(y, prediction, groups)
    patient_metrics = None
    if groups is not None:
        _, patient_truth = aggregate_by_group(y, groups, how="mean")
        _, patient_prediction = aggregate_by_group(prediction, groups, how=aggregate)
        if len(patient_truth) > 2:
            patient_metrics = intervals(patient_truth, patient_prediction, None)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=None, neg_label=None, threshold=None,
        confidence=float(confidence), n_bootstraps=int(n_bootstraps), aggregate=aggregate, metrics=metrics,
        fold_metrics=fold_metrics, patient_metrics=patient_metrics, y_true=y, y_score=prediction, fold=fold_of,
        groups=groups, histories=histories, regression=True, ci_method=ci_method)
