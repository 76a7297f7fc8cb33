"""The DICOM image reader: pixel data -> float32 in [0, 1].

The steps, in order: decode one frame with pydicom; expand palette colour to RGB;
apply the modality LUT (Rescale Slope/Intercept or Modality LUT Sequence, also
from the functional groups of enhanced multi-frame objects) when ``rescale``;
map to [0, 1] by one or several windows (pydicom's VOI functions), by
percentiles or by min-max; invert MONOCHROME1.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from medcnn.exceptions import ImageReadError

from ._pixels import PIXEL_KEYWORDS, decode_frame, to_values
from ._windows import apply_window, parse_window

__all__ = ["read_dicom", "read_dataset", "has_dicom_magic", "DICOM_SUFFIXES", "DICOM_MAGIC"]

#: Suffixes the reader is registered for.
DICOM_SUFFIXES = ("dcm", "dicom")
#: ``(offset, prefix)``: a DICOM Part 10 file has "DICM" after its 128-byte preamble.
DICOM_MAGIC = ((128, b"DICM"),)


def has_dicom_magic(path) -> bool:
    """Whether ``path`` starts like a DICOM Part 10 file ("DICM" at byte 128).

    Parameters
    ----------
    path : str or os.PathLike
        The file to check.

    Returns
    -------
    bool
        True when bytes 128-131 are ``b"DICM"``.

    Raises
    ------
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> has_dicom_magic(get_testdata_file("CT_small.dcm"))
    True
    """
    offset, prefix = DICOM_MAGIC[0]
    with open(os.fspath(path), "rb") as f:
        head = f.read(offset + len(prefix))
    return head[offset:] == prefix


def _is_real(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and np.isfinite(float(value)))


def _pair(value):
    """``value`` as a tuple of two finite reals, or None."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        items = tuple(value)
    except TypeError:
        return None
    if len(items) != 2 or not all(_is_real(v) for v in items):
        return None
    return float(items[0]), float(items[1])


def _check_params(window, percentiles, frame, rescale, invert_monochrome1):
    """Validate the reader parameters; return ``(windows, percentiles, frame)`` normalised."""
    if window is not None and percentiles is not None:
        raise ValueError(
            f"read_dicom: give window= or percentiles=, not both; got window={window!r} and "
            f"percentiles={percentiles!r}."
        )
    windows = parse_window(window)
    if percentiles is not None:
        pair = _pair(percentiles)
        if pair is None or not 0 <= pair[0] < pair[1] <= 100:
            raise ValueError(
                f"read_dicom: percentiles must be (low, high) with 0 <= low < high <= 100; got "
                f"{percentiles!r}. Example: percentiles=(1, 99)."
            )
        percentiles = pair
    if (isinstance(frame, (bool, np.bool_)) or not isinstance(frame, numbers.Integral)
            or frame < 0):
        raise ValueError(
            f"read_dicom: frame must be an integer >= 0 (the frame of a multi-frame file, "
            f"0 for the first); got {frame!r}."
        )
    for name, value in (("rescale", rescale), ("invert_monochrome1", invert_monochrome1)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"read_dicom: {name} must be True or False; got {value!r}.")
    return windows, percentiles, int(frame)


def read_dataset(path, *, stop_before_pixels=False, defer_size=None):
    """Read a DICOM file with pydicom, turning every failure into :class:`ImageReadError`.

    Parameters
    ----------
    path : str or os.PathLike
        The DICOM file.
    stop_before_pixels : bool, default=False
        Read the header only (fast); passed to :func:`pydicom.dcmread`.
    defer_size : int or str, optional
        Leave values larger than this (e.g. ``"1 KB"``) unread until they are
        used, so that the pixel data elements can be seen without loading them;
        passed to :func:`pydicom.dcmread`.

    Returns
    -------
    pydicom.dataset.FileDataset
        The dataset.

    Raises
    ------
    ImageReadError
        If the file is missing, is not a DICOM Part 10 file, or cannot be parsed;
        the message names the file.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> read_dataset(get_testdata_file("CT_small.dcm"), stop_before_pixels=True).PatientID
    '1CT1'
    >>> "PixelData" in read_dataset(get_testdata_file("CT_small.dcm"), defer_size="1 KB")
    True
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = str(os.fspath(path))
    try:
        return pydicom.dcmread(path, stop_before_pixels=stop_before_pixels, defer_size=defer_size)
    except FileNotFoundError:
        raise ImageReadError(f"DICOM file not found: {path!r}. Check the path.") from None
    except IsADirectoryError:
        raise ImageReadError(f"Expected a DICOM file but {path!r} is a directory.") from None
    except InvalidDicomError as exc:
        raise ImageReadError(
            f"{path!r} is not a DICOM file: it has no 'DICM' marker at byte 128 and no DICOM "
            "file meta information. Remove it, or convert it to a DICOM Part 10 file "
            "(or to PNG/TIFF)."
        ) from exc
    except Exception as exc:  # EOFError, struct.error, OSError, ValueError... from a bad file
        raise ImageReadError(
            f"Cannot read DICOM file {path!r}: {type(exc).__name__}: {exc}. The file is "
            "truncated or corrupt; replace or remove it."
        ) from exc


def number_of_frames(ds, path) -> int:
    """The NumberOfFrames (0028,0008) of ``ds``: 1 when absent or empty.

    Raises
    ------
    ImageReadError
        If the value is not a number; names the file ``path``.
    """
    value = ds.get("NumberOfFrames")
    if value is None or value == "":
        return 1
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        raise ImageReadError(
            f"DICOM file {path!r} has an invalid NumberOfFrames (0028,0008) value {value!r}; "
            "fix the header (e.g. with pydicom) or remove the file."
        ) from None


def read_dicom(path, *, window=None, percentiles=None, frame=0, rescale=True,
               invert_monochrome1=True) -> np.ndarray:
    """Read a DICOM image as a float32 array scaled to [0, 1].

    Registered by this plugin as the medcnn image reader for ``.dcm`` and ``.dicom``
    files and for files that carry the DICOM "DICM" marker at byte 128, so that
    :func:`medcnn.datasets.read_image` and the estimators read DICOM paths with it.
    Decoding, lookup tables and windows are pydicom's own
    (:mod:`pydicom.pixels`); compressed files need a decoder plugin for their
    transfer syntax (pylibjpeg, installed with this plugin, reads JPEG, JPEG-LS,
    JPEG 2000 and RLE).

    Parameters
    ----------
    path : str or os.PathLike
        A DICOM Part 10 file.
    window : (float, float), str or list, optional
        How to map the values onto [0, 1]:

        - ``(center, width)``: clip to ``[center - width / 2, center + width / 2]``
          and map that range linearly to [0, 1] (pydicom's windowing with the
          VOI LUT Function LINEAR_EXACT);
        - a preset name, ``(center, width)`` in Hounsfield units: ``"brain"``
          (40, 80), ``"subdural"`` (80, 200), ``"bone"`` (600, 2800), ``"lung"``
          (-600, 1500), ``"mediastinum"`` (50, 350), ``"abdomen"`` (40, 400);
        - ``"dicom"``: the file's own VOI, as :func:`pydicom.pixels.apply_voi_lut`
          applies it: the VOI LUT Sequence if there is one (its lowest entry maps
          to 0, its highest to 1), else the first WindowCenter/WindowWidth with
          the file's VOI LUT Function (LINEAR, LINEAR_EXACT or SIGMOID; pydicom's
          output range maps to [0, 1]); from the functional groups of enhanced
          multi-frame files;
        - several of these, as a list (``[(40, 80), "bone"]``) or a
          comma-separated string (``"brain,subdural,bone"``): one channel each,
          ``(rows, columns, n)``. Grayscale images only.

        Values are in the units after the modality LUT (Hounsfield units for CT)
        when ``rescale`` is true, stored values otherwise.
    percentiles : (float, float), optional
        ``(low, high)`` with ``0 <= low < high <= 100``: clip at these percentiles of
        the image and map that range to [0, 1]. Not together with ``window``.
    frame : int, default=0
        The frame of a multi-frame file, from 0. A single-frame file has only frame 0.
    rescale : bool, default=True
        Apply the modality LUT (:func:`pydicom.pixels.apply_modality_lut`): Rescale
        Slope and Intercept, or the Modality LUT Sequence. Grayscale images only.
    invert_monochrome1 : bool, default=True
        Return ``1 - x`` for MONOCHROME1 images (where low values are bright), so that
        bright always means high.

    Returns
    -------
    numpy.ndarray
        The image as float32 in [0, 1]: ``(rows, columns)`` for grayscale and one
        window, ``(rows, columns, n)`` for ``n`` windows, ``(rows, columns, 3)`` for
        RGB, YCbCr (converted to RGB) and palette colour (expanded with
        :func:`pydicom.pixels.apply_color_lut`). With neither ``window`` nor
        ``percentiles`` the image's minimum maps to 0 and its maximum to 1 (all
        channels together); a constant image gives zeros (ones after MONOCHROME1
        inversion).

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it (an unknown preset name:
        with the presets and the closest one).
    ImageReadError
        Naming the file: if it is missing, not DICOM, truncated or corrupt, has no
        pixel data, cannot be decoded (naming the transfer syntax, the decoder
        plugins for it and the packages to install), has no VOI for
        ``window="dicom"``, has no frame ``frame``, or is in colour and several
        windows were asked for.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ct = get_testdata_file("CT_small.dcm")
    >>> image = read_dicom(ct, window=(40, 400))
    >>> image.shape, image.dtype
    ((128, 128), dtype('float32'))
    >>> bool(image.min() >= 0.0 and image.max() <= 1.0)
    True
    >>> read_dicom(ct, window="brain,subdural,bone").shape  # one channel per window
    (128, 128, 3)
    >>> read_dicom(get_testdata_file("rtdose.dcm"), frame=2).shape  # frame 2 of 15
    (10, 10)
    """
    windows, percentiles, frame = _check_params(window, percentiles, frame, rescale,
                                                invert_monochrome1)
    path = str(os.fspath(path))
    ds = read_dataset(path)
    if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
        sop_class = ds.get("SOPClassUID")
        kind = f" ({getattr(sop_class, 'name', sop_class)})" if sop_class else ""
        raise ImageReadError(
            f"DICOM file {path!r}{kind} has no pixel data (no PixelData element): it is not "
            "an image (a report, structure set...), or the file is cut off before its pixel "
            "data. Remove it from the images to read, or replace it with a complete copy."
        )
    n_frames = number_of_frames(ds, path)
    if frame >= n_frames:
        if n_frames == 1:
            raise ImageReadError(
                f"frame={frame} was asked of {path!r}, a single-frame DICOM file; use frame=0."
            )
        raise ImageReadError(
            f"frame={frame} is out of range for {path!r}, which has {n_frames} frames; give "
            f"frame between 0 and {n_frames - 1}."
        )
    pixels = decode_frame(ds, frame, n_frames, path)
    values, interpretation = to_values(ds, pixels, frame, rescale, path)
    if windows is not None:
        if len(windows) > 1 and values.ndim == 3:
            raise ImageReadError(
                f"window={window!r} asks for {len(windows)} windows, one channel each, but DICOM "
                f"file {path!r} is a colour image ({interpretation or 'no PhotometricInterpretation'}); "
                "several windows need grayscale images. Give one window, or none."
            )
        channels = [apply_window(values, w, ds, frame, path) for w in windows]
        image = np.stack(channels, axis=-1) if len(channels) > 1 else channels[0]
    else:
        if percentiles is not None:
            low, high = np.percentile(values, percentiles)
        else:
            low, high = values.min(), values.max()
        image = (np.clip(values, low, high) - low) / (high - low) if high > low else np.zeros(values.shape)
    image = np.clip(image, 0.0, 1.0).astype(np.float32)
    if invert_monochrome1 and interpretation == "MONOCHROME1":
        image = np.float32(1.0) - image
    return image
