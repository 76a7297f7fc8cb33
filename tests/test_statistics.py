"""DeLong's test for correlated AUCs and bootstrap confidence intervals."""

import math
import time

import numpy as np
import pytest
from sklearn.metrics import precision_score, roc_auc_score, roc_curve

from medcnn.evaluation._bootstrap import (
    BootstrapResult,
    bootstrap_ci,
    bootstrap_metrics,
    bootstrap_roc_band,
)
from medcnn.evaluation._delong import DeLongResult, delong_test, delong_variance

# ---------------------------------------------------------------- reference DeLong (1988)

def reference_delong(y, scores):
    """DeLong, DeLong & Clarke-Pearson (1988) computed directly from the pairwise kernel.

    psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise, for a positive x and a negative y.
    V10(x_i) = mean_j psi(x_i, y_j), V01(y_j) = mean_i psi(x_i, y_j), AUC = mean psi.
    S10[r, s] = sum_i (V10_r(x_i) - AUC_r)(V10_s(x_i) - AUC_s) / (m - 1), S01 likewise
    over the n negatives, and the covariance matrix of the AUCs is S10 / m + S01 / n.
    """
    y = np.asarray(y)
    pos, neg = y == 1, y == 0
    m, n = int(pos.sum()), int(neg.sum())
    aucs, v10s, v01s = [], [], []
    for s in scores:
        s = np.asarray(s, dtype=float)
        x, yy = s[pos], s[neg]
        psi = np.zeros((m, n))
        for i in range(m):
            for j in range(n):
                psi[i, j] = 1.0 if x[i] > yy[j] else (0.5 if x[i] == yy[j] else 0.0)
        aucs.append(psi.sum() / (m * n))
        v10s.append(psi.sum(axis=1) / n)
        v01s.append(psi.sum(axis=0) / m)
    k = len(scores)
    cov = np.zeros((k, k))
    for r in range(k):
        for q in range(k):
            s10 = sum((v10s[r][i] - aucs[r]) * (v10s[q][i] - aucs[q]) for i in range(m)) / (m - 1)
            s01 = sum((v01s[r][j] - aucs[r]) * (v01s[q][j] - aucs[q]) for j in range(n)) / (n - 1)
            cov[r, q] = s10 / m + s01 / n
    return np.array(aucs), cov


def _two_scores(seed, n=120, rounding=1):
    """Labels and two correlated scores, rounded so that there are many ties."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    common = rng.normal(size=n)
    a = np.round(y * 1.0 + common + 0.5 * rng.normal(size=n), rounding)
    b = np.round(y * 0.6 + common + 0.8 * rng.normal(size=n), rounding)
    return y, a, b


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_delong_matches_direct_structural_components(seed):
    y, a, b = _two_scores(seed)
    assert len(np.unique(a)) < len(a) // 2  # many ties
    aucs, cov = reference_delong(y, [a, b])
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (aucs[0] - aucs[1]) / math.sqrt(var_diff)
    p = math.erfc(abs(z) / math.sqrt(2))  # two-sided normal p-value

    res = delong_test(y, a, b)
    assert isinstance(res, DeLongResult)
    assert res.auc_a == pytest.approx(aucs[0], abs=1e-6)
    assert res.auc_b == pytest.approx(aucs[1], abs=1e-6)
    assert res.difference == pytest.approx(aucs[0] - aucs[1], abs=1e-6)
    assert res.variance_a == pytest.approx(cov[0, 0], abs=1e-6)
    assert res.variance_b == pytest.approx(cov[1, 1], abs=1e-6)
    assert res.covariance == pytest.approx(cov[0, 1], abs=1e-6)
    assert res.variance_difference == pytest.approx(var_diff, abs=1e-6)
    assert res.z == pytest.approx(z, abs=1e-6)
    assert res.p_value == pytest.approx(p, abs=1e-6)
    # AUCs are scikit-learn's.
    assert res.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert res.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    # The single-curve variance is the same estimate.
    auc, var = delong_variance(y, a)
    assert auc == pytest.approx(res.auc_a, abs=1e-12)
    assert var == pytest.approx(res.variance_a, abs=1e-12)


def test_delong_variance_by_hand_on_a_small_mann_whitney_example():
    # Positives 3, 5, 7; negatives 1, 3, 4, 6 (one tie, 3 vs 3).
    # psi rows (positive vs 1, 3, 4, 6):  3 -> 1, 1/2, 0, 0 = 1.5
    #                                     5 -> 1, 1,   1, 0 = 3
    #                                     7 -> 1, 1,   1, 1 = 4
    # Mann-Whitney U = 8.5, so AUC = U / (m n) = 8.5 / 12 = 17/24.
    # V10 = 1.5/4, 3/4, 4/4 = (9, 18, 24)/24; deviations from 17/24: (-8, 1, 7)/24,
    #   S10 = (64 + 1 + 49) / 576 / 2 = 57/576.
    # V01 (share of positives above each negative, ties 1/2): 1 -> 3/3, 3 -> 2.5/3,
    #   4 -> 2/3, 6 -> 1/3 = (24, 20, 16, 8)/24; deviations (7, 3, -1, -9)/24,
    #   S01 = (49 + 9 + 1 + 81) / 576 / 3 = 140/1728.
    # var = S10/3 + S01/4 = 57/1728 + 35/1728 = 92/1728 = 23/432.
    y = [1, 1, 1, 0, 0, 0, 0]
    score = [3, 5, 7, 1, 3, 4, 6]
    auc, var = delong_variance(y, score)
    assert auc == pytest.approx(17 / 24, abs=1e-12)
    assert var == pytest.approx(23 / 432, abs=1e-12)


def test_hanley_mcneil_1982_ct_rating_example():
    # Hanley & McNeil (1982), Radiology 143:29-36, Table 1: 109 CT images rated on a
    # five-point scale (1 = definitely normal ... 5 = definitely abnormal).
    # Normal (n=58):   33, 6, 6, 11, 2 at ratings 1..5.
    # Abnormal (n=51):  3, 2, 2, 11, 33 at ratings 1..5.
    # The paper reports an area of 0.893. By hand, summing over abnormal ratings
    # (normals rated lower + 1/2 normals rated the same):
    #   3 * 16.5 + 2 * (33 + 3) + 2 * (39 + 3) + 11 * (45 + 5.5) + 33 * (56 + 1) = 2642
    # out of 58 * 51 = 2958 pairs, so AUC = 2642 / 2958 = 0.8932.
    normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
    abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
    y = np.r_[np.zeros(58, int), np.ones(51, int)]
    rating = np.r_[normal, abnormal]
    auc, var = delong_variance(y, rating)
    assert auc == pytest.approx(2642 / 2958, abs=1e-12)
    assert round(auc, 3) == 0.893
    _, ref_cov = reference_delong(y, [rating])
    assert var == pytest.approx(ref_cov[0, 0], abs=1e-12)


def test_identical_and_rank_equivalent_scores_give_p_one():
    y, a, _ = _two_scores(0)
    res = delong_test(y, a, a)
    assert res.z == 0.0 and res.p_value == 1.0 and res.difference == 0.0
    assert res.confidence_interval() == (0.0, 0.0)
    res = delong_test(y, a, np.exp(a))  # a monotone transform ranks the cases identically
    assert res.p_value == 1.0


def test_strongly_better_score_is_significant():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 500)
    good = 2.5 * y + rng.normal(size=500)
    poor = 0.3 * y + rng.normal(size=500)
    res = delong_test(y, good, poor)
    assert res.difference > 0.2 and res.z > 0
    assert res.p_value < 1e-6
    assert delong_test(y, poor, good).z == pytest.approx(-res.z)


def test_rejection_rate_under_the_null_is_near_the_nominal_level():
    rejections = 0
    for seed in range(200):
        rng = np.random.RandomState(seed)
        y = rng.randint(0, 2, 100)
        a = y + rng.normal(size=100)  # same signal, independent noise: equal true AUCs
        b = y + rng.normal(size=100)
        rejections += delong_test(y, a, b).p_value < 0.05
    assert 0.02 <= rejections / 200 <= 0.09


def test_confidence_interval_of_the_difference():
    y, a, b = _two_scores(1)
    res = delong_test(y, a, b)
    low, high = res.confidence_interval(0.95)
    half = 1.959963984540054 * math.sqrt(res.variance_a + res.variance_b - 2 * res.covariance)
    assert low == pytest.approx(res.difference - half, abs=1e-12)
    assert high == pytest.approx(res.difference + half, abs=1e-12)
    low90, high90 = res.confidence_interval(0.9)
    assert low < low90 < res.difference < high90 < high
    # The 95% interval excludes 0 exactly when p < 0.05.
    assert (low > 0 or high < 0) == (res.p_value < 0.05)
    with pytest.raises(ValueError, match=r"level must be .* between 0 and 1 .*got 95"):
        res.confidence_interval(95)


def test_result_is_frozen():
    y, a, b = _two_scores(2)
    res = delong_test(y, a, b)
    with pytest.raises(AttributeError):
        res.z = 0.0


def test_perfect_against_inverted_score_has_zero_variance_and_p_zero():
    y = np.array([0, 0, 0, 1, 1, 1])
    score = np.arange(6.0)
    res = delong_test(y, score, -score)
    assert res.auc_a == 1.0 and res.auc_b == 0.0
    assert res.variance_difference == 0.0
    assert res.z == math.inf and res.p_value == 0.0


def test_labels_other_than_0_1_and_pos_label():
    y, a, b = _two_scores(3)
    names = np.where(y == 1, "malignant", "benign")  # "malignant" is the larger label
    assert delong_test(names, a, b) == delong_test(y, a, b)
    shifted = y + 1  # labels 1 and 2: 2 is positive by default, as in scikit-learn
    assert delong_test(shifted, a, b).auc_a == pytest.approx(roc_auc_score(shifted, a))
    flipped = delong_test(names, a, b, pos_label="benign")
    res = delong_test(names, a, b)
    assert flipped.auc_a == pytest.approx(1 - res.auc_a)
    assert flipped.variance_a == pytest.approx(res.variance_a)
    assert flipped.covariance == pytest.approx(res.covariance)
    assert flipped.p_value == pytest.approx(res.p_value)
    auc, _ = delong_variance(names, a, pos_label="benign")
    assert auc == pytest.approx(1 - res.auc_a)


@pytest.mark.parametrize(
    "y, a, b, kwargs, match",
    [
        ([1, 1, 1, 1], [.1, .2, .3, .4], [.1, .2, .3, .4], {}, r"only one class \(1\).*both positive and negative"),
        ([0, 1, 0, 1], [.1, .2, .3], [.1, .2, .3, .4], {}, r"score_a has 3 scores but y_true has 4 labels"),
        ([0, 1, 0, 1], [.1, .2, .3, .4], [.1, np.nan, .3, .4], {}, r"score_b contains 1 NaN .*remove those cases"),
        ([0, 1, 2, 1], [.1, .2, .3, .4], [.1, .2, .3, .4], {}, r"3 labels \[0, 1, 2\].*exactly two"),
        ([0, 1, 0, 1], [.1, .2, .3, .4], [.1, .2, .3, .4], {"pos_label": 2}, r"pos_label=2 is not a label"),
        ([0, 1, 0, 0], [.1, .2, .3, .4], [.1, .2, .3, .4], {}, r"at least 2 positive and 2 negative .*got 1 pos"),
        ([0, 1, 0, 1], np.ones((4, 2)), [.1, .2, .3, .4], {}, r"score_a must be 1-D .*proba\[:, 1\]"),
        ([0, 1, 0, 1], ["a", "b", "c", "d"], [.1, .2, .3, .4], {}, r"score_a must be numeric"),
        ([[0, 1], [0, 1]], [.1, .2], [.1, .2], {}, r"y_true must be 1-D"),
    ],
)
def test_delong_bad_input(y, a, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        delong_test(y, a, b, **kwargs)


def test_delong_variance_bad_input():
    with pytest.raises(ValueError, match=r"score contains 1 NaN or infinite"):
        delong_variance([0, 1, 0, 1], [0.1, np.inf, 0.2, 0.3])


# ------------------------------------------------------------------------------ bootstrap

def _scored(n, seed=0, signal=1.0):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    return y, signal * y + rng.normal(size=n)


def _width(res):
    return res.high - res.low


def test_bootstrap_ci_contains_the_estimate():
    y, s = _scored(300)
    res = bootstrap_ci(roc_auc_score, y, s, n_bootstraps=500, random_state=0)
    assert isinstance(res, BootstrapResult)
    assert res.estimate == roc_auc_score(y, s)
    assert res.low < res.estimate < res.high
    assert res.n_valid == 500
    estimate, low, high, n_valid = res  # unpacks as a 4-tuple
    assert (estimate, low, high, n_valid) == tuple(res)


def test_bootstrap_width_shrinks_like_one_over_sqrt_n():
    small = bootstrap_ci(roc_auc_score, *_scored(200, seed=1), random_state=0)
    large = bootstrap_ci(roc_auc_score, *_scored(800, seed=2), random_state=0)
    assert 1.6 <= _width(small) / _width(large) <= 2.5


def test_group_bootstrap_is_wider_for_correlated_patients():
    # 50 patients with 8 identical images each: only 50 independent observations.
    rng = np.random.RandomState(0)
    patient_y = rng.randint(0, 2, 50)
    patient_score = patient_y + rng.normal(size=50)
    y, s = np.repeat(patient_y, 8), np.repeat(patient_score, 8)
    groups = np.repeat(np.arange(50), 8)
    by_image = bootstrap_ci(roc_auc_score, y, s, random_state=0)
    by_patient = bootstrap_ci(roc_auc_score, y, s, groups=groups, random_state=0)
    assert by_patient.estimate == by_image.estimate
    assert _width(by_patient) > 1.8 * _width(by_image)
    # Resampling patients of this data set is resampling the 50 patient-level values.
    per_patient = bootstrap_ci(roc_auc_score, patient_y, patient_score, random_state=0)
    assert _width(by_patient) == pytest.approx(_width(per_patient), rel=0.25)


def test_bootstrap_is_deterministic_with_random_state():
    y, s = _scored(150)
    groups = np.arange(150) // 3
    for g in (None, groups):
        first = bootstrap_ci(roc_auc_score, y, s, groups=g, n_bootstraps=300, random_state=7)
        assert bootstrap_ci(roc_auc_score, y, s, groups=g, n_bootstraps=300, random_state=7) == first
        assert bootstrap_ci(roc_auc_score, y, s, groups=g, n_bootstraps=300, random_state=8) != first
        seeded = bootstrap_ci(roc_auc_score, y, s, groups=g, n_bootstraps=300,
                              random_state=np.random.RandomState(7))
        assert seeded == first


def test_bootstrap_metrics_use_the_same_resamples_as_bootstrap_ci():
    # Contract: the resamples depend only on len(y_true), groups, n_bootstraps and
    # random_state, so each entry of bootstrap_metrics equals bootstrap_ci on its own.
    y, s = _scored(200, seed=3)
    groups = np.arange(200) // 4
    metrics = {
        "auc": roc_auc_score,
        "auc_wrapped": lambda t, p: roc_auc_score(t, p),  # the general per-resample path
        "accuracy": lambda t, p: np.mean(t == (p > 0.5)),
        "inverted_auc": lambda t, p: roc_auc_score(t, -p),
    }
    for g in (None, groups):
        together = bootstrap_metrics(metrics, y, s, groups=g, n_bootstraps=100, random_state=11)
        assert set(together) == set(metrics)
        for name, metric in metrics.items():
            alone = bootstrap_ci(metric, y, s, groups=g, n_bootstraps=100, random_state=11)
            np.testing.assert_allclose(together[name], alone, rtol=0, atol=1e-12)
        # Within one call every metric sees the same resamples.
        np.testing.assert_allclose(together["auc"], together["auc_wrapped"], rtol=0, atol=1e-12)
        assert together["inverted_auc"].low == pytest.approx(1 - together["auc"].high, abs=1e-12)
        assert together["inverted_auc"].high == pytest.approx(1 - together["auc"].low, abs=1e-12)


def test_undefined_resamples_are_skipped_and_counted():
    # One positive among 40 cases: about (39/40)**40 = 36% of resamples have no positive.
    y = np.zeros(40, int)
    y[0] = 1
    s = np.linspace(0, 1, 40)[::-1]
    fast = bootstrap_ci(roc_auc_score, y, s, n_bootstraps=300, random_state=0)
    slow = bootstrap_ci(lambda t, p: roc_auc_score(t, p), y, s, n_bootstraps=300, random_state=0)
    assert 150 <= fast.n_valid <= 230
    assert slow.n_valid == fast.n_valid
    # NaN results are skipped too: only case 0 is predicted positive.
    ppv = bootstrap_ci(lambda t, p: precision_score(t, p > 0.99, zero_division=np.nan), y, s,
                       n_bootstraps=300, random_state=0)
    assert ppv.n_valid == fast.n_valid  # undefined exactly when case 0 is not drawn
    assert ppv.estimate == ppv.low == ppv.high == 1.0


def test_too_many_undefined_resamples_raise():
    # Multiclass AUC with two classes of one case each: most resamples miss a class.
    y = np.r_[np.zeros(58, int), 1, 2]
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(3), size=60)

    def ovr(t, p):
        return roc_auc_score(t, p, multi_class="ovr")

    with pytest.raises(ValueError, match=r"Only \d+ of 200 bootstrap resamples .*too few positives/negatives"):
        bootstrap_ci(ovr, y, proba, n_bootstraps=200, random_state=0)


def test_bootstrap_single_class_raises():
    with pytest.raises(ValueError, match=r"only one class \(1\).*both classes"):
        bootstrap_ci(roc_auc_score, [1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"only one class"):
        bootstrap_roc_band([0, 0, 0], [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_score": [0.1, 0.2]}, r"y_score has shape \(2,\) but y_true has 4 labels"),
        ({"groups": [1, 2]}, r"groups has shape \(2,\) .*one group \(patient\) ID per case"),
        ({"n_bootstraps": 0}, r"n_bootstraps must be a positive integer .*got 0"),
        ({"n_bootstraps": 10.5}, r"n_bootstraps must be a positive integer .*got 10.5"),
        ({"confidence": 95}, r"confidence must be strictly between 0 and 1 .*got 95"),
        ({"y_true": []}, r"y_true is empty"),
    ],
)
def test_bootstrap_bad_input(kwargs, match):
    args = {"y_true": [0, 1, 0, 1], "y_score": [0.1, 0.8, 0.3, 0.6], "n_bootstraps": 20}
    args.update(kwargs)
    y_true, y_score = args.pop("y_true"), args.pop("y_score")
    with pytest.raises(ValueError, match=match):
        bootstrap_ci(roc_auc_score, y_true, y_score, **args)


def test_bootstrap_metrics_bad_input():
    y, s = [0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6]
    with pytest.raises(ValueError, match=r"metrics must be a non-empty dict"):
        bootstrap_metrics({}, y, s)
    with pytest.raises(TypeError, match=r"metrics must be a dict .*got \[<function"):
        bootstrap_metrics([roc_auc_score], y, s)
    with pytest.raises(TypeError, match=r"metrics\['auc'\] is 3, not callable"):
        bootstrap_metrics({"auc": 3}, y, s)
    with pytest.raises(TypeError, match=r"metric is 'auc', not callable"):
        bootstrap_ci("auc", y, s)
    with pytest.raises(ValueError, match=r"returned array.*single number"):
        bootstrap_metrics({"both": lambda t, p: np.array([1.0, 2.0])}, y, s)


def test_bootstrap_auc_of_5000_cases_is_fast():
    y, s = _scored(5000, seed=4)
    start = time.perf_counter()
    res = bootstrap_ci(roc_auc_score, y, np.round(s, 2), n_bootstraps=1000, random_state=0)
    assert time.perf_counter() - start < 5.0
    assert res.n_valid == 1000 and res.low < res.estimate < res.high


# ------------------------------------------------------------------------------ ROC band

def test_roc_band_is_ordered_monotone_and_covers_the_curve():
    y, s = _scored(300, seed=5)
    fpr_grid, low, high = bootstrap_roc_band(y, s, n_bootstraps=500, random_state=0)
    np.testing.assert_array_equal(fpr_grid, np.linspace(0, 1, 101))
    assert low.shape == high.shape == (101,)
    assert np.all(low <= high)
    assert np.all(np.diff(low) >= 0) and np.all(np.diff(high) >= 0)
    assert np.all((low >= 0) & (high <= 1))
    fpr, tpr, _ = roc_curve(y, s)
    observed = np.interp(fpr_grid, fpr, tpr)
    assert np.mean((low <= observed) & (observed <= high)) >= 0.9


def test_roc_band_options():
    y, s = _scored(200, seed=6)
    grid = np.array([0.0, 0.1, 0.5, 1.0])
    groups = np.arange(200) // 4
    band = bootstrap_roc_band(y, s, fpr_grid=grid, groups=groups, n_bootstraps=200, random_state=1)
    assert band == tuple(band) and np.array_equal(band.fpr_grid, grid)
    again = bootstrap_roc_band(y, s, fpr_grid=grid, groups=groups, n_bootstraps=200, random_state=1)
    np.testing.assert_array_equal(band.tpr_low, again.tpr_low)
    np.testing.assert_array_equal(band.tpr_high, again.tpr_high)
    assert band.tpr_high[-1] == 1.0
    names = np.where(y == 1, "tumour", "normal")
    by_name = bootstrap_roc_band(names, s, fpr_grid=grid, groups=groups, n_bootstraps=200, random_state=1)
    np.testing.assert_array_equal(by_name.tpr_low, band.tpr_low)
    inverted = bootstrap_roc_band(names, -s, fpr_grid=grid, n_bootstraps=200, random_state=1, pos_label="normal")
    assert np.all(inverted.tpr_low <= inverted.tpr_high)


@pytest.mark.parametrize(
    "y, s, kwargs, match",
    [
        ([0, 1, 2, 1], [.1, .2, .3, .4], {}, r"3 labels \[0, 1, 2\].*exactly two"),
        ([0, 1, 0, 1], [.1, np.nan, .3, .4], {}, r"y_score contains 1 NaN or infinite"),
        ([0, 1, 0, 1], np.ones((4, 2)), {}, r"y_score must be 1-D .*proba\[:, 1\]"),
        ([0, 1, 0, 1], [.1, .2, .3, .4], {"fpr_grid": [0.5, 0.2]}, r"fpr_grid must be .*non-decreasing"),
        ([0, 1, 0, 1], [.1, .2, .3, .4], {"fpr_grid": [0, 1.5]}, r"fpr_grid must be .*in \[0, 1\]"),
        ([0, 1, 0, 1], [.1, .2, .3, .4], {"pos_label": 3}, r"pos_label=3 is not a label"),
    ],
)
def test_roc_band_bad_input(y, s, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_roc_band(y, s, n_bootstraps=20, **kwargs)
