"""The augmenters that wrap Keras 3's hue, sharpness, RandAugment and AugMix layers, and the
value_range warning for Keras layers given directly in ``augment``."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import medcnn.registry
from medcnn import augmenters as aug
from medcnn.augmenters import augment_offline, build_augmenters

NEW = ["hue", "sharpness", "randaugment", "augmix"]


def np_(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def rgb_batch(n=4, size=16, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 0.8, (n, size, size, 3)).astype("float32")


@pytest.mark.parametrize("name", NEW)
def test_registered_layers_use_medcnn_value_range(name):
    layer = medcnn.registry.augmenters.get(name).factory(seed=0)
    assert tuple(float(v) for v in layer.value_range) == (0.0, 1.0)
    for sub in ("random_brightness", "solarization", "equalization"):  # the policies pass it on
        if hasattr(layer, sub):
            assert tuple(float(v) for v in getattr(layer, sub).value_range) == (0.0, 1.0)


def test_hue_shift_stays_within_factor_and_keeps_greys():
    x = rgb_batch(8)
    out = np_(aug.hue(factor=0.1, seed=0)(x, training=True))
    hue_in = np_(tf.image.rgb_to_hsv(x))[..., 0]
    hue_out = np_(tf.image.rgb_to_hsv(out))[..., 0]
    shift = np.abs((hue_out - hue_in + 0.5) % 1 - 0.5)  # circular distance
    assert shift.max() <= 0.1 + 1e-3 and shift.mean() > 1e-3
    grey = np.repeat(x[..., :1], 3, axis=-1)
    np.testing.assert_allclose(np_(aug.hue(factor=0.5, seed=0)(grey, training=True)), grey, atol=1e-5)


def test_hue_refuses_grayscale_in_a_tf_data_pipeline():
    layer = aug.hue(seed=0)
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), np.float32)).batch(2)
    with pytest.raises(ValueError, match=r"hue needs RGB images \(3 channels\); got 1 channel"):
        ds.map(lambda b: layer(b, training=True))


def test_sharpness_blends_with_the_smoothed_image_within_factor():
    from scipy.ndimage import convolve

    x = rgb_batch(8, 12)
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], "float32") / 13
    smooth = np.stack([np.stack([convolve(img[..., c], kernel, mode="constant") for c in range(3)], -1)
                       for img in x])
    out = np_(aug.sharpness(factor=0.4, seed=0)(x, training=True))
    inner = (slice(None), slice(1, -1), slice(1, -1))  # away from the zero padding
    diff = (smooth - x)[inner]
    one_minus_s = ((out - x)[inner] * diff).sum(axis=(1, 2, 3)) / (diff * diff).sum(axis=(1, 2, 3))
    assert np.all(np.abs(one_minus_s) <= 0.4 + 1e-3) and np.ptp(one_minus_s) > 0.05, one_minus_s
    np.testing.assert_allclose((out - x)[inner], one_minus_s[:, None, None, None] * diff, atol=1e-5)
    np.testing.assert_allclose(np_(aug.sharpness(factor=0, seed=0)(x, training=True)), x, atol=1e-6)


@pytest.mark.parametrize("name, params", [("randaugment", {}), ("augmix", {"num_chains": 2, "chain_depth": 2})])
def test_policies_run_in_a_tf_data_map_and_stay_in_range(name, params):
    x = rgb_batch(8, 32)
    layer = medcnn.registry.augmenters.get(name).factory(**params, seed=0)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(4).map(lambda b: layer(b, training=True))
    assert ds.element_spec.shape.as_list() == [None, 32, 32, 3]
    out = np.concatenate([np_(b) for b in ds])
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1 and not np.allclose(out, x, atol=1e-3)
    # with Keras's default (0, 255) the same policy barely moves [0, 1] pixels, or saturates them
    assert 0.05 < out.mean() < 0.95


def test_seeded_augmix_draws_its_operations_per_batch_inside_tf_data():
    layer = aug.augmix(num_chains=2, chain_depth=2, seed=0)
    ds = tf.data.Dataset.from_tensor_slices(rgb_batch(16)).batch(2).map(
        lambda b: layer.get_random_transformation(b, training=True)["op_indices"])
    choices = {tuple(np_(indices).ravel()) for indices in ds}
    assert len(choices) > 1, "every batch got the same chain of operations"
    assert all(0 <= i <= len(layer._augment_layers) for c in choices for i in c)


def test_seeded_augmix_reproducible_and_serializable():
    x = rgb_batch()
    layer = aug.SeededAugMix(value_range=(0, 1), num_chains=2, chain_depth=2, seed=3)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, aug.SeededAugMix) and clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(np_(clone(x, training=True)), np_(layer(x, training=True)))
    assert keras.saving.get_registered_name(aug.SeededAugMix) == "medcnn>SeededAugMix"
    assert keras.saving.get_registered_name(aug.RGBHue) == "medcnn>RGBHue"


# ---------------------------------------------------------------- value_range of layers given directly

def _build(augment):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layers = build_augmenters(augment, seed=0, channels=3)
    return layers, [w for w in caught if issubclass(w.category, UserWarning)]


def test_keras_layer_with_default_value_range_warns_with_the_fix():
    layer = keras.layers.RandomBrightness(0.2, name="bright")
    layers, caught = _build([layer])
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "augment item 0: RandomBrightness 'bright' has value_range=(0, 255)" in message
    assert "pass value_range=(0, 1)" in message and "registered augmenter 'brightness'" in message
    # used as given, not reconfigured
    assert layers == [layer] and tuple(layer.value_range) == (0, 255)
    # the harm warned about: shifts of up to 0.2 x 255 on [0, 1] pixels (clipped to the range by
    # some Keras versions), beyond the 0.2 the layer could move a pixel with value_range=(0, 1)
    shifted = np_(layer(rgb_batch(), training=True))
    assert np.abs(shifted - rgb_batch()).max() > 0.2 + 1e-3


def test_value_range_warning_once_per_layer_and_inside_sequentials():
    brightness = keras.layers.RandomBrightness(0.2)
    policy = keras.layers.RandAugment()
    pipeline = keras.Sequential([keras.layers.RandomFlip(), keras.layers.RandomContrast(0.1),
                                 keras.layers.RandomSharpness(0.2, value_range=[0, 1])])
    _, caught = _build([brightness, "flip", brightness, pipeline, policy, ("brightness", {"factor": 0.2})])
    messages = [str(w.message) for w in caught]
    assert len(messages) == 3, messages
    assert messages[0].startswith("augment item 0: RandomBrightness")
    assert messages[1].startswith("augment item 3: RandomContrast") and "'contrast'" in messages[1]
    assert messages[2].startswith("augment item 4: RandAugment") and "'randaugment'" in messages[2]


def test_no_warning_for_unit_value_range_and_registered_names():
    ok = [keras.layers.RandomBrightness(0.2, value_range=(0.0, 1.0)), keras.layers.RandomFlip(),
          keras.layers.RandomHue(0.1, value_range=[0, 1]), "brightness", "randaugment", "augmix", "hue"]
    layers, caught = _build(ok)
    assert len(layers) == len(ok) and caught == []


class _ConfigOnly(keras.layers.Layer):
    """A custom layer whose value_range is only in its config."""

    def call(self, x, training=True):
        return x

    def get_config(self):
        return {**super().get_config(), "value_range": [0, 65535]}


def test_value_range_read_from_the_config_and_through_augment_offline():
    _, caught = _build(_ConfigOnly(name="scaled"))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "_ConfigOnly 'scaled' has value_range=(0, 65535)" in message and "registered" not in message
    x = (rgb_batch(2) * 255).astype(np.uint8)
    with pytest.warns(UserWarning, match=r"RandomContrast .* value_range=\(0, 255\).*value_range=\(0, 1\)"):
        augment_offline(x, np.array([0, 1]), 1, augment=[keras.layers.RandomContrast(0.1)], random_state=0)
