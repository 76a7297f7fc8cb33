"""DeLong's test for the difference between two correlated ROC AUCs, clustered by patient if need be.

The variance of an empirical AUC and the covariance between two AUCs measured on
the same cases follow DeLong, DeLong & Clarke-Pearson (1988): each AUC is the
Mann-Whitney statistic, whose structural components (one per positive and one per
negative case) give a consistent estimate of the covariance matrix. The components
are computed from midranks in ``O(n log n)`` as in Sun & Xu (2014) instead of the
``O(n_pos * n_neg)`` pairwise kernel. Ties count 1/2, so the AUCs are exactly those
of :func:`sklearn.metrics.roc_auc_score`.

With groups (patients with several images), the cases of a patient are not
independent. Obuchowski (1997) sums the structural components over each patient's
positive and negative images and estimates the covariance from these patient totals
(``I`` patients, ``I10`` of them with a positive image and ``I01`` with a negative
one; ``m_i`` and ``n_i`` positive and negative images of patient ``i``, ``M`` and
``N`` in all)::

    X_i = sum of V10 over the positive images of i - m_i * AUC
    Y_i = sum of V01 over the negative images of i - n_i * AUC
    S10 = I10 / ((I10 - 1) M) sum_i X_i X_i',  S01 = I01 / ((I01 - 1) N) sum_i Y_i Y_i'
    S11 = I / (I - 1) sum_i X_i Y_i'
    cov = S10 / M + S01 / N + (S11 + S11') / (M N)

With one image per patient ``S11`` vanishes and this is DeLong's estimate.

References
----------
.. [1] E. R. DeLong, D. M. DeLong and D. L. Clarke-Pearson, "Comparing the areas
   under two or more correlated receiver operating characteristic curves: a
   nonparametric approach", Biometrics 44(3), 837-845, 1988.
.. [2] X. Sun and W. Xu, "Fast implementation of DeLong's algorithm for comparing
   the areas under correlated receiver operating characteristic curves", IEEE
   Signal Processing Letters 21(11), 1389-1393, 2014.
.. [3] N. A. Obuchowski, "Nonparametric analysis of clustered ROC curve data",
   Biometrics 53(2), 567-578, 1997.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

__all__ = ["DeLongResult", "delong_test", "delong_variance", "DELONG", "CLUSTERED_DELONG"]

#: ``DeLongResult.method`` of the test on independent cases, and of the test clustered by patient.
DELONG = "DeLong"
CLUSTERED_DELONG = "clustered DeLong (Obuchowski)"

# A difference variance at or below this fraction of var_a + var_b is treated as 0
# (the two scores rank the cases identically).
_RELATIVE_TOLERANCE = 64 * np.finfo(float).eps


@dataclass(frozen=True)
class DeLongResult:
    """Result of :func:`delong_test`.

    Parameters
    ----------
    auc_a, auc_b : float
        ROC AUC of ``score_a`` and of ``score_b``.
    difference : float
        ``auc_a - auc_b``.
    variance_a, variance_b : float
        DeLong variance of each AUC.
    covariance : float
        DeLong covariance between the two AUCs (same cases, so correlated).
    z : float
        ``difference / sqrt(variance_a + variance_b - 2 * covariance)``.
    p_value : float
        Two-sided p-value of ``z`` under the standard normal distribution.
    method : str, default="DeLong"
        The test that ran: ``"DeLong"`` (independent cases) or ``"clustered
        DeLong (Obuchowski)"`` (variances and covariance from patient totals).

    Attributes
    ----------
    variance_difference : float
        Variance of ``difference``, ``variance_a + variance_b - 2 * covariance``.

    Examples
    --------
    >>> res = delong_test([0, 0, 1, 1, 0, 1], [.1, .4, .35, .8, .2, .9], [.2, .1, .6, .7, .3, .5])
    >>> round(res.auc_a, 4), res.auc_b, round(res.difference, 4), round(res.p_value, 3)
    (0.8889, 1.0, -0.1111, 0.48)
    """

    auc_a: float
    auc_b: float
    difference: float
    variance_a: float
    variance_b: float
    covariance: float
    z: float
    p_value: float
    method: str = DELONG

    @property
    def variance_difference(self):
        """float: variance of ``difference``, ``variance_a + variance_b - 2 * covariance``."""
        return max(self.variance_a + self.variance_b - 2.0 * self.covariance, 0.0)

    def confidence_interval(self, level=0.95):
        """Normal-approximation confidence interval for ``auc_a - auc_b``.

        Parameters
        ----------
        level : float, default=0.95
            Coverage, strictly between 0 and 1.

        Returns
        -------
        low, high : float
            ``difference -/+ z_{(1+level)/2} * sqrt(variance_difference)``, clipped to
            [-1, 1] (the range of a difference of two AUCs).

        Examples
        --------
        >>> res = delong_test([0, 0, 1, 1, 0, 1], [.1, .4, .35, .8, .2, .9], [.2, .1, .6, .7, .3, .5])
        >>> [round(v, 3) for v in res.confidence_interval(0.9)]
        [-0.37, 0.147]
        """
        level = _check_level(level, "level")
        half_width = norm.ppf(0.5 + level / 2.0) * np.sqrt(self.variance_difference)
        low = max(self.difference - half_width, -1.0)
        high = min(self.difference + half_width, 1.0)
        return float(low), float(high)


def _check_level(level, name):
    try:
        level = float(level)
    except (TypeError, ValueError):
        level = float("nan")
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must be a coverage strictly between 0 and 1 (e.g. 0.95); got {level!r}.")
    return level


def _positive_mask(y_true, pos_label):
    """Boolean mask of the positive class; checks that y_true is binary."""
    y_true = np.asarray(y_true)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-D with one label per case; got shape {y_true.shape}.")
    if len(y_true) == 0:
        raise ValueError("y_true is empty; give one label per case.")
    labels = np.unique(y_true)
    if len(labels) > 2:
        raise ValueError(
            f"y_true has {len(labels)} labels {labels.tolist()[:10]}; ROC analysis needs exactly "
            "two (binarise it, e.g. y_true == positive_label)."
        )
    if pos_label is None:
        pos_label = labels[-1]
    elif pos_label not in labels.tolist():
        raise ValueError(f"pos_label={pos_label!r} is not a label of y_true {labels.tolist()}; pass one of them.")
    if len(labels) < 2:
        raise ValueError(
            f"y_true contains only one class ({labels.tolist()[0]!r}); an AUC needs both positive and negative cases."
        )
    return y_true == pos_label


def _check_score(score, n, name):
    try:
        score = np.asarray(score, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric scores; it could not be converted to float ({exc}).") from None
    if score.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D with one score per case; got shape {score.shape} "
            "(for predict_proba output pass the positive-class column, e.g. proba[:, 1])."
        )
    if len(score) != n:
        raise ValueError(f"{name} has {len(score)} scores but y_true has {n} labels; give one score per case.")
    if not np.all(np.isfinite(score)):
        bad = int(np.sum(~np.isfinite(score)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); remove those cases or impute their scores."
        )
    return score


def _check_groups(groups, n):
    """``groups`` as an array of one ID per case, or None."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n:
        raise ValueError(f"groups has shape {groups.shape} but y_true has {n} labels; give one group (patient) "
                         "ID per case, in the order of y_true, or groups=None for independent cases.")
    return groups


def _fast_delong(positive, scores, groups=None):
    """AUCs and their covariance matrix for the rows of ``scores``: DeLong's, or
    Obuchowski's clustered by ``groups``.

    Parameters
    ----------
    positive : ndarray of bool, shape (n,)
    scores : ndarray of shape (k, n)
    groups : ndarray of shape (n,) or None

    Returns
    -------
    aucs : ndarray of shape (k,)
    covariance : ndarray of shape (k, k)
    """
    m = int(positive.sum())
    n = positive.size - m
    if m < 2 or n < 2:
        raise ValueError(
            f"DeLong's variance needs at least 2 positive and 2 negative cases; got {m} positive and "
            f"{n} negative. Collect more cases of the rare class."
        )
    pos = scores[:, positive]
    neg = scores[:, ~positive]
    # Midranks (ties share the average rank): within each class and overall.
    t_x = rankdata(pos, axis=1)
    t_y = rankdata(neg, axis=1)
    t_z = rankdata(np.concatenate([pos, neg], axis=1), axis=1)
    aucs = (t_z[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    # Structural components: V10 for each positive (share of negatives below it),
    # V01 for each negative (share of positives above it); ties count 1/2.
    v10 = (t_z[:, :m] - t_x) / n
    v01 = 1.0 - (t_z[:, m:] - t_y) / m
    if groups is not None:
        return aucs, _clustered_covariance(aucs, v10, v01, positive, groups)
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    return aucs, s10 / m + s01 / n


def _clustered_covariance(aucs, v10, v01, positive, groups):
    """Obuchowski's covariance of the AUCs from the patient totals of the structural components."""
    _, patient = np.unique(groups, return_inverse=True)
    patient = patient.ravel()
    n_patients = int(patient.max()) + 1
    of_positive, of_negative = patient[positive], patient[~positive]
    m_i = np.bincount(of_positive, minlength=n_patients)
    n_i = np.bincount(of_negative, minlength=n_patients)
    i10, i01 = int(np.count_nonzero(m_i)), int(np.count_nonzero(n_i))
    if i10 < 2 or i01 < 2:
        raise ValueError(
            f"The clustered DeLong variance needs at least 2 groups with a positive case and 2 with a negative "
            f"one; got {i10} and {i01} of {n_patients} groups. Check the group IDs, or collect more patients.")
    x = np.stack([np.bincount(of_positive, weights=row, minlength=n_patients) for row in v10])
    y = np.stack([np.bincount(of_negative, weights=row, minlength=n_patients) for row in v01])
    x -= m_i * aucs[:, np.newaxis]
    y -= n_i * aucs[:, np.newaxis]
    m, n = len(of_positive), len(of_negative)
    s10 = i10 / ((i10 - 1) * m) * (x @ x.T)
    s01 = i01 / ((i01 - 1) * n) * (y @ y.T)
    s11 = n_patients / (n_patients - 1) * (x @ y.T)
    return s10 / m + s01 / n + (s11 + s11.T) / (m * n)


def delong_variance(y_true, score, *, pos_label=None, groups=None):
    """ROC AUC of one score and its DeLong variance (clustered by patient with ``groups``).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels.
    score : array-like of shape (n,)
        Higher means more likely positive.
    pos_label : int, float, bool or str, optional
        The positive label; by default the larger of the two labels (as in
        scikit-learn).
    groups : array-like of shape (n,), optional
        Group (patient) ID of each case. With groups the variance is Obuchowski's
        (1997), from each patient's totals of the structural components, so that
        correlated images of one patient count as one patient; with one case per
        group it equals DeLong's.

    Returns
    -------
    auc : float
        Equal to :func:`sklearn.metrics.roc_auc_score`.
    variance : float
        DeLong's estimate of the variance of ``auc`` (Obuchowski's with ``groups``).

    Examples
    --------
    >>> auc, var = delong_variance([0, 0, 1, 1, 0, 1], [.1, .4, .35, .8, .2, .9])
    >>> round(auc, 4), round(var, 5)  # 8/9 and 2/81
    (0.8889, 0.02469)
    """
    positive = _positive_mask(y_true, pos_label)
    score = _check_score(score, len(positive), "score")
    aucs, cov = _fast_delong(positive, score[np.newaxis, :], _check_groups(groups, len(positive)))
    return float(aucs[0]), float(cov[0, 0])


def delong_test(y_true, score_a, score_b, *, pos_label=None, groups=None):
    """Test whether two scores of the same cases have equal ROC AUCs (DeLong's test).

    The AUCs are correlated because both scores rate the same cases; DeLong's
    nonparametric covariance estimate accounts for that. The statistic
    ``z = (auc_a - auc_b) / sqrt(var_a + var_b - 2 cov)`` is referred to the standard
    normal distribution. Midranks give ties a weight of 1/2. With ``groups``
    (patients with several images) the variances and the covariance are
    Obuchowski's (1997) clustered estimates, and the result says so
    (``method="clustered DeLong (Obuchowski)"``).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels.
    score_a, score_b : array-like of shape (n,)
        Two scores (e.g. positive-class probabilities of two models); higher means
        more likely positive.
    pos_label : int, float, bool or str, optional
        The positive label; by default the larger of the two labels (as in
        scikit-learn).
    groups : array-like of shape (n,), optional
        Group (patient) ID of each case. With groups the variance is Obuchowski's
        (1997), from each patient's totals of the structural components, so that
        correlated images of one patient count as one patient; with one case per
        group it equals DeLong's.

    Returns
    -------
    DeLongResult
        AUCs, their difference, variances, covariance, ``z`` and the two-sided
        ``p_value``. When the variance of the difference is 0 (the scores rank the
        cases identically, e.g. identical scores) and the AUCs are equal, ``z = 0``
        and ``p_value = 1``; if the AUCs differ with zero variance (e.g. a perfect
        and a perfectly inverted score) ``z`` is infinite and ``p_value = 0``.

    Raises
    ------
    ValueError
        If ``y_true`` does not have exactly two classes, the lengths differ (of
        ``groups`` too), a score is NaN or infinite, a class has fewer than 2 cases,
        or, with ``groups``, fewer than 2 groups have a case of a class.

    See Also
    --------
    delong_variance : The AUC and variance of a single score.
    bootstrap_difference : The paired (patient) bootstrap of the same difference.

    Notes
    -----
    DeLong, DeLong & Clarke-Pearson (1988), computed with the midrank algorithm of
    Sun & Xu (2014); with ``groups``, Obuchowski (1997). Plain DeLong treats every
    image as an independent case: with several images per patient its variance is
    too small and its p-value too small.

    Examples
    --------
    >>> y = [0, 0, 1, 1, 0, 1, 0, 1]
    >>> res = delong_test(y, [.1, .4, .35, .8, .2, .9, .3, .7], [.2, .1, .6, .7, .3, .5, .6, .4])
    >>> round(res.auc_a, 4), round(res.auc_b, 4), round(res.z, 3)
    (0.9375, 0.8438, 0.449)
    >>> delong_test(y, [.1, .4, .35, .8, .2, .9, .3, .7], [.1, .4, .35, .8, .2, .9, .3, .7]).p_value
    1.0
    >>> patients = [1, 1, 2, 2, 3, 3, 4, 4]
    >>> res = delong_test(y, [.1, .4, .35, .8, .2, .9, .3, .7], [.2, .1, .6, .7, .3, .5, .6, .4], groups=patients)
    >>> res.method, round(res.z, 3)
    ('clustered DeLong (Obuchowski)', 0.353)
    """
    positive = _positive_mask(y_true, pos_label)
    a = _check_score(score_a, len(positive), "score_a")
    b = _check_score(score_b, len(positive), "score_b")
    groups = _check_groups(groups, len(positive))
    aucs, cov = _fast_delong(positive, np.stack([a, b]), groups)
    auc_a, auc_b = float(aucs[0]), float(aucs[1])
    var_a, var_b, covariance = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    difference = auc_a - auc_b
    var_diff = var_a + var_b - 2.0 * covariance
    if var_diff <= _RELATIVE_TOLERANCE * (var_a + var_b):
        if abs(difference) <= 1e-12:
            z, p_value = 0.0, 1.0
        else:
            z, p_value = float(np.copysign(np.inf, difference)), 0.0
    else:
        z = difference / np.sqrt(var_diff)
        p_value = float(min(2.0 * norm.sf(abs(z)), 1.0))
    return DeLongResult(auc_a, auc_b, difference, var_a, var_b, covariance, float(z), p_value,
                        DELONG if groups is None else CLUSTERED_DELONG)
