"""Image input shared by the estimators, the feature transformers and explain.

What ``X`` may be (arrays of images, flattened rows, file paths) and how it is
checked and scaled (``_arrays``); the ``tf.data`` pipelines that decode, resize,
cache, sample, augment and batch it (``_sources``: :class:`ArrayImages` for arrays,
:class:`PathImages` for files read by the registered image readers); class-balanced
sampling of an epoch (``_sampling``); the validation data of a fit, a
patient-disjoint split or the user's own (``_split``); volumes for 3-D networks
(``_volumes``).
"""

from ._arrays import RESIZE_MODES, SCALE, ImageSpec, array_images, is_path_array, scaled_float
from ._sampling import SAMPLING_MODES, SamplingPlan, resolve_sampling
from ._batches import full_batches, predict
from ._sources import ArrayImages, PathImages, mixes_labels, resize_images
from ._volumes import VolumeImages, read_volumes, resize_volumes, volume_array
from ._split import append_validation, check_groups, group_split, warn_if_patients_mix, with_validation

__all__ = ["RESIZE_MODES", "SCALE", "ImageSpec", "array_images", "is_path_array", "scaled_float", "SAMPLING_MODES", "SamplingPlan", "resolve_sampling",
           "ArrayImages", "PathImages", "resize_images", "full_batches", "predict",
           "mixes_labels", "append_validation", "check_groups", "group_split", "warn_if_patients_mix",
           "with_validation", "VolumeImages", "read_volumes", "resize_volumes", "volume_array"]
