"""Turning the X forms an estimator accepts into image batches for the network.

X may be

- an image array ``(n, h, w)`` or ``(n, h, w, c)``, uint8, uint16 or float;
- a 2-D array ``(n, h*w*c)`` of flattened images, reshaped with ``image_shape``
  (without ``image_shape`` each row is read as a one-pixel-high strip
  ``(1, n_features, 1)``, which keeps plain tabular arrays valid);
- a 1-D array or list of file paths, streamed through the registered image
  readers (see :mod:`._sources`); without ``image_size`` the input size is the
  most common size among the first 64 files, and the channels are 3 if any of
  them has colour, else 1.

Scaling rule: uint8 images are divided by 255 and uint16 images by 65535; other
dtypes are used as given. The network's first layer then standardises each
channel with statistics learned in ``fit``.

Size rule: every image is brought to the network's input size (``image_size``,
or the size seen in ``fit``, never below the architecture's ``min_size``) by
``resize_mode``: ``"resize"`` (bilinear, aspect ratio not kept) or ``"pad"``
(centred zero padding, centre crop where larger).
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import check_array

__all__ = ["is_path_array", "ImageSpec", "array_images", "scaled_float", "RESIZE_MODES"]

RESIZE_MODES = ("resize", "pad")
_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def is_path_array(X) -> bool:
    """True for a 1-D list or array whose items are all str or os.PathLike."""
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        return False
    if isinstance(X, np.ndarray):
        if X.ndim != 1 or X.dtype.kind not in "UO":
            return False
    elif not isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except Exception:
            return False
        if X.ndim != 1:
            return False
    return len(X) > 0 and all(isinstance(x, (str, os.PathLike)) for x in X)


class ImageSpec:
    """What fit learned about the images: per-sample shape, network input shape."""

    def __init__(self, sample_shape, input_shape):
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.input_shape = tuple(int(s) for s in input_shape)


def scaled_float(images: np.ndarray) -> np.ndarray:
    """float32 copy of ``images``; uint8 divided by 255, uint16 by 65535."""
    scale = _SCALE.get(images.dtype)
    images = images.astype(np.float32, copy=False)
    return images / np.float32(scale) if scale else images


def _check_array_images(X, estimator_name):
    X = check_array(X, allow_nd=True, dtype="numeric", ensure_all_finite=True,
                    ensure_min_samples=1, ensure_2d=True, input_name="X")
    if X.ndim > 4:
        raise ValueError(
            f"X has {X.ndim} dimensions (shape {X.shape}); {estimator_name} expects images "
            "(n, h, w) or (n, h, w, c), flattened images (n, features) or a 1-D array of file paths."
        )
    return X


def array_images(X, spec: ImageSpec | None, *, image_shape=None, estimator_name="estimator"):
    """Validate an array X and return ``(images, sample_shape)``.

    ``images`` is a float32 array ``(n, h, w, c)``. With ``spec`` (after fit) the
    per-sample shape and channel count must match what fit saw.
    """
    X = _check_array_images(X, estimator_name)
    if X.ndim == 2:
        n_features = X.shape[1]
        if spec is not None:
            expected = int(np.prod(spec.sample_shape))
            if n_features != expected:
                raise ValueError(
                    f"X has {n_features} features, but {estimator_name} is expecting "
                    f"{expected} features as input (images of shape {spec.sample_shape})."
                )
            shape = spec.sample_shape
        elif image_shape is not None:
            shape = tuple(int(s) for s in np.atleast_1d(image_shape))
            if len(shape) == 2:
                shape += (1,)
            if len(shape) != 3 or int(np.prod(shape)) != n_features:
                raise ValueError(
                    f"image_shape={image_shape!r} does not fit X with {n_features} features "
                    f"per row; give (h, w) or (h, w, c) with h*w*c == {n_features}."
                )
        else:
            shape = (1, n_features, 1)
        X = X.reshape((X.shape[0],) + shape)
    elif X.ndim == 3:
        X = X[..., np.newaxis]
    if spec is not None and X.shape[-1] != spec.sample_shape[-1]:
        raise ValueError(
            f"X has {X.shape[-1]} channel(s) per image, but {estimator_name} was fitted on "
            f"images with {spec.sample_shape[-1]}; give images with the same channels."
        )
    return scaled_float(X), X.shape[1:]
