"""Each task learns something real from synthetic patches: the default network beats the task's
trivial baseline (majority class, constant scores, the mean, random risks) on held-out patches."""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

from medcnn import CNNClassifier, CNNRegressor, CNNSurvival, load_model
from medcnn.datasets import (HISTOLOGY_FINDINGS, make_histology, make_histology_multilabel, make_histology_regression,
                             make_histology_survival)

pytestmark = pytest.mark.slow

# the default architecture, a budget fit for a test
SETTINGS = dict(epochs=8, random_state=0)
N_SAMPLES, SIZE = 240, 32


def _split(X, y, stratify=None):
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=stratify)


def test_grades_beat_the_majority_class():
    X, y = make_histology(N_SAMPLES, image_size=SIZE, n_classes=3, random_state=0)
    X_train, X_test, y_train, y_test = _split(X, y, stratify=y)
    predicted = CNNClassifier(**SETTINGS).fit(X_train, y_train).predict(X_test)
    majority = DummyClassifier().fit(X_train.reshape(len(X_train), -1), y_train).predict(X_test.reshape(len(X_test), -1))
    assert balanced_accuracy_score(y_test, majority) == pytest.approx(1 / 3)
    assert balanced_accuracy_score(y_test, predicted) > 0.55
    # mistakes fall on neighbouring grades: the quadratic kappa of ordered grades is well above chance (0)
    assert cohen_kappa_score(y_test, predicted, weights="quadratic") > 0.5


def test_findings_beat_constant_scores():
    X, Y = make_histology_multilabel(N_SAMPLES, image_size=SIZE, random_state=0)
    X_train, X_test, Y_train, Y_test = _split(X, Y)
    model = CNNClassifier(**SETTINGS).fit(X_train, Y_train)
    auc = roc_auc_score(Y_test, model.predict_proba(X_test), average=None)
    assert model.predict(X_test).shape == Y_test.shape
    assert auc.shape == (len(HISTOLOGY_FINDINGS),) and (auc > 0.8).all(), dict(zip(HISTOLOGY_FINDINGS, auc))


def test_area_fraction_beats_the_mean():
    X, y = make_histology_regression(N_SAMPLES, image_size=SIZE, random_state=0)
    X_train, X_test, y_train, y_test = _split(X, y)
    predicted = CNNRegressor(**SETTINGS).fit(X_train, y_train).predict(X_test)
    mean = DummyRegressor().fit(X_train.reshape(len(X_train), -1), y_train).predict(X_test.reshape(len(X_test), -1))
    assert r2_score(y_test, predicted) > 0.4  # the mean scores about 0
    assert mean_absolute_error(y_test, predicted) < 0.8 * mean_absolute_error(y_test, mean)


def test_survival_risk_beats_random_risks(tmp_path):
    from sksurv.metrics import concordance_index_censored

    X, y = make_histology_survival(N_SAMPLES, image_size=SIZE, random_state=0)
    X_train, X_test, y_train, y_test = _split(X, y, stratify=y["event"])
    model = CNNSurvival(**SETTINGS).fit(X_train, y_train)
    risk = model.predict(X_test)
    c_index = model.score(X_test, y_test)
    assert c_index == concordance_index_censored(y_test["event"], y_test["time"], risk)[0]
    random_risks = [concordance_index_censored(y_test["event"], y_test["time"], np.random.default_rng(seed).random(
        len(risk)))[0] for seed in range(200)]
    assert c_index > np.quantile(random_risks, 0.99)  # better than 99% of random risk scores
    model.save(tmp_path / "survival.keras")
    np.testing.assert_allclose(load_model(tmp_path / "survival.keras").predict(X_test[:5]), risk[:5],
                               rtol=1e-5, atol=1e-6)
