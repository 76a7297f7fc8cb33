"""The DICOM image reader: pixel data -> float32 in [0, 1].

The steps, in order: decode one frame with pydicom; expand palette colour to RGB;
apply the modality LUT (Rescale Slope/Intercept or Modality LUT Sequence, also
from the functional groups of enhanced multi-frame objects) when ``rescale``;
map to [0, 1] by a window, by percentiles or by min-max; invert MONOCHROME1.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from medcnn.exceptions import ImageReadError

__all__ = ["read_dicom", "has_dicom_magic", "DICOM_SUFFIXES", "DICOM_MAGIC"]

#: Suffixes the reader is registered for.
DICOM_SUFFIXES = ("dcm", "dicom")
#: ``(offset, prefix)``: a DICOM Part 10 file has "DICM" after its 128-byte preamble.
DICOM_MAGIC = ((128, b"DICM"),)

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_DECODER_HINT = (
    "Install a decoder for this compression, e.g. `pip install pylibjpeg pylibjpeg-libjpeg "
    "pylibjpeg-openjpeg` or `pip install python-gdcm`; if one is installed, the file is "
    "corrupt: replace or remove it."
)
_CORRUPT_HINT = (
    "The file is truncated or corrupt, or its header (Rows, Columns, BitsAllocated, "
    "SamplesPerPixel, NumberOfFrames) does not match its pixel data; replace or remove it."
)


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
    """Validate the reader parameters; return ``(window, percentiles, frame)`` normalised."""
    if window is not None and percentiles is not None:
        raise ValueError(
            f"read_dicom: give window= or percentiles=, not both; got window={window!r} and "
            f"percentiles={percentiles!r}."
        )
    if window is not None and not (isinstance(window, str) and window == "dicom"):
        pair = _pair(window)
        if pair is None or pair[1] <= 0:
            raise ValueError(
                f"read_dicom: window must be (center, width) with a finite center and a width "
                f"> 0, or 'dicom' for the file's own WindowCenter/WindowWidth; got {window!r}. "
                "Example: window=(40, 400) for a CT soft-tissue window."
            )
        window = pair
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
    return window, percentiles, int(frame)


def read_dataset(path, *, stop_before_pixels=False):
    """Read a DICOM file with pydicom, turning every failure into :class:`ImageReadError`.

    Parameters
    ----------
    path : str or os.PathLike
        The DICOM file.
    stop_before_pixels : bool, default=False
        Read the header only (fast); passed to :func:`pydicom.dcmread`.

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
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = str(os.fspath(path))
    try:
        return pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
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


def _first(value):
    """First value of a possibly multi-valued element, as float (None when empty)."""
    if value is None or isinstance(value, (str, bytes)) and not value:
        return None
    if not isinstance(value, (str, bytes)) and hasattr(value, "__len__"):
        if len(value) == 0:
            return None
        value = value[0]
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _find(ds, frame, group_keyword, keywords):
    """The dataset holding ``keywords``: ``ds`` itself, else the per-frame then the
    shared functional group ``group_keyword`` of an enhanced multi-frame object."""
    if all(ds.get(k) is not None for k in keywords):
        return ds
    for sequence_keyword, index in (("PerFrameFunctionalGroupsSequence", frame),
                                    ("SharedFunctionalGroupsSequence", 0)):
        groups = ds.get(sequence_keyword)
        if not groups or len(groups) <= index:
            continue
        inner = groups[index].get(group_keyword)
        if inner and all(inner[0].get(k) is not None for k in keywords):
            return inner[0]
    return None


def _number_of_frames(ds, path) -> int:
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


def _decode(ds, frame, n_frames):
    """Decoded pixels of one frame: ``(rows, columns)`` or ``(rows, columns, samples)``."""
    if hasattr(ds, "pixel_array_options"):  # pydicom >= 3: decode the wanted frame only
        ds.pixel_array_options(index=frame if n_frames > 1 else None)
        return ds.pixel_array
    pixels = ds.pixel_array  # pydicom 2.4: all frames; YCbCr of native data not converted
    if n_frames > 1:
        pixels = pixels[frame]
    interpretation = str(ds.get("PhotometricInterpretation", ""))
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if interpretation.startswith("YBR_FULL") and syntax is not None and not syntax.is_compressed:
        from pydicom.pixel_data_handlers.util import convert_color_space

        pixels = convert_color_space(pixels, interpretation, "RGB")
    return pixels


def _modality_lut():
    try:
        from pydicom.pixels import apply_modality_lut  # pydicom >= 3
    except ImportError:  # pragma: no cover - pydicom 2.4
        from pydicom.pixel_data_handlers.util import apply_modality_lut
    return apply_modality_lut


def _color_lut():
    try:
        from pydicom.pixels import apply_color_lut  # pydicom >= 3
    except ImportError:  # pragma: no cover - pydicom 2.4
        from pydicom.pixel_data_handlers.util import apply_color_lut
    return apply_color_lut


def _dicom_window(ds, frame, path):
    source = _find(ds, frame, "FrameVOILUTSequence", ("WindowCenter", "WindowWidth"))
    if source is None:
        raise ImageReadError(
            f"window='dicom' was given but DICOM file {path!r} has no WindowCenter/WindowWidth "
            "(0028,1050)/(0028,1051). Give window=(center, width), percentiles=(low, high), "
            "or neither for min-max scaling."
        )
    center, width = _first(source.get("WindowCenter")), _first(source.get("WindowWidth"))
    if center is None or width is None or not np.isfinite(center) or not width > 0:
        raise ImageReadError(
            f"DICOM file {path!r} has an unusable window: WindowCenter="
            f"{source.get('WindowCenter')!r}, WindowWidth={source.get('WindowWidth')!r} (the "
            "width must be > 0). Give window=(center, width) instead of window='dicom'."
        )
    return center, width


def _scale(values, low, high):
    """Clip to [low, high] and map linearly to [0, 1]; zeros when high <= low."""
    if not high > low:
        return np.zeros(values.shape, np.float32)
    out = (np.clip(values, low, high) - low) / (high - low)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def read_dicom(path, *, window=None, percentiles=None, frame=0, rescale=True,
               invert_monochrome1=True) -> np.ndarray:
    """Read a DICOM image as a float32 array scaled to [0, 1].

    Registered by this plugin as the medcnn image reader for ``.dcm`` and ``.dicom``
    files and for files that carry the DICOM "DICM" marker at byte 128, so that
    :func:`medcnn.datasets.read_image` and the estimators read DICOM paths with it.

    Parameters
    ----------
    path : str or os.PathLike
        A DICOM Part 10 file.
    window : (float, float) or "dicom", optional
        ``(center, width)``: clip to ``[center - width / 2, center + width / 2]`` and
        map that range to [0, 1]. ``"dicom"`` takes the file's WindowCenter and
        WindowWidth (the first pair if several; from the functional groups of
        enhanced multi-frame files). Values are in the units after the modality LUT
        (Hounsfield units for CT) when ``rescale`` is true, stored values otherwise.
        The VOI LUT Function (e.g. SIGMOID) and VOI LUT Sequence are not applied.
    percentiles : (float, float), optional
        ``(low, high)`` with ``0 <= low < high <= 100``: clip at these percentiles of
        the image and map that range to [0, 1]. Not together with ``window``.
    frame : int, default=0
        The frame of a multi-frame file, from 0. A single-frame file has only frame 0.
    rescale : bool, default=True
        Apply the modality LUT: Rescale Slope and Intercept, or the Modality LUT
        Sequence. Grayscale images only.
    invert_monochrome1 : bool, default=True
        Return ``1 - x`` for MONOCHROME1 images (where low values are bright), so that
        bright always means high.

    Returns
    -------
    numpy.ndarray
        The image as float32 in [0, 1]: ``(rows, columns)`` for grayscale, ``(rows, columns, 3)``
        for RGB, YCbCr (converted to RGB) and palette colour. With neither
        ``window`` nor ``percentiles`` the image's minimum maps to 0 and its maximum
        to 1 (all channels together); a constant image gives zeros (ones after
        MONOCHROME1 inversion).

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.
    ImageReadError
        Naming the file: if it is missing, not DICOM, truncated or corrupt, has no
        pixel data, cannot be decoded (no decoder installed for its compression),
        has no window for ``window="dicom"``, or has no frame ``frame``.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ct = get_testdata_file("CT_small.dcm")
    >>> image = read_dicom(ct, window=(40, 400))
    >>> image.shape, image.dtype
    ((128, 128), dtype('float32'))
    >>> bool(image.min() >= 0.0 and image.max() <= 1.0)
    True
    >>> read_dicom(get_testdata_file("rtdose.dcm"), frame=2).shape  # frame 2 of 15
    (10, 10)
    """
    window, percentiles, frame = _check_params(window, percentiles, frame, rescale,
                                               invert_monochrome1)
    path = str(os.fspath(path))
    ds = read_dataset(path)
    if not any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        sop_class = ds.get("SOPClassUID")
        kind = f" ({getattr(sop_class, 'name', sop_class)})" if sop_class else ""
        raise ImageReadError(
            f"DICOM file {path!r}{kind} has no pixel data (no PixelData element): it is not "
            "an image (a report, structure set...), or the file is cut off before its pixel "
            "data. Remove it from the images to read, or replace it with a complete copy."
        )
    n_frames = _number_of_frames(ds, path)
    if frame >= n_frames:
        if n_frames == 1:
            raise ImageReadError(
                f"frame={frame} was asked of {path!r}, a single-frame DICOM file; use frame=0."
            )
        raise ImageReadError(
            f"frame={frame} is out of range for {path!r}, which has {n_frames} frames; give "
            f"frame between 0 and {n_frames - 1}."
        )
    try:
        pixels = _decode(ds, frame, n_frames)
    except Exception as exc:
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        hint = _DECODER_HINT if getattr(syntax, "is_compressed", False) else _CORRUPT_HINT
        syntax = f" (transfer syntax {getattr(syntax, 'name', syntax)})" if syntax else ""
        raise ImageReadError(
            f"Cannot decode the pixel data of DICOM file {path!r}{syntax}: "
            f"{type(exc).__name__}: {str(exc).rstrip('.')}. {hint}"
        ) from exc

    interpretation = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    try:
        if interpretation == "PALETTE COLOR":
            pixels = _color_lut()(pixels, ds)
        elif rescale and pixels.ndim == 2:
            source = ds if ds.get("ModalityLUTSequence") else _find(
                ds, frame, "PixelValueTransformationSequence", ("RescaleSlope", "RescaleIntercept"))
            if source is not None:
                pixels = _modality_lut()(pixels, source)
    except Exception as exc:
        raise ImageReadError(
            f"Cannot apply the {'palette colour' if interpretation == 'PALETTE COLOR' else 'modality'} "
            f"lookup table of DICOM file {path!r}: {type(exc).__name__}: {exc}. Its header is "
            "inconsistent; fix it, remove the file, or pass rescale=False."
        ) from exc

    values = np.asarray(pixels, dtype=np.float64)
    if values.ndim not in (2, 3) or values.size == 0:
        raise ImageReadError(
            f"DICOM file {path!r} decoded to an array of shape {values.shape}; expected "
            "(rows, columns) or (rows, columns, samples). Its header is inconsistent."
        )
    if not np.all(np.isfinite(values)):
        raise ImageReadError(
            f"DICOM file {path!r} has {int(np.sum(~np.isfinite(values)))} NaN or infinite pixel "
            "values; replace them (e.g. with pydicom) or remove the file."
        )
    if window is not None:
        center, width = _dicom_window(ds, frame, path) if window == "dicom" else window
        low, high = center - width / 2.0, center + width / 2.0
    elif percentiles is not None:
        low, high = np.percentile(values, percentiles)
    else:
        low, high = values.min(), values.max()
    image = _scale(values, low, high)
    if invert_monochrome1 and interpretation == "MONOCHROME1":
        image = np.float32(1.0) - image
    return image
