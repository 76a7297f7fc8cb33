"""Built-in augmenters, registered through the ``register_augmenters`` hook.

Each factory ``factory(**params, seed=None)`` returns a Keras layer that is random
when called with ``training=True`` and the identity with ``training=False``; it
keeps the batch shape and the float32 dtype. Augmenters run in the tf.data input
pipeline on training batches only; they are never part of a saved model. Pixel
values are assumed in [0, 1] (``value_range`` parameters for other ranges).
Parameters out of range raise ``ValueError`` naming the allowed range; unknown
parameter names raise ``TypeError`` listing the valid ones.

Names available in ``CNNClassifier(augment=[...])`` (metadata in brackets):

Geometric
    ``flip``, ``rotate``, ``rotate90``, ``shear``, ``zoom``, ``shift``,
    ``resized_crop``, ``perspective``, ``elastic``.
Intensity and colour
    ``brightness``, ``contrast``, ``color_jitter`` [channels=3], ``stain_jitter``
    [channels=3], ``erasing``, ``blur``, ``noise``.
Label mixing
    ``mixup``, ``cutmix`` [mixes_labels=True]: called with ``{"images": x,
    "labels": one_hot}``.
Presets (``keras.Sequential``)
    ``histology`` [channels=3]: flips, quarter turns, stain jitter, light blur.
    ``radiograph``: small rotation, shift, zoom and contrast; no flips.

The layers ``RandomRotate90``, ``RandomResizedCrop``, ``RandomElasticDeformation``, ``RGBColorJitter``,
``RandomStainJitter`` and the stain tools ``macenko_stain_matrix`` and
``RUIFROK_STAIN_MATRIX`` are importable from here too (loaded on first use, with
Keras).
"""

from medcnn.hookspecs import hookimpl

from ._build import build_augmenters, mixes_labels  # noqa: F401 - for the estimators, not public API
from ._offline import augment_offline
from ._geometric import elastic, flip, perspective, resized_crop, rotate, rotate90, shear, shift, zoom
from ._intensity import (blur, brightness, color_jitter, contrast, cutmix, erasing, mixup, noise,
                         stain_jitter)
from ._presets import histology, radiograph

__all__ = [
    "flip", "rotate", "rotate90", "shear", "zoom", "shift", "resized_crop", "perspective", "elastic",
    "brightness", "contrast", "color_jitter", "stain_jitter", "erasing", "blur", "noise",
    "mixup", "cutmix", "histology", "radiograph",
    "RandomRotate90", "RandomResizedCrop", "RandomElasticDeformation", "RGBColorJitter", "RandomStainJitter",
    "macenko_stain_matrix", "RUIFROK_STAIN_MATRIX", "augment_offline",
]

# Names that need Keras (or live next to Keras code): imported on first access so
# that registering the plugin does not import TensorFlow.
_LAZY = {
    "RandomRotate90": "_layers",
    "RandomResizedCrop": "_layers",
    "RandomElasticDeformation": "_layers",
    "RGBColorJitter": "_layers",
    "RandomStainJitter": "_stain",
    "macenko_stain_matrix": "_stain",
    "RUIFROK_STAIN_MATRIX": "_stain",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


#: name -> (factory, description, metadata)
_BUILTINS = {
    "flip": (flip, "Random horizontal and vertical flips", {}),
    "rotate": (rotate, "Random rotation by up to factor x 360 degrees (default 0.1)", {}),
    "rotate90": (rotate90, "Random rotation by multiples of 90 degrees", {}),
    "shear": (shear, "Random shear by up to factor of the image size (default 0.1)", {}),
    "zoom": (zoom, "Random zoom in or out by up to factor (default 0.1)", {}),
    "shift": (shift, "Random translation by up to factor of the image size (default 0.1)", {}),
    "resized_crop": (resized_crop, "Random crop of scale (0.5, 1) of the area, resized back", {}),
    "perspective": (perspective, "Random perspective warp (scale 0.1, probability 0.5)", {}),
    "elastic": (elastic, "Random elastic deformation, each image its own smooth field (probability 0.5)", {}),
    "brightness": (brightness, "Random brightness shift by up to factor (default 0.1)", {}),
    "contrast": (contrast, "Random contrast change by up to factor (default 0.2)", {}),
    "color_jitter": (color_jitter, "Random brightness, contrast, saturation and hue (RGB)",
                     {"channels": 3}),
    "stain_jitter": (stain_jitter, "Random H&E stain jitter in optical-density space (RGB)",
                     {"channels": 3}),
    "erasing": (erasing, "Random erasing of a box of 2-10 % of the image (probability 0.5)", {}),
    "blur": (blur, "Random Gaussian blur, sigma in (0.1, 1) (probability 0.5)", {}),
    "noise": (noise, "Additive Gaussian noise (stddev 0.02)", {}),
    "mixup": (mixup, "MixUp: blend image pairs and their labels (alpha 0.2)", {"mixes_labels": True}),
    "cutmix": (cutmix, "CutMix: paste a box of another image, mixing labels by area",
               {"mixes_labels": True}),
    "histology": (histology, "Preset for H&E patches: flips, rotate90, stain jitter, light blur",
                  {"channels": 3, "preset": True}),
    "radiograph": (radiograph, "Preset for radiographs: small rotation, shift, zoom, contrast",
                   {"preset": True}),
}


@hookimpl
def register_augmenters(register):
    for name, (factory, description, metadata) in _BUILTINS.items():
        register(name, factory, description=description, **metadata)
