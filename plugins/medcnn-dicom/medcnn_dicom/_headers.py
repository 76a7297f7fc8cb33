"""What the DICOM loader reads from each header: groups, frames and metadata."""

from __future__ import annotations

import difflib
import warnings

from medcnn.datasets import frame_reference

from ._windows import find_in_groups

__all__ = ["FRAMES", "METADATA", "MissingGroupWarning", "check_group_keyword", "GroupFinder",
           "frame_paths", "header_metadata"]

FRAMES = ("first", "middle", "all")
#: The metadata columns of the loaded ImageDataset, one short string per image.
METADATA = ("modality", "series", "frames", "pixel_spacing", "window")
_FALLBACK = "StudyInstanceUID"
_LISTED = 5


class MissingGroupWarning(UserWarning):
    """Files without the DICOM element chosen for the groups: grouped by a fallback."""


def check_group_keyword(groups):
    """``groups`` if it is a DICOM keyword; else a ValueError with the closest keywords."""
    from pydicom.datadict import keyword_dict

    if isinstance(groups, str) and groups in keyword_dict:
        return groups
    close = difflib.get_close_matches(str(groups), list(keyword_dict), n=3) if isinstance(groups, str) else []
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"load_dicom: groups must be a DICOM keyword naming the element that identifies the "
        f"patient (or subject) of each file, e.g. 'PatientID' (the default) or "
        f"'StudyInstanceUID'; got {groups!r}.{hint}"
    )


def _text(ds, keyword):
    value = ds.get(keyword)
    return "" if value is None else str(value).strip()


class GroupFinder:
    """The group of each file: the element ``keyword``, else StudyInstanceUID, else the
    file itself; :meth:`warn` issues one warning that counts the files per fallback."""

    def __init__(self, keyword, source):
        self.keyword, self.source = keyword, source
        self.fallbacks = [] if keyword == _FALLBACK else [_FALLBACK]
        self.missing, self.n_files = {}, 0

    def __call__(self, ds, path):
        self.n_files += 1
        value = _text(ds, self.keyword)
        if value:
            return value
        for keyword in self.fallbacks:
            value = _text(ds, keyword)
            if value:
                self.missing.setdefault(keyword, []).append(path)
                return value
        self.missing.setdefault("file", []).append(path)
        return path

    def warn(self):
        if not self.missing:
            return
        n = sum(len(paths) for paths in self.missing.values())
        parts = [f"{len(paths)} grouped by {keyword}" if keyword != "file" else
                 f"{len(paths)} as a group of their own (the file path)"
                 for keyword, paths in self.missing.items()]
        named = [p for paths in self.missing.values() for p in paths]
        listed = ", ".join(named[:_LISTED]) + (", ..." if n > _LISTED else "")
        warnings.warn(
            f"{n} of {self.n_files} DICOM files under {self.source!r} have no {self.keyword}: "
            f"{'; '.join(parts)} ({listed}). Images of one patient may then fall into different "
            f"groups (and both sides of a split); set {self.keyword} in the files, choose another "
            "element with groups=, or give the groups in a CSV column (labels='csv', group_column=).",
            MissingGroupWarning, stacklevel=3)


def frame_paths(path, n_frames, frames):
    """The image paths of one file: the path itself, or frame references of its frames."""
    if n_frames <= 1 or frames == "first":
        return [path]
    if frames == "middle":
        return [frame_reference(path, n_frames // 2)]
    return [frame_reference(path, i) for i in range(n_frames)]


def _number(value):
    return f"{float(value):.4g}"


def _spacing(ds):
    source = find_in_groups(ds, 0, "PixelMeasuresSequence", ("PixelSpacing",))
    if source is None:
        source = ds if ds.get("ImagerPixelSpacing") else None
        value = source and source.ImagerPixelSpacing
    else:
        value = source.PixelSpacing
    try:
        return "x".join(_number(v) for v in value) if value else "none"
    except (TypeError, ValueError):
        return "invalid"


def _window(ds):
    source = find_in_groups(ds, 0, "FrameVOILUTSequence", ("VOILUTSequence",))
    if source is not None:
        return "VOI LUT"
    source = find_in_groups(ds, 0, "FrameVOILUTSequence", ("WindowCenter", "WindowWidth"))
    if source is None:
        return "none"
    values = []
    for keyword in ("WindowCenter", "WindowWidth"):
        value = source.get(keyword)
        if not isinstance(value, (str, bytes)) and hasattr(value, "__len__"):
            value = value[0] if len(value) else None
        values.append(value)
    try:
        return "/".join(_number(v) for v in values)
    except (TypeError, ValueError):
        return "invalid"


def header_metadata(ds, n_frames):
    """``{name: short string}`` for :data:`METADATA`: modality, SeriesInstanceUID, number
    of frames, pixel spacing ``"<row>x<column>"`` (mm) and the file's window
    ``"<center>/<width>"`` (or ``"VOI LUT"``); ``"none"`` where the file has none."""
    return {"modality": _text(ds, "Modality") or "none", "series": _text(ds, "SeriesInstanceUID") or "none",
            "frames": str(n_frames), "pixel_spacing": _spacing(ds), "window": _window(ds)}
