"""Comparing the ROC AUCs of two models on the same cases: :func:`compare` of two reports, and
:func:`bootstrap_difference`, the paired (patient) bootstrap of the difference.

The bootstrap draws whole patients with replacement, each with all of its images,
and computes both AUCs on every resample: the AUCs stay paired (same cases), and the
correlation between images of one patient widens the distribution of the difference
as it should. Its interval is the percentile or the BCa interval; its p-value is the
smallest ``1 - confidence`` at which that interval reaches 0.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._bca import check_ci_method, confidence_limits, leave_one_out_weights, zero_p_value
from ._bootstrap import _check_common, _Resampler, _too_few
from ._delong import _check_groups, _check_score, _positive_mask, delong_test
from ._metrics import score_runs, weighted_roc_auc

__all__ = ["BootstrapDifference", "bootstrap_difference", "compare", "COMPARE_METHODS"]

#: The tests :func:`compare` runs, as accepted by ``method``.
COMPARE_METHODS = ("delong", "bootstrap")


@dataclass(frozen=True)
class BootstrapDifference:
    """Result of :func:`bootstrap_difference`: the paired bootstrap of ``auc_a - auc_b``.

    Parameters
    ----------
    auc_a, auc_b : float
        ROC AUC of ``score_a`` and of ``score_b`` on all the cases.
    difference : float
        ``auc_a - auc_b``.
    low, high : float
        Bootstrap confidence interval of ``difference``.
    p_value : float
        Two-sided p-value of "equal AUCs": the smallest ``1 - confidence`` at which
        the interval reaches 0. At least ``1 / n_valid``, the resolution of the
        bootstrap.
    confidence : float
        Coverage of ``low, high``.
    n_valid : int
        Resamples with both classes, on which the difference was computed.
    ci_method : str, default="percentile"
        ``"percentile"`` or ``"bca"``.
    method : str, default="paired bootstrap"
        ``"paired patient bootstrap"`` (whole groups resampled) or ``"paired
        bootstrap"`` (cases resampled).

    Examples
    --------
    >>> res = bootstrap_difference([0, 0, 1, 1, 0, 1, 0, 1], [.1, .4, .35, .8, .2, .9, .3, .7],
    ...                            [.2, .1, .6, .7, .3, .5, .6, .4], n_bootstraps=500, random_state=0)
    >>> round(res.difference, 4), res.method, res.low <= res.difference <= res.high
    (0.0938, 'paired bootstrap', True)
    """

    auc_a: float
    auc_b: float
    difference: float
    low: float
    high: float
    p_value: float
    confidence: float
    n_valid: int
    ci_method: str = "percentile"
    method: str = "paired bootstrap"


def bootstrap_difference(y_true, score_a, score_b, *, groups=None, pos_label=None, n_bootstraps=2000,
                         confidence=0.95, ci_method="percentile", random_state=None):
    """Paired (patient) bootstrap of the difference between the ROC AUCs of two scores.

    Every resample draws cases with replacement, or, with ``groups``, whole groups
    (patients) with all of their cases, and computes both AUCs on it, so the two
    stay paired. It makes no assumption on how the images of a patient are
    correlated, and gives an interval of the difference that need not be symmetric.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels.
    score_a, score_b : array-like of shape (n,)
        Two scores of the same cases; higher means more likely positive.
    groups : array-like of shape (n,), optional
        Group (patient) ID of each case; whole groups are resampled.
    pos_label : int, float, bool or str, optional
        The positive label; by default the larger of the two labels.
    n_bootstraps : int, default=2000
        Number of resamples. The p-value is not resolved below ``1 / n_bootstraps``.
    confidence : float, default=0.95
        Coverage of the interval.
    ci_method : {"percentile", "bca"}, default="percentile"
        Percentile interval, or bias-corrected and accelerated (the acceleration
        from the jackknife over groups, or over cases without ``groups``).
    random_state : int, RandomState instance or None, default=None
        Seed of the resampling (the same resamples as :func:`bootstrap_ci` with the
        same ``groups``, ``n_bootstraps`` and ``random_state``).

    Returns
    -------
    BootstrapDifference
        ``auc_a``, ``auc_b``, ``difference``, its interval ``low, high`` and the
        two-sided ``p_value``.

    Raises
    ------
    ValueError
        On inputs that do not line up, labels that are not binary, an unknown
        ``ci_method``, or when more than half of the resamples miss a class.

    See Also
    --------
    delong_test : DeLong's (or Obuchowski's clustered) test of the same difference.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat(rng.randint(0, 2, 60), 3)               # 60 patients, 3 images each
    >>> better, worse = y + rng.normal(size=180), y + 3 * rng.normal(size=180)
    >>> res = bootstrap_difference(y, better, worse, groups=np.repeat(np.arange(60), 3), random_state=0)
    >>> res.method, res.low > 0, res.p_value < 0.01
    ('paired patient bootstrap', True, True)
    """
    positive = _positive_mask(y_true, pos_label)
    n = len(positive)
    a = _check_score(score_a, n, "score_a")
    b = _check_score(score_b, n, "score_b")
    groups = _check_groups(groups, n)
    ci_method = check_ci_method(ci_method)
    _, _, groups, n_bootstraps, confidence, labels, codes = _check_common(np.asarray(y_true), a, groups,
                                                                          n_bootstraps, confidence)
    runs_a, runs_b = score_runs(a), score_runs(b)

    def differences(weights):
        return weighted_roc_auc(weights, positive, *runs_a) - weighted_roc_auc(weights, positive, *runs_b)

    auc_a = float(weighted_roc_auc(np.ones((1, n)), positive, *runs_a)[0])
    auc_b = float(weighted_roc_auc(np.ones((1, n)), positive, *runs_b)[0])
    resampler = _Resampler(n, groups, n_bootstraps, random_state)
    replicates = np.concatenate([differences(resampler.multiplicities(draws)) for draws in resampler.chunks()])
    replicates = replicates[np.isfinite(replicates)]
    _too_few(len(replicates), n_bootstraps, "difference of ROC AUCs", labels, codes, resampler)
    jackknife = (np.concatenate([differences(weights) for weights in leave_one_out_weights(n, groups)])
                 if ci_method == "bca" else None)
    difference = auc_a - auc_b
    low, high = confidence_limits(replicates, confidence, ci_method, difference, jackknife)
    p_value = zero_p_value(replicates, ci_method, difference, jackknife)
    return BootstrapDifference(auc_a, auc_b, difference, low, high, p_value, confidence, len(replicates),
                               ci_method, "paired bootstrap" if groups is None else "paired patient bootstrap")


def _shared_groups(report_a, report_b):
    """The reports' groups (None without), refusing two different ones."""
    if report_a.groups is not None and report_b.groups is not None:
        if not np.array_equal(np.asarray(report_a.groups), np.asarray(report_b.groups)):
            raise ValueError("The two reports have different groups (patient IDs); evaluate both estimators "
                             "with the same groups to compare them.")
    return report_a.groups if report_a.groups is not None else report_b.groups


def compare(report_a, report_b, *, method="delong", n_bootstraps=2000, confidence=0.95, ci_method="percentile",
            random_state=None):
    """Test the difference between the pooled out-of-fold ROC AUCs of two reports on the same samples.

    Both reports must come from the same X, y (same order) — e.g. two estimators
    evaluated with the same ``cv`` and ``random_state`` — so the AUCs are paired.
    With ``method="delong"`` this is DeLong's test, clustered by patient
    (Obuchowski's variance) when the reports have groups with more than one sample
    in a group; with ``method="bootstrap"`` the paired bootstrap of the difference,
    resampling whole patients when the reports have groups. The result's ``method``
    says which test ran.

    Parameters
    ----------
    report_a, report_b : EvaluationReport
        Reports of two estimators evaluated on the same samples (and groups).
    method : {"delong", "bootstrap"}, default="delong"
        DeLong's test (clustered with patients of several samples), or
        :func:`bootstrap_difference`.
    n_bootstraps : int, default=2000
        Resamples of the bootstrap (``method="bootstrap"`` only).
    confidence : float, default=0.95
        Coverage of the bootstrap interval (``method="bootstrap"`` only; a DeLong
        result gives any level with ``confidence_interval(level)``).
    ci_method : {"percentile", "bca"}, default="percentile"
        Interval of the bootstrap (``method="bootstrap"`` only).
    random_state : int, RandomState instance or None, default=None
        Seed of the bootstrap (``method="bootstrap"`` only).

    Returns
    -------
    DeLongResult, BootstrapDifference or dict
        ``auc_a``, ``auc_b``, ``difference``, ``p_value``, ``method``...; for reports
        of three or more classes, one result per class (that class against the
        rest), keyed by class, and for several labels one per label.

    Raises
    ------
    ValueError
        If the reports are not on the same labels or groups, use different positive
        classes, or ``method`` or ``ci_method`` is unknown.

    See Also
    --------
    delong_test : The test on any two scores of the same cases.
    bootstrap_difference : The paired bootstrap on any two scores.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from medcnn.evaluation import compare, evaluate
    >>> X, y = make_classification(100, n_features=5, random_state=0)
    >>> a = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)
    >>> b = evaluate(GaussianNB(), X, y, cv=3, n_bootstraps=0, random_state=0)
    >>> result = compare(a, b)
    >>> round(result.auc_a, 4), round(result.auc_b, 4), round(result.p_value, 3), result.method
    (0.9388, 0.9264, 0.108, 'DeLong')
    >>> patients = np.arange(100) // 2                       # two samples per patient
    >>> a = evaluate(LogisticRegression(), X, y, groups=patients, cv=3, n_bootstraps=0, random_state=0)
    >>> b = evaluate(GaussianNB(), X, y, groups=patients, cv=3, n_bootstraps=0, random_state=0)
    >>> compare(a, b).method
    'clustered DeLong (Obuchowski)'
    >>> compare(a, b, method="bootstrap", random_state=0).method
    'paired patient bootstrap'
    """
    if method not in COMPARE_METHODS:
        raise ValueError(f"method={method!r} is not valid; use 'delong' (DeLong's test, clustered by patient "
                         "when patients have several samples) or 'bootstrap' (the paired patient bootstrap).")
    ci_method = check_ci_method(ci_method)
    if not isinstance(n_bootstraps, numbers.Integral) or isinstance(n_bootstraps, bool) or n_bootstraps < 1:
        raise ValueError(f"n_bootstraps must be a positive integer (e.g. 2000); got {n_bootstraps!r}.")
    if len(report_a.y_true) != len(report_b.y_true) or not np.array_equal(report_a.y_true, report_b.y_true):
        raise ValueError("The two reports are not on the same samples (their y differ); evaluate both "
                         "estimators on the same X and y, in the same order, to compare them.")
    if report_a.regression or report_b.regression:
        raise ValueError("compare runs DeLong's test of ROC AUCs, which regressors do not have; compare "
                         "their MAE or R² intervals, or evaluate both and test the paired errors.")
    if report_a.survival or report_b.survival:
        raise ValueError("compare runs DeLong's test of ROC AUCs, which survival models do not have; compare "
                         "their C-index intervals (report.metrics['c_index']).")
    groups = _shared_groups(report_a, report_b)
    several_per_group = groups is not None and len(np.unique(groups)) < len(groups)

    def test(truth, score_a, score_b):
        if method == "bootstrap":
            return bootstrap_difference(truth, score_a, score_b, groups=groups, n_bootstraps=n_bootstraps,
                                        confidence=confidence, ci_method=ci_method, random_state=random_state)
        return delong_test(truth, score_a, score_b, groups=groups if several_per_group else None)

    if report_a.classes is not None or report_b.classes is not None:
        if not (report_a.task == report_b.task and np.array_equal(report_a.classes, report_b.classes)):
            raise ValueError("The two reports are not of the same classes or labels; evaluate both "
                             "estimators on the same X and y to compare them.")
        truth = report_a.y_indicator
        return {label: test(truth[:, k], report_a.y_score[:, k], report_b.y_score[:, k])
                for k, label in enumerate(report_a.classes.tolist())}
    if report_a.pos_label != report_b.pos_label:
        raise ValueError(f"The reports use different positive classes ({report_a.pos_label!r} vs "
                         f"{report_b.pos_label!r}); evaluate both with the same pos_label.")
    return test(report_a.y01, report_a.y_score, report_b.y_score)
