"""Bootstrap confidence intervals (percentile or BCa) for metrics, and bands for ROC curves.

Cases are resampled with replacement, or, with ``groups``, whole groups (patients)
are resampled with replacement (a cluster bootstrap), so that the correlation
between images of one patient widens the interval as it should.

The resamples depend only on ``len(y_true)``, ``groups``, ``n_bootstraps`` and
``random_state``: :func:`bootstrap_ci`, :func:`bootstrap_metrics` and
:func:`bootstrap_roc_band` called with the same values of these (and an integer
``random_state``) draw the same resamples.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils import check_random_state

from ._bca import check_ci_method, confidence_limits, jackknife_metric_values
from ._metrics import score_runs, weighted_roc_auc

__all__ = ["BootstrapResult", "RocBand", "bootstrap_ci", "bootstrap_metrics", "bootstrap_roc_band"]

# Upper bound on the number of drawn indices held in memory per chunk of resamples.
_CHUNK_ELEMENTS = 1_000_000


class BootstrapResult(NamedTuple):
    """Point estimate and bootstrap interval (percentile or BCa) of one metric.

    Attributes
    ----------
    estimate : float
        The metric on the full data.
    low, high : float
        Bootstrap confidence limits.
    n_valid : int
        Number of resamples on which the metric was defined (the others, e.g. with
        a single class, are skipped).
    """

    estimate: float
    low: float
    high: float
    n_valid: int


class RocBand(NamedTuple):
    """Pointwise bootstrap band of an ROC curve (see :func:`bootstrap_roc_band`).

    Attributes
    ----------
    fpr_grid : ndarray
        False-positive rates at which the band is given.
    tpr_low, tpr_high : ndarray
        Lower and upper percentile of the true-positive rate at each ``fpr_grid``.
    """

    fpr_grid: np.ndarray
    tpr_low: np.ndarray
    tpr_high: np.ndarray


# ------------------------------------------------------------------------- validation

def _check_common(y_true, y_score, groups, n_bootstraps, confidence):
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-D with one label per case; got shape {y_true.shape}.")
    if len(y_true) == 0:
        raise ValueError("y_true is empty; give one label per case.")
    if y_score.ndim == 0 or len(y_score) != len(y_true):
        raise ValueError(
            f"y_score has shape {y_score.shape} but y_true has {len(y_true)} labels; "
            "give one score (or row of scores) per case."
        )
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y_true.shape:
            raise ValueError(
                f"groups has shape {groups.shape} but y_true has shape {y_true.shape}; "
                "give one group (patient) ID per case."
            )
    if not isinstance(n_bootstraps, numbers.Integral) or isinstance(n_bootstraps, bool) or n_bootstraps < 1:
        raise ValueError(f"n_bootstraps must be a positive integer (e.g. 1000); got {n_bootstraps!r}.")
    try:
        confidence = float(confidence)
    except (TypeError, ValueError):
        confidence = float("nan")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    labels, codes = np.unique(y_true, return_inverse=True)
    if len(labels) < 2:
        raise ValueError(
            f"y_true contains only one class ({labels.tolist()[0]!r}); a bootstrap interval needs cases of "
            "both classes in the data."
        )
    return y_true, y_score, groups, int(n_bootstraps), confidence, labels, codes.ravel()


def _describe_data(labels, codes, resampler):
    counts = np.bincount(codes, minlength=len(labels))
    text = ", ".join(f"{label!r}: {count}" for label, count in zip(labels.tolist(), counts.tolist()))
    where = f" in {resampler.n_units} groups" if resampler.grouped else ""
    return f"class counts {{{text}}}{where}"


def _percentiles(values, confidence):
    alpha = 100.0 * (1.0 - confidence) / 2.0
    return np.percentile(values, [alpha, 100.0 - alpha], axis=0)


def _too_few(n_valid, n_bootstraps, what, labels, codes, resampler, last_error=None):
    if 2 * n_valid >= n_bootstraps:
        return
    unit = "groups (patients)" if resampler.grouped else "cases"
    detail = f"; last error: {last_error}" if last_error else ""
    raise ValueError(
        f"Only {n_valid} of {n_bootstraps} bootstrap resamples gave a defined {what}{detail}. "
        f"y_true has {_describe_data(labels, codes, resampler)}: too few positives/negatives or "
        f"{unit} for a bootstrap interval. Collect more {unit} of the rare class, or report the "
        "value without an interval."
    )


# ------------------------------------------------------------------------- resampling

class _Resampler:
    """Draws bootstrap resamples of cases, or of whole groups, in chunks."""

    def __init__(self, n, groups, n_bootstraps, random_state):
        self.n = n
        self.n_bootstraps = n_bootstraps
        self.random_state = check_random_state(random_state)
        self.grouped = groups is not None
        if self.grouped:
            _, inverse = np.unique(groups, return_inverse=True)
            self.inverse = inverse.ravel()
            self.sizes = np.bincount(self.inverse)
            self.order = np.argsort(self.inverse, kind="stable")
            self.starts = np.cumsum(self.sizes) - self.sizes
            self.n_units = len(self.sizes)
        else:
            self.n_units = n

    def chunks(self):
        """Yield arrays of shape (c, n_units): the units drawn for c resamples."""
        rows = max(1, _CHUNK_ELEMENTS // self.n_units)
        done = 0
        while done < self.n_bootstraps:
            c = min(rows, self.n_bootstraps - done)
            yield self.random_state.randint(0, self.n_units, size=(c, self.n_units))
            done += c

    def indices(self, drawn):
        """Case indices of one resample: all cases of each drawn group, as often as drawn."""
        if not self.grouped:
            return drawn
        sizes = self.sizes[drawn]
        offsets = np.repeat(self.starts[drawn] - (np.cumsum(sizes) - sizes), sizes)
        return self.order[offsets + np.arange(offsets.size)]

    def multiplicities(self, draws):
        """How often each case appears in each resample, shape (c, n)."""
        c, k = draws.shape
        flat = (draws + k * np.arange(c)[:, np.newaxis]).ravel()
        counts = np.bincount(flat, minlength=c * k).reshape(c, k)
        return counts[:, self.inverse] if self.grouped else counts


def _is_fast_auc(metric, labels, y_score):
    return metric is roc_auc_score and len(labels) == 2 and y_score.ndim == 1


# ---------------------------------------------------------------------------- public

def bootstrap_metrics(metrics, y_true, y_score, *, groups=None, n_bootstraps=1000, confidence=0.95,
                      random_state=None, ci_method="percentile"):
    """Bootstrap intervals (percentile or BCa) of several metrics on the same resamples.

    Each metric is called as ``metric(y_true[idx], y_score[idx])`` on every resample
    ``idx``; all metrics see the same resamples, so their intervals are consistent
    with one another and the data are indexed only once per resample. The result
    for each metric equals :func:`bootstrap_ci` called with the same ``groups``,
    ``n_bootstraps`` and integer ``random_state``.

    Without ``groups`` cases are drawn with replacement. With ``groups`` (patient
    IDs) this is a cluster bootstrap: whole groups are drawn with replacement and
    each drawn group contributes all of its cases, repeated as often as it is
    drawn.

    Resamples with a single class in ``y_true``, or on which a metric raises
    :class:`ValueError` or returns NaN, are skipped for that metric and not counted
    in ``n_valid``.

    Parameters
    ----------
    metrics : dict of str to callable
        ``name -> metric(y_true, y_score)`` returning a number, e.g.
        :func:`sklearn.metrics.roc_auc_score`. ``roc_auc_score`` itself is computed
        for all resamples at once from the resampling counts (same values, much
        faster).
    y_true : array-like of shape (n,)
        Labels.
    y_score : array-like of shape (n,) or (n, k)
        Scores, probabilities or predicted labels, whatever the metrics take.
    groups : array-like of shape (n,), optional
        Group (patient) ID per case; resample whole groups.
    n_bootstraps : int, default=1000
        Number of resamples.
    confidence : float, default=0.95
        Coverage of the interval.
    random_state : int, RandomState instance or None, default=None
        Seed of the resampling.
    ci_method : {"percentile", "bca"}, default="percentile"
        ``"percentile"``: the percentiles of the resampled values. ``"bca"``: the
        bias-corrected and accelerated interval of ``scipy.stats.bootstrap(...,
        method="BCa")``, its acceleration from the jackknife: the metric with one
        group (patient) left out at a time, or one case without ``groups``. The
        resamples are the same for both.

    Returns
    -------
    dict of str to BootstrapResult
        ``name -> (estimate, low, high, n_valid)``.

    Raises
    ------
    ValueError
        On inputs that do not line up, a single class in ``y_true``, an unknown
        ``ci_method``, or when more than half of the resamples leave a metric
        undefined.
    TypeError
        If ``metrics`` is not a dict of callables.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import accuracy_score, roc_auc_score
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 200)
    >>> score = y + rng.normal(size=200)
    >>> res = bootstrap_metrics({"auc": roc_auc_score,
    ...                          "acc": lambda t, s: accuracy_score(t, s > 0.5)},
    ...                         y, score, n_bootstraps=200, random_state=0)
    >>> res["auc"].low < res["auc"].estimate < res["auc"].high
    True
    >>> sorted(res), res["acc"].n_valid
    (['acc', 'auc'], 200)
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict of name -> metric(y_true, y_score); got {metrics!r}.")
    if not metrics:
        raise ValueError(f"metrics must be a non-empty dict of name -> metric(y_true, y_score); got {metrics!r}.")
    for name, metric in metrics.items():
        if not callable(metric):
            raise TypeError(f"metrics[{name!r}] is {metric!r}, not callable; give a function metric(y_true, y_score).")
    ci_method = check_ci_method(ci_method)
    y_true, y_score, groups, n_bootstraps, confidence, labels, codes = _check_common(
        y_true, y_score, groups, n_bootstraps, confidence)

    estimates = {}
    for name, metric in metrics.items():
        value = metric(y_true, y_score)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"metrics[{name!r}] returned {value!r}; a metric must return a single number.") from None
        if np.isnan(value):
            raise ValueError(f"metrics[{name!r}] is NaN on the full data; check y_true and y_score.")
        estimates[name] = value

    fast = [name for name, metric in metrics.items() if _is_fast_auc(metric, labels, y_score)]
    slow = [name for name in metrics if name not in fast]
    values = {name: [] for name in metrics}
    last_error = {name: None for name in metrics}
    resampler = _Resampler(len(y_true), groups, n_bootstraps, random_state)
    if fast:
        positive = codes == 1
        order, run_starts = score_runs(y_score)

    for draws in resampler.chunks():
        if fast:
            aucs = weighted_roc_auc(resampler.multiplicities(draws), positive, order, run_starts)
            aucs = aucs[~np.isnan(aucs)].tolist()
            for name in fast:
                values[name].extend(aucs)
        if not slow:
            continue
        for drawn in draws:
            idx = resampler.indices(drawn)
            resampled_codes = codes[idx]
            if resampled_codes.min() == resampled_codes.max():
                continue
            t, s = y_true[idx], y_score[idx]
            for name in slow:
                try:
                    value = float(metrics[name](t, s))
                except ValueError as exc:
                    last_error[name] = str(exc)
                    continue
                if not np.isnan(value):
                    values[name].append(value)

    jackknife = (jackknife_metric_values(metrics, fast, y_true, y_score, codes, groups)
                 if ci_method == "bca" else {})
    results = {}
    for name in metrics:
        valid = np.asarray(values[name], dtype=float)
        _too_few(len(valid), n_bootstraps, f"value of metric {name!r}", labels, codes, resampler, last_error[name])
        low, high = confidence_limits(valid, confidence, ci_method, estimates[name], jackknife.get(name))
        results[name] = BootstrapResult(estimates[name], low, high, len(valid))
    return results


def bootstrap_ci(metric, y_true, y_score, *, groups=None, n_bootstraps=1000, confidence=0.95, random_state=None,
                 ci_method="percentile"):
    """Bootstrap confidence interval (percentile or BCa) of ``metric(y_true, y_score)``.

    Without ``groups`` cases are drawn with replacement. With ``groups`` (patient
    IDs) this is a cluster bootstrap: whole groups are drawn with replacement and
    each drawn group contributes all of its cases, repeated as often as it is
    drawn; use it when a patient has several images, whose results are correlated.

    Resamples with a single class in ``y_true``, or on which the metric raises
    :class:`ValueError` or returns NaN, are skipped and not counted in ``n_valid``.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score)`` returning a number, e.g.
        :func:`sklearn.metrics.roc_auc_score`.
    y_true : array-like of shape (n,)
        Labels.
    y_score : array-like of shape (n,) or (n, k)
        What ``metric`` takes as its second argument.
    groups : array-like of shape (n,), optional
        Group (patient) ID per case; resample whole groups.
    n_bootstraps : int, default=1000
        Number of resamples.
    confidence : float, default=0.95
        Coverage of the interval.
    random_state : int, RandomState instance or None, default=None
        Seed of the resampling. The resamples depend only on ``len(y_true)``,
        ``groups``, ``n_bootstraps`` and ``random_state``.
    ci_method : {"percentile", "bca"}, default="percentile"
        ``"percentile"``: the percentiles of the resampled values. ``"bca"``: the
        bias-corrected and accelerated interval of ``scipy.stats.bootstrap(...,
        method="BCa")``, its acceleration from the jackknife: the metric with one
        group (patient) left out at a time, or one case without ``groups``. The
        resamples are the same for both.

    Returns
    -------
    BootstrapResult
        ``(estimate, low, high, n_valid)``: the metric on the full data, the
        confidence limits, and the number of resamples used.

    Raises
    ------
    ValueError
        On inputs that do not line up, a single class in ``y_true``, an unknown
        ``ci_method``, or when more than half of the resamples leave the metric
        undefined (too few positives, negatives or groups).
    TypeError
        If ``metric`` is not callable.

    See Also
    --------
    bootstrap_metrics : Several metrics on the same resamples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import roc_auc_score
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 300)
    >>> score = y + rng.normal(size=300)
    >>> res = bootstrap_ci(roc_auc_score, y, score, n_bootstraps=500, random_state=0)
    >>> res.low < res.estimate < res.high, res.n_valid
    (True, 500)
    >>> patients = np.arange(300) // 3
    >>> bootstrap_ci(roc_auc_score, y, score, groups=patients, random_state=0).n_valid
    1000
    >>> bca = bootstrap_ci(roc_auc_score, y, score, groups=patients, random_state=0, ci_method="bca")
    >>> bca.low < bca.estimate < bca.high
    True
    """
    if not callable(metric):
        raise TypeError(f"metric is {metric!r}, not callable; give a function metric(y_true, y_score).")
    name = getattr(metric, "__name__", "metric")
    return bootstrap_metrics({name: metric}, y_true, y_score, groups=groups, n_bootstraps=n_bootstraps,
                             confidence=confidence, random_state=random_state, ci_method=ci_method)[name]


def bootstrap_roc_band(y_true, y_score, *, fpr_grid=None, groups=None, n_bootstraps=1000, confidence=0.95,
                       random_state=None, pos_label=None):
    """Pointwise percentile bootstrap band of an ROC curve.

    For each resample the ROC curve (:func:`sklearn.metrics.roc_curve`) is
    interpolated linearly at ``fpr_grid`` (:func:`numpy.interp`; on a vertical
    segment the upper end is taken), and the band is the pair of percentiles of the
    true-positive rate at each grid point. The band holds pointwise, not for the
    whole curve at once. With ``groups`` whole groups (patients) are resampled
    with replacement, each with all of its cases (cluster bootstrap). Resamples
    with a single class are skipped.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels.
    y_score : array-like of shape (n,)
        Scores; higher means more likely positive.
    fpr_grid : array-like, optional
        Non-decreasing false-positive rates in [0, 1]; default
        ``np.linspace(0, 1, 101)``.
    groups : array-like of shape (n,), optional
        Group (patient) ID per case; resample whole groups.
    n_bootstraps : int, default=1000
        Number of resamples.
    confidence : float, default=0.95
        Pointwise coverage of the band.
    random_state : int, RandomState instance or None, default=None
        Seed of the resampling (same resamples as :func:`bootstrap_ci` with the
        same arguments).
    pos_label : int, float, bool or str, optional
        The positive label; by default the larger of the two labels.

    Returns
    -------
    RocBand
        ``(fpr_grid, tpr_low, tpr_high)``; ``tpr_low <= tpr_high`` and both are
        non-decreasing along the grid.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, 200)
    >>> fpr, low, high = bootstrap_roc_band(y, y + rng.normal(size=200), n_bootstraps=200,
    ...                                     random_state=0)
    >>> fpr.shape, bool(np.all(low <= high)), float(high[-1])
    ((101,), True, 1.0)
    """
    y_true, y_score, groups, n_bootstraps, confidence, labels, codes = _check_common(
        y_true, y_score, groups, n_bootstraps, confidence)
    if len(labels) > 2:
        raise ValueError(
            f"y_true has {len(labels)} labels {labels.tolist()[:10]}; an ROC curve needs exactly two "
            "(binarise it, e.g. y_true == positive_label)."
        )
    if pos_label is None:
        pos_label = labels[-1]
    elif pos_label not in labels.tolist():
        raise ValueError(f"pos_label={pos_label!r} is not a label of y_true {labels.tolist()}; pass one of them.")
    try:
        y_score = np.asarray(y_score, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y_score must be numeric; it could not be converted to float ({exc}).") from None
    if y_score.ndim != 1:
        raise ValueError(
            f"y_score must be 1-D with one score per case; got shape {y_score.shape} "
            "(for predict_proba output pass the positive-class column, e.g. proba[:, 1])."
        )
    if not np.all(np.isfinite(y_score)):
        raise ValueError(
            f"y_score contains {int(np.sum(~np.isfinite(y_score)))} NaN or infinite value(s); "
            "remove those cases or impute their scores."
        )
    if fpr_grid is None:
        fpr_grid = np.linspace(0.0, 1.0, 101)
    fpr_grid = np.asarray(fpr_grid, dtype=float)
    if (fpr_grid.ndim != 1 or fpr_grid.size == 0 or not np.all(np.isfinite(fpr_grid))
            or fpr_grid.min() < 0 or fpr_grid.max() > 1 or np.any(np.diff(fpr_grid) < 0)):
        raise ValueError(
            "fpr_grid must be a non-empty 1-D array of non-decreasing false-positive rates in [0, 1], "
            f"e.g. np.linspace(0, 1, 101); got {np.array2string(fpr_grid, threshold=8)}."
        )

    resampler = _Resampler(len(y_true), groups, n_bootstraps, random_state)
    curves = []
    for draws in resampler.chunks():
        for drawn in draws:
            idx = resampler.indices(drawn)
            resampled_codes = codes[idx]
            if resampled_codes.min() == resampled_codes.max():
                continue
            fpr, tpr, _ = roc_curve(y_true[idx], y_score[idx], pos_label=pos_label)
            curves.append(np.interp(fpr_grid, fpr, tpr))
    _too_few(len(curves), n_bootstraps, "ROC curve", labels, codes, resampler)
    tpr_low, tpr_high = _percentiles(np.asarray(curves), confidence)
    return RocBand(fpr_grid, tpr_low, tpr_high)
