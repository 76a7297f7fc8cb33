"""Several labels per sample (findings per radiograph): CNNClassifier.fit(X, Y) with a 0/1 indicator Y."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from medcnn import CNNClassifier, load_model
from medcnn.estimators._params import encode_multilabel, make_multilabel_loss


def _findings(n=80, seed=0):
    """16x16 greyscale images with three findings, each a bright region of its own."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 16, 16, 1)).astype(np.float32) * 0.2
    Y = rng.integers(0, 2, (n, 3))
    X[Y[:, 0] == 1, :8] += 0.6        # finding 0: top half
    X[Y[:, 1] == 1, :, :8] += 0.6     # finding 1: left half
    X[Y[:, 2] == 1, 6:10, 6:10] += 0.8  # finding 2: centre
    return X, Y


@pytest.fixture(scope="module")
def fitted():
    X, Y = _findings()
    return X, Y, CNNClassifier(architecture="lenet5", epochs=15, random_state=0).fit(X, Y)


@pytest.mark.slow
def test_each_label_is_learned_better_than_chance(fitted):
    X, Y, clf = fitted
    X_test, Y_test = _findings(60, seed=1)
    proba = clf.predict_proba(X_test)
    assert proba.shape == (60, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert not np.allclose(proba.sum(axis=1), 1)  # one sigmoid per label, not a softmax
    aucs = [roc_auc_score(Y_test[:, j], proba[:, j]) for j in range(3)]
    assert min(aucs) > 0.75, aucs  # a constant (trivial) score has ROC AUC 0.5
    assert clf.multilabel_ and clf.classes_.tolist() == [0, 1, 2]
    assert clf.model_.layers[-1].activation.__name__ == "sigmoid"


@pytest.mark.slow
def test_predict_is_the_indicator_at_one_half_and_survives_save_pickle_and_tta(fitted, tmp_path):
    import pickle

    X, Y, clf = fitted
    proba = clf.predict_proba(X)
    assert (clf.predict(X) == (proba >= 0.5).astype(int)).all()
    assert clf.score(X, Y) == pytest.approx(np.mean((clf.predict(X) == Y).all(axis=1)))  # subset accuracy
    clf.save(tmp_path / "findings.keras")
    loaded = load_model(tmp_path / "findings.keras")
    assert loaded.multilabel_ and np.allclose(loaded.predict_proba(X), proba, atol=1e-5)
    assert np.allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, atol=1e-5)
    views = clf.predict_proba(X[:4], tta=3)
    assert views.shape == (4, 3) and ((views >= 0) & (views <= 1)).all()


def test_balanced_weights_balance_each_labels_positives_and_negatives():
    Y = np.array([[1, 0], [0, 0], [0, 1], [0, 1], [0, 1], [1, 1]])
    labels, targets, weights, (positive, negative) = encode_multilabel(Y, 6, None, "balanced", "CNNClassifier")
    assert labels.tolist() == [0, 1] and targets.dtype == np.float32 and weights.tolist() == [1.0] * 6
    assert positive * Y.sum(axis=0) == pytest.approx(negative * (6 - Y.sum(axis=0)))  # each label balanced
    assert positive.tolist() == pytest.approx([6 / 4, 6 / 8])
    assert encode_multilabel(Y, 6, None, None, "CNNClassifier")[3] is None


@pytest.mark.parametrize("gamma, alpha", [(0.0, None), (2.0, 0.25)])
def test_the_label_weighted_loss_equals_keras_losses(gamma, alpha):
    import keras

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, (16, 3)).astype("float32")
    y_pred = rng.uniform(0.05, 0.95, (16, 3)).astype("float32")
    ours = make_multilabel_loss("focal" if gamma else "cross_entropy", 3, gamma, alpha,
                                label_weights=(np.ones(3), np.ones(3)) if alpha is None else None)
    if alpha is None:
        reference = keras.losses.BinaryCrossentropy()
    else:
        reference = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=alpha, gamma=gamma)
    assert float(ours(y_true, y_pred)) == pytest.approx(float(reference(y_true, y_pred)), rel=1e-4)
    assert type(make_multilabel_loss("cross_entropy", 3)).__name__ == "BinaryCrossentropy"


@pytest.mark.parametrize("Y, params, match", [
    (np.c_[np.zeros(8), np.arange(8) % 2], {}, r"Label column\(s\) 0 \(all 0\) of y have a single value.*y\[:, keep\]"),
    (np.c_[np.arange(8) % 3, np.arange(8) % 2], {}, r"reads a 2-D y as one 0/1 column per label.*holds \['0', '1', '2'\]"),
    (np.c_[np.arange(8) % 2, 1 - np.arange(8) % 2], {"sampling": "oversample"},
     r"sampling='oversample' draws each class equally often, but y has several labels"),
    (np.c_[np.arange(8) % 2, 1 - np.arange(8) % 2], {"class_weight": {0: 1, 1: 2}},
     r"class_weight=\{0: 1, 1: 2\} is not valid with several labels per sample"),
    (np.c_[np.arange(8) % 2, 1 - np.arange(8) % 2], {"loss": "focal", "focal_alpha": [0.2, 0.3, 0.4]},
     r"focal_alpha=\[0.2, 0.3, 0.4\] is not valid with 2 labels"),
], ids=["constant-column", "not-0-1", "sampling", "class-weight-dict", "focal-alpha"])
def test_bad_multilabel_input_names_the_problem_and_the_fix(Y, params, match):
    X = np.zeros((8, 16, 16, 1), np.float32)
    with pytest.raises(ValueError, match=match):
        CNNClassifier(architecture="lenet5", epochs=1, **params).fit(X, Y)


# ------------------------------------------------------------------ evaluate()
FINDINGS = ["effusion", "nodule", "cardiomegaly"]


@pytest.fixture(scope="module")
def findings_table():
    import pandas as pd
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(300, n_features=8, n_classes=3, random_state=0)
    return X, pd.DataFrame(Y, columns=FINDINGS), np.repeat(np.arange(100), 3)


@pytest.fixture(scope="module")
def label_report(findings_table):
    from sklearn.ensemble import RandomForestClassifier

    from medcnn.evaluation import evaluate

    X, Y, groups = findings_table
    return evaluate(RandomForestClassifier(50, random_state=0), X, Y, groups=groups, cv=5, n_bootstraps=300,
                    random_state=0)


def test_evaluate_scores_each_label_and_overall_as_sklearn_does(findings_table, label_report):
    from sklearn import metrics as skm

    from medcnn.evaluation import binary_metrics

    _, Y, _ = findings_table
    Y = Y.to_numpy()
    report, proba = label_report, label_report.y_score
    assert report.task == "multilabel" and report.classes.tolist() == FINDINGS and proba.shape == (300, 3)
    pred = (proba >= 0.5).astype(int)
    expected = {"roc_auc_macro": skm.roc_auc_score(Y, proba), "roc_auc_micro": skm.roc_auc_score(Y, proba, average="micro"),
                "pr_auc_macro": skm.average_precision_score(Y, proba), "f1_macro": skm.f1_score(Y, pred, average="macro"),
                "subset_accuracy": skm.accuracy_score(Y, pred), "hamming_loss": skm.hamming_loss(Y, pred)}
    for name, value in expected.items():
        m = report.metrics[name]
        assert m["value"] == pytest.approx(value) and m["low"] <= value <= m["high"], name
    assert report.metrics["roc_auc_macro"]["value"] > 0.8
    for j in range(3):
        for name, value in binary_metrics(Y[:, j], proba[:, j]).items():
            assert report.class_metrics[j][name]["value"] == pytest.approx(value, nan_ok=True), (j, name)
    assert report.patient_metrics is not None and report.to_frame("classes").index.name == "label"


def test_vectorised_label_metrics_equal_sklearn_with_sample_weights():
    from sklearn import metrics as skm

    from medcnn.evaluation._multilabel import weighted_multilabel_metrics

    rng = np.random.default_rng(0)
    Y = rng.integers(0, 2, (120, 3))
    proba = np.clip(Y * 0.4 + rng.random((120, 3)) * 0.6, 0, 1)
    weights = rng.integers(0, 3, (4, 120))
    overall, per_label = weighted_multilabel_metrics(weights, Y, proba)
    pred = (proba >= 0.5).astype(int)
    for r, w in enumerate(weights):
        assert overall["roc_auc_macro"][r] == pytest.approx(skm.roc_auc_score(Y, proba, sample_weight=w))
        assert overall["roc_auc_micro"][r] == pytest.approx(skm.roc_auc_score(Y, proba, average="micro", sample_weight=w))
        assert overall["pr_auc_macro"][r] == pytest.approx(skm.average_precision_score(Y, proba, sample_weight=w))
        assert overall["f1_macro"][r] == pytest.approx(skm.f1_score(Y, pred, average="macro", sample_weight=w))
        assert overall["subset_accuracy"][r] == pytest.approx(skm.accuracy_score(Y, pred, sample_weight=w))
        assert overall["hamming_loss"][r] == pytest.approx(skm.hamming_loss(Y, pred, sample_weight=w))
        assert per_label[1]["sensitivity"][r] == pytest.approx(skm.recall_score(Y[:, 1], pred[:, 1], sample_weight=w))


def test_label_report_files_plots_and_compare(findings_table, label_report, tmp_path):
    import json

    from sklearn.neighbors import KNeighborsClassifier

    from medcnn.evaluation import compare, evaluate

    path = label_report.save(tmp_path / "findings")
    assert sorted(p.name for p in (tmp_path / "findings").glob("*.png")) == ["patient_roc.png", "pr.png", "roc.png"]
    summary = json.loads((tmp_path / "findings" / "metrics.json").read_text())
    assert summary["task"] == "multilabel" and summary["classes"] == FINDINGS
    assert summary["n_per_class"] == dict(zip(FINDINGS, label_report.y_true.sum(axis=0).tolist()))
    header = (tmp_path / "findings" / "predictions.csv").read_text().splitlines()[0].split(",")
    assert header[3:6] == [f"y_{f}" for f in FINDINGS] and header[-3:] == [f"pred_{f}" for f in FINDINGS]
    page = open(path, encoding="utf-8").read()
    assert "Per label" in page and "Subset accuracy" in page
    legend = [t.get_text() for t in label_report.plot("roc").axes[0].get_legend().get_texts()]
    assert [text.split(",")[0] for text in legend] == FINDINGS
    with pytest.raises(ValueError, match="no single confusion matrix"):
        label_report.plot("confusion")
    X, Y, groups = findings_table
    other = evaluate(KNeighborsClassifier(7), X, Y, groups=groups, cv=5, n_bootstraps=0,
                     random_state=0)
    results = compare(label_report, other)
    assert list(results) == FINDINGS
    assert results["nodule"].auc_a == pytest.approx(label_report.class_metrics[1]["roc_auc"]["value"])


def test_evaluate_refuses_a_rare_label_and_pos_label(findings_table):
    from sklearn.dummy import DummyClassifier

    from medcnn.evaluation import evaluate

    X, Y, _ = findings_table
    Y = Y.to_numpy().copy()
    Y[:, 2] = 0
    Y[:3, 2] = 1
    with pytest.raises(ValueError, match=r"Label 2 has 3 positive samples and there are 5 folds.*cv <= 3"):
        evaluate(DummyClassifier(), X, Y, n_bootstraps=0)
    with pytest.raises(ValueError, match=r"pos_label=1 applies to two classes, but y has one column per label"):
        evaluate(DummyClassifier(), X, Y, pos_label=1, n_bootstraps=0)


@pytest.mark.slow
def test_a_cnn_evaluated_on_findings_beats_chance_for_every_label():
    from medcnn.evaluation import evaluate

    X, Y = _findings(90)
    report = evaluate(CNNClassifier(architecture="lenet5", epochs=15, random_state=0), X, Y, cv=3,
                      n_bootstraps=100, random_state=0)
    assert report.task == "multilabel" and len(report.histories) == 3
    assert min(m["roc_auc"]["value"] for m in report.class_metrics) > 0.7  # a constant score: 0.5
