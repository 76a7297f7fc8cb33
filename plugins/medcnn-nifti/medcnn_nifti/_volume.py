"""Orientation of a RAS volume for display, and per-volume intensity normalisation.

The display convention (radiological, as DICOM viewers show images): a RAS array
``ras[i, j, k]`` (i towards the patient's Right, j Anterior, k Superior) becomes a
``(d, h, w)`` stack of slices along the chosen axis, where

========  =================================  ===================  ====================
axis      depth d, index 0 ... d - 1         rows (top to bottom)  columns (left to right)
========  =================================  ===================  ====================
axial     inferior ... superior               anterior ... posterior  patient right ... left
coronal   posterior ... anterior              superior ... inferior   patient right ... left
sagittal  patient left ... right              superior ... inferior   anterior ... posterior
========  =================================  ===================  ====================
"""

from __future__ import annotations

import numpy as np

__all__ = ["AXES", "NORMALIZATIONS", "orient", "oriented_order", "normalize_volume", "check_axis",
           "check_normalize"]

AXES = ("axial", "coronal", "sagittal")
NORMALIZATIONS = ("percentile", "zscore", "minmax", None)

# RAS axes that become (depth, rows, columns); rows and columns are then reversed.
_LAYOUT = {"axial": (2, 1, 0), "coronal": (1, 2, 0), "sagittal": (0, 2, 1)}


def check_axis(axis):
    """``axis`` if it is one of :data:`AXES`, else a ValueError naming it."""
    if axis not in AXES:
        raise ValueError(f"axis={axis!r} is not valid; use one of {AXES} (the slice direction).")
    return axis


def check_normalize(normalize, percentiles):
    """``(normalize, (low, high))`` checked; a ValueError names a wrong value."""
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize={normalize!r} is not valid; use one of {NORMALIZATIONS} "
                         "(None keeps the stored values).")
    try:
        low, high = (float(p) for p in percentiles)
    except (TypeError, ValueError):
        raise ValueError(f"percentiles must be two numbers (low, high); got {percentiles!r}.") from None
    if not 0 <= low < high <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100; got {percentiles!r}.")
    return normalize, (low, high)


def oriented_order(axis):
    """The RAS axes in ``(depth, rows, columns)`` order for slices along ``axis``.

    Examples
    --------
    >>> oriented_order("coronal")
    (1, 2, 0)
    """
    return _LAYOUT[check_axis(axis)]


def orient(ras, axis) -> np.ndarray:
    """The ``(d, h, w)`` slices of a RAS array along ``axis``, in the display convention.

    Parameters
    ----------
    ras : numpy.ndarray
        3-D array in RAS+ voxel order (as after ``nibabel.as_closest_canonical``).
    axis : {"axial", "coronal", "sagittal"}

    Returns
    -------
    numpy.ndarray
        A view of ``ras``, ``(d, h, w)``.

    Examples
    --------
    >>> import numpy as np
    >>> ras = np.zeros((4, 5, 6))  # 4 voxels left-right, 5 back-front, 6 bottom-top
    >>> [orient(ras, axis).shape for axis in ("axial", "coronal", "sagittal")]
    [(6, 5, 4), (5, 6, 4), (4, 6, 5)]
    """
    return np.transpose(ras, oriented_order(axis))[:, ::-1, ::-1]


def normalize_volume(volume, normalize, percentiles=(0.5, 99.5)) -> np.ndarray:
    """Scale a whole volume with one set of statistics, so that its slices share a scale.

    Parameters
    ----------
    volume : numpy.ndarray
        float32 voxels.
    normalize : {"percentile", "zscore", "minmax", None}
        ``"percentile"``: clip to the ``percentiles`` of all finite voxels and map that
        range to [0, 1]. ``"zscore"``: subtract the mean and divide by the standard
        deviation of the non-zero finite voxels (the foreground of images whose
        background is 0, such as skull-stripped MRI; all finite voxels when every
        voxel is 0); every voxel is transformed, so a 0 background becomes
        ``-mean / sd``. ``"minmax"``: map the finite minimum and maximum to 0 and 1.
        ``None``: the stored values (after the file's scaling slope and intercept).
        A constant volume gives zeros (``None`` excepted); non-finite voxels (NaN,
        inf) become 0 unless ``normalize`` is None.
    percentiles : tuple of float, default=(0.5, 99.5)
        Low and high percentiles for ``"percentile"``.

    Returns
    -------
    numpy.ndarray
        float32, same shape.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    >>> (normalize_volume(v, "minmax") * 7).ravel().round().tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    >>> float(normalize_volume(v, "zscore")[v > 0].mean().round(6))
    0.0
    """
    volume = np.asarray(volume, dtype=np.float32)
    if normalize is None:
        return volume
    finite = np.isfinite(volume)
    values = volume[finite] if not finite.all() else volume.ravel()
    if values.size == 0:
        return np.zeros_like(volume)
    if normalize == "zscore":
        foreground = values[values != 0]
        values = foreground if foreground.size else values
        centre, scale = float(values.mean(dtype=np.float64)), float(values.std(dtype=np.float64))
        out = volume - np.float32(centre)
        out = out / np.float32(scale) if scale > 0 else np.zeros_like(volume)
    else:
        if normalize == "percentile":
            low, high = np.percentile(values, percentiles)
        else:
            low, high = values.min(), values.max()
        low, high = float(low), float(high)
        if high > low:
            out = (np.clip(volume, low, high) - np.float32(low)) / np.float32(high - low)
        else:
            out = np.zeros_like(volume)
    out = out.astype(np.float32, copy=False)
    if not finite.all():
        out[~finite] = 0
    return out
