"""Built-in image readers (Pillow): PNG, JPEG, BMP and TIFF.

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

import numpy as np

from medcnn.exceptions import ImageReadError

__all__ = ["read_with_pillow", "max_image_pixels", "pillow_header", "has_colour", "PILLOW_SUFFIXES"]

PILLOW_SUFFIXES = ("png", "jpg", "jpeg", "bmp", "tif", "tiff")

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
    """``((height, width), mode)`` of a file Pillow reads, from its header: the pixel data
    is checked (``Image.verify``) but not decoded.

    Raises
    ------
    ImageReadError
        If the file cannot be read or claims more pixels than :func:`max_image_pixels`.
    """
    path = str(os.fspath(path))
    with _pillow_errors(path) as Image:
        with Image.open(path) as image:
            _check_pixels(path, image.size)  # before Pillow's own, less helpful, bomb check
            image.verify()  # checks the data without decoding every pixel
        with Image.open(path) as image:
            return (image.height, image.width), image.mode


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
