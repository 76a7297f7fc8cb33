"""The built-in TIFF reader (tifffile): grey and colour, 8/16/32-bit and float, one page at a time.

A TIFF file holds one image per page (IFD). The pages of the file's main chain, in
file order, are its frames: :func:`read_tiff` reads the first page by default and
page ``k`` for ``frame=k`` (frame references ``"x.tif#frame=k"``). OME-TIFF files
and ImageJ hyperstacks store each 2-D plane (one Z, C and T) as a page, so their
frames are the planes in the file's dimension order and frame 0 is the first plane
of the first series; pyramid levels (SubIFDs) are not frames. Pages that are 3-D
tiles (ImageDepth > 1), have more than four samples per pixel, or ImageJ planes
written without a page of their own are refused with an ImageReadError.

Compressions tifffile decodes without optional packages (none, Deflate, PackBits,
LZMA, Zstandard) and the photometric interpretations grey, RGB and palette are read
by tifffile; other pages (LZW or JPEG compression without the ``imagecodecs``
package, CMYK, YCbCr, CIELab) are read with Pillow, as before, when Pillow can.
"""

from __future__ import annotations

import os

import numpy as np

from medcnn.exceptions import ImageReadError

from ._readers import (_MINISBLACK, _MINISWHITE, _PALETTE, _RGB, _check_pixels, _page, _pillow_errors, _tiff_errors,
                       _tiff_file, _to_array)

__all__ = ["read_tiff"]


def read_tiff(path, frame=None) -> np.ndarray:
    """Read one page of a TIFF file (``.tif``, ``.tiff``, OME-TIFF, ImageJ) into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The TIFF file.
    frame : int, optional
        The page to read, from 0; the first page when None. Frame references
        (:func:`~medcnn.datasets.frame_reference`) pass it.

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` for grey pages, with the stored dtype (uint8, uint16, int16, int32,
        float32...; 1-bit pages become uint8 0/255, MinIsWhite pages are inverted,
        an alpha sample is dropped); ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBA with the
        stored dtype (16-bit colour stays uint16); palette pages become RGB uint8.

    Raises
    ------
    ImageReadError
        If the file is missing, not a TIFF, truncated, has no page ``frame``, holds a
        page medcnn does not read (3-D tiles, more than four samples per pixel), or
        claims more pixels than :func:`~medcnn.datasets.max_image_pixels` (checked
        before decoding); the message names the file.

    Examples
    --------
    >>> import numpy as np, tempfile, os, tifffile
    >>> path = os.path.join(tempfile.mkdtemp(), "stack.tif")
    >>> pages = np.arange(2 * 4 * 5 * 3, dtype=np.uint16).reshape(2, 4, 5, 3)
    >>> with tifffile.TiffWriter(path) as tif:
    ...     for page in pages:
    ...         tif.write(page, photometric="rgb")
    >>> read_tiff(path).shape, read_tiff(path).dtype
    ((4, 5, 3), dtype('uint16'))
    >>> bool((read_tiff(path, frame=1) == pages[1]).all())
    True
    """
    path = str(os.fspath(path))
    with _tiff_file(path) as tif:
        index, page = _page(tif, path, frame)
        photometric = int(page.photometric)
        if photometric in (_MINISWHITE, _MINISBLACK, _RGB, _PALETTE) and _decodable(page):
            with _tiff_errors(path):
                array = page.asarray()
            return _to_image(page, array)
    return _read_with_pillow(path, index, page)


def _decodable(page) -> bool:
    """Whether tifffile decodes the page's compression and predictor without optional packages."""
    from tifffile import TIFF

    predictor = int(getattr(page, "predictor", 1))
    return int(page.compression) in TIFF.DECOMPRESSORS and (predictor == 1 or predictor in TIFF.PREDICTORS)


def _to_image(page, array) -> np.ndarray:
    """The page's decoded samples as medcnn's readers return images."""
    if page.axes.startswith("S"):  # planar configuration "separate": (samples, h, w)
        array = np.moveaxis(array, 0, -1)
    array = np.asarray(array)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("="))
    photometric = int(page.photometric)
    if photometric == _PALETTE:
        colormap = np.asarray(page.colormap)
        return np.moveaxis((colormap[:, array] >> 8).astype(np.uint8), 0, -1) if colormap.max() > 255 \
            else np.moveaxis(colormap[:, array].astype(np.uint8), 0, -1)
    if photometric in (_MINISWHITE, _MINISBLACK):
        if array.ndim == 3:  # grey with alpha: the alpha is dropped, as for Pillow's LA
            array = array[..., 0]
        bits = int(page.bitspersample)
        if array.dtype == bool or bits == 1:
            array = array.astype(np.uint8) * 255
            bits = 8
        if photometric == _MINISWHITE and array.dtype.kind == "u":
            array = ((1 << bits) - 1 - array.astype(np.int64)).astype(array.dtype)
    return np.ascontiguousarray(array)


def _read_with_pillow(path, index, page) -> np.ndarray:
    """Page ``index`` by Pillow, for what tifffile cannot decode without optional packages."""
    try:
        with _pillow_errors(path) as Image:
            with Image.open(path) as image:
                image.seek(index)
                _check_pixels(path, image.size)
                image.load()
                return _to_array(image)
    except ImageReadError as exc:
        raise ImageReadError(
            f"Cannot decode TIFF file {path!r}, page {index} ({page.compression.name} compression, "
            f"{page.photometric.name} photometric): tifffile needs the imagecodecs package for it and Pillow "
            f"failed too ({exc}). Install imagecodecs (pip install imagecodecs), or re-save the file "
            "uncompressed or with Deflate compression.") from exc
