"""Bias-corrected and accelerated (BCa) bootstrap intervals, the acceleration from the jackknife.

The percentile interval takes the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
percentiles of the bootstrap replicates. The BCa interval (Efron 1987) takes other
percentiles, shifted for the median bias of the replicates (``z0``) and for the
skewness of the statistic (the acceleration ``a``, estimated from the jackknife)::

    z0 = Phi^-1(share of replicates below the estimate, ties counting 1/2)
    a = sum(d**3) / (6 * sum(d**2) ** 1.5),  d = mean(jackknife) - jackknife
    level(z) = Phi(z0 + (z0 + z) / (1 - a * (z0 + z)))  for z = Phi^-1((1 -/+ confidence) / 2)

which is what :func:`scipy.stats.bootstrap` computes for ``method="BCa"`` (the tests
check both on the same replicates). The jackknife leaves out one unit at a time: one
group (patient) when groups are given, as the bootstrap resamples groups, else one case.

References
----------
.. [1] B. Efron, "Better bootstrap confidence intervals", Journal of the American
   Statistical Association 82(397), 171-185, 1987.
.. [2] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman &
   Hall, 1993, chapter 14.3.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ._metrics import score_runs, weighted_roc_auc

__all__ = ["CI_METHODS", "check_ci_method", "leave_one_out_weights", "confidence_limits", "zero_p_value",
           "jackknife_metric_values"]

#: The interval methods, as accepted by ``ci_method``.
CI_METHODS = ("percentile", "bca")

# Upper bound on the number of weights held in memory per chunk of jackknife rows.
_CHUNK_ELEMENTS = 1_000_000


def check_ci_method(ci_method):
    """``ci_method`` in lower case, or ValueError naming it and the valid choices."""
    if isinstance(ci_method, str) and ci_method.lower() in CI_METHODS:
        return ci_method.lower()
    raise ValueError(f"ci_method={ci_method!r} is not valid; use 'percentile' (the default, percentiles of the "
                     "resampled values) or 'bca' (bias-corrected and accelerated).")


def _units(n, groups):
    """Index (0 .. n_units - 1) of each case's unit, and the number of units."""
    if groups is None:
        return np.arange(n), n
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    inverse = inverse.ravel()
    return inverse, int(inverse.max()) + 1


def leave_one_out_weights(n, groups=None):
    """Yield ``(c, n)`` arrays of case weights, one row per unit left out (weight 0 for
    that unit's cases, 1 elsewhere): the groups in sorted order, or the cases without
    ``groups``. All rows together are the jackknife; chunks bound the memory."""
    unit, n_units = _units(n, groups)
    rows = max(1, _CHUNK_ELEMENTS // max(n, 1))
    for start in range(0, n_units, rows):
        left_out = np.arange(start, min(start + rows, n_units))
        yield (unit[np.newaxis, :] != left_out[:, np.newaxis]).astype(np.intp)


def jackknife_metric_values(metrics, fast, y_true, y_score, codes, groups):
    """name -> the metric with each unit (group, or case) left out, NaN where undefined.

    ``fast`` names the metrics that are ROC AUCs of a 1-D score (computed from case
    weights for all units at once); the others are called on the remaining cases.
    """
    values = {name: [] for name in metrics}
    if fast:
        positive = codes == 1
        order, run_starts = score_runs(y_score)
        aucs = np.concatenate([weighted_roc_auc(weights, positive, order, run_starts)
                               for weights in leave_one_out_weights(len(y_true), groups)])
        for name in fast:
            values[name] = aucs
    slow = [name for name in metrics if name not in fast]
    if slow:
        unit, n_units = _units(len(y_true), groups)
        for left_out in range(n_units):
            kept = unit != left_out
            defined = codes[kept].min() != codes[kept].max()
            for name in slow:
                try:
                    value = float(metrics[name](y_true[kept], y_score[kept])) if defined else np.nan
                except ValueError:
                    value = np.nan
                values[name].append(value)
    return {name: np.asarray(value, dtype=float) for name, value in values.items()}


def _acceleration(jackknife):
    """Efron's acceleration from the jackknife values (their undefined ones dropped); 0
    when they do not vary."""
    values = np.asarray(jackknife, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return 0.0
    spread = values.mean() - values
    denominator = np.sum(spread ** 2) ** 1.5
    if denominator <= 0:
        return 0.0
    return float(np.sum(spread ** 3) / (6.0 * denominator))


def _bias_correction(replicates, estimate):
    """``z0``: the normal quantile of the share of replicates below ``estimate`` (ties
    1/2), that share kept within ``[1 / (2 B), 1 - 1 / (2 B)]`` so that ``z0`` is finite."""
    count = len(replicates)
    share = (np.count_nonzero(replicates < estimate) + np.count_nonzero(replicates <= estimate)) / (2.0 * count)
    return float(ndtri(np.clip(share, 0.5 / count, 1.0 - 0.5 / count)))


def confidence_limits(replicates, confidence, ci_method="percentile", estimate=None, jackknife=None):
    """``(low, high)``: the percentile or the BCa interval of 1-D ``replicates``.

    ``estimate`` (the statistic on all the data) and ``jackknife`` (its values with one
    unit left out) are needed for ``"bca"`` only.
    """
    replicates = np.asarray(replicates, dtype=float)
    if ci_method == "percentile":
        alpha = 100.0 * (1.0 - confidence) / 2.0
        low, high = np.percentile(replicates, [alpha, 100.0 - alpha])
        return float(low), float(high)
    z0, acceleration = _bias_correction(replicates, estimate), _acceleration(jackknife)
    shifted = z0 + ndtri(np.array([(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0]))
    levels = ndtr(z0 + shifted / (1.0 - acceleration * shifted))
    low, high = np.quantile(replicates, levels)
    return float(low), float(high)


def zero_p_value(replicates, ci_method="percentile", estimate=None, jackknife=None):
    """Two-sided p-value of "the statistic is 0": the smallest ``1 - confidence`` at which
    the interval of ``ci_method`` reaches 0. At least ``1 / len(replicates)``, the
    resolution of the bootstrap; 1 when the replicates are balanced around 0."""
    replicates = np.asarray(replicates, dtype=float)
    count = len(replicates)
    z = _bias_correction(replicates, 0.0)  # the percentile interval reaches 0 at level Phi(z)
    if ci_method == "bca":
        # invert level(z') = Phi(z): z0 + (z0 + z') / (1 - a (z0 + z')) = z
        z0, acceleration = _bias_correction(replicates, estimate), _acceleration(jackknife)
        distance = z - z0
        denominator = 1.0 + acceleration * distance
        z = distance / denominator - z0 if denominator > 0 else np.copysign(np.inf, distance)
    return float(min(1.0, max(2.0 * ndtr(-abs(z)), 1.0 / count)))
