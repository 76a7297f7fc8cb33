"""Declarative parameter validation: every parameter of every public estimator has a
constraint, and a bad value fails at the top of fit, before any file is read."""

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import medcnn
from medcnn import _validation
from medcnn.exceptions import ImageReadError


def _public_estimators():
    import medcnn.ensemble
    import medcnn.feature_selection
    import medcnn.features

    found = {}
    for module in (medcnn, medcnn.estimators, medcnn.ensemble, medcnn.features, medcnn.feature_selection):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[obj.__name__] = obj
    return sorted(found.values(), key=lambda cls: cls.__name__)


ESTIMATORS = _public_estimators()


def _instance(cls):
    if cls.__name__ == "CNNEnsemble":
        return cls([medcnn.CNNClassifier()])
    return cls()


def test_the_public_estimators_are_found():
    names = {cls.__name__ for cls in ESTIMATORS}
    assert {"CNNClassifier", "TransferFeatureExtractor", "CNNEnsemble", "TextureFeatures", "ReliefFSelector",
            "SymmetricUncertaintySelector"} <= names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_has_a_constraint(cls):
    estimator = _instance(cls)
    params = estimator.get_params(deep=False)
    missing = sorted(set(params) - set(cls._parameter_constraints))
    assert not missing, f"{cls.__name__} parameters without a constraint: {missing}"
    unknown = sorted(set(cls._parameter_constraints) - set(params))
    assert not unknown, f"{cls.__name__} constrains parameters it does not have: {unknown}"
    _validation.validate_parameters(estimator, params)  # the defaults satisfy their constraints
    assert set(getattr(cls, "_parameter_hints", {})) <= set(params)


def test_scikit_learn_constraint_names_exist():
    for name in ("Interval", "StrOptions", "Options", "HasMethods", "Hidden", "InvalidParameterError",
                 "make_constraint"):
        assert hasattr(_validation, name)
    assert issubclass(_validation.InvalidParameterError, ValueError)


@pytest.mark.parametrize("param, value", [
    ("reader_params", {"dcm": 3}),
    ("reader_params", "window=brain"),
    ("verbose", 5),
    ("verbose", "loud"),
    ("optimizer", "adamm"),
    ("focal_alpha", 1.5),
    ("focal_alpha", [0.2, 0.3, 0.5]),
    ("epochs", True),
    ("cache", 3),
    ("class_weight", "inverse"),
])
def test_bad_parameter_fails_before_any_file_is_read(tmp_path, param, value):
    paths = [str(tmp_path / f"missing_{i}.png") for i in range(4)]  # reading any of them would fail
    params = {param: value}
    if param == "focal_alpha":
        params["loss"] = "focal"
    with pytest.raises(ValueError, match=rf"^{param}=") as info:
        medcnn.CNNClassifier(**params).fit(paths, [0, 1, 0, 1])
    assert not isinstance(info.value, ImageReadError)
    assert "missing_" not in str(info.value)


def test_messages_name_value_and_what_to_give():
    with pytest.raises(ValueError, match=r"verbose=5 is not valid; give 0 \(silent\), 1 .* or 2"):
        _validation.validate_parameters(medcnn.CNNClassifier(verbose=5))
    with pytest.raises(ValueError, match=r"reader_params='x' is not valid; give a dict of parameter dicts"):
        _validation.validate_parameters(medcnn.CNNClassifier(reader_params="x"))
    # without a hint, the constraints are described
    with pytest.raises(ValueError, match=r"trainable_layers=-1 is not valid; give an int in the range \[0, inf\)"
                                         r" or None"):
        _validation.validate_parameters(medcnn.CNNClassifier(trainable_layers=-1))


def test_integers_of_any_kind_but_not_bools():
    extractor = medcnn.TransferFeatureExtractor(batch_size=np.int64(8))
    _validation.validate_parameters(extractor)  # NumPy integers are integers
    with pytest.raises(ValueError, match="batch_size=True is not valid"):
        _validation.validate_parameters(medcnn.TransferFeatureExtractor(batch_size=True))
    with pytest.raises(ValueError, match="batch_size=2.0 is not valid"):
        _validation.validate_parameters(medcnn.CNNClassifier(batch_size=2.0))


def test_custom_constraints_accept_what_they_describe():
    import keras

    assert _validation.KerasOptimizer().is_satisfied_by("sgd")
    assert _validation.KerasOptimizer().is_satisfied_by(keras.optimizers.SGD())
    assert not _validation.KerasOptimizer().is_satisfied_by(3)
    assert _validation.Size().is_satisfied_by((32, 48)) and not _validation.Size().is_satisfied_by((32, 0))
    assert _validation.ImageShape().is_satisfied_by((8, 8, 3)) and not _validation.ImageShape().is_satisfied_by(8)
    assert _validation.NestedDicts().is_satisfied_by({"dcm": {}}) and not _validation.NestedDicts().is_satisfied_by(
        {"dcm": 1})
