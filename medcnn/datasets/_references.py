"""Frame references: a path string that names one image inside a multi-image file."""

from __future__ import annotations

import os
import re

import numpy as np

__all__ = ["frame_reference", "split_reference", "split_frame"]

_VALUE = re.compile(r"[A-Za-z0-9_.+-]+")
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9_.+-]+)")


def frame_reference(path, frame, **params) -> str:
    """A path that names one frame of a multi-frame file: ``"<path>#frame=<frame>"``.

    Loaders return frame references where one file holds several images: the frames
    of a multi-frame DICOM file, the slices of a NIfTI volume, the pages of a TIFF
    file. :func:`~medcnn.datasets.read_image` and the estimators pass ``frame=`` and
    the other ``params`` to the file's reader; every other part of medcnn (groups,
    leakage checks, caches) sees an ordinary path string.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    frame : int
        The frame, from 0.
    **params : int or str
        More reader parameters for this one image (``stack=1`` for the neighbouring
        slices as channels, say): integers, or strings of letters, digits and
        ``_.+-``.

    Returns
    -------
    str
        The frame reference.

    Raises
    ------
    ValueError
        If ``frame`` is not an integer >= 0 or a parameter value cannot be written
        into a reference.

    Examples
    --------
    >>> frame_reference("scan.dcm", 3)
    'scan.dcm#frame=3'
    >>> frame_reference("brain.nii.gz", 40, stack=1)
    'brain.nii.gz#frame=40&stack=1'
    >>> split_reference("brain.nii.gz#frame=40&stack=1")
    ('brain.nii.gz', {'frame': 40, 'stack': 1})
    """
    if isinstance(frame, (bool, np.bool_)) or not isinstance(frame, (int, np.integer)) or frame < 0:
        raise ValueError(f"frame must be an integer >= 0 (0 for the first frame); got {frame!r}.")
    parts = [f"frame={int(frame)}"]
    for key, value in params.items():
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            value = int(value)
        if not (key.isidentifier() and _VALUE.fullmatch(str(value))):
            raise ValueError(
                f"Cannot write the reader parameter {key}={value!r} into a frame reference: "
                "values are integers or strings of letters, digits and _.+-."
            )
        parts.append(f"{key}={value}")
    return f"{os.fspath(path)}#{'&'.join(parts)}"


def split_reference(path) -> tuple[str, dict]:
    """``(file, reader parameters)`` of a frame reference; ``(path, {})`` for a plain path.

    Parameters
    ----------
    path : str or os.PathLike
        A path, or a frame reference made by :func:`frame_reference`.

    Returns
    -------
    tuple
        The file path and the parameters the reference names (integers as int).

    Examples
    --------
    >>> split_reference("patch.png")
    ('patch.png', {})
    >>> split_reference("multi.dcm#frame=2")
    ('multi.dcm', {'frame': 2})
    >>> split_reference("a#b.png")  # a '#' in a file name is not a reference
    ('a#b.png', {})
    """
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    head, marker, tail = path.rpartition("#")
    if not marker:
        return path, {}
    parts = [_PART.fullmatch(part) for part in tail.split("&")]
    if not all(parts) or parts[0].group(1) != "frame" or not parts[0].group(2).isdigit():
        return path, {}
    return head, {m.group(1): int(m.group(2)) if m.group(2).isdigit() else m.group(2) for m in parts}


def split_frame(path) -> tuple[str, int | None]:
    """``(file, frame)`` of a frame reference; ``(path, None)`` for a plain path.

    Parameters
    ----------
    path : str or os.PathLike
        A path or a frame reference.

    Returns
    -------
    tuple
        The file path and the frame number, or None when ``path`` names no frame.

    Examples
    --------
    >>> split_frame("volume.nii.gz#frame=12")
    ('volume.nii.gz', 12)
    """
    file, params = split_reference(path)
    return file, params.get("frame")
