"""Patients inside fit: a patient-disjoint validation split with ``groups``, the user's own
``validation_data``, and groups routed through scikit-learn's tools."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from medcnn import CNNClassifier, CNNRegressor, CNNSurvival, load_model
from medcnn._input import group_split

N_PATIENTS, PER_PATIENT = 30, 8


def _patients(seed=0):
    """Each patient has its own appearance (a brightness of its own) and one label drawn at
    random: a network learns the patients it sees, which tells nothing about new patients."""
    rng = np.random.default_rng(seed)
    patient = np.repeat(np.arange(N_PATIENTS), PER_PATIENT)
    y = np.repeat(rng.integers(0, 2, N_PATIENTS), PER_PATIENT)
    brightness = rng.random(N_PATIENTS)[patient, None, None, None]
    X = (rng.random((len(patient), 16, 16, 1)) * 0.3 + brightness * 0.7).astype("float32")
    return X, y, patient


def _fit_seed(random_state):
    """The seed a fit with ``random_state`` splits with (as BaseCNN._prepared draws it)."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@pytest.mark.slow
def test_patient_disjoint_validation_differs_from_the_leaky_split_and_chooses_best_keras(tmp_path):
    import keras

    X, y, patient = _patients()
    settings = dict(architecture="lenet5", epochs=6, validation_fraction=0.25, class_weight=None, augment=None,
                    random_state=0)
    leaky = CNNClassifier(**settings).fit(X, y)
    disjoint = CNNClassifier(**settings, checkpoint_dir=tmp_path).fit(X, y, groups=patient)
    # patches of the validation patients were seen in training: the leaky loss falls; on new patients it does not
    assert leaky.history_["val_loss"][-1] < leaky.history_["val_loss"][0]
    assert min(disjoint.history_["val_loss"]) > max(leaky.history_["val_loss"][-3:]) + 0.01
    # the held-out part is whole patients, about a quarter of them, with both labels
    train, valid = group_split(0.25, y, patient, _fit_seed(0), np.array([0, 1]))
    assert not set(patient[train]) & set(patient[valid])
    assert 5 <= len(set(patient[valid])) <= 10 and set(y[valid]) == {0, 1}
    # best.keras is the epoch of the lowest loss on those patients
    best = keras.saving.load_model(tmp_path / "best.keras", compile=False)
    one_hot = np.eye(2)[y[valid]]
    loss = float(keras.losses.CategoricalCrossentropy()(one_hot, best.predict(X[valid], verbose=0)))
    assert loss == pytest.approx(min(disjoint.history_["val_loss"]), abs=1e-4)


@pytest.mark.slow
def test_groups_reach_fit_through_pipeline_grid_search_and_cross_validate_with_metadata_routing():
    X, y, patient = _patients(1)
    settings = dict(architecture="lenet5", epochs=1, validation_fraction=0.25, random_state=0)
    direct = CNNClassifier(**settings).fit(X, y, groups=patient)
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = Pipeline([("cnn", CNNClassifier(**settings).set_fit_request(groups=True))])
        pipeline.fit(X, y, groups=patient)
        np.testing.assert_allclose(pipeline["cnn"].history_["val_loss"], direct.history_["val_loss"], rtol=1e-5)
        # passed but not requested: scikit-learn refuses, rather than dropping the groups silently
        with pytest.raises(ValueError, match="groups"):
            Pipeline([("cnn", CNNClassifier(**settings))]).fit(X, y, groups=patient)
        search = GridSearchCV(CNNClassifier(**settings).set_fit_request(groups=True), {"learning_rate": [2e-3]},
                              cv=GroupKFold(2)).fit(X, y, groups=patient)
        assert "val_loss" in search.best_estimator_.history_
        scores = cross_validate(CNNClassifier(**settings).set_fit_request(groups=True), X, y, cv=GroupKFold(2),
                                params={"groups": patient}, return_estimator=True)
        assert all("val_loss" in model.history_ for model in scores["estimator"])


@pytest.mark.slow
def test_validation_data_of_each_task(tmp_path):
    X, y, patient = _patients(2)
    train, valid = patient < 22, patient >= 22
    clf = CNNClassifier(architecture="lenet5", epochs=2, random_state=0).fit(
        X[train], y[train], validation_data=(X[valid], y[valid]))
    assert len(clf.history_["val_loss"]) == 2 and "val_accuracy" in clf.history_
    target = patient.astype(float)
    reg = CNNRegressor(architecture="lenet5", epochs=2, random_state=0).fit(
        X[train], target[train], validation_data=(X[valid], target[valid]))
    assert np.isfinite(reg.history_["val_loss"]).all()
    times = np.array([(bool(i % 3), 1.0 + i) for i in range(len(X))], dtype=[("event", "?"), ("time", "<f8")])
    survival = CNNSurvival(architecture="lenet5", epochs=2, random_state=0).fit(
        X[train], times[train], validation_data=(X[valid], times[valid]))
    assert np.isfinite(survival.history_["val_loss"]).all()
    # a grouped fit saves and loads as any other
    clf.save(tmp_path / "m.keras")
    assert load_model(tmp_path / "m.keras").predict(X[:3]).shape == (3,)


@pytest.mark.parametrize("kwargs, fit, message", [
    ({}, dict(groups=np.arange(5)), "groups has 5 entries but X has 40 samples"),
    ({}, dict(groups=np.zeros(40)), "groups holds 1 patient"),
    ({"validation_fraction": 0.2}, dict(validation_data=("x", "y")), "validation_data and validation_fraction"),
    ({}, dict(validation_data=(np.zeros((4, 8, 8, 3)), [0, 1, 0, 1])), r"shape \(8, 8, 3\), the training images"),
    ({}, dict(validation_data=(["a.png", "b.png"], [0, 1])), "X holds image arrays but validation_data"),
    ({}, dict(validation_data=(np.zeros((4, 16, 16, 1)), [0, 1, 2, 1])), r"holds \[2\], which the training"),
    ({}, dict(validation_data=(np.zeros((4, 16, 16, 1)), [0, 1])), "4 images but 2 targets"),
])
def test_bad_groups_and_validation_data_are_refused_before_training(kwargs, fit, message):
    X = np.random.default_rng(0).random((40, 16, 16, 1)).astype("float32")
    y = np.tile([0, 1], 20)
    settings = {"validation_fraction": 0.25, **kwargs} if "groups" in fit and "groups holds" in message else kwargs
    with pytest.raises(ValueError, match=message):
        CNNClassifier(architecture="lenet5", epochs=1, **settings).fit(X, y, **fit)


def test_a_validation_split_that_leaves_a_class_without_a_patient_is_refused():
    X = np.zeros((40, 16, 16, 1), dtype="float32")
    y = np.array([0] * 36 + [1] * 4)
    patient = np.array([f"P{i // 4}" for i in range(40)])  # class 1: one patient, P9
    with pytest.raises(ValueError, match=r"without any class 1: 1 patient\(s\) have one"):
        CNNClassifier(architecture="lenet5", epochs=1, validation_fraction=0.25, random_state=0).fit(
            X, y, groups=patient)


@pytest.mark.slow
def test_a_random_split_of_images_loaded_with_patients_warns_once_naming_the_fix():
    import warnings

    from medcnn.datasets import load_arrays

    X, y, patient = _patients(3)
    dataset = load_arrays(X, y, groups=patient)
    settings = dict(architecture="lenet5", epochs=1, validation_fraction=0.25, random_state=0)
    with pytest.warns(UserWarning, match="Pass groups=dataset.groups") as caught:
        CNNClassifier(**settings).fit(dataset.X, dataset.y)
    assert sum("validation_fraction" in str(w.message) for w in caught) == 1
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*validation_fraction.*")
        CNNClassifier(**settings).fit(dataset.X, dataset.y, groups=dataset.groups)
        CNNClassifier(**settings).fit(dataset.X.copy(), dataset.y)  # not known to come with patients
