"""DICOM series: files grouped by SeriesInstanceUID, slices in anatomical order, or
one volume per series; see :func:`load_dicom_series` for the slice order rule."""

from __future__ import annotations

import csv
import inspect
import os
import struct
import warnings
from pathlib import Path

import numpy as np

from medcnn.datasets import ErrorPolicy, ImageDataset
from medcnn.exceptions import ImageReadError

from ._files import class_folder_files, dicom_files
from ._reader import read_dataset, read_dicom

__all__ = ["load_dicom_series"]

_PIXEL_TAGS = {(0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009)}
#: A step between neighbouring slices above this many median steps means missing slices.
_GAP = 1.5
#: Slices closer than this share of the median step (or 0.001 mm) are the same slice.
_SAME = 0.01
#: Largest difference between direction cosines that counts as the same orientation.
_ORIENTATION_TOLERANCE = 1e-3


class _File:
    """The header facts of one DICOM file that ordering and grouping need."""

    def __init__(self, path, label, group, ds, tag):
        self.path, self.label, self.group = path, label, group
        self.series = str(ds.get("SeriesInstanceUID") or "").strip()
        self.size = (int(ds.Rows), int(ds.Columns))
        self.iop = _floats(ds.get("ImageOrientationPatient"), 6)
        self.ipp = _floats(ds.get("ImagePositionPatient"), 3)
        self.instance = _floats([ds.get("InstanceNumber")], 1)
        self.modality = str(ds.get("Modality") or "").strip()
        self.tags = [str(ds.get(k) or "").strip() for k in (tag, "StudyInstanceUID")]


def _floats(value, n):  # ``value`` as a tuple of ``n`` finite floats, or None
    try:
        values = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return values if len(values) == n and np.all(np.isfinite(values)) else None


def _from_folders(root):
    return [(path, label, None) for path, label in class_folder_files(root, "DICOM series")]


def _from_csv(manifest, columns, allow_outside_root, policy):
    """``[(path, label, group)]`` for the series folders and files a CSV lists."""
    if not manifest.is_file():
        raise FileNotFoundError(f"CSV file {str(manifest)!r} not found; check the path.")
    base, found = manifest.parent.resolve(), []
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c is not None and c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"CSV file {str(manifest)!r} has no column(s) {missing}; its columns are "
                             f"{reader.fieldnames}. Pass path_column=, label_column=, group_column= to match.")
        for line, row in enumerate(reader, start=2):
            where = f"{str(manifest)!r} line {line}"
            raw, label, group = ((row[c] or "").strip() if c else None for c in columns)
            empty = [c for c, v in zip(columns, (raw, label, group)) if v == ""]
            if empty:
                policy(where, f"Row at {where} has empty {empty} cell(s); fill them in.")
                continue
            path = (base / raw).resolve()
            if not allow_outside_root and not path.is_relative_to(base):
                raise ValueError(f"Row at {where} points outside {str(base)!r}: {raw!r}. Move the series "
                                 "under the CSV's folder, or pass allow_outside_root=True if you trust the CSV.")
            files = dicom_files(path) if path.is_dir() else [path] if path.is_file() else []
            if not files:
                policy(str(path), f"Row at {where}: {str(path)!r} is missing or a folder without DICOM "
                       "files.", FileNotFoundError)
            found += [(str(p), label, group) for p in files]
    return found


def _pixel_problem(f, ds):
    """What is wrong with the pixel data after where ``dcmread(f, stop_before_pixels=True)``
    stopped: ``"no pixel data"``, ``"pixel data cut off"``, or None (also when it cannot be told)."""
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    try:
        little, implicit = syntax.is_little_endian, syntax.is_implicit_VR
        if syntax.is_deflated:
            return None
    except (AttributeError, ValueError):
        return None
    start, head = f.tell(), f.read(12)
    order, header = ("<" if little else ">"), (8 if implicit else 12)
    if len(head) < header or struct.unpack(order + "HH", head[:4]) not in _PIXEL_TAGS:
        return "no pixel data"
    length = struct.unpack(order + "I", head[header - 4:header])[0]
    if length == 0xFFFFFFFF or 0 < length <= os.fstat(f.fileno()).st_size - start - header:
        return None
    return "pixel data cut off" if length else "no pixel data"


def _read_header(path):
    """The header of ``path`` and what is wrong with its pixel data; ImageReadError naming it."""
    import pydicom

    try:
        with open(path, "rb") as f:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            return ds, _pixel_problem(f, ds)
    except Exception as exc:
        read_dataset(path, stop_before_pixels=True)  # raises the error that names the file
        raise ImageReadError(f"Cannot read DICOM file {path!r}: {type(exc).__name__}: {exc}. Replace "
                             "or remove it.") from exc


def _series_name(uid, files):
    folder = os.path.commonpath([os.path.dirname(f.path) for f in files])
    return f"DICOM series {uid!r} ({len(files)} files in {folder!r})"


def _order(files):
    """``(files in slice order, None)``, or ``(None, what is wrong and the fix)``."""
    name = os.path.basename
    pairs = {(f.label, f.group) for f in files}
    if len(pairs) > 1:
        a, b = sorted(pairs, key=str)[:2]
        return None, (f"has files with different labels/groups {a} and {b}; one series needs one label "
                      "and group: put its files in one class folder, or fix the CSV rows.")
    sizes = {f.size: f for f in files}  # each size with a file of that size
    if len(sizes) > 1:
        (sa, fa), (sb, fb) = list(sizes.items())[:2]
        return None, (f"has mixed slice sizes (Rows x Columns): {sa} in {name(fa.path)!r} but {sb} in "
                      f"{name(fb.path)!r}; remove the odd files or give them a series of their own.")
    keys, unit = None, "mm"
    if all(f.iop and f.ipp for f in files):
        odd = [f for f in files if np.abs(np.subtract(f.iop, files[0].iop)).max() > _ORIENTATION_TOLERANCE]
        if odd:
            return None, (f"has inconsistent orientation: ImageOrientationPatient {list(files[0].iop)} in "
                          f"{name(files[0].path)!r} but {list(odd[0].iop)} in {name(odd[0].path)!r}; "
                          "remove the odd files or give them a series of their own.")
        normal = np.cross(files[0].iop[:3], files[0].iop[3:])
        if np.linalg.norm(normal) > 1e-6:
            keys = [float(np.dot(f.ipp, normal / np.linalg.norm(normal))) for f in files]
    if keys is None:
        if any(f.instance is None for f in files):
            return None, ("cannot be ordered: not every file has ImagePositionPatient and "
                          "ImageOrientationPatient, nor InstanceNumber; add them (e.g. with pydicom).")
        keys, unit = [f.instance[0] for f in files], "(InstanceNumber)"
    order = sorted(range(len(files)), key=lambda i: (keys[i], files[i].path))
    files, keys = [files[i] for i in order], np.array([keys[i] for i in order], dtype=float)
    steps = np.diff(keys)
    moving = steps[steps > 1e-3]
    median = float(np.median(moving)) if moving.size else 0.0
    for i in np.flatnonzero(steps <= max(1e-3, _SAME * median))[:1]:
        return None, (f"has duplicated slices: {name(files[i].path)!r} and {name(files[i + 1].path)!r} are "
                      f"both at position {keys[i]:g} {unit}; remove the copies, or split repeated "
                      "acquisitions into series of their own.")
    for i in np.flatnonzero(steps > _GAP * median)[:1] if unit == "mm" else ():
        return None, (f"has missing slices: a gap of {steps[i]:g} mm between {name(files[i].path)!r} "
                      f"(position {keys[i]:g}) and {name(files[i + 1].path)!r} (position {keys[i + 1]:g}), "
                      f"{steps[i] / median:.1f} times the median spacing {median:g} mm (about "
                      f"{round(steps[i] / median) - 1} slice(s) missing); add the missing files or remove "
                      "the series.")
    return files, None


def _check_options(labels, output, volume_shape, reader_params, groups):
    if labels not in ("folder", "csv"):
        raise ValueError(f"load_dicom_series: labels must be 'folder' or 'csv'; got {labels!r}.")
    if output not in ("slices", "volume"):
        raise ValueError(f"load_dicom_series: output must be 'slices' (one sample per slice) or "
                         f"'volume' (one per series); got {output!r}.")
    if output == "slices" and (volume_shape is not None or reader_params is not None):
        raise ValueError("load_dicom_series: volume_shape= and reader_params= apply with output='volume'; "
                         "for slices the files are read later, with the estimator's reader parameters.")
    shape = tuple(volume_shape) if isinstance(volume_shape, (tuple, list)) else ()
    if volume_shape is not None and (len(shape) != 3 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise ValueError(f"load_dicom_series: volume_shape must be three integers > 0, (depth, height, "
                         f"width); got {volume_shape!r}. Example: volume_shape=(64, 128, 128).")
    try:
        params = dict(reader_params or {})
        inspect.signature(read_dicom).bind(None, **params)
    except (TypeError, ValueError):
        raise ValueError(f"load_dicom_series: reader_params must be a dict of read_dicom's keyword "
                         f"arguments {list(inspect.signature(read_dicom).parameters)[1:]}, e.g. "
                         f"{{'window': (40, 400)}}; got {reader_params!r}.") from None
    from pydicom.datadict import tag_for_keyword

    if not isinstance(groups, str) or tag_for_keyword(groups) is None:
        raise ValueError(f"load_dicom_series: groups must be a DICOM keyword such as 'PatientID'; got "
                         f"{groups!r}.")
    return params


def _resample(volume, shape):
    if volume.shape[:3] == tuple(shape):
        return volume
    from scipy.ndimage import zoom

    factors = [t / s for t, s in zip(shape, volume.shape)] + [1.0] * (volume.ndim - 3)
    return np.clip(zoom(volume, factors, order=1, mode="nearest"), 0.0, 1.0).astype(np.float32)


def _headers(candidates, tag, policy):
    """``{series UID: [_File]}`` from the headers of ``[(path, label, group)]``."""
    series, seen = {}, set()
    for path, label, group in candidates:
        if path in seen:  # listed twice (a folder row and a file row): read once
            continue
        seen.add(path)
        try:
            ds, pixel_problem = _read_header(path)
        except ImageReadError as exc:
            policy(path, str(exc), ImageReadError)
            continue
        if ds.get("Rows") is None or ds.get("Columns") is None or pixel_problem:
            policy(path, f"DICOM file {path!r} has {pixel_problem or 'no image (no Rows/Columns)'}: it is not "
                   "an image slice, or it is truncated; remove it or replace it with a complete copy.",
                   ImageReadError)
        elif str(ds.get("NumberOfFrames") or "1").strip() != "1":
            policy(path, f"DICOM file {path!r} holds {ds.NumberOfFrames} frames; a series here is one file "
                   "per slice: read multi-frame files with read_dicom(path, frame=...).")
        elif not str(ds.get("SeriesInstanceUID") or "").strip():
            policy(path, f"DICOM file {path!r} has no SeriesInstanceUID (0020,000E), needed to group slices "
                   "into series; set it (e.g. with pydicom).")
        else:
            record = _File(path, label, group, ds, tag)
            series.setdefault(record.series, []).append(record)
    return series


def _volumes(ordered, volume_shape, params, policy):
    """``(X, loaded series UIDs)``: each series read, stacked and resampled, one at a time."""
    if volume_shape is None:
        shapes = {(len(files), *files[0].size): uid for uid, files in ordered.items()}
        if len(shapes) > 1:
            (sa, ua), (sb, ub) = list(shapes.items())[:2]
            raise ValueError(f"DICOM series {ua!r} has shape {sa} (slices, rows, columns) but series {ub!r} "
                             f"has {sb}; pass volume_shape=(depth, height, width), e.g. volume_shape={sa}, "
                             "to resample every series to one shape.")
    X, loaded = None, []
    for uid, files in ordered.items():
        try:
            images = [read_dicom(f.path, **params) for f in files]
        except ImageReadError as exc:
            policy(f"series {uid}", f"{_series_name(uid, files)} has a slice that does not read: {exc}")
            continue
        if len({image.shape for image in images}) > 1:
            policy(f"series {uid}", f"{_series_name(uid, files)} has slices that read to different shapes "
                   f"{sorted({image.shape for image in images})}; remove the odd files.")
            continue
        volume = np.stack(images).astype(np.float32, copy=False)
        volume = volume if volume_shape is None else _resample(volume, volume_shape)
        if X is None:
            X = np.empty((len(ordered), *volume.shape), np.float32)
        elif volume.shape != X.shape[1:]:
            raise ValueError(f"{_series_name(uid, files)} reads to a volume of shape {volume.shape} but series "
                             f"{loaded[0]!r} to {X.shape[1:]}: they differ in channels; pass reader_params "
                             "that give every series the same channels.")
        X[len(loaded)] = volume
        loaded.append(uid)
    return (None if X is None else X[:len(loaded)]), loaded


def _series_groups(ordered, loaded, tag, where):
    """``{series UID: group}``: the CSV group, else ``tag``, StudyInstanceUID, the UID (warned)."""
    groups, fallback = {}, {"StudyInstanceUID": 0, "SeriesInstanceUID": 0}
    for uid in loaded:
        first = ordered[uid][0]
        value, study = first.tags
        groups[uid] = first.group if first.group is not None else value or study or uid
        if first.group is None and not value:
            fallback["StudyInstanceUID" if study else "SeriesInstanceUID"] += 1
    if any(fallback.values()):
        used = " or the ".join(f"{k} ({n} series)" for k, n in fallback.items() if n)
        warnings.warn(f"{sum(fallback.values())} of {len(loaded)} DICOM series under {where!r} have no {tag}: "
                      f"their groups are the {used}, so one patient's series may land in different splits. "
                      f"Set {tag} in the files, or give the groups in a CSV column (labels='csv', "
                      "group_column=).", UserWarning, stacklevel=3)
    return groups


def load_dicom_series(source, *, labels="folder", csv=None, path_column="path", label_column="label",
                      group_column=None, output="slices", groups="PatientID", volume_shape=None,
                      reader_params=None, allow_outside_root=False, on_error="raise") -> ImageDataset:
    """Load DICOM series (CT, MR...): slices in order, or one volume per series.

    Files are found as by :func:`~medcnn_dicom.load_dicom`; only their headers
    are read (``stop_before_pixels``) to group them by SeriesInstanceUID and to
    order the slices of each series (see Notes).

    Parameters
    ----------
    source : str or os.PathLike
        ``labels="folder"``: the root, ``source/<class>/**/<files>`` (.dcm, .dicom
        or files with the "DICM" marker). ``labels="csv"``: the CSV file, or the
        folder that a relative ``csv`` is resolved against.
    labels : {"folder", "csv"}, default="folder"
        The class of a series: its first-level folder, or its CSV row's label.
        The CSV lists series folders (all DICOM files below them) or files,
        relative to its own folder.
    csv : str or os.PathLike, optional
        The CSV file when ``source`` is a folder (``labels="csv"`` only).
    path_column, label_column, group_column : str, default="path", "label", None
        CSV columns of the paths, the labels and the groups (instead of ``groups``).
    output : {"slices", "volume"}, default="slices"
        ``"slices"``: one 2-D sample per slice, ``X`` the paths. ``"volume"``: one
        sample per series, ``X`` a float32 array read now (see Notes).
    groups : str, default="PatientID"
        DICOM keyword of each series' group, for group-aware splits; a series
        without it takes its StudyInstanceUID, else its SeriesInstanceUID (warned).
    volume_shape : (int, int, int), optional
        ``"volume"``: resample each series to ``(depth, height, width)`` by linear
        interpolation (:func:`scipy.ndimage.zoom`); needed when series differ in shape.
    reader_params : dict, optional
        ``"volume"``: keyword arguments of :func:`~medcnn_dicom.read_dicom`, e.g.
        ``{"window": (40, 400)}``; several windows give channels.
    allow_outside_root : bool, default=False
        Accept CSV paths that resolve outside the CSV file's folder.
    on_error : {"raise", "skip"}, default="raise"
        For a file that does not read, has no (or cut-off) pixel data, several
        frames or no SeriesInstanceUID; an empty or missing CSV entry; a series
        with missing slices (a step between neighbouring positions over 1.5 times
        the median step), duplicated slices (one position), mixed Rows/Columns,
        inconsistent orientation, several labels, nothing to order by or
        (``"volume"``) a slice that does not read. ``"raise"``: an error naming
        the file or the series, its folder and files, and the fix; ``"skip"``:
        the file or series is left out.

    Returns
    -------
    ImageDataset
        ``"slices"``: ``X`` the paths, series by series in slice order; ``y`` and
        ``groups`` those of each slice's series; ``metadata`` ``"series"`` (UID),
        ``"slice"`` (index in its series), ``"n_slices"``, ``"modality"``.
        ``"volume"``: ``X`` of shape ``(n_series, d, h, w)``, or ``(n_series, d, h,
        w, c)`` when the reader gives channels; ``y``, ``groups`` and ``metadata``
        (without ``"slice"``) one per series.

    Raises
    ------
    ValueError
        Invalid parameters; series of different shapes without ``volume_shape``
        (naming two); nothing left to load; under ``"raise"``, a problem series.
    ImageReadError
        Under ``"raise"``, a file that does not read or has no pixel data.
    FileNotFoundError
        ``source`` or the CSV does not exist, or (``"raise"``) a listed path.

    Warns
    -----
    medcnn.exceptions.SkippedFilesWarning
        Under ``"skip"``: one warning counting the files and series left out,
        with the reason of each.
    UserWarning
        When series lack the ``groups`` tag, counting the fallbacks.

    Notes
    -----
    Slice order: when every file of a series has ImagePositionPatient and
    ImageOrientationPatient, a slice's position is its ImagePositionPatient
    projected on the slice normal, the cross product of the orientation's row
    and column vectors, and slices go by ascending position (feet to head for
    axial CT). Otherwise slices go by ascending InstanceNumber (duplicates are
    checked, gaps are not).

    ``output="volume"`` reads every series into memory now, as float32:
    ``n_series * d * h * w * 4`` bytes. A typical CT series of 300 slices of
    512 x 512 takes 300 * 512 * 512 * 4 B = 300 MiB, so 100 series need about
    30 GiB; with ``volume_shape=(64, 128, 128)`` a series takes 4 MiB. Series are
    read and resampled one at a time.

    Examples
    --------
    >>> import os, tempfile, pydicom
    >>> from pydicom.data import get_testdata_file
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "tumour", "s1"))
    >>> ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    >>> for z in (2.5, 0.0, 5.0):  # written out of order
    ...     ds.ImagePositionPatient, ds.SOPInstanceUID = [0, 0, z], pydicom.uid.generate_uid()
    ...     ds.save_as(os.path.join(root, "tumour", "s1", f"z{z}.dcm"))
    >>> data = load_dicom_series(root)
    >>> [os.path.basename(p) for p in data.X], data.metadata["slice"].tolist()
    (['z0.0.dcm', 'z2.5.dcm', 'z5.0.dcm'], [0, 1, 2])
    >>> load_dicom_series(root, output="volume", volume_shape=(4, 32, 32)).X.shape
    (1, 4, 32, 32)
    """
    params = _check_options(labels, output, volume_shape, reader_params, groups)
    if labels == "folder":
        given = [k for k, v, d in (("csv", csv, None), ("path_column", path_column, "path"),
                                   ("label_column", label_column, "label"), ("group_column", group_column, None),
                                   ("allow_outside_root", allow_outside_root, False)) if v != d]
        if given:
            raise ValueError(f"load_dicom_series: {given} only apply with labels='csv'; pass labels='csv' "
                             "for a CSV file, or leave them out for class folders.")
        where = str(Path(os.fspath(source)))
        policy = ErrorPolicy(on_error, where)
        candidates = _from_folders(Path(where))
    else:
        where = str(Path(os.fspath(source)) / os.fspath(csv) if csv is not None else Path(os.fspath(source)))
        policy = ErrorPolicy(on_error, where)
        columns = (path_column, label_column, group_column)
        candidates = _from_csv(Path(where), columns, allow_outside_root, policy)

    ordered = {}
    for uid, files in _headers(candidates, groups, policy).items():
        files_in_order, problem = _order(files)
        if problem:
            policy(f"series {uid}", f"{_series_name(uid, files)} {problem}")
        else:
            ordered[uid] = files_in_order
    if output == "volume":
        X, loaded = _volumes(ordered, volume_shape, params, policy)
    else:
        loaded = list(ordered)
        X = np.asarray([f.path for uid in loaded for f in ordered[uid]])
    policy.warn()
    if not loaded:
        raise ValueError(f"No DICOM series were loaded from {where!r}: every file or series was skipped "
                         "(see the warning); fix or replace them.")
    group_of = _series_groups(ordered, loaded, groups, where)
    rows = [(uid, i) for uid in loaded for i in (range(len(ordered[uid])) if output == "slices" else [None])]
    metadata = {"series": [uid for uid, _ in rows], "slice": [i for _, i in rows],
                "n_slices": [len(ordered[uid]) for uid, _ in rows],
                "modality": [ordered[uid][0].modality for uid, _ in rows]}
    metadata = {k: v for k, v in metadata.items() if output == "slices" or k != "slice"}
    y = [ordered[uid][0].label for uid, _ in rows]
    return ImageDataset(X, np.asarray(y), np.asarray([group_of[uid] for uid, _ in rows]), sorted(set(y)),
                        where, metadata=metadata)
