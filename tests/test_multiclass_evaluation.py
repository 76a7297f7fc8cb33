"""evaluate() and EvaluationReport for three or more classes (tumour grades, tissue types)."""

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit
from sklearn.naive_bayes import GaussianNB

from medcnn.evaluation import compare, evaluate
from medcnn.evaluation._multiclass import patient_level, weighted_multiclass_metrics

GRADES = np.array(["G1", "G2", "G3"])


@pytest.fixture(scope="module")
def graded():
    """300 samples of three ordered grades; the samples of a grade come from patients of
    about 5 samples each, and one patient in ten also has a sample of another grade."""
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3, flip_y=0.05, random_state=0)
    rank = np.zeros(300, dtype=int)
    for grade in range(3):
        members = np.flatnonzero(y == grade)
        rank[members] = np.arange(len(members))
    groups = np.array([f"P{g}-{r // 5:02d}" for g, r in zip(y, rank)])
    groups[::50] = groups[1::50]  # a few patients hold two grades
    return X, GRADES[y], groups


@pytest.fixture(scope="module")
def report(graded):
    X, y, groups = graded
    return evaluate(LogisticRegression(), X, y, groups=groups, cv=5, ordinal=True, n_bootstraps=300,
                    random_state=0)


def test_point_estimates_are_sklearns_on_the_out_of_fold_probabilities(graded, report):
    _, y, _ = graded
    proba = report.y_score
    assert proba.shape == (300, 3) and np.allclose(proba.sum(axis=1), 1)
    assert report.classes.tolist() == GRADES.tolist()
    pred = GRADES[proba.argmax(axis=1)]
    expected = {
        "roc_auc_macro": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "roc_auc_weighted": skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted"),
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "f1_macro": skm.f1_score(y, pred, average="macro"),
        "kappa": skm.cohen_kappa_score(y, pred, weights="quadratic"),
        "log_loss": skm.log_loss(y, proba),
    }
    for name, value in expected.items():
        m = report.metrics[name]
        assert m["value"] == pytest.approx(value), name
        assert m["low"] <= m["value"] <= m["high"], name
    assert report.metrics["roc_auc_macro"]["value"] > 0.8  # the classifier learned something
    for k, grade in enumerate(GRADES):
        truth, chosen = (y == grade).astype(int), (pred == grade).astype(int)
        m = report.class_metrics[k]
        assert m["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(truth, proba[:, k]))
        assert m["pr_auc"]["value"] == pytest.approx(skm.average_precision_score(truth, proba[:, k]))
        assert m["sensitivity"]["value"] == pytest.approx(skm.recall_score(truth, chosen))
        assert m["specificity"]["value"] == pytest.approx(skm.recall_score(truth, chosen, pos_label=0))
        assert m["ppv"]["value"] == pytest.approx(skm.precision_score(truth, chosen))
        assert m["npv"]["value"] == pytest.approx(skm.precision_score(truth, chosen, pos_label=0))
        assert m["f1"]["value"] == pytest.approx(skm.f1_score(truth, chosen))
        assert m["roc_auc"]["low"] < m["roc_auc"]["value"] < m["roc_auc"]["high"]
    assert (report.y_pred == pred).all()


def test_unordered_classes_use_unweighted_kappa(graded):
    X, y, _ = graded
    report = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)
    pred = GRADES[report.y_score.argmax(axis=1)]
    assert report.metrics["kappa"]["value"] == pytest.approx(skm.cohen_kappa_score(y, pred))
    assert np.isnan(report.metrics["kappa"]["low"])  # no bootstrap, no interval
    assert report.patient_metrics is None


@pytest.mark.parametrize("ordinal", [False, True])
def test_vectorised_bootstrap_metrics_equal_sklearn_with_sample_weights(ordinal):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, 150)
    proba = rng.dirichlet(np.ones(4), 150)
    proba[np.arange(150), codes] += 0.4
    proba /= proba.sum(axis=1, keepdims=True)
    weights = rng.integers(0, 3, size=(5, 150))
    overall, per_class = weighted_multiclass_metrics(weights, codes, proba, ordinal)
    pred, labels = proba.argmax(axis=1), np.arange(4)
    for r, w in enumerate(weights):
        expected = {
            "roc_auc_macro": skm.roc_auc_score(codes, proba, multi_class="ovr", labels=labels, sample_weight=w),
            "roc_auc_weighted": skm.roc_auc_score(codes, proba, multi_class="ovr", average="weighted",
                                                  labels=labels, sample_weight=w),
            "accuracy": skm.accuracy_score(codes, pred, sample_weight=w),
            "balanced_accuracy": skm.balanced_accuracy_score(codes, pred, sample_weight=w),
            "f1_macro": skm.f1_score(codes, pred, average="macro", labels=labels, sample_weight=w),
            "kappa": skm.cohen_kappa_score(codes, pred, weights="quadratic" if ordinal else None,
                                           sample_weight=w),
            "log_loss": skm.log_loss(codes, proba, labels=labels, sample_weight=w),
        }
        for name, value in expected.items():
            assert overall[name][r] == pytest.approx(value), name
        for k in range(4):
            truth, chosen = (codes == k).astype(int), (pred == k).astype(int)
            assert per_class[k]["roc_auc"][r] == pytest.approx(skm.roc_auc_score(truth, proba[:, k], sample_weight=w))
            assert per_class[k]["f1"][r] == pytest.approx(skm.f1_score(truth, chosen, sample_weight=w))
    # a resample without one of the classes has no overall value
    absent = np.ones((1, 150), dtype=int)
    absent[0, codes == 3] = 0
    assert np.isnan(weighted_multiclass_metrics(absent, codes, proba)[0]["roc_auc_macro"][0])


def test_patient_level_class_is_the_highest_grade_or_the_most_frequent_class():
    codes = np.array([0, 0, 2, 1, 1, 0])
    groups = np.array(["a", "a", "a", "b", "b", "b"])
    proba = np.tile([0.5, 0.3, 0.2], (6, 1))
    proba[2] = [0.0, 0.0, 1.0]
    patients, truth, rows = patient_level(codes, proba, groups, "max", ordinal=True)
    assert patients.tolist() == ["a", "b"] and truth.tolist() == [2, 1]
    assert np.allclose(rows.sum(axis=1), 1) and rows[0].tolist() == pytest.approx([0.5 / 1.8, 0.3 / 1.8, 1 / 1.8])
    assert patient_level(codes, proba, groups, "mean", ordinal=False)[1].tolist() == [0, 1]


def test_patient_level_metrics_with_groups(report):
    assert report.patient_metrics is not None and report.patient_class_metrics is not None
    assert 0.5 < report.patient_metrics["roc_auc_macro"]["value"] <= 1
    assert report.to_frame("patient").shape == (7, 3)


def test_tables_json_predictions_and_html(report, tmp_path):
    classes = report.to_frame("classes")
    assert classes.index.tolist() == GRADES.tolist()
    assert {"roc_auc", "roc_auc_low", "roc_auc_high", "sensitivity"} <= set(classes.columns)
    assert report.to_frame().shape == (7, 5)
    assert report.to_frame("folds").shape[0] == 5
    path = report.save(tmp_path / "graded")
    summary = json.loads((tmp_path / "graded" / "metrics.json").read_text())
    assert summary["classes"] == GRADES.tolist() and summary["ordinal"] is True
    assert summary["n_per_class"] == {g: int((report.y_true == g).sum()) for g in GRADES}
    assert set(summary["class_metrics"]) == set(GRADES) and summary["positive_label"] is None
    header = (tmp_path / "graded" / "predictions.csv").read_text().splitlines()[0]
    assert header == "index,fold,group,y_true,p_G1,p_G2,p_G3,y_pred"
    page = open(path, encoding="utf-8").read()
    assert "Per class (one class against the rest)" in page
    assert "Cohen's kappa (quadratic weights)" in page
    assert all(f"<td>{g}</td>" in page for g in GRADES)
    assert sorted(p.name for p in (tmp_path / "graded").glob("*.png")) == [
        "confusion.png", "patient_roc.png", "pr.png", "roc.png"]


def test_plots_draw_one_curve_per_class_and_the_full_confusion_matrix(report):
    roc = report.plot("roc").axes[0]
    legend = [t.get_text() for t in roc.get_legend().get_texts()]
    assert len(legend) == 3 and all(text.startswith(f"{g} vs rest") for g, text in zip(GRADES, legend))
    confusion = report.plot("confusion").axes[0]
    assert [t.get_text() for t in confusion.get_xticklabels()] == GRADES.tolist()
    with pytest.raises(ValueError, match="calibration plot is drawn for two classes"):
        report.plot("calibration")
    with pytest.raises(ValueError, match="3 classes, not of a positive and a negative class"):
        report.y01


def test_compare_gives_delong_per_class(graded, report):
    X, y, groups = graded
    other = evaluate(GaussianNB(), X, y, groups=groups, cv=5, ordinal=True, n_bootstraps=0, random_state=0)
    results = compare(report, other)
    assert list(results) == GRADES.tolist()
    for k, grade in enumerate(GRADES):
        assert results[grade].auc_a == pytest.approx(report.class_metrics[k]["roc_auc"]["value"])
        assert 0 <= results[grade].p_value <= 1


def test_bad_input_names_the_class_and_the_fix(graded):
    X, y, _ = graded
    with pytest.raises(ValueError, match="pos_label='G2' applies to two classes"):
        evaluate(LogisticRegression(), X, y, pos_label="G2", n_bootstraps=0)
    rare = np.r_[np.flatnonzero(y != "G3"), np.flatnonzero(y == "G3")[:3]]
    with pytest.raises(ValueError, match=r"Class 'G3' has 3 samples and there are 5 folds.*cv <= 3"):
        evaluate(LogisticRegression(), X[rare], y[rare], cv=5, n_bootstraps=0)
    order = np.argsort(y == "G3", kind="stable")  # G3 last: the first test fold has none
    test_fold = (np.arange(300) >= 100).astype(int)
    with pytest.raises(ValueError, match=r"Fold 1 of 2 has no sample of class 'G3' in its test part"):
        evaluate(DummyClassifier(), X[order], y[order], cv=PredefinedSplit(test_fold), n_bootstraps=0)
    with pytest.raises(ValueError, match=r"y has 1 distinct label"):
        evaluate(DummyClassifier(), X, np.zeros(300), n_bootstraps=0)


def _brightness_classes(n_per_class=30, size=20, seed=0):
    """Greyscale images of three classes that differ in brightness (grades 0, 1, 2) and texture noise."""
    rng = np.random.default_rng(seed)
    levels = np.repeat([0.25, 0.5, 0.75], n_per_class)
    images = np.clip(levels[:, None, None] + rng.normal(0, 0.12, (len(levels), size, size)), 0, 1)
    return (images * 255).astype(np.uint8), np.repeat(GRADES, n_per_class)


@pytest.mark.slow
def test_a_cnn_on_three_classes_beats_the_majority_class():
    from medcnn import CNNClassifier

    X, y = _brightness_classes()
    report = evaluate(CNNClassifier(architecture="lenet5", epochs=8, random_state=0), X, y, cv=3, ordinal=True,
                      n_bootstraps=200, random_state=0)
    assert report.y_score.shape == (90, 3)
    # the majority class (or any constant prediction) has balanced accuracy 1/3 and ROC AUC 0.5
    assert report.metrics["balanced_accuracy"]["value"] > 0.6
    assert report.metrics["roc_auc_macro"]["low"] > 0.6
    assert len(report.histories) == 3


@pytest.mark.slow
def test_medcnn_evaluate_on_a_folder_of_three_classes(tmp_path, capsys):
    from PIL import Image

    from medcnn.cli import main

    X, y = _brightness_classes(n_per_class=12)
    for i, (image, label) in enumerate(zip(X, y)):
        (tmp_path / "data" / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(tmp_path / "data" / label / f"{i}.png")
    report = tmp_path / "report"
    assert main(["evaluate", str(tmp_path / "data"), "--architecture", "lenet5", "--epochs", "2", "--cv", "3",
                 "--ordinal", "--n-bootstraps", "100", "--quiet", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC (one-vs-rest, macro)" in out and "Cohen's kappa" in out
    data = json.loads((report / "metrics.json").read_text())
    assert data["classes"] == GRADES.tolist() and data["ordinal"] is True

