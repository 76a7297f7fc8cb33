"""The NIfTI image reader: slices, slice stacks or whole volumes, as float32."""

from __future__ import annotations

import os

import numpy as np

from medcnn.exceptions import ImageReadError

from ._cache import CACHE
from ._header import decode, open_nifti
from ._volume import check_axis, check_normalize, normalize_volume

__all__ = ["read_nifti", "read_volume"]


def read_volume(path, *, axis="axial", normalize="percentile", percentiles=(0.5, 99.5),
                volume=None) -> np.ndarray:
    """The whole volume of a NIfTI file, oriented and normalised, from the cache when
    it was read before (the returned array is shared: do not change it in place)."""
    path = str(os.fspath(path))
    check_axis(axis)
    normalize, percentiles = check_normalize(normalize, percentiles)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise ImageReadError(f"NIfTI file not found: {path!r}. Check the path.") from None
    except OSError as exc:
        raise ImageReadError(f"Cannot open NIfTI file {path!r}: {exc.strerror or exc}.") from None
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, axis, normalize, percentiles, volume)
    cached = CACHE.get(key)
    if cached is not None:
        return cached
    header = open_nifti(path, volume)
    data = normalize_volume(decode(header, axis, volume), normalize, percentiles)
    data.setflags(write=False)
    CACHE.put(key, data)
    return data


def read_nifti(path, *, frame=None, stack=0, axis="axial", normalize="percentile",
               percentiles=(0.5, 99.5), volume=None) -> np.ndarray:
    """Read a slice, a stack of neighbouring slices, or the whole volume of a NIfTI file.

    Registered by this plugin as the medcnn image reader ``"nii"`` and ``"nii.gz"``;
    :func:`medcnn.datasets.read_image` and the estimators call it for ``.nii`` and
    ``.nii.gz`` files, with the ``frame=`` and other parameters a frame reference
    (``"brain.nii.gz#frame=40&stack=1&axis=axial"``) names.

    The volume is brought to RAS+ orientation (``nibabel.as_closest_canonical``),
    so that an axial slice is axial whatever the orientation the file is stored
    in, then laid out as ``(d, h, w)`` slices along ``axis`` in the radiological
    display convention: axial slices from inferior to superior, shown with
    anterior at the top and the patient's right on the left of the image;
    coronal slices from posterior to anterior, superior at the top, patient's
    right on the left; sagittal slices from the patient's left to right,
    superior at the top, anterior on the left.

    Decoded, normalised volumes are kept in a small cache (4 volumes by default,
    keyed by path, modification time, size and these parameters), so that reading
    the slices of a ``.nii.gz`` file one after the other decompresses it once.
    See :func:`cache_info`, :func:`clear_cache` and :func:`set_cache_size`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.nii`` or ``.nii.gz`` file, NIfTI-1 or NIfTI-2.
    frame : int, optional
        The slice to return, from 0, along ``axis``. None returns the whole volume.
    stack : int, default=0
        With ``frame=k``, return slices ``k - stack`` to ``k + stack`` as channels,
        ``(h, w, 2 * stack + 1)``; slices past either end repeat the first or last
        slice. 0 returns the slice alone, ``(h, w)``.
    axis : {"axial", "coronal", "sagittal"}, default="axial"
        The slice direction.
    normalize : {"percentile", "zscore", "minmax", None}, default="percentile"
        Intensity scaling, with statistics over the whole volume so that all of
        its slices share one scale. ``"percentile"``: clip to the ``percentiles``
        of all voxels and scale to [0, 1]. ``"zscore"``: subtract the mean and
        divide by the standard deviation of the non-zero voxels (the foreground of
        images with a 0 background; every voxel when all are 0). ``"minmax"``:
        scale the minimum and maximum to 0 and 1. None: the stored values (after
        the file's scaling slope and intercept) as float32. A constant volume
        gives zeros; NaN and infinite voxels become 0 (None excepted).
    percentiles : tuple of float, default=(0.5, 99.5)
        Low and high percentiles for ``normalize="percentile"``.
    volume : int, optional
        For a 4-D file (a time series, several contrasts), the 3-D volume to read,
        from 0. A 4-D file without it is an error; files with more than 4
        dimensions are refused. Trailing dimensions of length 1 are ignored.

    Returns
    -------
    numpy.ndarray
        float32: ``(h, w)`` for a slice, ``(h, w, 2 * stack + 1)`` for a stack,
        ``(d, h, w)`` for the whole volume.

    Raises
    ------
    ImageReadError
        If the file is missing, not NIfTI, truncated or corrupt, is 4-D without
        ``volume`` (or has more dimensions), or ``frame`` or ``volume`` is out of
        range; the message names the file and what to do.
    ValueError
        If a parameter is invalid.

    Examples
    --------
    >>> import os, nibabel
    >>> from nibabel.testing import data_path
    >>> from medcnn_nifti import read_nifti
    >>> path = os.path.join(data_path, "anatomical.nii")  # 33 x 41 x 25 voxels, stored LAS
    >>> read_nifti(path).shape
    (25, 41, 33)
    >>> image = read_nifti(path, frame=12, stack=1)
    >>> image.shape, image.dtype, float(image.min()) >= 0.0, float(image.max()) <= 1.0
    ((41, 33, 3), dtype('float32'), True, True)
    >>> read_nifti(path, frame=20, axis="coronal").shape
    (25, 33)
    >>> read_nifti(os.path.join(data_path, "example4d.nii.gz"), volume=0, frame=5).shape
    (96, 128)
    """
    if stack is None:
        stack = 0
    for name, value in (("stack", stack), ("frame", frame)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                  or value < 0):
            raise ValueError(f"{name} must be an integer >= 0; got {value!r} for {str(path)!r}.")
    if frame is None and stack:
        raise ValueError(
            f"stack={stack} needs frame= (the centre slice); without frame the whole volume of "
            f"{str(path)!r} is returned. Pass frame=k, or a frame reference such as "
            "'<file>#frame=k&stack=1'.")
    data = read_volume(path, axis=axis, normalize=normalize, percentiles=percentiles, volume=volume)
    if frame is None:
        return data.copy()
    depth = data.shape[0]
    if frame >= depth:
        raise ImageReadError(
            f"frame={frame} is out of range for {str(path)!r}, which has {depth} {axis} slices; "
            f"use 0 to {depth - 1}.")
    if not stack:
        return data[frame].copy()
    indices = np.clip(np.arange(frame - stack, frame + stack + 1), 0, depth - 1)
    return np.ascontiguousarray(np.moveaxis(data[indices], 0, -1))
