"""Built-in augmenters: the plugin contract, parameter checks, custom layers, stain tools."""

import inspect
from pathlib import Path

import keras
import numpy as np
import pytest

import medcnn.registry
from medcnn import augmenters as aug
from medcnn.augmenters._checks import augmenter
from medcnn.augmenters._constraints import Choice, Factor, Integer, Number, OddInt, Pair, Seed, ValueRange
from medcnn.exceptions import UnknownNameError
from medcnn.testing import check_augmenter

IDC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "idc"
BUILTIN = [c for c in medcnn.registry.augmenters.components() if c.plugin == "medcnn"]
RGB_ONLY = {"color_jitter", "stain_jitter", "histology", "hue", "randaugment", "augmix"}
#: policies whose operations (solarization, auto-contrast, equalization, posterization)
#: move the grey levels of an image by design: no per-image level check for them
LEVEL_CHANGING = {"randaugment", "augmix"}


def np_(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def concentrations(rgb, matrix=None):
    """Stain concentrations C with OD = C @ M (the layer's colour deconvolution)."""
    matrix = aug.RUIFROK_STAIN_MATRIX if matrix is None else matrix
    return -np.log(np.maximum(rgb, 1e-6)) @ np.linalg.inv(matrix)


@pytest.fixture(scope="module")
def idc_patches():
    """32 real IDC patches (16 per class), float32 in [0, 1]."""
    train = IDC / "Train"
    if not train.is_dir():
        pytest.skip(f"IDC data not found at {train}")
    from PIL import Image

    patches = []
    for label in ("0", "1"):
        arrays = (np.asarray(Image.open(p).convert("RGB")) for p in sorted((train / label).glob("*.png")))
        patches += [a for _, a in zip(range(16), (a for a in arrays if a.shape == (50, 50, 3)))]
    return np.stack(patches).astype(np.float32) / 255


# ---------------------------------------------------------------- the plugin contract

@pytest.mark.parametrize("component", BUILTIN, ids=lambda c: c.name)
def test_builtin_augmenters_pass_check_augmenter(component):
    if component.metadata.get("volumes"):  # batches of volumes (n, d, h, w, c)
        check_augmenter(component.factory, image_shape=(6, 16, 16, 1))
        check_augmenter(component.factory, image_shape=(4, 8, 12, 2))
        return
    check_augmenter(component.factory, image_shape=(32, 32, 3))
    if component.metadata.get("channels") != 3:
        check_augmenter(component.factory, image_shape=(32, 32, 1))


def test_registered_names_and_metadata():
    by_name = {c.name: c for c in BUILTIN}
    assert set(by_name) == {
        "flip", "rotate", "rotate90", "shear", "zoom", "shift", "brightness", "contrast",
        "color_jitter", "erasing", "resized_crop", "perspective", "elastic", "blur", "noise",
        "mixup", "cutmix", "stain_jitter", "histology", "radiograph", "volume_flip", "volume_rotate90",
        "volume_intensity", "hue", "sharpness", "randaugment", "augmix"}
    assert {n for n, c in by_name.items() if c.metadata.get("volumes")} == {
        "volume_flip", "volume_rotate90", "volume_intensity"}
    assert {n for n, c in by_name.items() if c.metadata.get("channels") == 3} == RGB_ONLY
    assert {n for n, c in by_name.items() if c.metadata.get("mixes_labels")} == {"mixup", "cutmix"}
    assert all(c.description for c in BUILTIN)
    assert set(aug.__all__) <= set(dir(aug))


@pytest.mark.parametrize("name", ["histology", "radiograph"])
def test_presets_are_seeded_sequentials_identity_at_inference(name):
    preset = medcnn.registry.augmenters.get(name).factory(seed=5)
    assert isinstance(preset, keras.Sequential)
    # histology: flips and quarter turns are one layer (seed 5); the later layers keep 7, 8
    assert [layer.seed for layer in preset.layers] == ([5, 7, 8] if name == "histology" else [5, 6, 7, 8])
    x = np.random.default_rng(1).random((4, 24, 24, 3), dtype=np.float32)
    assert np.array_equal(np_(preset(x, training=False)), x)
    assert not np.allclose(np_(preset(x, training=True)), x)
    if name == "radiograph":  # laterality matters: never flipped
        assert not any(isinstance(layer, (keras.layers.RandomFlip, aug.RandomFlips)) for layer in preset.layers)
        assert abs(preset.layers[0].factor[1] * 360 - 5) < 1e-9


# ---------------------------------------------------------------- parameter errors

@pytest.mark.parametrize("name, params, message", [
    ("rotate", {"factor": -0.1}, r"'rotate': factor=-0.1 is out of range; give a value in \[0, 0.5\]"),
    ("rotate", {"factor": 0.7}, r"factor=0.7 is out of range; give a value in \[0, 0.5\]"),
    ("zoom", {"factor": (0.2, -0.1)}, r"'zoom': factor=\(0.2, -0.1\) has lower > upper"),
    ("shift", {"factor": 0.6}, r"'shift': factor=0.6 is out of range; give a value in \[0, 0.5\]"),
    ("brightness", {"factor": 1.5}, r"'brightness': factor=1.5 is out of range; give a value in \[0, 1\]"),
    ("contrast", {"factor": "high"}, r"'contrast': factor='high' is not a number; give a value in \[0, 1\]"),
    ("erasing", {"probability": 1.2}, r"'erasing': probability=1.2 is out of range; give a value in \[0, 1\]"),
    ("perspective", {"probability": -0.5}, r"probability=-0.5 is out of range; give a value in \[0, 1\]"),
    ("blur", {"sigma": 0}, r"'blur': sigma=0 is out of range; give a value in \(0, 1\]"),
    ("blur", {"sigma": (0.0, 0.5)}, r"sigma=\(0.0, 0.5\) is out of range; give two numbers .* in \(0, 1\]"),
    ("blur", {"kernel_size": 4}, r"'blur': kernel_size=4 is not valid; give an odd int from 3 to 15"),
    ("noise", {"stddev": 0}, r"'noise': stddev=0 is out of range; give a value in \(0, inf\)"),
    ("resized_crop", {"scale": (0, 1)}, r"'resized_crop': scale=\(0, 1\) is out of range; give two numbers \(lower, upper\) in \(0, 1\]"),
    ("resized_crop", {"ratio": (1.0,)}, r"ratio=\(1.0,\) is not a pair of numbers"),
    ("stain_jitter", {"sigma": -0.05}, r"'stain_jitter': sigma=-0.05 is out of range; give a value in \[0, 1\]"),
    ("stain_jitter", {"stain_matrix": np.ones((3, 3))}, r"stain_matrix is singular"),
    ("color_jitter", {"hue": 0.8}, r"'color_jitter': hue=0.8 is out of range; give a value in \[0, 0.5\]"),
    ("mixup", {"alpha": 0}, r"'mixup': alpha=0 is out of range; give a value in \(0, inf\)"),
    ("flip", {"mode": "diagonal"}, r"'flip': mode='diagonal' is not supported; give one of 'horizontal_and_vertical'"),
    ("histology", {"stain_sigma": 2}, r"'histology': stain_sigma=2 is out of range; give a value in \[0, 1\]"),
    ("radiograph", {"degrees": 90}, r"'radiograph': degrees=90 is out of range; give a value in \[0, 45\]"),
    ("elastic", {"alpha": 0.9}, r"'elastic': alpha=0.9 is out of range; give a value in \[0, 0.5\]"),
    ("brightness", {"value_range": (1, 0)}, r"value_range=\(1, 0\) is not valid; give \(low, high\) with low < high"),
    ("rotate", {"seed": -1}, r"seed=-1 is not valid; give a non-negative int or None"),
    ("hue", {"factor": 0.6}, r"'hue': factor=0.6 is out of range; give a value in \[0, 0.5\]"),
    ("sharpness", {"factor": -0.2}, r"'sharpness': factor=-0.2 is out of range; give a value in \[0, 1\]"),
    ("randaugment", {"num_ops": 0}, r"'randaugment': num_ops=0 is out of range; give an int from 1 to 11"),
    ("randaugment", {"num_ops": 2.5}, r"num_ops=2.5 is not an int; give an int from 1 to 11"),
    ("randaugment", {"interpolation": "cubic"}, r"interpolation='cubic' is not supported; give one of "
                                                r"'bilinear', 'nearest'"),
    ("augmix", {"alpha": 0}, r"'augmix': alpha=0 is out of range; give a value in \(0, inf\)"),
    ("augmix", {"chain_depth": 11}, r"'augmix': chain_depth=11 is out of range; give an int from 1 to 10"),
    ("augmix", {"value_range": (0,)}, r"'augmix': value_range=\(0,\) is not valid; give \(low, high\)"),
])
def test_out_of_range_parameters_name_the_allowed_range(name, params, message):
    with pytest.raises(ValueError, match=message):
        medcnn.registry.augmenters.get(name).factory(**params)


@pytest.mark.parametrize("component", BUILTIN, ids=lambda c: c.name)
def test_every_parameter_of_a_builtin_augmenter_has_a_constraint(component):
    factory = component.factory
    assert set(inspect.signature(factory).parameters) == set(factory.parameter_constraints)
    # and each constraint allows the default
    for name, parameter in inspect.signature(factory).parameters.items():
        assert factory.parameter_constraints[name].is_satisfied_by(parameter.default), (name, parameter)


INF = float("inf")


@pytest.mark.parametrize("constraint, good, bad, message", [
    (Number(0, 0.5), 0.1, -0.1, r"^Augmenter 'demo': p=-0.1 is out of range; give a value in \[0, 0.5\]\.$"),
    (Number(0, 1), 1, True, r"p=True is not a number; give a value in \[0, 1\]\.$"),
    (Number(0, 1), 0, float("nan"), r"p=nan is not a number"),
    (Number(0, INF, low_open=True, high_open=True), 1e9, INF, r"p=inf is not a number; give a value in \(0, inf\)"),
    (Pair(0, 1, low_open=True), (0.1, 1), (0.5, 0.2), r"p=\(0.5, 0.2\) has lower > upper; give two numbers "
                                                       r"\(lower, upper\) in \(0, 1\] with lower <= upper\.$"),
    (Pair(0, 1), [0, 1], (0, INF), r"p=\(0, inf\) is not a pair of numbers"),
    (Factor(0.5, signed=True), (-0.5, 0.5), "x", r"p='x' is not a number; give a value in \[0, 0.5\] or a pair"),
    (Factor(1, low_open=True), 1.0, (0, 1), r"p=\(0, 1\) is out of range; give two numbers .* in \(0, 1\]"),
    (Choice(("a", "b")), "b", np.array([1, 2]), r"p=array\(\[1, 2\]\) is not supported; give one of 'a', 'b'\.$"),
    (OddInt(3, 15), 15, 4, r"p=4 is not valid; give an odd int from 3 to 15\.$"),
    (ValueRange(), (0, 255), (0, INF), r"p=\(0, inf\) is not valid; give \(low, high\) with low < high, e\.g\."),
    (Seed(), None, True, r"p=True is not valid; give a non-negative int or None\.$"),
    (Seed(), 0, -1, r"p=-1 is not valid"),
    (Integer(1, 11), np.int64(11), True, r"p=True is not an int; give an int from 1 to 11\.$"),
])
def test_constraints_accept_good_values_and_name_the_fix_for_bad_ones(constraint, good, bad, message):
    assert constraint.is_satisfied_by(good) and not constraint.is_satisfied_by(bad)
    with pytest.raises(ValueError, match=message):
        raise constraint.error("demo", "p", bad)
    with pytest.raises(ValueError, match=message):
        constraint.check("demo", "p", bad)


def test_the_decorator_converts_values_and_refuses_constraints_of_unknown_parameters():
    assert aug.rotate.parameter_constraints["factor"].convert([-0.1, 0.2]) == (-0.1, 0.2)
    assert aug.shear(factor=np.float32(0.5), seed=np.int64(3)).seed == 3

    def demo(factor=0.1):
        return factor

    with pytest.raises(TypeError, match=r"Augmenter 'demo': constraints for factr, which demo does not take"):
        augmenter("demo", factr=Number(0, 1))(demo)
    assert augmenter("demo", factor=Number(0, 1))(demo)(1) == 1.0


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(TypeError, match=r"Augmenter 'rotate' has no parameter 'factr'; its parameters "
                                         r"are factor, fill_mode, seed\. Did you mean 'factor'\?"):
        aug.rotate(factr=0.2)


def test_unknown_name_lists_available_names():
    with pytest.raises(UnknownNameError, match=r"Unknown augmenter 'flipp'\. Available: .*'stain_jitter'"
                                               r".* Did you mean 'flip'\?"):
        medcnn.registry.augmenters.get("flipp")


@pytest.mark.parametrize("name", sorted(RGB_ONLY - LEVEL_CHANGING))
def test_rgb_only_augmenters_refuse_grayscale_clearly(name):
    layer = medcnn.registry.augmenters.get(name).factory(seed=0)
    gray = np.random.default_rng(0).random((2, 16, 16, 1), dtype=np.float32)
    label = name if name in {"color_jitter", "hue"} else "stain_jitter"
    with pytest.raises(ValueError, match=rf"{label} needs RGB images \(3 channels\); got 1 channel\. "
                                         rf"Remove '{label}' from augment"):
        layer(gray, training=True)


@pytest.mark.parametrize("name", sorted(LEVEL_CHANGING))
def test_the_keras_policies_are_refused_for_grey_images_before_training(name):
    from medcnn.augmenters import build_augmenters

    with pytest.raises(ValueError, match=rf"Augmenter '{name}' needs RGB images with 3 channels; these images "
                                         rf"have 1\. Remove '{name}' from augment"):
        build_augmenters([name], seed=0, channels=1)


def test_stain_jitter_refuses_grayscale_in_a_tf_data_pipeline():
    import tensorflow as tf

    layer = aug.stain_jitter(seed=0)
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), np.float32)).batch(2)
    with pytest.raises(ValueError, match=r"stain_jitter needs RGB images \(3 channels\); got 1 channel"):
        ds.map(lambda x: layer(x, training=True))


# ---------------------------------------------------------------- check_augmenter itself

class _Unseeded(keras.layers.Layer):
    """Adds numpy noise: random, but ignores its seed."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, x, training=True):
        return x + np.random.default_rng().normal(0, 0.1, (1,)).astype("float32") if training else x


class _Float64(keras.layers.Layer):
    def call(self, x, training=True):
        return keras.ops.cast(x * 0.5 if training else x, "float64")


class _BadMix(keras.layers.Layer):
    """Mixes images but doubles the labels."""

    mixes_labels = True

    def call(self, data, training=True):
        if isinstance(data, dict):
            return {"images": data["images"] * 0.5, "labels": data["labels"] * (2.0 if training else 1.0)}
        return data * 0.5 if training else data


@pytest.mark.parametrize("factory, message", [
    (_Unseeded, r"determinism check failed.*seed=0 gave different outputs.*SeedGenerator"),
    (_Float64, r"dtype check failed.*returned dtype float64 for float32 images"),
    (_BadMix, r"label mixing check failed.*label rows sum to \[2.0, 2.0, 2.0, 2.0\]"),
])
def test_check_augmenter_catches_broken_layers(factory, message):
    with pytest.raises(AssertionError, match=message):
        check_augmenter(factory)


# ---------------------------------------------------------------- RandomResizedCrop

def test_random_resized_crop_shape_identity_and_crop_geometry():
    x = np.random.default_rng(0).random((3, 20, 30, 2), dtype=np.float32)
    out = np_(aug.RandomResizedCrop(seed=0)(x, training=True))
    assert out.shape == x.shape and out.dtype == np.float32
    full = aug.RandomResizedCrop(scale=(1, 1), ratio=(1, 1), seed=0)
    np.testing.assert_allclose(np_(full(x, training=True)), x, atol=1e-5)
    # pixel coordinates as values: a quarter-area square crop is a ramp of slope 1/2
    rows, cols = np.mgrid[0:32, 0:32].astype(np.float32)
    ramp = np.repeat(np.stack([cols, rows], -1)[None], 8, axis=0)
    out = np_(aug.RandomResizedCrop(scale=(0.25, 0.25), ratio=(1, 1), seed=1)(ramp, training=True))
    np.testing.assert_allclose(np.diff(out[..., 0], axis=2), 0.5, atol=1e-3)
    np.testing.assert_allclose(np.diff(out[..., 1], axis=1), 0.5, atol=1e-3)
    offsets = out[:, 0, 0, 0]
    assert np.all((offsets >= -1e-4) & (offsets <= 15.5 + 1e-4)) and np.ptp(offsets) > 1
    layer = aug.RandomResizedCrop(scale=(0.3, 0.9), seed=3)
    clone = aug.RandomResizedCrop.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert keras.saving.get_registered_name(aug.RandomResizedCrop) == "medcnn>RandomResizedCrop"


# ---------------------------------------------------------------- stain tools

def _synthetic_stained(matrix, n=4000, seed=0):
    """Pixels mixing two stains (rows 0, 1 of matrix) in every proportion, plus white."""
    rng = np.random.default_rng(seed)
    share = rng.random((n, 1))
    conc = rng.uniform(0.3, 1.5, (n, 1)) * np.hstack([share, 1 - share])
    pixels = np.exp(-conc @ matrix[:2])
    pixels = np.vstack([pixels, np.ones((n // 4, 3))])  # background, dropped by beta
    return np.round(pixels * 255).astype(np.uint8).reshape(-1, 25, 25, 3)


def test_macenko_recovers_a_known_stain_matrix():
    h, e = np.array([0.55, 0.78, 0.30]), np.array([0.12, 0.93, 0.35])
    h, e = h / np.linalg.norm(h), e / np.linalg.norm(e)
    residual = np.cross(h, e) / np.linalg.norm(np.cross(h, e))
    true = np.array([h, e, residual if residual.sum() > 0 else -residual])
    estimated = aug.macenko_stain_matrix(_synthetic_stained(true))
    assert estimated.shape == (3, 3)
    np.testing.assert_allclose(np.linalg.norm(estimated, axis=1), 1)
    cosines = np.sum(estimated * true, axis=1)
    assert np.all(cosines > 0.95), cosines
    # usable as a stain matrix
    x = _synthetic_stained(true)[:2].astype(np.float32) / 255
    assert np_(aug.stain_jitter(stain_matrix=estimated, seed=0)(x, training=True)).shape == x.shape
    with pytest.raises(ValueError, match=r"only 0 pixels have an optical density"):
        aug.macenko_stain_matrix(np.full((2, 8, 8, 3), 250, np.uint8))
    with pytest.raises(ValueError, match=r"needs RGB images"):
        aug.macenko_stain_matrix(np.zeros((2, 8, 8, 1), np.uint8))


def test_macenko_on_real_idc_patches_finds_haematoxylin(idc_patches):
    estimated = aug.macenko_stain_matrix(idc_patches)
    cosines = estimated[:2] @ aug.RUIFROK_STAIN_MATRIX[:2].T  # rows: estimated H, E
    assert cosines[0, 0] > 0.8
    # Ruifrok's H and E themselves have cosine 0.78: each row must be nearer its own stain
    assert cosines[0, 0] > cosines[0, 1] and cosines[1, 1] > cosines[1, 0]


def test_stain_jitter_on_real_idc_patches(idc_patches):
    x = idc_patches
    out = np_(aug.stain_jitter(sigma=0.2, bias=0.2, seed=0)(x, training=True))
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert np.abs(out - x).mean() > 1e-3  # it did something
    # residual stain untouched (pixels not clipped in input or output)
    ok = np.all((x > 1e-3) & (out > 1e-3) & (out < 1 - 1e-4), axis=-1)
    assert ok.mean() > 0.5
    residual_change = np.abs(concentrations(out)[..., 2] - concentrations(x)[..., 2])[ok]
    assert residual_change.max() < 1e-4
    # a hue / saturation change is not a stain change: it moves the residual
    jittered = np_(aug.color_jitter(brightness=0, contrast=0, saturation=0.2, hue=0.05, seed=0)(x, training=True))
    ok = np.all((x > 1e-3) & (jittered > 1e-3) & (jittered < 1 - 1e-4), axis=-1)
    assert np.abs(concentrations(jittered)[..., 2] - concentrations(x)[..., 2])[ok].mean() > 1e-3


def test_stain_jitter_keeps_white_white_without_bias():
    white = np.ones((8, 6, 6, 3), np.float32)
    assert np.array_equal(np_(aug.stain_jitter(sigma=0.5, bias=0, seed=0)(white, training=True)), white)
    assert not np.allclose(np_(aug.stain_jitter(sigma=0.5, bias=0.2, seed=0)(white, training=True)), white)
    for layer in (aug.brightness(seed=0), aug.color_jitter(seed=0)):
        assert np.abs(np_(layer(white, training=True)) - 1).max() > 1e-3


def test_stain_jitter_value_range_and_serialization():
    x = np.random.default_rng(0).uniform(0.2, 0.9, (4, 8, 8, 3)).astype(np.float32)
    scaled = np_(aug.stain_jitter(value_range=(0, 255), seed=0)(x * 255, training=True))
    np.testing.assert_allclose(scaled / 255, np_(aug.stain_jitter(seed=0)(x, training=True)), atol=1e-4)
    layer = aug.RandomStainJitter(stain_matrix=aug.RUIFROK_STAIN_MATRIX * 3, seed=1)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, aug.RandomStainJitter) and clone.get_config() == layer.get_config()
    np.testing.assert_allclose(np_(clone(x, training=True)), np_(layer(x, training=True)), atol=1e-6)
    assert aug.RandomStainJitter.required_channels == 3


@pytest.mark.parametrize("component", [c for c in BUILTIN if not c.metadata.get("mixes_labels")
                                       and c.name not in LEVEL_CHANGING], ids=lambda c: c.name)
def test_each_image_is_augmented_from_itself_in_a_tf_data_map(component):
    """In the input pipeline the batch size is unknown when the map is traced; every
    output image must still come from its own input (mean level kept per image).
    RandAugment and AugMix change levels by design: see test_keras_augmenters.py."""
    import tensorflow as tf

    levels = np.array([0.1, 0.4, 0.7, 0.95], "float32")
    shape = (4, 8, 16, 16, 1) if component.metadata.get("volumes") else (4, 32, 32, 3)
    x = levels.reshape((4,) + (1,) * (len(shape) - 1)) + 0.03 * np.random.default_rng(0).random(shape, dtype="float32")
    x = np.concatenate([x, x[::-1]]).clip(0, 1)
    layer = component.factory(seed=0)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(4).map(lambda b: layer(b, training=True))
    axes = tuple(range(1, len(shape)))
    out_means = np.concatenate([np_(b) for b in ds]).mean(axis=axes)
    in_means = x.mean(axis=axes)
    nearest = [int(np.argmin(np.abs(in_means - m))) for m in out_means]
    np.testing.assert_allclose(in_means[nearest], in_means, atol=1e-6)


def test_elastic_deforms_every_image_smoothly():
    ramp = np.tile(np.linspace(0, 1, 40, dtype="float32"), (40, 1))
    x = np.stack([ramp, ramp.T, 1 - ramp, 1 - ramp.T])[..., None]
    y = np_(aug.elastic(alpha=0.05, probability=1.0, seed=0)(x, training=True))
    shift = np.abs(y - x)
    assert (shift.max(axis=(1, 2, 3)) > 0.01).all(), "an image was left undeformed"
    assert shift.max() <= 0.05 * 40 / 39 + 1e-5  # a ramp of slope 1/39 per pixel moves <= 2 px
    # smooth: neighbouring pixels move alike, so the warped ramp stays monotone in most rows
    assert (np.diff(y[0, :, :, 0], axis=1) >= -1e-6).mean() > 0.95


# ---------------------------------------------------------------- flips and quarter turns

def _orientations(layer, n=4000, shape=(4, 4)):
    """How often each distinct output of ``layer`` occurs on ``n`` copies of one asymmetric image."""
    x = np.arange(np.prod(shape), dtype="float32").reshape(1, *shape, 1).repeat(n, axis=0)
    outputs = np_(layer(x, training=True)).reshape(n, -1)
    keys, counts = np.unique(outputs, axis=0, return_counts=True)
    return len(keys), counts / n


def test_flip_on_both_axes_flips_each_axis_independently():
    # Keras' RandomFlip("horizontal_and_vertical") gives the identity and the half turn only
    assert _orientations(keras.layers.RandomFlip("horizontal_and_vertical", seed=0))[0] == 2
    count, shares = _orientations(aug.flip(seed=0))
    assert count == 4 and np.all(np.abs(shares - 1 / 4) < 0.04)
    assert isinstance(aug.flip("vertical", seed=0), keras.layers.RandomFlip)


@pytest.mark.parametrize("augment, seed", [(("flip", "rotate90"), 3), (("rotate90", "flip"), 4), ("histology", 3)])
def test_flips_and_quarter_turns_draw_all_eight_symmetries_in_one_layer(augment, seed):
    layers = aug.build_augmenters(augment, seed=3, channels=3)
    flips = layers[0].layers[0] if isinstance(layers[0], keras.Sequential) else layers[0]
    # seeded as the flips were (item i of augment gets seed + i)
    assert isinstance(flips, aug.RandomFlips) and flips.transpose and flips.seed == seed
    assert len(layers) == 1
    count, shares = _orientations(flips)
    assert count == 8 and np.all(np.abs(shares - 1 / 8) < 0.03)  # equally likely


def test_layers_given_as_objects_and_other_neighbours_are_not_fused():
    turns = aug.RandomRotate90(seed=0)
    layers = aug.build_augmenters(["flip", turns], seed=0)
    assert len(layers) == 2 and layers[1] is turns and not layers[0].transpose
    layers = aug.build_augmenters(["flip", "brightness", "rotate90"], seed=0)
    assert [type(layer).__name__ for layer in layers] == ["RandomFlips", "RandomBrightness", "RandomRotate90"]
    layers = aug.build_augmenters([("flip", {"mode": "horizontal"}), "rotate90"], seed=0)
    assert [type(layer).__name__ for layer in layers] == ["RandomFlip", "RandomRotate90"]


def test_flips_keep_the_shape_of_non_square_images_and_are_seeded():
    layer = aug.RandomFlips(transpose=True, seed=1)
    count, _ = _orientations(layer, shape=(3, 5))
    assert count == 4  # no transpose: the four flips
    x = np.random.default_rng(0).random((8, 6, 6, 3), dtype=np.float32)
    again = aug.RandomFlips(transpose=True, seed=1)
    np.testing.assert_array_equal(np_(aug.RandomFlips(transpose=True, seed=1)(x)), np_(again(x)))
    np.testing.assert_array_equal(np_(layer(x, training=False)), x)
    clone = aug.RandomFlips.from_config(layer.get_config())
    assert clone.transpose and clone.seed == 1
