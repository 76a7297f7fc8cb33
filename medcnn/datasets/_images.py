"""Reading image files through the registered readers, and channel conversion."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from medcnn.exceptions import ImageReadError

from ._references import frame_reference, split_reference

__all__ = ["read_image", "reader_for", "to_channels", "suffix_names"]

_MAGIC_BYTES = 352  # enough for DICOM's "DICM" at offset 128 and NIfTI-1's "n+1" at 344

# ITU-R BT.601 luma weights, as Pillow's convert("L") uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def suffix_names(path) -> list[str]:
    """The reader names that ``path``'s suffix could go by, the longest first:
    ``["nii.gz", "gz"]`` for ``brain.nii.gz``, ``["png"]`` for ``patch.png``."""
    suffixes = [s.lower().lstrip(".") for s in Path(split_reference(path)[0]).suffixes]
    return [".".join(suffixes[-2:]), suffixes[-1]] if len(suffixes) > 1 else suffixes


def reader_for(path) -> str:
    """Name of the image reader for ``path``: by suffix, else by the file's magic bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Image file (or a frame reference). A double suffix such as ``.nii.gz``
        goes to the reader registered as ``"nii.gz"`` if there is one.

    Returns
    -------
    str
        A registered image reader name (a lower-case suffix such as ``"png"``).

    Raises
    ------
    ImageReadError
        If neither the suffix nor the first bytes of the file match a reader.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "scan_without_suffix")
    >>> Image.fromarray(np.zeros((3, 3), np.uint8)).save(path, format="PNG")
    >>> reader_for(path)
    'png'
    """
    from medcnn.registry import image_readers

    path = split_reference(path)[0]
    for suffix in suffix_names(path):
        if suffix in image_readers:
            return suffix
    suffix = Path(path).suffix.lower().lstrip(".")
    try:
        with open(path, "rb") as f:
            head = f.read(_MAGIC_BYTES)
    except FileNotFoundError:
        raise ImageReadError(f"Image file not found: {path!r}. Check the path.") from None
    except OSError as exc:
        raise ImageReadError(f"Cannot open image file {path!r}: {exc.strerror or exc}.") from None
    for component in image_readers.components():
        for magic in component.metadata.get("magic", ()):
            offset, prefix = magic if isinstance(magic, tuple) else (0, magic)
            if head[offset:offset + len(prefix)] == prefix:
                return component.name
    raise ImageReadError(
        f"No image reader for {path!r}: suffix {('.' + suffix) if suffix else '(none)'} and its "
        f"first bytes match no registered format. Readers exist for: "
        f"{', '.join('.' + n for n in image_readers.names())}. Convert the file, or install a "
        "plugin that reads this format (e.g. medcnn-dicom for .dcm)."
    )


def read_image(path, **params) -> np.ndarray:
    """Read one image file with the reader registered for its suffix (or magic bytes).

    Parameters
    ----------
    path : str or os.PathLike
        Image file; its suffix (``.png``, ``.dcm``, ...) picks the reader; files
        without a known suffix are recognised by their first bytes. A frame
        reference (:func:`frame_reference`) reads one frame: the reader gets
        ``frame=`` and the reference's other parameters.
    **params
        Passed to the reader (for instance DICOM windowing parameters).

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` or ``(h, w, c)``.

    Raises
    ------
    ImageReadError
        If no reader handles the file, or the reader fails; names the file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> Image.fromarray(np.full((3, 3), 7, np.uint8)).save(path)
    >>> read_image(path).shape
    (3, 3)
    """
    path = str(os.fspath(path))
    return read_with(path, reader_for(path), params)


def read_with(path, name, params) -> np.ndarray:
    """Read ``path`` with the registered image reader ``name`` (looked up already), as
    :func:`read_image` does; the input pipeline calls it with the reader it found per suffix."""
    from medcnn.registry import image_readers

    path, named = split_reference(path)
    params = {**params, **named}
    try:
        image = np.asarray(image_readers.get(name).factory(path, **params))
    except ImageReadError:
        raise
    except TypeError as exc:
        if named and any(key in str(exc) for key in named):
            raise ImageReadError(
                f"{frame_reference(path, **named)!r} names {named}, but the .{name} reader takes "
                f"no such parameter (it reads whole files); give the plain file path."
            ) from exc
        if params:
            raise ValueError(f"The .{name} reader rejected parameters {params}: {exc}") from exc
        raise ImageReadError(f"Cannot read image file {path!r}: {exc}") from exc
    except Exception as exc:
        raise ImageReadError(
            f"Cannot read image file {path!r}: {type(exc).__name__}: {exc}"
        ) from exc
    if image.ndim not in (2, 3, 4) or image.size == 0:
        raise ImageReadError(
            f"The .{name} reader returned an array of shape {image.shape} for "
            f"{path!r}; expected an image (h, w) or (h, w, c), or a volume (d, h, w[, c])."
        )
    return image


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """Bring an ``(h, w)`` or ``(h, w, c)`` image to ``channels`` channels.

    The rule: grayscale is repeated to make RGB; RGB becomes grayscale by ITU-R
    BT.601 luma; an alpha channel (c = 2 or 4) is dropped. Other conversions raise.

    Parameters
    ----------
    image : numpy.ndarray
        ``(h, w)`` or ``(h, w, c)``.
    channels : int
        Wanted channel count.

    Returns
    -------
    numpy.ndarray
        ``(h, w, channels)``, integer images keep their dtype.

    Examples
    --------
    >>> import numpy as np
    >>> to_channels(np.zeros((2, 2), np.uint8), 3).shape
    (2, 2, 3)
    >>> to_channels(np.zeros((2, 2, 4), np.uint8), 1).shape
    (2, 2, 1)
    """
    if image.ndim == 2:
        image = image[..., np.newaxis]
    have = given = image.shape[-1]
    if have == channels:
        return image
    if have in (2, 4):  # gray+alpha, RGB+alpha
        image = image[..., : have - 1]
        have -= 1
    if have == channels:
        return image
    if have == 1:
        return np.repeat(image, channels, axis=-1)
    if have == 3 and channels == 1:
        gray = image.astype(np.float32) @ _LUMA
        if np.issubdtype(image.dtype, np.integer):
            gray = np.round(gray).astype(image.dtype)
        return gray[..., np.newaxis]
    raise ValueError(
        f"Cannot convert an image with {given} channels to {channels} channels; "
        "supported: 1 <-> 3 channels, alpha dropped."
    )
