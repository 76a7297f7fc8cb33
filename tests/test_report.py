"""medcnn.evaluation.evaluate, EvaluationReport (tables, JSON, plots, HTML) and compare()."""

import json
import shutil
import subprocess

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import PredefinedSplit

from medcnn.evaluation import EvaluationReport, compare, evaluate

METRIC_NAMES = ["roc_auc", "pr_auc", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv",
                "f1", "mcc", "brier"]


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(300, n_features=8, n_informative=3, flip_y=0.1, random_state=0)
    labels = np.where(y == 1, "malignant", "benign")
    # 30 patients: P00-P14 have benign samples only, P15-P29 benign and malignant ones
    groups = np.empty(len(y), dtype=object)
    benign, malignant = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    groups[benign] = [f"P{i % 30:02d}" for i in range(len(benign))]
    groups[malignant] = [f"P{15 + i % 15:02d}" for i in range(len(malignant))]
    return X, labels, groups.astype(str)


@pytest.fixture(scope="module")
def report(tabular):
    X, y, groups = tabular
    return evaluate(LogisticRegression(), X, y, groups=groups, cv=5, n_bootstraps=1000, random_state=0)


def test_pooled_metrics_are_sklearn_metrics_of_the_out_of_fold_predictions(tabular, report):
    X, y, groups = tabular
    assert isinstance(report, EvaluationReport)
    assert report.pos_label == "malignant" and report.neg_label == "benign"
    assert np.isfinite(report.y_score).all() and sorted(set(report.fold)) == [1, 2, 3, 4, 5]
    y01 = (y == "malignant").astype(int)
    assert report.metrics["roc_auc"]["value"] == pytest.approx(roc_auc_score(y01, report.y_score))
    assert report.metrics["balanced_accuracy"]["value"] == pytest.approx(
        balanced_accuracy_score(y01, report.y_score >= 0.5))
    for name in METRIC_NAMES:
        m = report.metrics[name]
        assert m["low"] <= m["value"] <= m["high"], name
    # grouped folds: no patient on both sides
    for fold in range(1, 6):
        assert not set(groups[report.fold == fold]) & set(groups[report.fold != fold])
    assert len(report.fold_metrics) == 5 and sum(f["n_test"] for f in report.fold_metrics) == 300
    assert set(report.patient_metrics) == set(METRIC_NAMES)


def test_tables_and_json(report):
    frame = report.to_frame()
    assert list(frame.index) == METRIC_NAMES
    assert {"value", "low", "high", "fold_mean", "fold_std"} <= set(frame.columns)
    assert report.to_frame("folds").shape[0] == 5
    assert report.to_frame("patient").loc["roc_auc", "value"] == report.patient_metrics["roc_auc"]["value"]
    data = json.loads(report.to_json())
    assert data["n_samples"] == 300 and data["n_groups"] == 30 and data["positive_label"] == "malignant"
    assert data["metrics"]["roc_auc"]["value"] == pytest.approx(report.metrics["roc_auc"]["value"])
    with pytest.raises(ValueError, match="level='x' is not valid"):
        report.to_frame("x")


def test_bootstrap_is_reproducible_and_resamples_patients(tabular, report):
    X, y, groups = tabular
    again = evaluate(LogisticRegression(), X, y, groups=groups, cv=5, n_bootstraps=1000, random_state=0)
    assert again.metrics == report.metrics
    # identical copies of each patient's rows: resampling samples would understate the uncertainty
    correlated = np.repeat(X[::10], 10, axis=0), np.repeat(y[::10], 10)
    groups = np.repeat(np.arange(30), 10)
    by_sample = evaluate(LogisticRegression(), *correlated, cv=3, n_bootstraps=1000, random_state=0)
    by_patient = evaluate(LogisticRegression(), *correlated, groups=groups, cv=3, n_bootstraps=1000,
                          random_state=0)
    width = {name: r.metrics["roc_auc"]["high"] - r.metrics["roc_auc"]["low"]
             for name, r in (("sample", by_sample), ("patient", by_patient))}
    assert width["patient"] > 1.5 * width["sample"], width


@pytest.mark.parametrize("kind", ["roc", "pr", "confusion", "calibration", "patient_roc"])
def test_plots_return_figures(report, kind):
    figure = report.plot(kind)
    assert figure.axes and figure.axes[0].get_title()


def test_save_writes_a_self_contained_report(report, tmp_path):
    folder = tmp_path / "report"
    path = report.save(folder)
    files = {p.name for p in folder.iterdir()}
    assert {"report.html", "metrics.json", "predictions.csv", "roc.png", "confusion.png", "pr.png",
            "calibration.png", "patient_roc.png"} <= files
    page = (folder / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 5 and "src=\"http" not in page
    assert "malignant" in page and f"{report.metrics['roc_auc']['value']:.3f}" in page
    lines = (folder / "predictions.csv").read_text().splitlines()
    assert len(lines) == 301 and lines[0] == "index,fold,group,y_true,score,y_pred"
    with pytest.raises(FileExistsError, match=r"exists; choose a new folder, or pass force=True"):
        report.save(folder)
    assert report.save(folder, force=True) == path


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed")
def test_report_html_renders_in_headless_chromium(report, tmp_path):
    path = report.save(tmp_path / "report")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    result = subprocess.run([CHROMIUM, *flags, "--dump-dom", f"file://{path}"], capture_output=True,
                            text=True, timeout=120)
    dom = result.stdout
    assert 'data-ready="yes"' in dom, result.stderr[-2000:]
    import re

    images = {re.search(r'alt="(\w+) plot"', tag).group(1): tag for tag in re.findall(r"<img[^>]*>", dom)}
    assert len(images) == 5
    for kind in ("roc", "confusion"):
        assert 'data-loaded="yes"' in images[kind], kind
        assert int(re.search(r'data-natural-width="(\d+)"', images[kind]).group(1)) > 300
    assert all('data-loaded="yes"' in tag for tag in images.values())
    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1100,2400", f"--screenshot={shot}", f"file://{path}"],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a page with plots, not a blank one


def test_compare_runs_delong_on_the_paired_out_of_fold_scores(tabular, report):
    X, y, groups = tabular
    weak = evaluate(LogisticRegression(), X[:, 5:], y, groups=groups, cv=5, n_bootstraps=0, random_state=0)
    result = compare(report, weak)
    assert result.auc_a == pytest.approx(report.metrics["roc_auc"]["value"])
    assert result.auc_b == pytest.approx(weak.metrics["roc_auc"]["value"])
    assert 0 <= result.p_value <= 1
    same = compare(report, report)
    assert same.p_value == pytest.approx(1.0) and same.difference == 0
    other = evaluate(LogisticRegression(), X[:200], y[:200], cv=3, n_bootstraps=0, random_state=0)
    with pytest.raises(ValueError, match="not on the same samples"):
        compare(report, other)


@pytest.mark.slow
def test_evaluate_a_cnn_on_image_paths(histology_files):
    from medcnn import CNNClassifier

    paths, y = histology_files
    report = evaluate(CNNClassifier(architecture="lenet5", epochs=2, random_state=0), paths, y, cv=3,
                      n_bootstraps=100, random_state=0)
    assert len(report.histories) == 3 and len(report.histories[0]["loss"]) == 2
    assert report.plot("history").axes[0].get_xlabel() == "epoch"


@pytest.mark.parametrize("kwargs, match", [
    ({"cv": 30}, r"Evaluating with \d+ positives .* and 30 folds: every test fold needs at least one"),
    ({"groups": np.arange(10)}, r"groups has 10 entries but X has 300 samples"),
    ({"threshold": 1.5}, r"threshold=1.5 is not valid"),
    ({"pos_label": "cancer"}, r"pos_label='cancer' is not one of the labels in y"),
])
def test_bad_input_gets_a_clear_error(tabular, kwargs, match):
    X, y, _ = tabular
    if kwargs.get("cv") == 30:
        keep = np.r_[np.flatnonzero(y == "benign"), np.flatnonzero(y == "malignant")[:20]]
        X, y = X[keep], y[keep]
    with pytest.raises(ValueError, match=match):
        evaluate(LogisticRegression(), X, y, n_bootstraps=0, **kwargs)


def test_single_class_folds_and_single_labels_are_refused(tabular):
    X, y, _ = tabular
    order = np.argsort(y == "malignant", kind="stable")   # benign first
    test_fold = np.where(np.arange(300) < 100, 0, 1)      # fold 1 holds only benign samples
    with pytest.raises(ValueError, match=r"Fold 1 of 2 has only negative samples in its test part"):
        evaluate(DummyClassifier(), X[order], y[order], cv=PredefinedSplit(test_fold), n_bootstraps=0)
    with pytest.raises(ValueError, match=r"y has 1 distinct label\(s\): \['benign'\]; .* two or more classes"):
        evaluate(DummyClassifier(), X, np.full(300, "benign"), n_bootstraps=0)


@pytest.mark.slow
def test_plot_embedding(tabular):
    from medcnn.evaluation import plot_embedding

    X, y, _ = tabular
    figure = plot_embedding(X[:60], y[:60])
    assert len(figure.axes[0].collections) == 2
    with pytest.raises(ValueError, match="one row per label"):
        plot_embedding(X[:10], y[:5])


def test_vectorised_bootstrap_metrics_equal_sklearn_with_sample_weights():
    """The bootstrap computes all resamples at once; each equals scikit-learn with weights."""
    from sklearn import metrics as skm

    from medcnn.evaluation._metrics import weighted_binary_metrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    score = np.round(np.clip(0.3 * y + 0.7 * rng.random(120), 0, 1), 2)  # ties included
    weights = rng.multinomial(120, np.full(120, 1 / 120), size=6)
    got = weighted_binary_metrics(weights, y, score, threshold=0.5)
    pred = (score >= 0.5).astype(int)
    expected = {
        "roc_auc": lambda w: skm.roc_auc_score(y, score, sample_weight=w),
        "pr_auc": lambda w: skm.average_precision_score(y, score, sample_weight=w),
        "balanced_accuracy": lambda w: skm.balanced_accuracy_score(y, pred, sample_weight=w),
        "sensitivity": lambda w: skm.recall_score(y, pred, sample_weight=w),
        "specificity": lambda w: skm.recall_score(y, pred, pos_label=0, sample_weight=w),
        "ppv": lambda w: skm.precision_score(y, pred, sample_weight=w),
        "npv": lambda w: skm.precision_score(y, pred, pos_label=0, sample_weight=w),
        "f1": lambda w: skm.f1_score(y, pred, sample_weight=w),
        "mcc": lambda w: skm.matthews_corrcoef(y, pred, sample_weight=w),
        "brier": lambda w: skm.brier_score_loss(y, score, sample_weight=w),
    }
    for name, function in expected.items():
        np.testing.assert_allclose(got[name], [function(w) for w in weights], rtol=1e-9, err_msg=name)
    one_class = np.zeros((1, 120))
    one_class[0, np.flatnonzero(y == 1)[:5]] = 1
    assert np.isnan(weighted_binary_metrics(one_class, y, score)["roc_auc"]).all()


def test_a_metric_undefined_on_the_data_gets_no_interval(tabular, tmp_path):
    X, y, groups = tabular
    report = evaluate(LogisticRegression(), X, y, groups=groups, cv=3, threshold=1.0, n_bootstraps=200,
                      random_state=0)
    ppv = report.metrics["ppv"]
    assert np.isnan(ppv["value"]) and np.isnan(ppv["low"]) and np.isnan(ppv["high"])
    assert report.metrics["roc_auc"]["low"] < report.metrics["roc_auc"]["high"]
    assert json.loads(report.to_json())["metrics"]["ppv"]["value"] is None
    page = open(report.save(tmp_path / "r"), encoding="utf-8").read()
    assert "<td>PPV (precision)</td><td>&ndash;</td>" in page
