"""The DICOM dataset loader: class folders or a CSV of paths, patient groups.

CSV parsing is :func:`medcnn.datasets.load_csv` and problem files follow
:class:`medcnn.datasets.ErrorPolicy`, as in medcnn's own loaders; this module adds
the folder scan and the DICOM header checks; groups, frames and metadata come
from the headers (:mod:`._headers`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from medcnn.datasets import ErrorPolicy, ImageDataset, load_csv
from medcnn.exceptions import ImageReadError

from ._headers import FRAMES, METADATA, GroupFinder, check_group_keyword, frame_paths, header_metadata
from ._pixels import PIXEL_KEYWORDS
from ._files import class_folder_files
from ._reader import number_of_frames, read_dataset

__all__ = ["load_dicom"]

_LABELS = ("folder", "csv")


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
               group_column=None, groups="PatientID", frames="first", allow_outside_root=False,
               on_error="raise") -> ImageDataset:
    """Load a DICOM dataset: paths (or frames), labels, patient groups and metadata.

    Registered by this plugin as the medcnn dataset loader ``"dicom"``
    (``medcnn.datasets.load("dicom", source, ...)``). Only headers are read (the
    pixel data are skipped over, not loaded or decoded), so loading is fast;
    problems inside the pixel data (truncated or corrupt data, compressions
    without a decoder) show up when the images are read, with an error naming
    the file.

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
        files' headers. Only with ``labels="csv"``.
    groups : str, default="PatientID"
        The DICOM keyword of the element that gives each file's group (patient),
        e.g. ``"PatientID"``, ``"PatientName"``, ``"StudyInstanceUID"``. A file
        without it (or with it empty) is grouped by its StudyInstanceUID, and a file
        without that too forms a group of its own (its path); one
        :class:`~medcnn_dicom.MissingGroupWarning` counts these files per fallback.
    frames : {"first", "middle", "all"}, default="first"
        The images taken from a multi-frame file: ``"first"`` its first frame
        (``X`` holds the plain path, which reads frame 0); ``"middle"`` frame
        ``n_frames // 2``; ``"all"`` every frame, each as a frame reference
        ``"<path>#frame=<i>"`` (:func:`medcnn.datasets.frame_reference`) with the
        file's label and group. Single-frame files give one image whatever this is.
        The default keeps one image per file, so that cine loops and dose grids do
        not outweigh the single images of a dataset.
    allow_outside_root : bool, default=False
        With ``labels="csv"``, paths that resolve outside the CSV file's folder
        (``../x.dcm``, absolute paths elsewhere) are refused unless this is True.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a CSV row with an empty path, label or group, a listed
        file that is missing or empty, a file that is unreadable or not DICOM, a
        DICOM file without an image (no Rows/Columns, or no pixel data element)
        or with an invalid NumberOfFrames: ``"raise"`` raises an error naming it; ``"skip"`` leaves
        it out (see Warns).

    Returns
    -------
    ImageDataset
        ``X``: the file paths or frame references (class then path order for
        folders; row order, as absolute paths, for a CSV); ``y``: the labels (str);
        ``groups``: see ``groups`` and ``group_column``; ``target_names``: the
        sorted labels; ``source``: the folder or CSV file; ``metadata``: one short
        string per image for ``modality``, ``series`` (SeriesInstanceUID),
        ``frames`` (frames in the file), ``pixel_spacing`` (``"<row>x<column>"``
        in mm) and ``window`` (the file's ``"<center>/<width>"``, ``"VOI LUT"``),
        ``"none"`` where the file has none; ``describe()`` counts them.

    Raises
    ------
    ValueError
        If a parameter is invalid (``groups`` not a DICOM keyword: with the
        closest ones), the CSV lacks a column, a CSV path lies outside its folder
        (without ``allow_outside_root``), nothing is left to load (naming the
        source), or under ``on_error="raise"`` a CSV row or group cell is empty.
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
    medcnn_dicom.MissingGroupWarning
        One warning counting the files without the ``groups`` element, per
        fallback (StudyInstanceUID, the file itself).

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> from pydicom.data import get_testdata_file
    >>> root = tempfile.mkdtemp()
    >>> for label, name in [("ct", "CT_small.dcm"), ("mr", "MR_small.dcm")]:
    ...     os.makedirs(os.path.join(root, label, "series1"))
    ...     _ = shutil.copy(get_testdata_file(name), os.path.join(root, label, "series1"))
    >>> data = load_dicom(root)
    >>> data.y.tolist(), data.groups.tolist(), data.metadata["modality"].tolist()
    (['ct', 'mr'], ['1CT1', '4MR1'], ['CT', 'MR'])
    >>> os.makedirs(os.path.join(root, "dose"))
    >>> _ = shutil.copy(get_testdata_file("rtdose.dcm"), os.path.join(root, "dose"))
    >>> frames = load_dicom(root, frames="all")  # rtdose.dcm holds 15 frames
    >>> len(frames), [os.path.basename(x) for x in frames.X[:3]]
    (17, ['CT_small.dcm', 'rtdose.dcm#frame=0', 'rtdose.dcm#frame=1'])
    >>> shutil.rmtree(os.path.join(root, "dose"))
    >>> with open(os.path.join(root, "labels.csv"), "w") as f:
    ...     _ = f.write("path,label,patient\\nmr/series1/MR_small.dcm,abnormal,P7\\n")
    >>> load_dicom(root, labels="csv", csv="labels.csv", group_column="patient").groups.tolist()
    ['P7']
    """
    if labels not in _LABELS:
        raise ValueError(f"load_dicom: labels must be 'folder' or 'csv'; got {labels!r}.")
    if frames not in FRAMES:
        raise ValueError(
            f"load_dicom: frames must be one of {FRAMES} (the frames taken from a multi-frame "
            f"file); got {frames!r}."
        )
    check_group_keyword(groups)
    if group_column is not None and groups != "PatientID":
        raise ValueError(
            f"load_dicom: give group_column= (a CSV column) or groups= (a DICOM keyword), not "
            f"both; got group_column={group_column!r} and groups={groups!r}."
        )
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
        candidates = [(path, label, None) for path, label in class_folder_files(where)]
        origin = ""
    else:
        where = str(_csv_path(source, csv))
        policy = ErrorPolicy(on_error, where)
        listed = load_csv(where, path_column, label_column, group_column,
                          allow_outside_root=allow_outside_root, on_error=on_error)
        listed_groups = listed.groups.tolist() if group_column is not None else [None] * len(listed)
        candidates = list(zip(listed.X.tolist(), listed.y.tolist(), listed_groups))
        origin = f" (listed in {where!r})"

    find_group = GroupFinder(groups, where)
    paths, ys, group_values, metadata = [], [], [], {name: [] for name in METADATA}
    for path, label, group in candidates:
        if group == "":
            policy(path, f"{path!r}{origin} has an empty {group_column!r} value; fill it in.")
            continue
        try:
            ds = read_dataset(path, defer_size="1 KB")  # pixel data seen, not loaded
            sop_class = ds.get("SOPClassUID")
            kind = f" ({getattr(sop_class, 'name', sop_class)})" if sop_class else ""
            if ds.get("Rows") is None or ds.get("Columns") is None:
                raise ImageReadError(f"DICOM file {path!r}{kind} holds no image (no Rows/Columns).")
            if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
                raise ImageReadError(f"DICOM file {path!r}{kind} has no pixel data (no PixelData "
                                     "element): it is cut off before its pixel data, or not an image.")
            n_frames = number_of_frames(ds, path)
        except ImageReadError as exc:
            policy(path, f"{exc}{origin}", ImageReadError)
            continue
        images = frame_paths(path, n_frames, frames)
        group = group or find_group(ds, path)
        facts = header_metadata(ds, n_frames)
        paths += images
        ys += [label] * len(images)
        group_values += [group] * len(images)
        for name in METADATA:
            metadata[name] += [facts[name]] * len(images)

    policy.warn()
    find_group.warn()
    if not paths:
        raise ValueError(
            f"No DICOM images were loaded from {where!r}: all {len(candidates)} files were "
            "skipped (see the warning); fix or replace them."
        )
    return ImageDataset(np.asarray(paths), np.asarray(ys), np.asarray(group_values),
                        sorted(set(ys)), where, metadata=metadata)
