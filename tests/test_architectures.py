"""Tests of the built-in architectures and of the public checks in medcnn.testing."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from medcnn import registry  # noqa: E402
from medcnn.testing import check_architecture, check_augmenter  # noqa: E402

BUILTIN = ["patch_cnn", "workshop_cnn", "lenet5", "mnist_cnn", "usf_arch1", "usf_arch2", "vgg_small",
           "resnet18"]
#: Networks of volumes (spatial_dims=3), trained in test_volumes.py.
VOLUME = ["cnn3d_small", "resnet18_3d"]

# Smaller hyperparameters for the networks whose defaults are slow to save and reload.
SMALL = {
    "patch_cnn": {"filters": (8, 8, 16, 16)},
    "workshop_cnn": {"dense_units": 32},
    "mnist_cnn": {"dense_units": 64},
    "resnet18": {"width": 8},
    "vgg_small": {"filters": (8, 16, 32)},
    "usf_arch1": {"filters": 16},
    "usf_arch2": {"filters": 16},
    "lenet5": {},
}


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def _factory(name):
    return registry.architectures.get(name).factory


def _forward(model, shape, batch=1):
    x = np.random.default_rng(0).random((batch,) + tuple(shape), dtype=np.float32)
    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))


def test_builtin_architectures_are_registered():
    builtin = {c.name for c in registry.architectures.components()
               if c.plugin == "medcnn" and not c.metadata.get("pretrained")}
    assert builtin == set(BUILTIN) | set(VOLUME)
    for name in BUILTIN + VOLUME:
        component = registry.architectures.get(name)
        assert component.description and "\n" not in component.description
        assert component.metadata.get("spatial_dims", 2) == (3 if name in VOLUME else 2)


def test_importing_architectures_does_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys, medcnn.architectures, medcnn.testing; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", BUILTIN)
def test_check_architecture_passes(name):
    check_architecture(_factory(name), **SMALL[name])


@pytest.mark.parametrize("name", BUILTIN)
def test_defaults_build_for_28x28x1(name):
    model = _factory(name)((28, 28, 1))
    assert isinstance(model, keras.Model)
    assert len(model.output_shape) in (2, 4)
    assert model.output_shape[0] is None
    y = _forward(model, (28, 28, 1))
    assert y.shape[0] == 1 and np.all(np.isfinite(y))


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("name", BUILTIN)
def test_any_channel_count(name, channels):
    model = _factory(name)((28, 28, channels), **SMALL[name])
    y = _forward(model, (28, 28, channels), batch=2)
    assert y.shape[0] == 2 and y.ndim in (2, 4)
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("name", BUILTIN)
def test_min_size_metadata(name):
    component = registry.architectures.get(name)
    min_size = component.metadata.get("min_size")
    assert isinstance(min_size, int) and 1 <= min_size <= 28
    shape = (min_size, min_size, 3)
    model = component.factory(shape, **SMALL[name])
    y = _forward(model, shape, batch=2)
    assert y.shape[0] == 2 and np.all(np.isfinite(y))
    if min_size > 1:
        smaller = (min_size - 1, min_size - 1, 3)
        with pytest.raises(ValueError, match=f"at least {min_size}x{min_size}"):
            component.factory(smaller, **SMALL[name])


def test_output_ranks_and_documented_shapes():
    from medcnn.architectures import resnet18, usf_arch2, vgg_small

    assert vgg_small((32, 32, 3), filters=(16, 32), batch_norm=True).output_shape == (None, 8, 8, 32)
    assert resnet18((32, 32, 3), width=16).output_shape == (None, 4, 4, 128)
    assert resnet18((64, 64, 3), width=4).get_layer("stem_pool") is not None
    model = usf_arch2((28, 28, 3))
    assert model.get_layer("to_sequence").output.shape == (None, 16, 8)
    assert model.output_shape == (None, 8)
    feature_maps = {"vgg_small", "resnet18"}  # as their descriptions say; the rest return vectors
    for name in BUILTIN:
        component = registry.architectures.get(name)
        rank = len(component.factory((28, 28, 1), **SMALL[name]).output_shape)
        assert rank == (4 if name in feature_maps else 2)
        assert ("feature map" in component.description) == (name in feature_maps)


def test_patch_cnn_stages_and_parameter_checks():
    from medcnn.architectures import patch_cnn

    model = patch_cnn((50, 50, 3))
    assert model.output_shape == (None, 128)
    # stages at 50, 25, 12 and 6 pixels; 1 + 2 + 2 + 1 convolutions, each batch-normalised
    assert [layer.output.shape[1] for layer in model.layers if "_pool" in layer.name] == [25, 12, 6]
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [16, 32, 32, 64, 64, 128]
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers) == 6
    assert patch_cnn((None, None, 1), filters=(4, 8), convs=(1, 1)).output_shape == (None, 8)
    with pytest.raises(ValueError, match="same length"):
        patch_cnn((32, 32, 3), filters=(8, 16), convs=(1,))
    with pytest.raises(ValueError, match=r"dropout=1.5 is not valid"):
        patch_cnn((32, 32, 3), dropout=1.5)


def test_bad_input_shape_is_explained():
    from medcnn.architectures import lenet5

    with pytest.raises(ValueError, match="height, width, channels"):
        lenet5((28, 28))


# --- check_architecture rejects broken factories ------------------------------------

def _not_a_model(input_shape):
    return "not a model"


def _nan_output(input_shape):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Rescaling(float("nan"))(x)
    return keras.Model(inputs, x)


class _FirstImageOnly(keras.Model):
    """Subclassed model that drops all but the first image of the batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(4)

    def call(self, inputs):
        return self.dense(self.flatten(inputs))[:1]


def _wrong_batch(input_shape):
    return _FirstImageOnly()


def _fixed_batch(input_shape):
    inputs = keras.Input(shape=input_shape, batch_size=2)
    return keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))


def _rank3_output(input_shape):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.layers.Reshape((input_shape[0], -1))(x)
    return keras.Model(inputs, x)


def _no_weights(input_shape):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, keras.layers.MaxPooling2D(2)(inputs))


def _lambda_layer(input_shape):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    return keras.Model(inputs, x)


def _raises(input_shape):
    raise RuntimeError("boom")


@pytest.mark.parametrize("factory, fragments", [
    (_not_a_model, ["model type check", "str", "keras.Model"]),
    (_nan_output, ["finite output check", "NaN"]),
    (_wrong_batch, ["batch dimension check", "batch size 1"]),
    (_fixed_batch, ["batch dimension check", "fixed batch dimension"]),
    (_rank3_output, ["output rank check", "rank 3"]),
    (_no_weights, ["trainable weights check"]),
    (_lambda_layer, ["serialization check", "safe_mode=True", "Lambda"]),
    (_raises, ["build failed", "RuntimeError", "boom"]),
])
def test_check_architecture_rejects_broken_factories(factory, fragments):
    with pytest.raises(AssertionError) as info:
        check_architecture(factory, input_shapes=[(28, 28, 1)])
    message = str(info.value)
    assert "input_shape=(28, 28, 1)" in message
    assert factory.__name__ in message
    for fragment in fragments:
        assert fragment in message


# --- check_augmenter ---------------------------------------------------------------

class _AlwaysShift(keras.layers.Layer):
    """Adds a constant, also at inference: not an augmenter."""

    def call(self, inputs, training=None):
        return inputs + 0.1


class _NeverRandom(keras.layers.Layer):
    """The identity, in training too."""

    def call(self, inputs, training=None):
        return inputs


class _Crop(keras.layers.Layer):
    """Changes the image shape in training."""

    def call(self, inputs, training=None):
        return inputs[:, 1:, 1:, :] if training else inputs


def test_check_augmenter_accepts_random_flip():
    check_augmenter(keras.layers.RandomFlip, seed=0)
    check_augmenter(keras.layers.RandomFlip, image_shape=(16, 16, 1), mode="horizontal")


@pytest.mark.parametrize("layer_class, fragment", [
    (_AlwaysShift, "identity at inference check"),
    (_NeverRandom, "randomness check"),
    (_Crop, "shape check"),
])
def test_check_augmenter_rejects_bad_layers(layer_class, fragment):
    with pytest.raises(AssertionError, match=fragment) as info:
        check_augmenter(layer_class)
    assert layer_class.__name__ in str(info.value)
    assert "image_shape=(32, 32, 3)" in str(info.value)
