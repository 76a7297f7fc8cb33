"""precision=: mixed-precision training, a float32 network after the fit."""

import keras
import numpy as np
import pytest

from medcnn import CNNClassifier, CNNRegressor, load_model
from medcnn._runtime import float32_network, precision_policy, resolve_precision
from medcnn._runtime._precision import cpu_has_bfloat16
from medcnn.datasets import make_histology


@pytest.fixture(scope="module")
def data():
    return make_histology(64, image_size=24, random_state=0)


def _policies(model):
    names = set()
    for layer in model.layers:
        names.add(layer.dtype_policy.name)
        if hasattr(layer, "layers"):
            names |= _policies(layer)
    return names


class RecordOptimizer(keras.callbacks.Callback):
    """Records the optimizer class and the compute dtype of the first layers during training."""

    def on_train_begin(self, logs=None):
        self.optimizer = type(self.model.optimizer).__name__
        self.policies = _policies(self.model)


@pytest.mark.parametrize("precision, policy", [("float32", "float32"), ("bfloat16", "mixed_bfloat16"),
                                               ("float16", "mixed_float16")])
def test_explicit_precisions_map_to_keras_policies(precision, policy):
    assert resolve_precision(precision) == policy


def test_auto_keeps_the_users_own_global_policy():
    with precision_policy("mixed_float16"):
        assert resolve_precision("auto") == "mixed_float16"
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize("bf16_cpu, gpu, expected", [(True, False, "mixed_bfloat16"), (False, False, "float32"),
                                                     (True, True, "float32"), (False, True, "float32")])
def test_auto_is_bfloat16_on_bfloat16_cpus_without_a_gpu_only(monkeypatch, bf16_cpu, gpu, expected):
    from medcnn._runtime import _precision

    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: bf16_cpu)
    monkeypatch.setattr(_precision, "_has_gpu", lambda: gpu)
    assert resolve_precision("auto") == expected
    assert resolve_precision("auto", spatial_dims=3) == "float32"  # volumes: not measured


def test_bfloat16_cpu_flags_are_read_from_cpuinfo(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    with_bf16 = tmp_path / "with"
    with_bf16.write_text("processor : 0\nflags : fpu sse avx512f avx512_bf16 fma\n")
    without = tmp_path / "without"
    without.write_text("processor : 0\nflags : fpu sse avx512f avx512bw fma\n")
    assert cpu_has_bfloat16(with_bf16) and not cpu_has_bfloat16(without)
    assert not cpu_has_bfloat16(tmp_path / "missing")
    amx = tmp_path / "amx"
    amx.write_text("flags : fpu amx_tile amx_bf16\n")
    assert cpu_has_bfloat16(amx)


@pytest.mark.parametrize("precision, policy, optimizer", [("bfloat16", "mixed_bfloat16", "AdamW"),
                                                          ("float16", "mixed_float16", "LossScaleOptimizer")])
def test_mixed_training_leaves_a_float32_network(data, tmp_path, precision, policy, optimizer):
    X, y = data
    recorder = RecordOptimizer()
    clf = CNNClassifier(architecture="lenet5", epochs=3, random_state=0, precision=precision,
                        callbacks=[recorder]).fit(X, y)
    # trained in 16 bits, with loss scaling for float16 only; the head stays float32
    assert recorder.policies == {policy, "float32"} and recorder.optimizer == optimizer
    assert clf.dtype_policy_ == policy
    # kept as float32 layers with the trained weights, compiled without loss scaling
    assert _policies(clf.model_) == {"float32"}
    assert type(clf.model_.optimizer).__name__ == "AdamW"
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and clf.history_["loss"][-1] < clf.history_["loss"][0]
    path = tmp_path / "model.keras"
    clf.save(path)
    loaded = load_model(path)
    assert _policies(loaded.model_) == {"float32"} and loaded.dtype_policy_ == policy
    np.testing.assert_allclose(loaded.predict_proba(X), proba, atol=1e-6)
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back


def test_float32_copy_predicts_what_the_mixed_network_predicts(data):
    X, _ = data
    with precision_policy("mixed_bfloat16"):
        inputs = keras.Input(X.shape[1:])
        hidden = keras.layers.Conv2D(4, 3)(keras.layers.Rescaling(1 / 255)(inputs))
        outputs = keras.layers.Dense(2, activation="softmax", dtype="float32")(
            keras.layers.GlobalAveragePooling2D()(hidden))
        mixed = keras.Model(inputs, outputs)
    copy = float32_network(mixed)
    assert _policies(mixed) == {"mixed_bfloat16", "float32"} and _policies(copy) == {"float32"}
    # bfloat16 keeps 8 bits of mantissa: the two agree to its rounding
    np.testing.assert_allclose(copy.predict(X, verbose=0), mixed.predict(X, verbose=0), atol=2e-2)
    assert float32_network(copy) is copy


def test_a_network_that_cannot_be_copied_is_kept_with_a_warning():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__(dtype="mixed_bfloat16")
            self.dense = keras.layers.Dense(2, dtype="mixed_bfloat16")

        def call(self, x):
            return self.dense(x)

    model = Subclassed()
    model(np.zeros((1, 3), dtype="float32"))
    with pytest.warns(UserWarning, match="could not be copied into float32 layers.*precision='float32'"):
        assert float32_network(model) is model


def test_regressor_takes_precision_too(data):
    X, _ = data
    target = X.mean(axis=(1, 2, 3)) / 255
    reg = CNNRegressor(architecture="lenet5", epochs=2, random_state=0, precision="bfloat16").fit(X, target)
    assert reg.dtype_policy_ == "mixed_bfloat16" and _policies(reg.model_) == {"float32"}
    assert np.isfinite(reg.predict(X)).all()


def test_unknown_precision_is_refused_with_the_choices(data):
    X, y = data
    with pytest.raises(ValueError, match=r"precision.*'half'.*auto.*float32.*bfloat16.*float16"):
        CNNClassifier(precision="half", epochs=1).fit(X, y)


# ----------------------------------------------------------------------------- jit_compile (XLA)

class RecordJit(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.jit_compile = self.model.jit_compile


def numpy_function_network(input_shape):
    """A network with a tf.numpy_function, which XLA cannot compile."""
    import tensorflow as tf

    class Doubled(keras.layers.Layer):
        def call(self, x):
            y = tf.numpy_function(lambda a: a * 2, [x], tf.float32)
            y.set_shape(x.shape)
            return y

    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    return keras.Model(inputs, Doubled()(keras.layers.GlobalAveragePooling2D()(x)))


def test_jit_compile_true_trains_under_xla(data):
    X, y = data
    recorder = RecordJit()
    clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0, jit_compile=True,
                        callbacks=[recorder]).fit(X, y)
    assert recorder.jit_compile is True and np.isfinite(clf.predict_proba(X)).all()


def test_jit_compile_auto_leaves_xla_off_on_cpu(data):
    X, y = data
    recorder = RecordJit()
    CNNClassifier(architecture="lenet5", epochs=1, random_state=0, callbacks=[recorder]).fit(X, y)
    assert recorder.jit_compile is False  # Keras' rule: XLA on GPUs only


def test_a_network_xla_cannot_compile_trains_without_it_after_one_warning(data, recwarn):
    X, y = data
    recorder = RecordJit()
    params = dict(architecture=numpy_function_network, epochs=2, random_state=0, jit_compile=True,
                  precision="float32", callbacks=[recorder])
    with pytest.warns(UserWarning, match=r"XLA could not compile the training step of the network "
                                         r"'numpy_function_network' \(.*PyFunc.*\); it trains without XLA"):
        clf = CNNClassifier(**params).fit(X, y)
    assert recorder.jit_compile is False and len(clf.history_["loss"]) == 2
    assert np.isfinite(clf.predict_proba(X)).all()
    recwarn.clear()
    CNNClassifier(**params).fit(X, y)  # once per network and process
    assert not [w for w in recwarn if "XLA" in str(w.message)]


def test_unknown_jit_compile_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match=r"jit_compile.*'yes'.*'auto', True or False"):
        CNNClassifier(jit_compile="yes", epochs=1).fit(X, y)
