"""Tests of the medcnn-example plugin, as a plugin author would write them."""

import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

try:
    import medcnn_example
except ImportError:  # running from a source checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_example

import medcnn
from medcnn.testing import check_architecture, check_augmenter
from medcnn_example import build_tiny_net, invert


def _installed():
    return any(ep.name == "example" for ep in metadata.entry_points(group="medcnn"))


def _numpy(x):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(x))


# --- medcnn's conformance checks -------------------------------------------------------

def test_check_architecture():
    check_architecture(build_tiny_net)


def test_check_architecture_small_width_and_min_size():
    check_architecture(build_tiny_net, input_shapes=[(8, 8, 1), (33, 20, 4)], filters=2)


def test_check_augmenter():
    check_augmenter(invert)
    check_augmenter(invert, image_shape=(16, 16, 1), probability=1.0, seed=0)


# --- the architecture ------------------------------------------------------------------

def test_tiny_net_layout():
    model = build_tiny_net((32, 24, 3), filters=4)
    assert model.output_shape == (None, 16, 12, 8)
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [4, 8]
    assert all(c.padding == "same" and c.kernel_size == (3, 3) for c in convs)


def test_tiny_net_passes_extra_params_to_convolutions():
    model = build_tiny_net((16, 16, 1), kernel_initializer="zeros", activation="elu")
    conv = model.get_layer("conv1")
    assert conv.get_config()["activation"] == "elu"
    np.testing.assert_array_equal(_numpy(conv.kernel), 0.0)


@pytest.mark.parametrize("shape", [(7, 32, 3), (32, 32), (32, 0, 3), "32x32"])
def test_tiny_net_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="input_shape"):
        build_tiny_net(shape)


def test_tiny_net_rejects_bad_filters():
    with pytest.raises(ValueError, match="filters must be a positive integer; got 0"):
        build_tiny_net((16, 16, 3), filters=0)


# --- the augmenter ---------------------------------------------------------------------

def test_invert_is_identity_at_inference():
    x = np.random.default_rng(0).random((6, 8, 8, 3), dtype=np.float32)
    layer = invert(probability=1.0, seed=0)
    np.testing.assert_array_equal(_numpy(layer(x, training=False)), x)
    np.testing.assert_array_equal(_numpy(layer(x)), x)


def test_invert_with_probability_one_inverts_every_image():
    x = np.random.default_rng(1).random((6, 8, 8, 3), dtype=np.float32)
    out = _numpy(invert(probability=1.0, seed=0)(x, training=True))
    np.testing.assert_allclose(out, 1.0 - x, rtol=0, atol=1e-6)


def test_invert_with_probability_zero_is_identity():
    x = np.random.default_rng(2).random((4, 8, 8, 1), dtype=np.float32)
    np.testing.assert_array_equal(_numpy(invert(probability=0.0)(x, training=True)), x)


def test_invert_decides_per_image():
    x = np.random.default_rng(3).random((200, 4, 4, 1), dtype=np.float32)
    out = _numpy(invert(probability=0.5, seed=0)(x, training=True))
    inverted = np.all(np.isclose(out, 1.0 - x, atol=1e-6), axis=(1, 2, 3))
    kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(inverted | kept)  # whole images, never a mix
    assert 60 <= inverted.sum() <= 140


def test_invert_config_round_trip():
    layer = invert(probability=0.3, seed=7)
    config = layer.get_config()
    assert config["probability"] == 0.3 and config["seed"] == 7
    clone = type(layer).from_config(config)
    assert clone.probability == 0.3 and clone.seed == 7


@pytest.mark.parametrize("probability", [-0.1, 1.5, "half", None, True])
def test_invert_rejects_bad_probability(probability):
    with pytest.raises(ValueError, match="probability must be a number in \\[0, 1\\]"):
        invert(probability=probability)


# --- registration through the hooks ----------------------------------------------------

def test_hooks_register_components():
    registered = {}

    def register(name, factory, description="", **metadata):
        registered[name] = (factory, description, metadata)

    medcnn_example.register_architectures(register)
    medcnn_example.register_augmenters(register)
    assert registered["example_tiny_net"] == (
        build_tiny_net, "Two conv blocks for small patches", {"min_size": 8})
    assert registered["example_invert"][0] is invert


def test_registry_reports_plugin():
    from medcnn.registry import architectures, augmenters

    if _installed():
        assert architectures.get("example_tiny_net").plugin == "example"
        assert augmenters.get("example_invert").plugin == "example"
        return
    # Not installed: register the module by hand, as a notebook user would.
    name = medcnn.plugins.register(medcnn_example, name="example-from-source")
    try:
        component = architectures.get("example_tiny_net")
        assert component.plugin == "example-from-source"
        assert component.metadata == {"min_size": 8}
        assert augmenters.get("example_invert").factory is invert
    finally:
        medcnn.plugins.unregister(name)
    assert "example_tiny_net" not in architectures
    pytest.skip("medcnn-example is not installed (no 'example' entry point in the "
                "'medcnn' group); checked a by-hand registration instead.")


def test_estimator_trains_with_plugin_components():
    from medcnn.datasets import make_histology

    X, y = make_histology(24, image_size=16, weights=(0.5, 0.5), random_state=0)
    clf = medcnn.CNNClassifier(architecture=build_tiny_net, architecture_params={"filters": 4},
                               augment=[invert(probability=0.5, seed=0)], epochs=1,
                               batch_size=8, random_state=0)
    proba = clf.fit(X, y).predict_proba(X)
    assert proba.shape == (24, 2)
    assert np.all(np.isfinite(proba))
