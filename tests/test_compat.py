"""The TensorFlow/Keras internals of medcnn._compat exist on the installed versions."""

import warnings

import pytest

from medcnn import _compat


@pytest.mark.parametrize("name", sorted(_compat.INTERNALS))
def test_each_internal_exists(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing attribute would warn
        assert _compat.internal(name) is not None


def test_accessors_return_the_internals():
    import random

    assert isinstance(_compat.gradient_registry(), dict)
    assert hasattr(_compat.eager_context(), "_seed")
    module = _compat.keras_seed_generator_module()
    assert module.python_random is random or hasattr(module.python_random, "local")


def test_keras_global_seed_round_trips():
    import keras

    before = _compat.keras_global_seed()
    try:
        keras.utils.set_random_seed(1234)
        assert _compat.keras_global_seed() == 1234
        _compat.set_keras_global_seed(77)
        assert _compat.keras_global_seed() == 77
    finally:
        _compat.set_keras_global_seed(before)


def test_missing_internal_warns_once(monkeypatch):
    monkeypatch.setitem(_compat.INTERNALS, "absent", ("keras", "no_such_attribute", "nothing is lost here"))
    monkeypatch.setattr(_compat, "_warned", set())
    with pytest.warns(RuntimeWarning, match=r"keras\.no_such_attribute .*nothing is lost here"):
        assert _compat.internal("absent") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _compat.internal("absent") is None  # once only


def test_missing_module_warns(monkeypatch):
    monkeypatch.setitem(_compat.INTERNALS, "absent_module", ("medcnn_no_such_module", "x", "a guarantee"))
    monkeypatch.setattr(_compat, "_warned", set())
    with pytest.warns(RuntimeWarning, match="a guarantee"):
        assert _compat.internal("absent_module") is None


def test_detach_distribute_strategy_on_a_plain_model():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.predict_function = "kept"
    assert _compat.detach_distribute_strategy(model) is False
    assert model.predict_function == "kept"
