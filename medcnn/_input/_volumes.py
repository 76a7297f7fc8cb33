"""Volumes ``(depth, height, width, channels)`` for networks registered with ``spatial_dims=3``.

X may be an array ``(n, d, h, w)`` or ``(n, d, h, w, c)``, or a 1-D array of volume
files (one sample each: NIfTI volumes, say) read through the registered image
readers, which return ``(d, h, w)`` or ``(d, h, w, c)``. Volume files are read
eagerly into memory when the source is made (a 64x128x128 float32 volume takes
4 MiB). Scaling is as for 2-D images (uint8 / 255, uint16 / 65535); every volume is
brought to the network's input size by trilinear interpolation.
"""

from __future__ import annotations

import numpy as np

from ._arrays import _check_dtype, _check_finite, scaled_float
from ._sources import ArrayImages

__all__ = ["VolumeImages", "volume_array", "read_volumes", "resize_volumes"]

_FORMS = "volumes (n, d, h, w) or (n, d, h, w, c), or a 1-D sequence of volume file paths"


def resize_volumes(volumes: np.ndarray, size) -> np.ndarray:
    """Bring ``(n, d, h, w, c)`` volumes to ``size = (d, h, w)`` by trilinear interpolation.

    Examples
    --------
    >>> resize_volumes(np.zeros((2, 4, 8, 8, 1), np.float32), (2, 16, 16)).shape
    (2, 2, 16, 16, 1)
    """
    import tensorflow as tf

    size = tuple(int(s) for s in size)
    n, d, h, w, c = volumes.shape
    if (d, h, w) == size:
        return volumes
    out = []
    for volume in volumes:  # one at a time: memory stays one volume's worth
        x = volume
        if (h, w) != size[1:]:  # in-plane: every slice is an image
            x = tf.image.resize(x, size[1:], method="bilinear", antialias=True).numpy()
        if d != size[0]:  # along depth: the slices as rows of one image (d, h * w)
            flat = x.reshape(d, size[1] * size[2], c)
            x = tf.image.resize(flat, (size[0], size[1] * size[2]), method="bilinear",
                                antialias=True).numpy().reshape(size[0], size[1], size[2], c)
        out.append(x)
    return np.stack(out).astype(np.float32, copy=False)


def volume_array(X, spec, estimator_name="estimator"):
    """Validate a volume array X: ``(images (n, d, h, w, c) float32, sample_shape)``; after fit
    (``spec``) the channels must be those seen in fit."""
    from sklearn.utils import check_array

    if X is None:
        raise ValueError(f"X is None; {estimator_name} with a volume architecture expects {_FORMS}.")
    array = np.asarray(X)
    if array.ndim not in (4, 5):
        raise ValueError(
            f"X has shape {array.shape}; {estimator_name} with a volume architecture (spatial_dims=3) "
            f"expects {_FORMS}. For 2-D images choose a 2-D architecture (patch_cnn, resnet18, ...).")
    _check_dtype(array, estimator_name)
    if len(array) == 0 or 0 in array.shape[1:]:
        raise ValueError(f"X holds no volume or empty volumes (shape {array.shape}); {estimator_name} "
                         "needs volumes with at least one voxel.")
    array = check_array(array, allow_nd=True, dtype="numeric", ensure_all_finite=False, input_name="X")
    _check_finite(array, estimator_name)
    if array.ndim == 4:
        array = array[..., np.newaxis]
    if spec is not None and array.shape[-1] != spec.sample_shape[-1]:
        raise ValueError(
            f"X has {array.shape[-1]} channel(s) per volume, but {estimator_name} was fitted on volumes "
            f"with {spec.sample_shape[-1]}; give volumes with the same channels.")
    return scaled_float(array), array.shape[1:]


def read_volumes(paths, reader_params=None, size=None):
    """Read volume files through the registered readers: ``(images (n, d, h, w, c), sample_shape)``.

    Volumes of different shapes are brought to ``size`` (the most common shape
    when None) by trilinear interpolation; ``sample_shape`` is that shape with channels.
    """
    from medcnn.datasets import read_with, reader_for
    from medcnn.exceptions import ImageReadError

    reader_params = dict(reader_params or {})
    volumes = []
    for path in map(str, paths):
        reader = reader_for(path)
        volume = scaled_float(np.asarray(read_with(path, reader, reader_params.get(reader, {}))))
        if volume.ndim == 3:
            volume = volume[..., np.newaxis]
        if volume.ndim != 4:
            raise ImageReadError(
                f"{path!r} read as an array of shape {volume.shape}, not a volume (d, h, w) or (d, h, w, c); "
                "a volume architecture takes one volume per file (for slices, load them as 2-D images).")
        volumes.append(volume)
    channels = {v.shape[-1] for v in volumes}
    if len(channels) > 1:
        raise ImageReadError(f"The volume files have different channel counts {sorted(channels)}; give "
                             "volumes with the same channels.")
    shapes = [v.shape[:3] for v in volumes]
    if size is None:
        size = max(set(shapes), key=shapes.count)
    size = tuple(int(s) for s in size)
    images = np.stack([resize_volumes(v[np.newaxis], size)[0] for v in volumes])
    return images, size + (images.shape[-1],)


class VolumeImages(ArrayImages):
    """Volumes in memory: float32 ``(n, d, h, w, c)``."""

    spatial_dims = 3

    def prepare(self, size, resize_mode):
        if resize_mode != "resize":
            raise ValueError(f"resize_mode={resize_mode!r} is not supported for volumes; use "
                             "resize_mode='resize' (trilinear), or give volumes of the input size.")
        self.images = resize_volumes(self.images, size)
        self.size = tuple(int(s) for s in self.images.shape[1:4])
        return self

    def channel_stats(self, indices, seed=None):
        images = self.images[indices]
        return images.mean(axis=(0, 1, 2, 3), dtype=np.float64), images.var(axis=(0, 1, 2, 3), dtype=np.float64)
