"""What the image estimators share: turning X into an image source, input sizes, and what a
task makes of ``y`` (:class:`TaskTargets`)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._defaults import default_input_size
from .._input import (ArrayImages, ImageSpec, PathImages, VolumeImages, array_images, is_path_array, read_volumes,
                      volume_array)
from .._runtime import ensure_tensorflow_threads

__all__ = ["ImageInputMixin", "TaskTargets"]


@dataclass
class TaskTargets:
    """What a task makes of ``y``: see the module docstring.

    Parameters
    ----------
    targets : ndarray
        What the network is trained on, one row per sample (e.g. one-hot labels).
    weights : ndarray or None
        Per-sample loss weights.
    n_outputs : int
        Width of the network's output.
    stratify : ndarray or None
        Integer labels to stratify the validation split by (None: no stratification).
    labels : ndarray or None
        Integer labels that class-balanced sampling draws by.
    sampling : str or None
        The estimator's class-balanced sampling mode, if the task has one.
    fitted : dict
        Fitted attributes the task sets on the estimator (e.g. ``classes_``).
    """

    targets: np.ndarray
    weights: np.ndarray | None
    n_outputs: int
    stratify: np.ndarray | None = None
    labels: np.ndarray | None = None
    sampling: str | None = None
    fitted: dict = field(default_factory=dict)


class ImageInputMixin:
    """Input handling of the image estimators.

    Expects the parameters ``image_size``, ``image_shape``, ``resize_mode`` and
    ``reader_params``, and after fit the attributes ``sample_shape_`` and
    ``input_shape_``.
    """

    def _spatial_dims(self, spec=None) -> int:
        """3 for volumes (an architecture registered with ``spatial_dims=3``, or a volume seen
        in fit), else 2."""
        if spec is not None:
            return len(spec.input_shape) - 1
        architecture = getattr(self, "architecture", None)
        if architecture is None:
            return 2
        if callable(architecture):
            return int(getattr(architecture, "spatial_dims", 2))
        from .._networks import resolve_architecture

        metadata = resolve_architecture(architecture)[1]
        return int(metadata.get("spatial_dims", 2))

    def _source(self, X, spec=None):
        """ArrayImages, PathImages or VolumeImages for X (validated against ``spec`` after fit)."""
        ensure_tensorflow_threads()  # before the first TensorFlow operation of the process
        if self._spatial_dims(spec) == 3:
            if is_path_array(X):
                size = None if spec is None else spec.input_shape[:-1]
                images, sample_shape = read_volumes(X, self.reader_params, size)
                if spec is not None and sample_shape[-1] != spec.sample_shape[-1]:
                    raise ValueError(f"The volume files have {sample_shape[-1]} channel(s), but "
                                     f"{type(self).__name__} was fitted on volumes with {spec.sample_shape[-1]}.")
            else:
                images, sample_shape = volume_array(X, spec, type(self).__name__)
            return VolumeImages(images, sample_shape)
        if is_path_array(X):
            channels = None if spec is None else spec.input_shape[-1]
            return PathImages(X, self.reader_params, channels=channels)
        images, sample_shape = array_images(X, spec, image_shape=self.image_shape,
                                            estimator_name=type(self).__name__)
        return ArrayImages(images, sample_shape)

    def _fitted_source(self, X):
        """The source for X after fit, brought to the network's input size."""
        check_is_fitted(self)
        source = self._source(X, ImageSpec(self.sample_shape_, self.input_shape_))
        return source.prepare(self.input_shape_[:-1], self.resize_mode)

    def _target_size(self, sample_hw, min_size=None, default_size=None, max_side=None):
        """Network input size: ``image_size``, else ``default_size``, else the sample size
        scaled down to a longest side of ``max_side`` (when given and larger); never below
        ``min_size``. For volumes (``sample_hw`` of three sides) see :meth:`_volume_size`."""
        if len(sample_hw) == 3:
            return self._volume_size(sample_hw, min_size, max_side)
        size = self.image_size
        if size is None:
            height, width = (default_size, default_size) if default_size else default_input_size(sample_hw, max_side)
        elif isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0:
            height = width = int(size)
        elif isinstance(size, (tuple, list)) and len(size) == 2 and all(
                isinstance(s, numbers.Integral) and s > 0 for s in size):
            height, width = size
        else:
            raise ValueError(f"image_size={size!r} is not valid; give an int, (height, width) or None.")
        if min_size and size is not None and min(height, width) < min_size:
            raise ValueError(
                f"image_size={size!r} is below the smallest input the architecture accepts "
                f"({min_size}x{min_size}); use image_size >= {min_size}, or None to use the image size."
            )
        if min_size:  # smaller images are brought up to what the network accepts
            height, width = max(height, min_size), max(width, min_size)
        return int(height), int(width)

    def _volume_size(self, sample_dhw, min_size=None, max_side=None):
        """Input ``(d, h, w)`` of a volume network: ``image_size`` as ``(d, h, w)``; an int ``s``
        scales every side by one factor so that the longer in-plane side (height or width) is
        ``s``; None scales the sample size down (all sides by one factor) to a longest side of
        ``max_side``. Never below ``min_size``."""
        depth, height, width = (int(s) for s in sample_dhw)
        size = self.image_size
        if size is None:
            factor = min(1.0, max_side / max(depth, height, width)) if max_side else 1.0
        elif isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0:
            factor = int(size) / max(height, width)
        elif isinstance(size, (tuple, list)) and len(size) == 3 and all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in size):
            return tuple(max(int(s), min_size or 1) for s in size)
        else:
            raise ValueError(f"image_size={size!r} is not valid for volumes; give an int (the longer in-plane "
                             "side, every side scaled alike), (depth, height, width) or None.")
        return tuple(max(int(round(s * factor)), min_size or 1, 1) for s in (depth, height, width))
