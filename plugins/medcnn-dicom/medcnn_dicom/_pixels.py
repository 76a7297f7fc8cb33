"""Pixel data through pydicom: decode one frame, palette colour, modality LUT.

A transfer syntax that no installed decoder reads gets an error naming the
syntax, the decoder plugins pydicom knows for it and the packages to install,
found with :func:`pydicom.pixels.get_decoder`.
"""

from __future__ import annotations

import re

import numpy as np

from medcnn.exceptions import ImageReadError

from ._windows import find_in_groups

__all__ = ["decode_frame", "to_values", "decoder_problem", "PIXEL_KEYWORDS"]

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
#: pip package of a requirement that pydicom names by its import name.
_PIP_NAMES = {"gdcm": "python-gdcm"}
_CORRUPT_HINT = (
    "The file is truncated or corrupt, or its header (Rows, Columns, BitsAllocated, "
    "SamplesPerPixel, NumberOfFrames) does not match its pixel data; replace or remove it."
)


def _syntax_text(syntax):
    name = getattr(syntax, "name", "")
    return f"{name} ({syntax})" if name and name != str(syntax) else f"{syntax}"


def _packages(requirement_text):
    """``["pylibjpeg", "pylibjpeg-libjpeg"]`` from pydicom's "requires pylibjpeg>=2.0 and
    pylibjpeg-libjpeg>=2.1" (numpy left out: it is installed)."""
    names = [re.split(r"[<>=!~ ]", part.strip())[0] for part in requirement_text.split(" and ")]
    return [_PIP_NAMES.get(n, n) for n in names if n and n != "numpy"]


def _missing_plugins(decoder):
    """``[(plugin, [pip packages])]`` of the decoder plugins for a syntax that lack a package."""
    missing = []
    for text in decoder.missing_dependencies:  # "pylibjpeg - requires pylibjpeg>=2.0 and ..."
        plugin, _, requires = text.partition(" - requires ")
        missing.append((plugin.strip(), _packages(requires) if requires else []))
    return missing


def _install_text(missing):
    return "; ".join(f"{plugin} (pip install {' '.join(packages)})" if packages else plugin
                     for plugin, packages in missing)


def decoder_problem(syntax):
    """Why no installed decoder reads ``syntax``; None when one does.

    Parameters
    ----------
    syntax : pydicom.uid.UID or str
        A transfer syntax UID.

    Returns
    -------
    str or None
        A sentence naming the syntax, the decoder plugins pydicom has for it and
        the packages to install; None if a decoder is installed.

    Examples
    --------
    >>> from pydicom.uid import ExplicitVRLittleEndian
    >>> decoder_problem(ExplicitVRLittleEndian) is None
    True
    >>> print(decoder_problem("1.2.840.10008.1.2.4.100"))  # doctest: +ELLIPSIS
    pydicom has no decoder for the transfer syntax MPEG2 Main Profile / Main Level ...
    """
    from pydicom.pixels import get_decoder
    from pydicom.uid import UID

    syntax = UID(str(syntax))
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        return (f"pydicom has no decoder for the transfer syntax {_syntax_text(syntax)}. Convert "
                "the file to an uncompressed transfer syntax (e.g. `gdcmconv --raw in.dcm out.dcm`, "
                "or dcmtk's `dcmdjpeg`/`dcmdrle`), or remove it.")
    if decoder.is_available:
        return None
    missing = _missing_plugins(decoder)
    return (f"No decoder for the transfer syntax {_syntax_text(syntax)} is installed. pydicom "
            f"decodes it with any of: {_install_text(missing)}. Install one of them; "
            "`pip install medcnn-dicom` brings pylibjpeg with its JPEG, JPEG-LS, JPEG 2000 and "
            "RLE decoders.")


def _decode_failure(ds, syntax, path, exc):
    """The error for pixel data that a decoder could not decode."""
    reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    reason = reason.replace(":;", ":").rstrip(".")
    where = f"Cannot decode the pixel data of DICOM file {path!r}"
    if syntax is None:
        return ImageReadError(
            f"{where}: its file meta information has no Transfer Syntax UID (0002,0010), so the "
            "encoding of the pixel data is unknown. Set it (e.g. with pydicom: "
            "ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian, if that is what it is), "
            "or remove the file."
        )
    hint = _CORRUPT_HINT
    if syntax.is_compressed:
        from pydicom.pixels import get_decoder

        hint = "The compressed pixel data are corrupt or use a variant the installed decoders do not read"
        try:
            missing = _missing_plugins(get_decoder(syntax))
        except NotImplementedError:  # pragma: no cover - decoder_problem answered first
            missing = []
        hint += (f"; another pydicom decoder plugin may read it: {_install_text(missing)}."
                 if missing else "; replace or remove the file.")
    return ImageReadError(f"{where} (transfer syntax {_syntax_text(syntax)}): "
                          f"{type(exc).__name__}: {reason}. {hint}")


def decode_frame(ds, frame, n_frames, path):
    """Decoded pixels of frame ``frame``: ``(rows, columns)`` or ``(rows, columns, samples)``.

    Only that frame is decoded; YCbCr becomes RGB (pydicom's default).
    """
    syntax = getattr(ds, "file_meta", None) and ds.file_meta.get("TransferSyntaxUID")
    if syntax:
        problem = decoder_problem(syntax)
        if problem:
            raise ImageReadError(f"Cannot decode the pixel data of DICOM file {path!r}: {problem}")
    try:
        ds.pixel_array_options(index=frame if n_frames > 1 else None)
        return ds.pixel_array
    except Exception as exc:
        raise _decode_failure(ds, syntax or None, path, exc) from exc


def to_values(ds, pixels, frame, rescale, path):
    """``(values, photometric interpretation)``: palette colour expanded to RGB, else the
    modality LUT applied to grayscale when ``rescale``; values as float64."""
    from pydicom.pixels import apply_color_lut, apply_modality_lut

    interpretation = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    try:
        if interpretation == "PALETTE COLOR":
            pixels = apply_color_lut(pixels, ds)
        elif rescale and pixels.ndim == 2:
            source = ds if ds.get("ModalityLUTSequence") else find_in_groups(
                ds, frame, "PixelValueTransformationSequence", ("RescaleSlope", "RescaleIntercept"))
            if source is not None:
                pixels = apply_modality_lut(pixels, source)
    except Exception as exc:
        what = "palette colour" if interpretation == "PALETTE COLOR" else "modality"
        raise ImageReadError(
            f"Cannot apply the {what} lookup table of DICOM file {path!r}: {type(exc).__name__}: "
            f"{exc}. Its header is inconsistent; fix it, remove the file, or pass rescale=False."
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
    return values, interpretation
