"""Cross-validated evaluation of a survival model (called by :func:`evaluate`): Harrell's and
Uno's concordance indices with bootstrap intervals. Needs scikit-survival (the ``survival``
extra)."""

from __future__ import annotations

import warnings

import numpy as np

from .._survival import survival_arrays, survival_target
from ._metrics import SURVIVAL_METRICS

__all__ = ["evaluate_survival", "is_survival_target", "survival_metrics", "truncation_time"]

def is_survival_target(y):
    """Whether ``y`` is a structured array of two fields, as scikit-survival's ``(event, time)``."""
    dtype = getattr(y, "dtype", None)
    return dtype is not None and dtype.names is not None and len(dtype.names) == 2


def truncation_time(time):
    """The time Uno's C is truncated at by default: the 90th percentile of the observed
    times, so that a tenth of the samples is still at risk there."""
    return float(np.quantile(time, 0.9))


def survival_metrics(event, time, risk, tau):
    """``{"c_index", "c_index_uno"}`` of the risk scores (NaN where undefined, e.g. no
    comparable pair, or no event before ``tau``)."""
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw

    values = {}
    try:
        values["c_index"] = float(concordance_index_censored(event, time, risk)[0])
    except (ValueError, ZeroDivisionError):
        values["c_index"] = np.nan
    try:
        y = survival_target(event, time)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values["c_index_uno"] = float(concordance_index_ipcw(y, y, risk, tau=tau)[0])
    except (ValueError, ZeroDivisionError):
        values["c_index_uno"] = np.nan
    return values


def _weighted(weights, event, time, risk, tau):
    """survival_metrics of each bootstrap resample, given as a ``(r, n)`` array of multiplicities."""
    draws = {name: np.empty(len(weights)) for name in SURVIVAL_METRICS}
    for row, counts in enumerate(weights):
        index = np.repeat(np.arange(len(event)), np.asarray(counts, dtype=int))
        for name, value in survival_metrics(event[index], time[index], risk[index], tau).items():
            draws[name][row] = value
    return draws, []


def _intervals(event, time, risk, groups, tau, n_bootstraps, confidence, random_state, ci_method):
    from ._multiclass import bootstrap_intervals

    metrics, _ = bootstrap_intervals(
        survival_metrics(event, time, risk, tau), [], lambda w: _weighted(w, event, time, risk, tau),
        len(event), groups, n_bootstraps, confidence, random_state, ci_method)
    return metrics


def _patient_outcomes(event, time, groups):
    """``(patients, event, time)`` per patient, or None when a patient's samples disagree."""
    patients, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    if np.any(event != event[first][inverse]) or np.any(time != time[first][inverse]):
        return None
    return patients, event[first], time[first]


def evaluate_survival(estimator, X, y, groups, cv, *, aggregate, n_bootstraps, confidence, random_state,
                      folds, ci_method):
    """:func:`evaluate` for a survival model and scikit-survival's structured ``y``."""
    from ._evaluate_multiclass import _check_groups
    from ._folds import out_of_fold
    from ._groups import aggregate_by_group, default_cv
    from ._report import EvaluationReport

    event, time = survival_arrays(y, type(estimator).__name__)
    splitter = default_cv(cv, groups, random_state)  # stratified by event, patients kept whole
    n_splits = splitter.get_n_splits(X, event, groups)
    if event.sum() < n_splits:
        raise ValueError(f"Evaluating with {int(event.sum())} events and {n_splits} folds: every test fold "
                         f"needs an event. Use cv <= {int(event.sum())}.")
    _check_groups(groups, n_splits)
    splits = list(splitter.split(X, event, groups))
    tau = truncation_time(time)

    def centred_risks(model, X_test):
        # each fold's model has its own origin of risk (Cox risks are relative): centre each on its median
        risk = np.asarray(model.predict(X_test), dtype=float).reshape(-1)
        return (risk - np.median(risk)).reshape(-1, 1)

    def scored(test, risk):
        return {"n_events": int(event[test].sum()), **survival_metrics(event[test], time[test], risk[:, 0], tau)}

    risk, fold_of, fold_metrics, histories = out_of_fold(
        estimator, X, y, splits, 1, centred_risks, scored, lambda m: f"C-index {m['c_index']:.3f}", groups, folds)
    risk = risk[:, 0]
    metrics = _intervals(event, time, risk, groups, tau, n_bootstraps, confidence, random_state, ci_method)
    patient_metrics = None
    if groups is not None:
        outcomes = _patient_outcomes(event, time, groups)
        if outcomes is not None and outcomes[1].any() and len(outcomes[0]) > 2:
            _, patient_risk = aggregate_by_group(risk, groups, how=aggregate)
            patient_metrics = _intervals(outcomes[1], outcomes[2], patient_risk, None, tau, n_bootstraps,
                                         confidence, random_state, ci_method)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=None, neg_label=None, threshold=None,
        confidence=float(confidence), n_bootstraps=int(n_bootstraps), aggregate=aggregate, metrics=metrics,
        fold_metrics=fold_metrics, patient_metrics=patient_metrics, y_true=survival_target(event, time), y_score=risk,
        fold=fold_of, groups=groups, histories=histories, survival=True, truncation_time=tau, ci_method=ci_method)
