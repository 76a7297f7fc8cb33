"""CNNSurvival, the Cox partial likelihood it trains with, and the evaluation of survival models."""

import json
import os

import numpy as np
import pytest

sksurv = pytest.importorskip("sksurv")
from sksurv.metrics import concordance_index_censored  # noqa: E402

from medcnn import CNNSurvival, load_model  # noqa: E402
from medcnn.evaluation import evaluate  # noqa: E402


def _survival_y(event, time):
    return sksurv.util.Surv.from_arrays(event=event, time=time)


def _tabular(n=200, seed=0):
    """Two covariates; the log hazard is 1.0 * x0 - 0.5 * x1; about a third censored; tied times."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    event_time = rng.exponential(1 / np.exp(X[:, 0] - 0.5 * X[:, 1]))
    censor_time = rng.exponential(2.0, n)
    time = np.round(np.minimum(event_time, censor_time), 1) + 0.1  # rounded: many ties
    return X, _survival_y(event_time <= censor_time, time)


def _images(n=240, seed=0):
    """Grey 16x16 images whose brightness sets the hazard of the event."""
    rng = np.random.default_rng(seed)
    burden = rng.random(n)
    X = (rng.random((n, 16, 16, 1)) * 0.5 + burden[:, None, None, None] * 0.5).astype("float32")
    event_time = rng.exponential(1 / np.exp(3 * (burden - 0.5)))
    censor_time = rng.exponential(2.0, n)
    return X, _survival_y(event_time <= censor_time, np.minimum(event_time, censor_time)), burden


def _breslow_loss(score, time, event):
    """Negative Cox partial log-likelihood (Breslow ties), averaged over the events."""
    total = 0.0
    for i in np.flatnonzero(event):
        at_risk = time >= time[i]
        total += np.log(np.exp(score[at_risk]).sum()) - score[i]
    return total / max(event.sum(), 1)


def _cox_loss():
    from medcnn._losses import cox_partial_likelihood

    return cox_partial_likelihood()


def test_cox_loss_is_the_breslow_partial_likelihood_with_ties():
    rng = np.random.default_rng(1)
    time = np.array([1, 2, 2, 3, 3, 3, 5, 8], dtype=float)
    event = np.array([1, 1, 0, 1, 1, 0, 0, 1], dtype=float)
    score = rng.normal(size=8)
    loss = float(_cox_loss()(np.column_stack([time, event]).astype("float32"), score[:, None].astype("float32")))
    assert loss == pytest.approx(_breslow_loss(score, time, event.astype(bool)), rel=1e-5)
    # the order of the samples in the batch does not matter
    order = rng.permutation(8)
    shuffled = float(_cox_loss()(np.column_stack([time, event])[order].astype("float32"),
                                 score[order, None].astype("float32")))
    assert shuffled == pytest.approx(loss, rel=1e-5)


def test_cox_loss_of_a_batch_without_events_is_zero_with_a_finite_gradient():
    import tensorflow as tf

    y_true = tf.constant([[1.0, 0.0], [2.0, 0.0], [2.0, 0.0]])
    score = tf.Variable([[0.3], [-1.0], [2.0]])
    with tf.GradientTape() as tape:
        loss = _cox_loss()(y_true, score)
    gradient = tape.gradient(loss, score)
    assert float(loss) == 0.0
    assert np.isfinite(gradient.numpy()).all()


@pytest.mark.slow
def test_cox_loss_minimiser_is_scikit_survivals_breslow_cox_model():
    import keras
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    X, y = _tabular()
    reference = CoxPHSurvivalAnalysis(ties="breslow").fit(X, y).coef_
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss=_cox_loss())
    targets = np.column_stack([y["time"], y["event"]]).astype("float32")
    model.fit(X.astype("float32"), targets, batch_size=len(X), epochs=150, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.layers[0].kernel.numpy().ravel(), reference, atol=0.01)


@pytest.mark.slow
def test_cnn_survival_learns_risk_from_images_saves_and_scores_harrells_c(tmp_path):
    X, y, burden = _images()
    model = CNNSurvival(architecture="lenet5", epochs=8, random_state=0).fit(X[:180], y[:180])
    risk = model.predict(X[180:])
    assert risk.shape == (60,) and np.isfinite(risk).all()
    c_index = model.score(X[180:], y[180:])
    assert c_index == concordance_index_censored(y["event"][180:], y["time"][180:], risk)[0]
    oracle = concordance_index_censored(y["event"][180:], y["time"][180:], burden[180:])[0]
    assert c_index > 0.6 and c_index > oracle - 0.1, (c_index, oracle)  # random risks score 0.5
    # risk follows the image: brighter (higher burden) images get higher risk
    assert np.corrcoef(risk, burden[180:])[0, 1] > 0.5
    path = tmp_path / "survival.keras"
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded, CNNSurvival)
    np.testing.assert_allclose(loaded.predict(X[180:190]), risk[:10], rtol=1e-5, atol=1e-6)


def test_evaluate_survival_reports_harrells_and_unos_c_with_patients_and_kaplan_meier(tmp_path):
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.metrics import concordance_index_ipcw

    X, y = _tabular(240)
    groups = np.repeat(np.arange(120), 2)
    y[1::2] = y[::2]  # both samples of a patient share its outcome
    report = evaluate(CoxPHSurvivalAnalysis(), X, y, groups=groups, cv=4, n_bootstraps=100, random_state=0)
    assert report.task == "survival"
    c_index = report.metrics["c_index"]
    assert c_index["value"] == concordance_index_censored(y["event"], y["time"], report.y_score)[0]
    assert c_index["low"] < c_index["value"] < c_index["high"]
    assert c_index["value"] > 0.6  # the covariates carry the hazard
    uno = concordance_index_ipcw(y, y, report.y_score, tau=report.truncation_time)[0]
    assert report.metrics["c_index_uno"]["value"] == pytest.approx(uno)
    assert report.truncation_time == pytest.approx(np.quantile(y["time"], 0.9))
    # each fold's risks are centred on their median
    for fold in range(1, 5):
        assert np.median(report.y_score[report.fold == fold]) == pytest.approx(0.0, abs=1e-12)
    assert report.patient_metrics is not None and 0.5 < report.patient_metrics["c_index"]["value"] <= 1
    assert [f["fold"] for f in report.fold_metrics] == [1, 2, 3, 4]
    assert sum(f["n_events"] for f in report.fold_metrics) == y["event"].sum()

    path = report.save(tmp_path / "report")
    files = sorted(os.listdir(tmp_path / "report"))
    assert files == ["kaplan_meier.png", "metrics.json", "predictions.csv", "report.html"]
    page = open(path, encoding="utf-8").read()
    assert "Harrell&#x27;s C-index" in page or "Harrell's C-index" in page
    assert "log-rank" in page and "Per patient" in page
    summary = json.loads(open(tmp_path / "report" / "metrics.json").read())
    assert summary["task"] == "survival" and summary["n_events"] == int(y["event"].sum())
    header = open(tmp_path / "report" / "predictions.csv").readline().strip().split(",")
    assert header == ["index", "fold", "group", "event", "time", "risk"]
    with pytest.raises(ValueError, match="not a plot of a survival report"):
        report.plot("roc")
    with pytest.raises(ValueError, match="survival model"):
        report.y01
    from medcnn.evaluation import compare

    with pytest.raises(ValueError, match="C-index intervals"):
        compare(report, report)


def test_evaluate_survival_patients_with_different_outcomes_get_no_patient_table():
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    X, y = _tabular(120)
    report = evaluate(CoxPHSurvivalAnalysis(), X, y, groups=np.repeat(np.arange(60), 2), cv=3, n_bootstraps=0,
                      random_state=0)
    assert report.patient_metrics is None
    assert np.isnan(report.metrics["c_index"]["low"])


@pytest.mark.parametrize("y, message", [
    (np.array([1.0, 2.0, 3.0, 4.0]), "structured array of \\(event, time\\)"),
    (np.array([(1, 2.0)] * 4, dtype=[("event", "i4"), ("time", "f8")]), "must be boolean"),
    (np.array([(True, 2.0), (False, -1.0), (True, np.nan), (True, 1.0)], dtype=[("e", "?"), ("t", "f8")]),
     "2 time\\(s\\) that are negative, NaN or infinite \\(index: time 1: -1.0, 2: nan\\)"),
    (np.array([(False, 2.0)] * 4, dtype=[("e", "?"), ("t", "f8")]), "no event among its 4 samples"),
    (np.array([(True, 2.0)] * 3, dtype=[("e", "?"), ("t", "f8")]), "4 samples in X, 3 in y"),
])
def test_cnn_survival_refuses_bad_targets_before_training(y, message):
    X = np.zeros((4, 8, 8, 1), dtype="float32")
    with pytest.raises(ValueError, match=message):
        CNNSurvival(architecture="lenet5", epochs=1).fit(X, y)


def test_cnn_survival_parameters_and_score_weights():
    model = CNNSurvival()
    assert "loss" not in model.get_params() and "class_weight" not in model.get_params()
    assert set(model.get_params()) <= set(__import__("medcnn").CNNRegressor().get_params())
    with pytest.raises(ValueError, match="augment"):
        CNNSurvival(augment=3).fit(np.zeros((4, 8, 8, 1)), _survival_y([True] * 4, [1.0, 2, 3, 4]))
    with pytest.raises(ValueError, match="no sample_weight"):
        model.score(np.zeros((4, 8, 8, 1)), _survival_y([True] * 4, [1.0, 2, 3, 4]), sample_weight=np.ones(4))


@pytest.mark.slow
def test_evaluate_cnn_survival_on_images_with_patients(tmp_path):
    X, y, _ = _images(160, seed=3)
    groups = np.repeat(np.arange(80), 2)
    report = evaluate(CNNSurvival(architecture="lenet5", epochs=6, random_state=0), X, y, groups=groups, cv=2,
                      n_bootstraps=50, random_state=0)
    assert report.metrics["c_index"]["value"] > 0.6  # random risks score 0.5
    assert len(report.histories) == 2 and len(report.histories[0]["loss"]) == 6
    report.save(tmp_path / "report")
    assert (tmp_path / "report" / "history.png").exists() and (tmp_path / "report" / "kaplan_meier.png").exists()


@pytest.mark.slow
def test_cnn_survival_in_scikit_learn_tools_and_as_a_feature_backbone():
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    from medcnn import TransferFeatureExtractor

    X, y, _ = _images(80, seed=5)
    model = CNNSurvival(architecture="lenet5", epochs=1, random_state=0)
    scores = cross_val_score(model, X, y, cv=2)  # scored by Harrell's C
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()
    fitted = model.fit(X, y)
    pipeline = make_pipeline(TransferFeatureExtractor(backbone=fitted), CoxPHSurvivalAnalysis(alpha=1.0)).fit(X, y)
    features = pipeline[0].transform(X[:4])
    assert features.shape[0] == 4 and features.shape[1] == fitted.model_.layers[-1].input.shape[-1]
    assert 0 <= pipeline.score(X, y) <= 1
