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
numeric dtypes (other integer widths, bool as 0/1, float16/32/64, object arrays of
numbers) are used as given. Values must be finite and within the float32 range;
images need at least one pixel and one channel. The network's first layer then standardises each
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

__all__ = ["SCALE", "is_path_array", "ImageSpec", "array_images", "scaled_float", "RESIZE_MODES"]

RESIZE_MODES = ("resize", "pad")
SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


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
    scale = SCALE.get(images.dtype)
    images = images.astype(np.float32, copy=False)
    return images / np.float32(scale) if scale else images


_FORMS = ("images (n, h, w) or (n, h, w, c), flattened images (n, features) or a 1-D sequence "
          "of file paths (str or os.PathLike)")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _low_ndim_error(X, array, estimator_name):
    """ValueError for a 0-D or 1-D X that is not a sequence of file paths."""
    if array.ndim == 1 and len(array) == 0:
        return ValueError(f"X is empty: found array with 0 sample(s) (shape {array.shape}); "
                          f"{estimator_name} needs at least one image.")
    if array.ndim == 1:
        items = list(X) if isinstance(X, (list, tuple)) else list(array)
        is_path = [isinstance(item, (str, os.PathLike)) for item in items]
        if any(is_path) and not all(is_path):
            other = is_path.index(False)
            return ValueError(
                f"X mixes file paths and other values: X[{other}] is {items[other]!r} "
                f"({type(items[other]).__name__}); give only file paths (str or os.PathLike), or an "
                "image array.")
        if array.dtype == object and any(np.ndim(item) >= 1 for item in array):
            return ValueError(
                f"X is a 1-D sequence of {len(array)} arrays; stack images of one shape into an "
                "array (n, h, w[, c]) (resize them first), or pass their file paths.")
    got = "scalar" if array.ndim == 0 else "1D"
    shown = repr(array.item()) if array.ndim == 0 else f"shape {array.shape}"
    return ValueError(
        f"Expected 2D array or more, got {got} array instead (X: {shown}); {estimator_name} expects "
        f"{_FORMS}. Reshape your data: X[np.newaxis] for a single image, X.reshape(1, -1) for a "
        "single flattened image.")


def _check_dtype(array, estimator_name):
    """ValueError for X of a non-numeric dtype: complex, text or non-numeric objects."""
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported: X has dtype {array.dtype}; {estimator_name} "
                         "needs real-valued images (e.g. np.abs(X) for magnitude images).")
    if kind in "USV":
        raise ValueError(f"X has dtype {array.dtype} (text or bytes); {estimator_name} needs numeric "
                         "images: convert them (X.astype(np.float32)), or pass a 1-D sequence of "
                         "file paths.")
    if kind == "O":
        try:
            array.astype(np.float64)
        except (ValueError, TypeError) as exc:
            item = next(item for item in array.flat if not _is_number(item))
            message = (f"X has dtype object and holds {item!r} ({type(item).__name__}), which is not a "
                       f"number ({exc}); {estimator_name} needs numeric images: give a numeric array "
                       "(n, h, w[, c]), or a 1-D sequence of file paths.")
            # scikit-learn's convention: TypeError for items that are neither string nor number
            raise (ValueError if isinstance(item, (str, bytes)) else TypeError)(message) from None


def _is_number(item):
    try:
        float(item)
    except (ValueError, TypeError):
        return False
    return True


def _check_finite(X, estimator_name):
    """ValueError naming the samples with NaN or infinite values, or values beyond float32."""
    if X.dtype.kind != "f":
        return
    finite = np.isfinite(X).reshape(len(X), -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        what = "NaN" if np.isnan(X[bad]).any() else "infinity"
        shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
        raise ValueError(
            f"Input X contains {what} in {len(bad)} of {len(X)} sample(s) (index {shown}); "
            f"{estimator_name} needs finite pixel values: repair these images (e.g. "
            "np.nan_to_num) or leave them out.")
    if X.dtype.itemsize > 4 and X.size:
        largest = float(np.abs(X).max())
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"X holds values up to {largest:.3g}, beyond the float32 range (+-3.4e38) that "
                f"{estimator_name} computes in; rescale the images (e.g. to [0, 1]).")


def _check_array_images(X, estimator_name):
    if X is None:
        raise ValueError(f"X is None; {estimator_name} expects {_FORMS}.")
    if not hasattr(X, "toarray"):  # sparse matrices are refused by check_array
        try:
            array = np.asarray(X)
        except ValueError:
            raise ValueError(
                "X holds images of different shapes; stack images of one shape into an "
                "array (n, h, w[, c]) (resize them first), or pass their file paths.") from None
        if array.ndim < 2:
            raise _low_ndim_error(X, array, estimator_name)
        if array.ndim > 4:
            raise ValueError(
                f"X has {array.ndim} dimensions (shape {array.shape}); {estimator_name} expects {_FORMS}. "
                "Stack volumes or series into one image per sample, or squeeze axes of size 1.")
        _check_dtype(array, estimator_name)
        if len(array) == 0:
            raise ValueError(f"X is empty: found array with 0 sample(s) (shape {array.shape}); "
                             f"{estimator_name} needs at least one image.")
    X = check_array(X, allow_nd=True, dtype="numeric", ensure_all_finite=False,
                    ensure_min_samples=1, ensure_2d=True, input_name="X")
    _check_finite(X, estimator_name)
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
                    f"{expected} features as input (images of shape {spec.sample_shape}); give "
                    "rows of the size seen in fit, or images (n, h, w[, c]), which are resized."
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
    if 0 in X.shape[1:]:
        raise ValueError(f"X holds images of shape {X.shape[1:]}; images need at least one pixel "
                         "and one channel.")
    if spec is not None and X.shape[-1] != spec.sample_shape[-1]:
        raise ValueError(
            f"X has {X.shape[-1]} channel(s) per image, but {estimator_name} was fitted on "
            f"images with {spec.sample_shape[-1]}; give images with the same channels (convert "
            f"each with medcnn.datasets.to_channels(image, {spec.sample_shape[-1]}))."
        )
    return scaled_float(X), X.shape[1:]
