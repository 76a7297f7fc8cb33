"""The DICOM dataset loader: class folders or a CSV of paths, PatientID groups.

CSV parsing is :func:`medcnn.datasets.load_csv` and problem files follow
:class:`medcnn.datasets.ErrorPolicy`, as in medcnn's own loaders; this module adds
the folder scan and the DICOM header checks.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from medcnn.datasets import ErrorPolicy, ImageDataset, load_csv
from medcnn.exceptions import ImageReadError

from ._reader import DICOM_SUFFIXES, has_dicom_magic, read_dataset

__all__ = ["load_dicom"]

_LABELS = ("folder", "csv")


def _folder_candidates(root):
    """``[(path, label)]`` for ``root/<class>/**/*``: .dcm/.dicom files and files of
    any other name that carry the DICM marker."""
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
        candidates += [(str(p), class_dir.name) for p in sorted(files)]
    if not candidates:
        raise ValueError(
            f"No DICOM files found under {str(root)!r}: expected class folders "
            f"(e.g. {str(root / 'benign')!r}) holding .dcm/.dicom files or files with the DICOM "
            f"'DICM' marker, at any depth. Class folders seen: "
            f"{[d.name for d in class_dirs] or 'none'}."
        )
    return candidates


def _csv_path(source, csv):
    """The CSV file: ``source`` itself, or ``csv`` resolved against the folder ``source``."""
    source = Path(os.fspath(source))
    if csv is None:
        if source.is_dir():
            raise ValueError(
                f"labels='csv' needs a CSV file: pass it as source or as csv=; source "
                f"{str(source)!r} is a folder."
            )
        return source
    if source.is_file() and source.suffix.lower() == ".csv":
        raise ValueError(
            f"Give the CSV file once: as source ({str(source)!r}) or as csv= ({csv!r}), "
            "not both; with csv=, source is the folder a relative csv path is resolved against."
        )
    return source / os.fspath(csv)  # an absolute csv stays as it is


def load_dicom(source, *, labels="folder", csv=None, path_column="path", label_column="label",
               group_column=None, allow_outside_root=False, on_error="raise") -> ImageDataset:
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
        ``"csv"``: paths and labels come from a CSV file, read with
        :func:`medcnn.datasets.load_csv`.
    csv : str or os.PathLike, optional
        The CSV file for ``labels="csv"`` (absolute or relative to ``source``);
        leave it out when ``source`` is the CSV file. It needs a header row. Paths
        in it are absolute or relative to the CSV file's folder.
    path_column, label_column : str, default="path", "label"
        CSV columns holding the file path and the class label.
    group_column : str, optional
        CSV column holding the group (patient) of each file, used instead of the
        files' PatientID. Only with ``labels="csv"``.
    allow_outside_root : bool, default=False
        With ``labels="csv"``, paths that resolve outside the CSV file's folder
        (``../x.dcm``, absolute paths elsewhere) are refused unless this is True.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a CSV row with an empty path, label or group, a listed
        file that is missing or empty, a file that is unreadable or not DICOM, a
        DICOM file without an image (no Rows/Columns) and a file without
        PatientID (when groups come from the files): ``"raise"`` raises an error
        naming it; ``"skip"`` leaves it out (see Warns).

    Returns
    -------
    ImageDataset
        ``X``: the file paths (class then path order for folders; row order, as
        absolute paths, for a CSV); ``y``: the labels (str); ``groups``: the
        PatientID of each file or the ``group_column`` values;
        ``target_names``: the sorted labels; ``source``: the folder or CSV file.

    Raises
    ------
    ValueError
        If a parameter is invalid, the CSV lacks a column, a CSV path lies
        outside its folder (without ``allow_outside_root``), nothing is left to
        load (naming the source), or under ``on_error="raise"`` a CSV row or
        group cell is empty or a file has no PatientID.
    ImageReadError
        Under ``on_error="raise"``, for an empty, unreadable or non-DICOM file,
        or a DICOM file without an image; names the file.
    FileNotFoundError
        If the folder or the CSV file does not exist, or under
        ``on_error="raise"`` a file listed in the CSV does not (naming the line).

    Warns
    -----
    medcnn.exceptions.SkippedFilesWarning
        Under ``on_error="skip"``, one warning counting and naming (up to 10)
        the files that failed the DICOM checks; for a CSV, rows that
        :func:`~medcnn.datasets.load_csv` skips get a warning of their own.

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
    >>> with open(os.path.join(root, "labels.csv"), "w") as f:
    ...     _ = f.write("path,label,patient\\nmr/series1/MR_small.dcm,abnormal,P7\\n")
    >>> load_dicom(root, labels="csv", csv="labels.csv", group_column="patient").groups.tolist()
    ['P7']
    """
    if labels not in _LABELS:
        raise ValueError(f"load_dicom: labels must be 'folder' or 'csv'; got {labels!r}.")
    if labels == "folder":
        given = {name: value for name, value, default in (
            ("csv", csv, None), ("group_column", group_column, None),
            ("path_column", path_column, "path"), ("label_column", label_column, "label"),
            ("allow_outside_root", allow_outside_root, False)) if value != default}
        if given:
            raise ValueError(
                f"load_dicom: {', '.join(f'{k}={v!r}' for k, v in given.items())} only apply "
                "with labels='csv'; pass labels='csv' to read paths and labels from a CSV file, "
                "or leave them out for class folders."
            )
        where = str(Path(os.fspath(source)))
        policy = ErrorPolicy(on_error, where)  # checks on_error before any file is read
        candidates = [(path, label, None) for path, label in _folder_candidates(Path(where))]
        origin = ""
    else:
        where = str(_csv_path(source, csv))
        policy = ErrorPolicy(on_error, where)
        listed = load_csv(where, path_column, label_column, group_column,
                          allow_outside_root=allow_outside_root, on_error=on_error)
        groups = listed.groups.tolist() if group_column is not None else [None] * len(listed)
        candidates = list(zip(listed.X.tolist(), listed.y.tolist(), groups))
        origin = f" (listed in {where!r})"

    paths, ys, groups = [], [], []
    for path, label, group in candidates:
        if group == "":
            policy(path, f"{path!r}{origin} has an empty {group_column!r} value; fill it in.")
            continue
        try:
            ds = read_dataset(path, stop_before_pixels=True)
        except ImageReadError as exc:
            policy(path, f"{exc}{origin}", ImageReadError)
            continue
        if ds.get("Rows") is None or ds.get("Columns") is None:
            sop_class = ds.get("SOPClassUID")
            kind = f" ({getattr(sop_class, 'name', sop_class)})" if sop_class else ""
            policy(path, f"DICOM file {path!r}{kind}{origin} holds no image (no Rows/Columns).",
                   ImageReadError)
            continue
        group = group or str(ds.get("PatientID") or "").strip()
        if not group:
            hint = ("give groups in a CSV column with group_column=" if labels == "csv"
                    else "set PatientID in the file (e.g. with pydicom)")
            policy(path, f"DICOM file {path!r}{origin} has no PatientID (0010,0020), needed for "
                   f"the patient groups; {hint}.")
            continue
        paths.append(path)
        ys.append(label)
        groups.append(group)

    policy.warn()
    if not paths:
        raise ValueError(
            f"No DICOM images were loaded from {where!r}: all {len(candidates)} files were "
            "skipped (see the warning); fix or replace them."
        )
    return ImageDataset(np.asarray(paths), np.asarray(ys), np.asarray(groups),
                        sorted(set(ys)), where)
