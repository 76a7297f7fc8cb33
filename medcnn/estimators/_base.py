"""What the image estimators share: turning X into an image source, input sizes."""

from __future__ import annotations

import numbers

from sklearn.utils.validation import check_is_fitted

from .._defaults import default_input_size
from .._input import ArrayImages, ImageSpec, PathImages, array_images, is_path_array
from .._runtime import ensure_tensorflow_threads

__all__ = ["ImageInputMixin"]


class ImageInputMixin:
    """Input handling of the image estimators.

    Expects the parameters ``image_size``, ``image_shape``, ``resize_mode`` and
    ``reader_params``, and after fit the attributes ``sample_shape_`` and
    ``input_shape_``.
    """

    def _source(self, X, spec=None):
        """ArrayImages or PathImages for X (validated against ``spec`` after fit)."""
        ensure_tensorflow_threads()  # before the first TensorFlow operation of the process
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
        return source.prepare(self.input_shape_[:2], self.resize_mode)

    def _target_size(self, sample_hw, min_size=None, default_size=None, max_side=None):
        """Network input size: ``image_size``, else ``default_size``, else the sample size
        scaled down to a longest side of ``max_side`` (when given and larger); never below
        ``min_size``."""
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
