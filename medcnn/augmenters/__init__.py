"""Built-in augmenters, registered through the ``register_augmenters`` hook
(by :mod:`medcnn._builtins`).

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
    [channels=3], ``erasing``, ``blur``, ``noise``, ``hue`` [channels=3], ``sharpness``.
Policies (Keras 3's)
    ``randaugment``, ``augmix`` [channels=3]: several random operations per batch.
Label mixing
    ``mixup``, ``cutmix`` [mixes_labels=True]: called with ``{"images": x,
    "labels": one_hot}``.
Presets (``keras.Sequential``)
    ``histology`` [channels=3]: flips, quarter turns, stain jitter, light blur.
    ``radiograph``: small rotation, shift, zoom and contrast; no flips.

The layers ``RandomFlips``, ``RandomRotate90``, ``RandomResizedCrop``, ``RandomElasticDeformation``,
``RGBColorJitter``, ``RandomStainJitter``, ``RGBHue``, ``SeededAugMix`` and the stain
tools ``macenko_stain_matrix`` and ``RUIFROK_STAIN_MATRIX`` are importable from here too
(loaded on first use, with Keras).

A Keras preprocessing layer given directly in ``augment`` keeps its own
``value_range`` (Keras's default is (0, 255)); ``build_augmenters`` warns when it is
not (0, 1).
"""

from ._build import build_augmenters, mixes_labels  # noqa: F401 - for the estimators, not public API
from ._offline import augment_offline
from ._appearance import augmix, hue, randaugment, sharpness
from ._geometric import elastic, flip, perspective, resized_crop, rotate, rotate90, shear, shift, zoom
from ._intensity import (blur, brightness, color_jitter, contrast, cutmix, erasing, mixup, noise,
                         stain_jitter)
from ._presets import histology, radiograph
from ._volumes import VOLUME_COUNTERPARTS, volume_flip, volume_intensity, volume_rotate90  # noqa: F401

__all__ = [
    "flip", "rotate", "rotate90", "shear", "zoom", "shift", "resized_crop", "perspective", "elastic",
    "brightness", "contrast", "color_jitter", "stain_jitter", "erasing", "blur", "noise",
    "hue", "sharpness", "randaugment", "augmix", "mixup", "cutmix", "histology", "radiograph",
    "volume_flip", "volume_rotate90", "volume_intensity",
    "RandomFlips", "RandomRotate90", "RandomResizedCrop", "RandomElasticDeformation", "RGBColorJitter",
    "RandomStainJitter", "RGBHue", "SeededAugMix",
    "RandomVolumeFlip", "RandomVolumeRotate90", "RandomVolumeIntensity",
    "macenko_stain_matrix", "RUIFROK_STAIN_MATRIX", "augment_offline",
]

# Names that need Keras (or live next to Keras code): imported on first access so
# that registering the plugin does not import TensorFlow.
_LAZY = {
    "RandomFlips": "_layers",
    "RandomRotate90": "_layers",
    "RandomResizedCrop": "_layers",
    "RandomElasticDeformation": "_layers",
    "RGBColorJitter": "_layers",
    "RandomStainJitter": "_stain",
    "RGBHue": "_appearance_layers",
    "SeededAugMix": "_appearance_layers",
    "RandomVolumeFlip": "_volume_layers",
    "RandomVolumeRotate90": "_volume_layers",
    "RandomVolumeIntensity": "_volume_layers",
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
