"""The DICOM dataset loader: class folders or a CSV of paths, PatientID groups."""

from __future__ import annotations

import csv as _csv
import os
import warnings
from pathlib import Path

import numpy as np

from medcnn.datasets import ImageDataset
from medcnn.exceptions import ImageReadError

from ._reader import DICOM_SUFFIXES, has_dicom_magic, read_dataset

__all__ = ["load_dicom"]

_LABELS = ("folder", "csv")
_ON_ERROR = ("raise", "skip")
_SHOWN = 10  # skipped files named in the warning


class _Problems:
    """Applies ``on_error``: raise at once, or collect for one warning."""

    def __init__(self, on_error):
        self.on_error = on_error
        self.skipped = []  # (item, reason)

    def __call__(self, item, reason, error):
        if self.on_error == "raise":
            raise error
        self.skipped.append((item, reason))

    def warn(self, total, source):
        if not self.skipped:
            return
        shown = "; ".join(f"{item!r} ({reason})" for item, reason in self.skipped[:_SHOWN])
        more = len(self.skipped) - _SHOWN
        warnings.warn(
            f"load_dicom skipped {len(self.skipped)} of {total} files from {source!r} "
            f"(on_error='skip'): {shown}" + (f"; and {more} more" if more > 0 else "")
            + ". Fix or remove them to load them.",
            UserWarning,
            stacklevel=3,
        )


_FIX = "fix or remove it, or pass on_error='skip' to skip such files with a warning"


def _folder_candidates(root):
    """``[(path, label, group=None, origin="")]`` for ``root/<class>/**/*``: .dcm/.dicom
    files and files of any other name that carry the DICM marker."""
    if not root.is_dir():
        hint = " For a CSV of paths and labels pass labels='csv'." if root.suffix.lower() == ".csv" else ""
        raise FileNotFoundError(
            f"DICOM dataset folder {str(root)!r} does not exist or is not a folder; expected "
            f"<root>/<class name>/**/<DICOM files>.{hint}"
        )
    suffixes = {"." + s for s in DICOM_SUFFIXES}
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    candidates = []
    for class_dir in class_dirs:
        files = []
        for path in class_dir.rglob("*"):
            relative = path.relative_to(class_dir)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if path.suffix.lower() in suffixes:
                files.append(path)
                continue
            try:
                if has_dicom_magic(path):
                    files.append(path)
            except OSError:  # cannot tell: let the header check report it
                files.append(path)
        candidates += [(str(p), class_dir.name, None, "") for p in sorted(files)]
    if not candidates:
        raise ValueError(
            f"No DICOM files found under {str(root)!r}: expected class folders "
            f"(e.g. {str(root / 'benign')!r}) holding .dcm/.dicom files or files with the DICOM "
            f"'DICM' marker, at any depth. Class folders seen: "
            f"{[d.name for d in class_dirs] or 'none'}."
        )
    return candidates


def _csv_file(source, csv):
    source = Path(os.fspath(source))
    if csv is None:
        if source.is_dir():
            raise ValueError(
                f"labels='csv' needs a CSV file: pass it as source or as csv=; source "
                f"{str(source)!r} is a folder."
            )
        path = source
    else:
        if source.is_file() and source.suffix.lower() == ".csv":
            raise ValueError(
                f"Give the CSV file once: as source ({str(source)!r}) or as csv= ({csv!r}), "
                "not both; with csv=, source is the folder a relative csv path is resolved against."
            )
        path = Path(os.fspath(csv))
        if not path.is_absolute():
            path = source / path
    if not path.is_file():
        raise FileNotFoundError(
            f"CSV file {str(path)!r} not found" + (
                f" (csv={os.fspath(csv)!r} is resolved against source {str(source)!r})"
                if csv is not None and not Path(os.fspath(csv)).is_absolute() else "")
            + ". Give the path of the CSV file (absolute, or relative to source)."
        )
    return path


def _csv_candidates(path, path_column, label_column, group_column, problems):
    """``[(path, label, group, origin)]`` from the CSV rows; bad rows go to ``problems``."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = _csv.DictReader(f)
            columns = reader.fieldnames or []
            wanted = [c for c in (path_column, label_column, group_column) if c is not None]
            missing = [c for c in wanted if c not in columns]
            if missing:
                raise ValueError(
                    f"CSV file {str(path)!r} has no column {', '.join(repr(c) for c in missing)}; "
                    f"its columns are {columns}. Rename the columns or pass "
                    "path_column=, label_column= (and group_column=) to match."
                )
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise ValueError(f"CSV file {str(path)!r} is not UTF-8 text: {exc}. Save it as UTF-8.") from exc
    except _csv.Error as exc:
        raise ValueError(f"CSV file {str(path)!r} is malformed: {exc}. Fix the file.") from exc
    folder = path.parent
    candidates = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        item = f"{path.name} line {line}"
        values = {c: (row.get(c) or "").strip() for c in (path_column, label_column, group_column)
                  if c is not None}
        empty = [c for c, v in values.items() if not v]
        if empty:
            problems(item, f"empty {', '.join(empty)}", ValueError(
                f"CSV file {str(path)!r} line {line} has an empty {', '.join(repr(c) for c in empty)} "
                f"value; fill it in or delete the row, or pass on_error='skip' to skip such rows "
                "with a warning."))
            continue
        file = Path(values[path_column])
        if not file.is_absolute():
            file = folder / file
        candidates.append((str(file), values[label_column],
                           values[group_column] if group_column is not None else None,
                           f" (listed in {str(path)!r} line {line})"))
    return candidates


def load_dicom(source, *, labels="folder", csv=None, path_column="path", label_column="label",
               group_column=None, on_error="raise") -> ImageDataset:
    """Load a DICOM dataset: paths, labels and patient groups.

    Registered by this plugin as the medcnn dataset loader ``"dicom"``
    (``medcnn.datasets.load("dicom", source, ...)``). Only headers are read
    (``stop_before_pixels``), so loading is fast; pixel data problems (truncated
    files, missing pixel data) show up when the images are read, with an error
    naming the file.

    Parameters
    ----------
    source : str or os.PathLike
        With ``labels="folder"``: the root folder, laid out as
        ``source/<class>/**/<files>``. With ``labels="csv"``: the CSV file, or the
        folder that a relative ``csv`` path is resolved against.
    labels : {"folder", "csv"}, default="folder"
        ``"folder"``: the class of a file is the name of its first-level folder
        under ``source``; files are taken at any depth below it when they end in
        ``.dcm`` or ``.dicom`` (any case) or carry the DICOM "DICM" marker at byte
        128 (e.g. files without suffix or named by UID); other files and hidden
        files or folders are not DICOM candidates and are left out.
        ``"csv"``: paths and labels come from a CSV file.
    csv : str or os.PathLike, optional
        The CSV file for ``labels="csv"`` (absolute or relative to ``source``);
        leave it out when ``source`` is the CSV file. It needs a header row. Paths
        in it are absolute or relative to the CSV file's folder.
    path_column, label_column : str, default="path", "label"
        CSV columns holding the file path and the class label.
    group_column : str, optional
        CSV column holding the group (patient) of each file, used instead of the
        files' PatientID. Only with ``labels="csv"``.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that is missing, unreadable or not DICOM, a DICOM
        file without an image (no Rows/Columns), a file without PatientID (when
        groups come from the files) and a CSV row with an empty cell: ``"raise"``
        raises an error naming it; ``"skip"`` leaves it out and issues one
        ``UserWarning`` giving the count and naming up to 10 of them.

    Returns
    -------
    ImageDataset
        ``X``: the file paths (class then path order for folders, row order for a
        CSV); ``y``: the labels (str); ``groups``: the PatientID of each file or
        the ``group_column`` values; ``target_names``: the sorted labels;
        ``source``: the folder or CSV file.

    Raises
    ------
    ValueError
        If a parameter is invalid, the CSV lacks a column, nothing is left to load
        (naming the source), or under ``on_error="raise"`` a CSV row is incomplete
        or a file has no PatientID.
    ImageReadError
        Under ``on_error="raise"``, for a missing, unreadable or non-DICOM file,
        or a DICOM file without an image; names the file.
    FileNotFoundError
        If the folder or the CSV file does not exist.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> from pydicom.data import get_testdata_file
    >>> root = tempfile.mkdtemp()
    >>> for label, name in [("ct", "CT_small.dcm"), ("mr", "MR_small.dcm")]:
    ...     os.makedirs(os.path.join(root, label, "series1"))
    ...     _ = shutil.copy(get_testdata_file(name), os.path.join(root, label, "series1"))
    >>> data = load_dicom(root)
    >>> data.y.tolist(), data.groups.tolist()
    (['ct', 'mr'], ['1CT1', '4MR1'])
    """
    if labels not in _LABELS:
        raise ValueError(f"load_dicom: labels must be 'folder' or 'csv'; got {labels!r}.")
    if on_error not in _ON_ERROR:
        raise ValueError(f"load_dicom: on_error must be 'raise' or 'skip'; got {on_error!r}.")
    problems = _Problems(on_error)
    if labels == "folder":
        given = {name: value for name, value, default in (
            ("csv", csv, None), ("group_column", group_column, None),
            ("path_column", path_column, "path"), ("label_column", label_column, "label"))
            if value != default}
        if given:
            raise ValueError(
                f"load_dicom: {', '.join(f'{k}={v!r}' for k, v in given.items())} only apply "
                "with labels='csv'; pass labels='csv' to read paths and labels from a CSV file, "
                "or leave them out for class folders."
            )
        root = Path(os.fspath(source))
        candidates = _folder_candidates(root)
        where = str(root)
    else:
        for name, value in (("path_column", path_column), ("label_column", label_column),
                            ("group_column", group_column)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"load_dicom: {name} must be a non-empty column name; got {value!r}.")
        csv_path = _csv_file(source, csv)
        candidates = _csv_candidates(csv_path, path_column, label_column, group_column, problems)
        where = str(csv_path)
    total = len(candidates) + len(problems.skipped)
    if total == 0:
        raise ValueError(f"CSV file {where!r} has a header but no rows; add one row per image.")

    paths, ys, groups = [], [], []
    for path, label, group, origin in candidates:
        try:
            ds = read_dataset(path, stop_before_pixels=True)
        except ImageReadError as exc:
            reason = "not found" if not os.path.exists(path) else "not DICOM or unreadable"
            problems(path, reason, ImageReadError(
                f"{exc}{origin} Or pass on_error='skip' to skip such files with a warning."))
            continue
        if ds.get("Rows") is None or ds.get("Columns") is None:
            sop_class = ds.get("SOPClassUID")
            kind = f" ({getattr(sop_class, 'name', sop_class)})" if sop_class else ""
            problems(path, "DICOM without an image", ImageReadError(
                f"DICOM file {path!r}{kind}{origin} holds no image (no Rows/Columns); {_FIX}."))
            continue
        if group is None:
            group = str(ds.get("PatientID") or "").strip()
            if not group:
                hint = ("give groups in a CSV column with group_column=" if labels == "csv"
                        else "set PatientID in the file (e.g. with pydicom)")
                problems(path, "no PatientID", ValueError(
                    f"DICOM file {path!r}{origin} has no PatientID (0010,0020), needed for the patient "
                    f"groups; {hint}, remove the file, or pass on_error='skip' to skip such "
                    "files with a warning."))
                continue
        paths.append(path)
        ys.append(label)
        groups.append(group)

    problems.warn(total, where)
    if not paths:
        raise ValueError(
            f"No DICOM images were loaded from {where!r}: all {total} files or rows were "
            "skipped (see the warning); fix or replace them."
        )
    return ImageDataset(np.asarray(paths), np.asarray(ys), np.asarray(groups),
                        sorted(set(ys)), where)
