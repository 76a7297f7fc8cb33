"""Statistics that respect patients: clustered DeLong (Obuchowski 1997), the paired patient
bootstrap of an AUC difference, and BCa bootstrap intervals (jackknife over patients)."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, recall_score, roc_auc_score

from medcnn.evaluation import (
    BootstrapDifference,
    DeLongResult,
    bootstrap_ci,
    bootstrap_difference,
    bootstrap_metrics,
    compare,
    delong_test,
    evaluate,
)
from medcnn.evaluation._bootstrap import _Resampler
from medcnn.evaluation._delong import delong_variance
from medcnn.evaluation._html import render_html

# ------------------------------------------------------ reference Obuchowski (1997)


def _kernel(x, y):
    return 1.0 if x > y else 0.5 if x == y else 0.0


def reference_obuchowski(y, scores, groups):
    """Obuchowski's clustered covariance of AUCs, straight from the paper's formulas.

    For patient i with positive images X_i1..X_im_i and negative images Y_i1..Y_in_i:
    V10(X_ij) = (1/N) sum over all negatives Y of psi(X_ij, Y), V10(X_i.) = sum_j V10(X_ij);
    V01(Y_ij) = (1/M) sum over all positives X of psi(X, Y_ij), V01(Y_i.) = sum_j V01(Y_ij);
    S10^rs = I10 / ((I10 - 1) M) sum_i (V10^r(X_i.) - m_i A_r)(V10^s(X_i.) - m_i A_s), S01 likewise with
    I01, N, n_i; S11^rs = I / (I - 1) sum_i (V10^r(X_i.) - m_i A_r)(V01^s(Y_i.) - n_i A_s);
    cov(A_r, A_s) = S10^rs / M + S01^rs / N + (S11^rs + S11^sr) / (M N).
    """
    y, groups = np.asarray(y), np.asarray(groups)
    patients = list(dict.fromkeys(groups.tolist()))
    positive, negative = y == 1, y == 0
    M, N, I = int(positive.sum()), int(negative.sum()), len(patients)
    m = [int(np.sum(positive & (groups == p))) for p in patients]
    n = [int(np.sum(negative & (groups == p))) for p in patients]
    I10, I01 = sum(k > 0 for k in m), sum(k > 0 for k in n)
    aucs, x_parts, y_parts = [], [], []
    for score in scores:
        score = np.asarray(score, dtype=float)
        X, Y = score[positive], score[negative]
        auc = sum(_kernel(x, v) for x in X for v in Y) / (M * N)
        x_part, y_part = [], []
        for i, p in enumerate(patients):
            own_x = score[positive & (groups == p)]
            own_y = score[negative & (groups == p)]
            v10 = sum(sum(_kernel(x, v) for v in Y) / N for x in own_x)
            v01 = sum(sum(_kernel(x, v) for x in X) / M for v in own_y)
            x_part.append(v10 - m[i] * auc)
            y_part.append(v01 - n[i] * auc)
        aucs.append(auc)
        x_parts.append(x_part)
        y_parts.append(y_part)
    k = len(scores)
    cov = np.zeros((k, k))
    for r in range(k):
        for s in range(k):
            s10 = I10 / ((I10 - 1) * M) * sum(x_parts[r][i] * x_parts[s][i] for i in range(I))
            s01 = I01 / ((I01 - 1) * N) * sum(y_parts[r][i] * y_parts[s][i] for i in range(I))
            s11_rs = I / (I - 1) * sum(x_parts[r][i] * y_parts[s][i] for i in range(I))
            s11_sr = I / (I - 1) * sum(x_parts[s][i] * y_parts[r][i] for i in range(I))
            cov[r, s] = s10 / M + s01 / N + (s11_rs + s11_sr) / (M * N)
    return np.array(aucs), cov


def _clustered_scores(seed, n_patients=25, patient_effect=1.0):
    """Patients with 1-4 images, labels mixed within some patients, two correlated scores with ties."""
    rng = np.random.RandomState(seed)
    sizes = rng.randint(1, 5, n_patients)
    groups = np.repeat([f"p{i:02d}" for i in rng.permutation(n_patients)], sizes)
    patient_label = rng.randint(0, 2, n_patients).repeat(sizes)
    y = np.where(rng.uniform(size=len(groups)) < 0.2, 1 - patient_label, patient_label)
    shared = (patient_effect * rng.normal(size=n_patients)).repeat(sizes)
    a = np.round(y + shared + 0.7 * rng.normal(size=len(y)), 1)
    b = np.round(0.6 * y + shared + 0.9 * rng.normal(size=len(y)), 1)
    return y, a, b, groups


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clustered_delong_matches_obuchowskis_formulas(seed):
    y, a, b, groups = _clustered_scores(seed)
    assert len(np.unique(a)) < len(a)  # ties
    aucs, cov = reference_obuchowski(y, [a, b], groups)
    res = delong_test(y, a, b, groups=groups)
    assert res.method == "clustered DeLong (Obuchowski)"
    assert res.auc_a == pytest.approx(aucs[0], abs=1e-12) and res.auc_b == pytest.approx(aucs[1], abs=1e-12)
    assert abs(res.variance_a - cov[0, 0]) < 1e-8
    assert abs(res.variance_b - cov[1, 1]) < 1e-8
    assert abs(res.covariance - cov[0, 1]) < 1e-8
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    assert res.z == pytest.approx((aucs[0] - aucs[1]) / np.sqrt(var_diff), rel=1e-8)
    auc, variance = delong_variance(y, a, groups=groups)
    assert auc == res.auc_a and variance == pytest.approx(res.variance_a, abs=1e-15)


def test_clustered_delong_with_one_image_per_patient_is_delong():
    y, a, b, _ = _clustered_scores(3, n_patients=60)
    plain = delong_test(y, a, b)
    clustered = delong_test(y, a, b, groups=np.arange(len(y))[::-1])
    assert plain.method == "DeLong" and clustered.method == "clustered DeLong (Obuchowski)"
    for field in ("auc_a", "auc_b", "difference", "variance_a", "variance_b", "covariance", "z", "p_value"):
        assert abs(getattr(clustered, field) - getattr(plain, field)) < 1e-12, field


def test_clustered_variance_is_larger_for_strongly_correlated_images():
    rng = np.random.RandomState(0)
    n_patients, images = 40, 5
    groups = np.arange(n_patients).repeat(images)
    y = rng.randint(0, 2, n_patients).repeat(images)
    patient = (2.0 * rng.normal(size=n_patients)).repeat(images)  # images of a patient score alike
    a = y + patient + 0.2 * rng.normal(size=len(y))
    b = 0.5 * y + patient + 0.2 * rng.normal(size=len(y))
    naive, clustered = delong_test(y, a, b), delong_test(y, a, b, groups=groups)
    assert clustered.variance_a > 2 * naive.variance_a
    assert clustered.variance_difference > naive.variance_difference
    assert clustered.p_value > naive.p_value


def test_delong_result_stays_backward_compatible():
    old = DeLongResult(0.8, 0.7, 0.1, 0.01, 0.01, 0.005, 1.0, 0.3)
    assert old.method == "DeLong"
    assert list(DeLongResult.__dataclass_fields__)[-1] == "method"


# ------------------------------------------------------------------ BCa intervals

def _rank_auc(y, score):
    """ROC AUC as the Mann-Whitney statistic from midranks (fast, for thousands of resamples)."""
    y = np.asarray(y) == 1
    m, n = y.sum(), (~y).sum()
    return (stats.rankdata(score)[y].sum() - m * (m + 1) / 2) / (m * n)


def _scipy_bca(data, statistic, replicates, confidence=0.95):
    """scipy's BCa interval for these bootstrap replicates (its own jackknife)."""
    result = stats.bootstrap(data, statistic, paired=len(data) > 1, vectorized=False, n_resamples=0,
                             confidence_level=confidence, method="BCa",
                             bootstrap_result=SimpleNamespace(bootstrap_distribution=np.asarray(replicates)))
    return result.confidence_interval


def test_bca_matches_scipy_on_the_same_replicates():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 150)
    score = np.round(1.5 * y + rng.normal(size=150), 1)
    # roc_auc_score is computed from case weights, any other metric on the resampled cases;
    # average_precision_score is slow to call, so it gets fewer resamples (the first 300 of the same draws)
    for metrics, n_bootstraps in (({"auc": roc_auc_score, "auc_by_ranks": _rank_auc}, 2000),
                                  ({"ap": average_precision_score}, 300)):
        ours = bootstrap_metrics(metrics, y, score, n_bootstraps=n_bootstraps, random_state=0, ci_method="bca")
        resampler = _Resampler(len(y), None, n_bootstraps, 0)
        resamples = [resampler.indices(drawn) for chunk in resampler.chunks() for drawn in chunk]
        for name, metric in metrics.items():
            independent = average_precision_score if name == "ap" else _rank_auc
            replicates = [independent(y[idx], score[idx]) for idx in resamples]
            reference = _scipy_bca((y, score), independent, replicates)
            assert abs(ours[name].low - reference.low) < 1e-10, name
            assert abs(ours[name].high - reference.high) < 1e-10, name
            percentile = np.percentile(replicates, [2.5, 97.5])
            assert (ours[name].low, ours[name].high) != pytest.approx(tuple(percentile), abs=1e-6)


def test_grouped_bca_matches_scipy_with_patients_as_the_units():
    rng = np.random.RandomState(1)
    n_patients = 50
    patients = np.arange(n_patients).repeat(3)
    y = rng.randint(0, 2, n_patients).repeat(3)
    score = y + rng.normal(size=n_patients).repeat(3) + rng.normal(size=len(y))
    ours = bootstrap_ci(roc_auc_score, y, score, groups=patients, n_bootstraps=2000, random_state=0,
                        ci_method="bca", confidence=0.9)
    resampler = _Resampler(len(y), patients, 2000, 0)
    replicates = [_rank_auc(y[idx], score[idx])
                  for chunk in resampler.chunks() for idx in map(resampler.indices, chunk)]

    def auc_of_patients(kept):
        mask = np.isin(patients, kept)
        return _rank_auc(y[mask], score[mask])

    reference = _scipy_bca((np.arange(n_patients),), auc_of_patients, replicates, confidence=0.9)
    assert abs(ours.low - reference.low) < 1e-10 and abs(ours.high - reference.high) < 1e-10


def test_percentile_stays_the_default_and_unchanged():
    rng = np.random.RandomState(2)
    y = rng.randint(0, 2, 120)
    score = y + rng.normal(size=120)
    default = bootstrap_ci(roc_auc_score, y, score, n_bootstraps=400, random_state=3)
    explicit = bootstrap_ci(roc_auc_score, y, score, n_bootstraps=400, random_state=3, ci_method="percentile")
    assert default == explicit
    resampler = _Resampler(len(y), None, 400, 3)
    replicates = [_rank_auc(y[idx], score[idx])
                  for chunk in resampler.chunks() for idx in map(resampler.indices, chunk)]
    low, high = np.percentile(replicates, [2.5, 97.5])
    assert default.low == pytest.approx(low, abs=1e-12) and default.high == pytest.approx(high, abs=1e-12)


# ------------------------------------------------------------- evaluate(ci_method)

@pytest.fixture(scope="module")
def patient_data():
    X, y = make_classification(240, n_features=6, n_informative=3, class_sep=0.7, random_state=0)
    patients = np.arange(240) // 4
    y = np.repeat(y[::4], 4)  # one label per patient, four samples each
    return X, y, patients


@pytest.fixture(scope="module")
def bca_report(patient_data):
    X, y, patients = patient_data
    return evaluate(LogisticRegression(), X, y, groups=patients, cv=3, n_bootstraps=300, random_state=0,
                    ci_method="bca")


def test_evaluate_gives_bca_intervals(patient_data, bca_report):
    X, y, patients = patient_data
    report = bca_report
    assert report.ci_method == "bca" and report.summary()["ci_method"] == "bca"
    y01, score = report.y01, report.y_score
    for name, metric in (("roc_auc", roc_auc_score),
                         ("sensitivity", lambda t, s: recall_score(t, s >= 0.5))):
        expected = bootstrap_ci(metric, y01, score, groups=patients, n_bootstraps=300, random_state=0,
                                ci_method="bca")
        got = report.metrics[name]
        assert got["value"] == pytest.approx(expected.estimate, abs=1e-12)
        assert abs(got["low"] - expected.low) < 1e-10 and abs(got["high"] - expected.high) < 1e-10, name
    percentile = evaluate(LogisticRegression(), X, y, groups=patients, cv=3, n_bootstraps=300, random_state=0)
    assert percentile.ci_method == "percentile" and percentile.summary()["ci_method"] == "percentile"
    assert percentile.metrics["roc_auc"]["value"] == report.metrics["roc_auc"]["value"]
    assert percentile.metrics["roc_auc"]["low"] != report.metrics["roc_auc"]["low"]
    # the patient table: one aggregated probability per patient, patients as the jackknife units
    patient_auc = report.patient_metrics["roc_auc"]
    assert patient_auc["low"] < patient_auc["value"] < patient_auc["high"]


def test_html_method_line_names_the_interval(patient_data, bca_report):
    page = render_html(bca_report, {})
    assert ("bias-corrected and accelerated (BCa) bootstrap with 300 resamples of whole patients, the "
            "acceleration from the jackknife over patients") in page
    X, y, patients = patient_data
    plain = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=50, random_state=0)
    assert "percentile bootstrap with 50 resamples of samples." in render_html(plain, {})


# ------------------------------------------------------------------------ compare

def test_compare_on_grouped_reports_runs_the_clustered_test(patient_data, bca_report):
    X, y, patients = patient_data
    weak = evaluate(LogisticRegression(C=1e-4), X[:, ::-1] + np.random.RandomState(0).normal(size=X.shape), y,
                    groups=patients, cv=3, n_bootstraps=0, random_state=0)
    result = compare(bca_report, weak)
    assert result.method == "clustered DeLong (Obuchowski)"
    assert result == delong_test(y, bca_report.y_score, weak.y_score, groups=patients)
    ungrouped_a = evaluate(LogisticRegression(), X, y, groups=np.arange(len(y)), cv=3, n_bootstraps=0,
                           random_state=0)
    assert compare(ungrouped_a, ungrouped_a).method == "DeLong"  # one sample per group: plain DeLong
    boot = compare(bca_report, weak, method="bootstrap", n_bootstraps=300, random_state=0)
    assert isinstance(boot, BootstrapDifference) and boot.method == "paired patient bootstrap"
    assert boot.difference == pytest.approx(result.difference, abs=1e-12)


def test_paired_patient_bootstrap_p_value():
    rng = np.random.RandomState(4)
    patients = np.arange(60).repeat(3)
    y = rng.randint(0, 2, 60).repeat(3)
    shared = rng.normal(size=60).repeat(3)
    better = 2 * y + shared + 0.5 * rng.normal(size=len(y))
    worse = 0.3 * y + shared + 1.5 * rng.normal(size=len(y))
    for ci_method in ("percentile", "bca"):
        clear = bootstrap_difference(y, better, worse, groups=patients, n_bootstraps=1000, random_state=0,
                                     ci_method=ci_method)
        assert clear.method == "paired patient bootstrap" and clear.ci_method == ci_method
        assert clear.low > 0 and clear.p_value <= 0.002
        same = bootstrap_difference(y, better, better, groups=patients, n_bootstraps=1000, random_state=0,
                                    ci_method=ci_method)
        assert same.difference == 0 and same.low == same.high == 0 and same.p_value == 1.0


@pytest.mark.parametrize("ci_method", ["percentile", "bca"])
def test_bootstrap_p_value_is_where_the_interval_reaches_zero(ci_method):
    rng = np.random.RandomState(5)
    patients = np.arange(80).repeat(2)
    y = rng.randint(0, 2, 80).repeat(2)
    a = y + rng.normal(size=len(y))
    b = 0.8 * y + rng.normal(size=len(y))
    settings = dict(groups=patients, n_bootstraps=1000, random_state=0, ci_method=ci_method)
    p = bootstrap_difference(y, a, b, **settings).p_value
    assert 0.02 < p < 0.9
    narrower = bootstrap_difference(y, a, b, confidence=1 - p - 0.02, **settings)
    wider = bootstrap_difference(y, a, b, confidence=1 - p + 0.02, **settings)
    assert not narrower.low <= 0 <= narrower.high
    assert wider.low <= 0 <= wider.high


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call", [
    lambda: bootstrap_ci(roc_auc_score, [0, 1, 0, 1], [.1, .9, .2, .8], ci_method="foo"),
    lambda: bootstrap_difference([0, 1, 0, 1], [.1, .9, .2, .8], [.2, .8, .1, .9], ci_method="foo"),
    lambda: evaluate(LogisticRegression(), np.zeros((8, 2)), [0, 1] * 4, cv=2, ci_method="foo"),
])
def test_unknown_ci_method_is_named_with_the_choices(call):
    with pytest.raises(ValueError, match=r"ci_method='foo' is not valid; use 'percentile' .* or 'bca'"):
        call()


@pytest.mark.parametrize("task", ["multiclass", "multilabel", "regression"])
def test_bca_intervals_for_every_task(task):
    from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
    from sklearn.linear_model import Ridge
    from sklearn.multiclass import OneVsRestClassifier

    if task == "multiclass":
        X, y = make_classification(150, n_informative=4, n_classes=3, random_state=0)
        model, metric = LogisticRegression(max_iter=500), "roc_auc_macro"
    elif task == "multilabel":
        X, y = make_multilabel_classification(150, n_classes=3, random_state=0)
        model, metric = OneVsRestClassifier(LogisticRegression(max_iter=500)), "roc_auc_macro"
    else:
        X, y = make_regression(150, n_features=5, noise=10, random_state=0)
        model, metric = Ridge(), "r2"
    groups = np.repeat(np.arange(50), 3)
    reports = {method: evaluate(model, X, y, groups=groups, cv=3, n_bootstraps=300, random_state=0,
                                ci_method=method) for method in ("percentile", "bca")}
    bca, percentile = reports["bca"].metrics[metric], reports["percentile"].metrics[metric]
    assert reports["bca"].task == task and reports["bca"].ci_method == "bca"
    assert bca["value"] == percentile["value"]  # the same point estimate, another interval
    assert bca["low"] < bca["value"] < bca["high"] and (bca["low"], bca["high"]) != (percentile["low"],
                                                                                     percentile["high"])


def test_delong_groups_of_the_wrong_length():
    y = [0, 0, 1, 1, 0, 1, 0, 1]
    a, b = [.1, .4, .35, .8, .2, .9, .3, .7], [.2, .1, .6, .7, .3, .5, .6, .4]
    with pytest.raises(ValueError, match=r"groups has shape \(3,\) but y_true has 8 labels; give one group"):
        delong_test(y, a, b, groups=[1, 2, 3])
    with pytest.raises(ValueError, match=r"at least 2 groups with a positive case .* got 1 and 2"):
        delong_test(y, a, b, groups=[1, 2, 9, 9, 1, 9, 2, 9])


def test_compare_bad_method(patient_data, bca_report):
    with pytest.raises(ValueError, match=r"method='foo' is not valid; use 'delong' .* or 'bootstrap'"):
        compare(bca_report, bca_report, method="foo")
