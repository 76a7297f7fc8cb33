"""Built-in image readers (Pillow): PNG, JPEG and BMP (TIFF too when called directly), and the
header probes of every built-in format, TIFF's through tifffile.

The built-in plugin reads TIFF with tifffile (:func:`medcnn.datasets.read_tiff`, in ``_tiff``).

Readers return the image as stored: ``(h, w)`` for grayscale (8- or 16-bit),
``(h, w, 3)`` for RGB and ``(h, w, 4)`` for RGBA. Palette images are expanded to
RGB (RGBA when the palette has transparency); CMYK and YCbCr become RGB; 1-bit
images become 8-bit grayscale. The estimators then bring every image to the
network's channel count (see :func:`medcnn.datasets.to_channels`).
"""

from __future__ import annotations

import contextlib
import os
import re
import struct

import numpy as np

from medcnn.exceptions import ImageReadError

__all__ = ["read_with_pillow", "max_image_pixels", "pillow_header", "tiff_header", "has_colour", "PILLOW_SUFFIXES",
           "TIFF_SUFFIXES", "TIFF_MAGIC"]

#: Suffixes of the built-in formats whose size and mode :func:`pillow_header` reads from the
#: header (TIFF through tifffile), without decoding.
PILLOW_SUFFIXES = ("png", "jpg", "jpeg", "bmp", "tif", "tiff")

TIFF_SUFFIXES = ("tif", "tiff")
#: Classic TIFF and BigTIFF, little- and big-endian.
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")

_MINISWHITE, _MINISBLACK, _RGB, _PALETTE = 0, 1, 2, 3
_UNREADABLE = ("The file is empty, truncated or not a TIFF image; replace or remove it.")

_BOMB_HINT = (
    "refused as a possible decompression bomb (a small file that would decode to gigabytes). "
    "If the image is genuine, downscale or tile it, or raise PIL.Image.MAX_IMAGE_PIXELS "
    "(None turns the limit off)."
)

_GRAY_MODES = {"1": "L", "L": None, "I;16": None, "I;16B": None, "I;16L": None, "I": None, "F": None}


def read_with_pillow(path) -> np.ndarray:
    """Read a PNG, JPEG, BMP or TIFF file into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The image file.

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` grayscale (uint8, uint16, int32 or float32 as stored),
        ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBA, uint8.

    Raises
    ------
    ImageReadError
        If the file is missing, is not an image, is truncated, or claims more pixels than
        :func:`max_image_pixels` (checked from the header, before decoding); the
        message names the file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "patch.png")
    >>> Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(path)
    >>> read_with_pillow(path).shape
    (4, 5, 3)
    """
    path = str(os.fspath(path))
    with _pillow_errors(path) as Image:
        with Image.open(path) as image:
            _check_pixels(path, image.size)
            image.load()
            return _to_array(image)


@contextlib.contextmanager
def _pillow_errors(path):
    """Yield ``PIL.Image``; turn what Pillow raises for ``path`` into an ImageReadError
    that names the file and what to do."""
    from PIL import Image, UnidentifiedImageError

    try:
        yield Image
    except ImageReadError:
        raise
    except Image.DecompressionBombError as exc:  # raised by open() itself above twice the limit
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageReadError(
            f"Image file {path!r} is {found.group(1) + ' pixels' if found else 'too large'}, above the "
            f"limit of {max_image_pixels()} pixels (PIL.Image.MAX_IMAGE_PIXELS): {_BOMB_HINT}"
        ) from None
    except FileNotFoundError:
        raise ImageReadError(f"Image file not found: {path!r}. Check the path.") from None
    except IsADirectoryError:
        raise ImageReadError(f"Expected an image file but {path!r} is a directory.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageReadError(
            f"Cannot read image file {path!r}: {type(exc).__name__}: {exc}. The file is empty, "
            "truncated or not a PNG/JPEG/BMP/TIFF image; replace or remove it."
        ) from exc


def pillow_header(path) -> tuple[tuple[int, int], str]:
    """``((height, width), mode)`` of a file of a built-in format, from its header: the pixel
    data is checked (``Image.verify``) but not decoded.

    TIFF files (recognised by their first bytes) go to :func:`tiff_header`, which reads
    the page a frame reference ``"x.tif#frame=2"`` names.

    Raises
    ------
    ImageReadError
        If the file cannot be read or claims more pixels than :func:`max_image_pixels`.
    """
    from ._references import frame_reference, split_reference

    path, params = split_reference(os.fspath(path))
    path = str(path)
    if _starts_with(path, TIFF_MAGIC):
        unknown = set(params) - {"frame"}
        if unknown:
            raise ImageReadError(f"{frame_reference(path, **params)!r} names {sorted(unknown)}, but the TIFF "
                                 "reader takes only frame=; remove the others.")
        return tiff_header(path, params.get("frame"))
    if params:
        raise ImageReadError(f"{frame_reference(path, **params)!r} names {params}, but {path!r} holds one "
                             "image (the reader reads whole files); give the plain file path.")
    with _pillow_errors(path) as Image:
        with Image.open(path) as image:
            _check_pixels(path, image.size)  # before Pillow's own, less helpful, bomb check
            image.verify()  # checks the data without decoding every pixel
        with Image.open(path) as image:
            return (image.height, image.width), image.mode


def _starts_with(path, prefixes) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False  # Pillow names the file and the problem
    return head.startswith(tuple(prefixes))


def has_colour(mode: str) -> bool:
    """Whether :func:`read_with_pillow` returns colour (3 or 4 channels) for an image of
    Pillow ``mode``: palettes and every colour mode do; grey modes, with or without
    alpha, do not."""
    return mode not in _GRAY_MODES and mode != "LA"


def max_image_pixels():
    """The largest image (width x height, in pixels) that medcnn decodes.

    It is Pillow's ``PIL.Image.MAX_IMAGE_PIXELS`` (about 89 million by default),
    read at each call so that raising it (or setting it to None, no limit) applies
    to the Pillow readers and to the native TensorFlow decoding of the estimators alike.

    Returns
    -------
    int or None
        The limit, or None when there is none.

    Examples
    --------
    >>> from PIL import Image
    >>> max_image_pixels() == Image.MAX_IMAGE_PIXELS
    True
    """
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    return None if limit is None else int(limit)


def _check_pixels(path, size):
    limit = max_image_pixels()
    width, height = size
    if limit is not None and width * height > limit:
        raise ImageReadError(
            f"Image file {path!r} is {width}x{height} = {width * height} pixels, above the limit "
            f"of {limit} pixels (PIL.Image.MAX_IMAGE_PIXELS): {_BOMB_HINT}"
        )


def _to_array(image) -> np.ndarray:
    mode = image.mode
    if mode in _GRAY_MODES:
        if _GRAY_MODES[mode]:
            image = image.convert(_GRAY_MODES[mode])
        array = np.asarray(image)
        return array.astype(np.uint16) if array.dtype.byteorder == ">" else array
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode == "LA":
        image = image.convert("L")
    elif mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    return np.asarray(image)


# ---------------------------------------------------------------- TIFF headers (tifffile)
def tiff_header(path, frame=None) -> tuple[tuple[int, int], str]:
    """``((height, width), mode)`` of one page of a TIFF file, from its tags: no pixel is decoded.

    The strips or tiles are checked to lie inside the file (a truncated file is refused)
    and the size against :func:`~medcnn.datasets.max_image_pixels`. ``mode`` is the
    Pillow mode of what :func:`~medcnn.datasets.read_tiff` returns (``"L"``, ``"I;16"``, ``"I"``, ``"F"``,
    ``"LA"``, ``"RGB"``, ``"RGBA"``, ``"P"``), with the dtype appended for colour that
    is not 8-bit, which Pillow has no mode for (``"RGB;uint16"``).

    Parameters
    ----------
    path : str or os.PathLike
        The TIFF file.
    frame : int, optional
        The page, from 0; the first when None.

    Returns
    -------
    tuple
        ``((height, width), mode)``.

    Raises
    ------
    ImageReadError
        As :func:`~medcnn.datasets.read_tiff`, for everything found without decoding.

    Examples
    --------
    >>> import numpy as np, tempfile, os, tifffile
    >>> path = os.path.join(tempfile.mkdtemp(), "scan.tif")
    >>> tifffile.imwrite(path, np.zeros((4, 5, 3), np.uint16), photometric="rgb")
    >>> tiff_header(path)
    ((4, 5), 'RGB;uint16')
    """
    path = str(os.fspath(path))
    with _tiff_file(path) as tif:
        _, page = _page(tif, path, frame)
        return (int(page.imagelength), int(page.imagewidth)), _mode(page)


@contextlib.contextmanager
def _tiff_errors(path):
    """Turn what tifffile raises for ``path`` into an ImageReadError that names the file."""
    import tifffile

    try:
        yield
    except ImageReadError:
        raise
    except FileNotFoundError:
        raise ImageReadError(f"Image file not found: {path!r}. Check the path.") from None
    except IsADirectoryError:
        raise ImageReadError(f"Expected an image file but {path!r} is a directory.") from None
    except (tifffile.TiffFileError, OSError, ValueError, EOFError, struct.error, KeyError, IndexError,
            TypeError) as exc:
        raise ImageReadError(f"Cannot read TIFF file {path!r}: {type(exc).__name__}: {exc}. {_UNREADABLE}") from exc


@contextlib.contextmanager
def _tiff_file(path):
    import tifffile

    with _tiff_errors(path):
        tif = tifffile.TiffFile(path)
    try:
        yield tif
    finally:
        tif.close()


def _page(tif, path, frame):
    """``(index, page)`` for ``frame``, checked: it exists, medcnn reads its layout, its size is
    within the pixel limit and its strips or tiles lie inside the file."""
    if frame is None:
        index = 0
    elif isinstance(frame, (bool, np.bool_)) or not isinstance(frame, (int, np.integer)) or frame < 0:
        raise ValueError(f"frame must be an integer >= 0 (a TIFF page, 0 for the first); got {frame!r}.")
    else:
        index = int(frame)
    with _tiff_errors(path):
        count = len(tif.pages)
        if index >= count:
            raise ImageReadError(_missing_page(tif, path, index, count))
        page = tif.pages[index]
    if int(getattr(page, "imagedepth", 1)) > 1:
        raise ImageReadError(
            f"TIFF file {path!r}, page {index}, is a 3-D volume ({page.imagedepth} slices in one page); medcnn "
            "reads 2-D pages only. Save the volume with one page per slice and read them as frames.")
    samples = int(page.samplesperpixel)
    if samples > 4 or (int(page.photometric) in (_MINISWHITE, _MINISBLACK) and samples > 2):
        raise ImageReadError(
            f"TIFF file {path!r}, page {index}, has {samples} samples per pixel ({page.photometric.name}); medcnn "
            "reads grey (with alpha), RGB and RGBA pages. Save each channel as its own page and read them "
            "as frames, or convert the file to RGB.")
    _check_pixels(path, (int(page.imagewidth), int(page.imagelength)))
    size = int(tif.filehandle.size)
    if any(offset + count > size for offset, count
                                in zip(page.dataoffsets, page.databytecounts) if count):
        raise ImageReadError(
            f"Cannot read TIFF file {path!r}: the pixel data of page {index} runs past the end of the file "
            f"({size} bytes). {_UNREADABLE}")
    return index, page


def _missing_page(tif, path, index, count):
    if count == 0:
        return f"Cannot read TIFF file {path!r}: it has no readable page. {_UNREADABLE}"
    planes = 0
    if tif.is_imagej and tif.series:
        planes = int(np.prod(tif.series[0].shape[:-3 if tif.series[0].axes.endswith("S") else -2]))
    if planes > count:
        return (f"TIFF file {path!r} is an ImageJ hyperstack of {planes} planes of which only {count} have a "
                f"page of their own (frames 0..{count - 1}); frame {index} has none. Re-save it as an ordinary "
                "(non-virtual) stack, e.g. with tifffile.imwrite(..., imagej=True), to read every plane.")
    return (f"TIFF file {path!r} has {count} page(s), frames 0..{count - 1}; frame {index} does not exist. "
            "Give a frame below the page count.")


def _mode(page) -> str:
    photometric, samples = int(page.photometric), int(page.samplesperpixel)
    dtype = np.dtype(page.dtype) if page.dtype is not None else np.dtype(np.uint8)
    if photometric in (_MINISWHITE, _MINISBLACK):
        if samples == 2:
            return "LA"
        if int(page.bitspersample) == 1 or dtype == np.uint8:
            return "L"
        return "I;16" if dtype == np.uint16 else "F" if dtype.kind == "f" else "I"
    if photometric == _PALETTE:
        return "P"
    if photometric == _RGB:
        base = "RGBA" if samples == 4 else "RGB"
        return base if dtype == np.uint8 else f"{base};{dtype.name}"
    return "RGB"  # CMYK, YCbCr, CIELab: read with Pillow, converted to RGB
