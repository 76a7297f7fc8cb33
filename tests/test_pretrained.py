"""Tests of the keras.applications backbones (medcnn.architectures._pretrained).

Everything runs offline: ``weights=None`` or weight files written by the tests; the
ImageNet path is exercised with an empty Keras cache and no download.
"""

import os
import time

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from medcnn import registry  # noqa: E402
from medcnn.architectures import _pretrained  # noqa: E402
from medcnn.architectures._pretrained import (PRETRAINED_ARCHITECTURES,  # noqa: E402
                                              build_mobilenet_v2, build_pretrained,
                                              build_resnet50, imagenet_weights_file,
                                              preprocess_weights)
from medcnn.exceptions import MedCNNError, WeightsUnavailableError  # noqa: E402
from medcnn.testing import check_architecture  # noqa: E402

# name: (min_size, default_size, preprocessing, keras.applications module,
#        constructor, a named layer of the application)
EFFICIENTNET = ("efficientnet", "efficientnet")
EXPECTED = {
    "efficientnet_b0": (32, 224, *EFFICIENTNET, "EfficientNetB0", "top_activation"),
    "efficientnet_b1": (32, 240, *EFFICIENTNET, "EfficientNetB1", "top_activation"),
    "efficientnet_b2": (32, 260, *EFFICIENTNET, "EfficientNetB2", "top_activation"),
    "efficientnet_b3": (32, 300, *EFFICIENTNET, "EfficientNetB3", "top_activation"),
    "efficientnet_b4": (32, 380, *EFFICIENTNET, "EfficientNetB4", "top_activation"),
    "resnet50": (32, 224, "caffe", "resnet50", "ResNet50", "conv5_block3_out"),
    "inception_v3": (75, 299, "tf", "inception_v3", "InceptionV3", "mixed10"),
    "densenet121": (32, 224, "torch", "densenet", "DenseNet121", "relu"),
    "vgg16": (32, 224, "caffe", "vgg16", "VGG16", "block5_pool"),
    "mobilenet_v2": (32, 224, "tf", "mobilenet_v2", "MobileNetV2", "out_relu"),
}
NAMES = list(EXPECTED)
PREPROCESS = "imagenet_preprocess"


@pytest.fixture(scope="module")
def built():
    """``built(name, channels)``: the backbone at its min_size, built once per module."""
    cache = {}

    def get(name, channels):
        if (name, channels) not in cache:
            size = EXPECTED[name][0]
            cache[name, channels] = build_pretrained(name, (size, size, channels))
        return cache[name, channels]

    yield get
    cache.clear()
    keras.backend.clear_session()


def _np(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _first_layer(model, x):
    """Output of the imagenet_preprocess layer, read through the model's own graph."""
    assert model.layers[1].name == PREPROCESS
    head = keras.Model(model.input, model.get_layer(PREPROCESS).output)
    return _np(head(x))


def _keras_preprocess(name, rgb01):
    """keras.applications' own preprocess_input of the 0..255 image."""
    module = getattr(keras.applications, EXPECTED[name][3])
    return np.asarray(module.preprocess_input(rgb01.astype(np.float32) * 255.0))


def _images(shape, batch=2, seed=0):
    return np.random.default_rng(seed).random((batch,) + tuple(shape), dtype=np.float32)


# ----------------------------------------------------------------------- registration
def test_registered_with_metadata():
    for name, (min_size, default_size, preprocessing, *_rest) in EXPECTED.items():
        component = registry.architectures.get(name)
        assert component.plugin == "medcnn"
        assert component.description and "\n" not in component.description
        assert component.factory.__name__ == f"build_{name}"
        assert component.metadata == {
            "min_size": min_size, "default_size": default_size, "pretrained": True, "standardize": False,
        }
        assert PRETRAINED_ARCHITECTURES[name].preprocessing == preprocessing
    assert set(PRETRAINED_ARCHITECTURES) == set(EXPECTED)


# ----------------------------------------------------------------- build and forward
@pytest.mark.slow
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", NAMES)
def test_builds_flat_model_with_finite_feature_map(built, name, channels):
    model = built(name, channels)
    size = EXPECTED[name][0]
    assert isinstance(model, keras.Model) and model.name == name
    assert model.input_shape == (None, size, size, channels)
    assert len(model.output_shape) == 4 and model.output_shape[0] is None
    # flat: the application's layers are the model's own layers, no nested model
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)
    model.get_layer(EXPECTED[name][5])
    pre = model.get_layer(PREPROCESS)
    assert model.layers[1] is pre and not pre.trainable
    assert tuple(pre.kernel.shape) == (channels, 3)
    assert not any(w is pre.kernel or w is pre.bias for w in model.trainable_weights)
    assert model.trainable_weights
    y = _np(model(_images((size, size, channels)), training=False))
    assert y.shape == (2,) + model.output_shape[1:]
    assert np.all(np.isfinite(y))


# ------------------------------------------------------------------- preprocessing
@pytest.mark.parametrize("name", NAMES)
def test_first_layer_equals_keras_preprocess_input(built, name):
    model = built(name, 3)
    size = EXPECTED[name][0]
    x = _images((size, size, 3), seed=1)
    np.testing.assert_allclose(_first_layer(model, x), _keras_preprocess(name, x),
                               rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", ["resnet50", "inception_v3", "densenet121",
                                  "efficientnet_b0"])  # one per family
def test_grey_replicate_equals_preprocess_of_grey_rgb(built, name):
    model = built(name, 1)
    size = EXPECTED[name][0]
    grey = _images((size, size, 1), seed=2)
    expected = _keras_preprocess(name, np.repeat(grey, 3, axis=-1))
    np.testing.assert_allclose(_first_layer(model, grey), expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize("name, mode, index", [("vgg16", "G", 1), ("vgg16", "R", 0),
                                               ("mobilenet_v2", "b", 2)])
def test_single_channel_mode_feeds_one_channel(name, mode, index):
    grey = _images((32, 32, 1), seed=3)
    model = build_pretrained(name, (32, 32, 1), channel_mode=mode)
    rgb = np.zeros(grey.shape[:-1] + (3,), np.float32)
    rgb[..., index] = grey[..., 0]  # grey feeds that channel, zeros elsewhere
    np.testing.assert_allclose(_first_layer(model, grey), _keras_preprocess(name, rgb),
                               rtol=0, atol=1e-4)
    # documented values: caffe gives BGR minus the mean, tf gives 2 * x - 1
    out = _first_layer(model, np.full((1, 32, 32, 1), 0.5, np.float32))[0, 0, 0]
    if name == "vgg16":
        bgr = np.zeros(3)
        bgr[2 - index] = 127.5
        np.testing.assert_allclose(out, bgr - np.array([103.939, 116.779, 123.68]), atol=1e-4)
    else:
        np.testing.assert_allclose(out, [-1.0, -1.0, 0.0], atol=1e-6)


def test_preprocess_weights_channel_handling():
    rgb_kernel, rgb_bias = preprocess_weights("caffe", 3)
    np.testing.assert_allclose(rgb_kernel, 255.0 * np.eye(3)[::-1])
    np.testing.assert_allclose(rgb_bias, [-103.939, -116.779, -123.68], rtol=1e-6)
    # channel_mode only concerns grey input; RGBA drops alpha
    np.testing.assert_array_equal(preprocess_weights("caffe", 3, "G")[0], rgb_kernel)
    rgba_kernel, rgba_bias = preprocess_weights("caffe", 4)
    np.testing.assert_array_equal(rgba_kernel[:3], rgb_kernel)
    np.testing.assert_array_equal(rgba_kernel[3], 0.0)
    np.testing.assert_array_equal(rgba_bias, rgb_bias)
    replicate, _ = preprocess_weights("torch", 1)
    np.testing.assert_allclose(replicate, [1 / np.array([0.229, 0.224, 0.225])], rtol=1e-6)


def test_rgba_input_drops_alpha():
    x = _images((32, 32, 4), seed=4)
    model = build_pretrained("vgg16", (32, 32, 4))
    np.testing.assert_allclose(_first_layer(model, x), _keras_preprocess("vgg16", x[..., :3]),
                               rtol=0, atol=1e-4)
    assert np.all(np.isfinite(_np(model(x))))


# ------------------------------------------------------------------------ contract
def test_check_architecture_mobilenet_v2():
    check_architecture(build_mobilenet_v2, input_shapes=[(32, 32, 3)])


@pytest.mark.slow
def test_check_architecture_resnet50():
    check_architecture(build_resnet50, input_shapes=[(32, 32, 1)])


def test_trainable_false_freezes_backbone():
    model = build_pretrained("vgg16", (32, 32, 3), trainable=False)
    assert model.trainable_weights == []
    assert all(not layer.trainable for layer in model.layers[1:])
    # unfreezing layer by layer, skipping the preprocessing, as documented
    for layer in model.layers:
        if layer.name != PREPROCESS:
            layer.trainable = True
    assert len(model.trainable_weights) == 2 * 13  # the 13 convolutions
    assert not model.get_layer(PREPROCESS).trainable


@pytest.mark.parametrize("name, shape, params, match", [
    ("resnet50", (32, 32, 2), {}, "1 .grey., 3 .RGB. or 4"),
    ("resnet50", (31, 32, 3), {}, "at least 32x32"),
    ("inception_v3", (74, 74, 1), {}, "at least 75x75"),
    ("vgg16", (32, 32, 1), {"channel_mode": "X"}, "channel_mode"),
    ("vgg16", (32, 32, 1), {"trainable": "yes"}, "trainable"),
    ("vgg16", (32, 32, 1), {"weights": 3}, "weights"),
    ("vgg19", (32, 32, 3), {}, "not a pretrained architecture"),
])
def test_invalid_arguments(name, shape, params, match):
    with pytest.raises(ValueError, match=match):
        build_pretrained(name, shape, **params)


# ------------------------------------------------------------------------- weights
@pytest.mark.slow
def test_weights_from_local_file(tmp_path):
    base = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(32, 32, 3))
    path = tmp_path / "w.weights.h5"
    base.save_weights(path)
    model = build_mobilenet_v2((32, 32, 1), weights=str(path))
    mine = [w for w in model.weights if not w.path.startswith(PREPROCESS)]
    assert len(mine) == len(base.weights)
    for got, want in zip(mine, base.weights):
        np.testing.assert_array_equal(_np(got), _np(want))
    # end to end: grey image -> same features as keras' model on the preprocessed RGB image
    grey = _images((32, 32, 1), seed=5)
    want = _np(base(_keras_preprocess("mobilenet_v2", np.repeat(grey, 3, axis=-1))))
    np.testing.assert_allclose(_np(model(grey)), want, rtol=1e-4, atol=1e-4)


def test_weights_file_missing(tmp_path):
    path = tmp_path / "nowhere" / "resnet50_notop.h5"
    with pytest.raises(FileNotFoundError, match="resnet50_notop.h5"):
        build_pretrained("resnet50", (32, 32, 3), weights=str(path))


def test_weights_file_of_another_architecture(tmp_path):
    path = tmp_path / "vgg.weights.h5"
    keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3)
                             ).save_weights(path)
    with pytest.raises(WeightsUnavailableError, match="vgg.weights.h5"):
        build_pretrained("mobilenet_v2", (32, 32, 3), weights=str(path))


@pytest.fixture
def empty_keras_home(monkeypatch, tmp_path):
    """KERAS_HOME pointing to an empty folder, and no real download possible."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def no_download(*args, **kwargs):
        raise OSError("test: downloads are disabled")

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    return tmp_path


def test_imagenet_offline_raises_quickly(empty_keras_home):
    # real reachability check (no network here); where the host answers, the disabled
    # download fails instead, so the error is the same either way
    start = time.perf_counter()
    with pytest.raises(WeightsUnavailableError) as info:
        build_resnet50((32, 32, 3), weights="imagenet")
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert "'resnet50'" in message
    assert "weights='/path/to/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5'" in message
    assert "keras.applications.ResNet50" in message
    assert isinstance(info.value, MedCNNError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", NAMES)
def test_imagenet_unreachable_names_the_file(empty_keras_home, monkeypatch, name):
    monkeypatch.setattr(_pretrained, "_host_reachable", lambda host, *a, **k: (False, "offline"))
    size = EXPECTED[name][0]
    with pytest.raises(WeightsUnavailableError) as info:
        build_pretrained(name, (size, size, 1), weights="imagenet")
    fname = imagenet_weights_file(name, (size, size, 1))
    assert f"weights='/path/to/{fname}'" in str(info.value) and f"{name!r}" in str(info.value)
    assert str(empty_keras_home) in str(info.value)
    assert f"keras.applications.{EXPECTED[name][4]}(include_top=False" in str(info.value)


def test_imagenet_weights_file_names():
    assert imagenet_weights_file("efficientnet_b3") == "efficientnetb3_notop.h5"
    assert imagenet_weights_file("densenet121") == (
        "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5")
    assert imagenet_weights_file("mobilenet_v2", (32, 32, 1)) == (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")
    assert imagenet_weights_file("mobilenet_v2", (128, 128, 3)) == (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_128_no_top.h5")


def test_imagenet_download_failure(empty_keras_home, monkeypatch):
    monkeypatch.setattr(_pretrained, "_host_reachable", lambda host, *a, **k: (True, ""))
    with pytest.raises(WeightsUnavailableError, match="downloading https://storage") as info:
        build_pretrained("vgg16", (32, 32, 3), weights="imagenet")
    assert isinstance(info.value.__cause__, OSError)


def _save_legacy_h5(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.save(path)  # the legacy .h5 format of the keras.applications files


@pytest.mark.slow
def test_imagenet_from_keras_cache(empty_keras_home, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a cached file must not need the network")

    monkeypatch.setattr(_pretrained, "_host_reachable", fail)
    base = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(32, 32, 3))
    fname = imagenet_weights_file("mobilenet_v2", (32, 32, 3))
    _save_legacy_h5(base, str(empty_keras_home / "models" / fname))
    model = build_mobilenet_v2((32, 32, 3), weights="imagenet")
    mine = [w for w in model.weights if not w.path.startswith(PREPROCESS)]
    for got, want in zip(mine, base.weights):
        np.testing.assert_array_equal(_np(got), _np(want))


@pytest.mark.slow
def test_efficientnet_imagenet_normalization(empty_keras_home, monkeypatch):
    """ImageNet EfficientNet files keep std as variance; keras fixes it for "imagenet"."""
    monkeypatch.setattr(_pretrained, "_host_reachable", lambda host, *a, **k: (False, "offline"))
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    base = keras.applications.EfficientNetB0(include_top=False, weights=None,
                                             input_shape=(32, 32, 3))
    norm = next(layer for layer in base.layers if isinstance(layer, keras.layers.Normalization))
    norm.set_weights([mean, std, norm.get_weights()[2]])  # as in the ImageNet file
    path = str(empty_keras_home / "models" / imagenet_weights_file("efficientnet_b0"))
    _save_legacy_h5(base, path)
    x = _images((32, 32, 3), seed=6)
    for weights in ("imagenet", path):
        model = build_pretrained("efficientnet_b0", (32, 32, 3), weights=weights)
        layer = next(layer for layer in model.layers
                     if isinstance(layer, keras.layers.Normalization))
        out = _np(keras.Model(model.input, layer.output)(x))
        np.testing.assert_allclose(out, (x - mean) / std, rtol=0, atol=1e-4)
