"""Built-in dataset loaders: directory trees, the IDC layouts, CSV manifests, arrays.

Policy for problem files (``on_error``): with ``"raise"`` (default) the first
problem raises an error naming the file and the fix; with ``"skip"`` problem files
are left out and ONE :class:`~medcnn.exceptions.SkippedFilesWarning` counts them and
names them. Problems are: zero-byte files, files that do not read or claim more pixels
than ``PIL.Image.MAX_IMAGE_PIXELS`` (only checked with ``verify=True``, which opens
every file), manifest rows whose file is missing, and class folders without images.
Files whose suffix no image reader handles are always left out with a warning that
counts them; hidden files (``.DS_Store``) are ignored.
"""

from __future__ import annotations

import csv
import inspect
import os
import re
import warnings
from pathlib import Path

import numpy as np

from medcnn.exceptions import ImageReadError, SkippedFilesWarning

from ._dataset import ImageDataset, infer_task, inspect_image
from ._images import read_image
from ._manifest import ManifestTargets
from ._readers import _check_pixels

__all__ = ["ErrorPolicy", "load", "load_directory", "load_idc", "load_csv", "load_arrays", "guess_loader",
           "IDC_PATIENT_PATTERN"]

#: Patient ID in the IDC file names: ``<patient>_idx5_x<X>_y<Y>_class<C>.png``.
IDC_PATIENT_PATTERN = r"^(\d+)_idx5_"
ON_ERROR = ("raise", "skip")
#: Formats whose data Pillow's verify() does not check (a truncated JPEG passes it):
#: ``verify=True`` decodes these files whole.
_DATA_UNVERIFIED = (".jpg", ".jpeg")
_LISTED = 10


class ErrorPolicy:
    """The ``on_error`` policy of a loader: raise at once, or collect and warn once.

    Loader plugins use it so that every loader treats problem files the same way.

    Parameters
    ----------
    on_error : {"raise", "skip"}
        ``"raise"``: the first problem raises. ``"skip"``: problems are collected and
        :meth:`warn` issues one :class:`~medcnn.exceptions.SkippedFilesWarning`.
    source : str
        What is being loaded (folder or file), for the warning.

    Examples
    --------
    >>> import warnings
    >>> policy = ErrorPolicy("skip", "scans/")
    >>> policy("scans/a.png", "Image file 'scans/a.png' is empty (0 bytes).")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     policy.warn()
    >>> str(caught[0].message)
    "Skipped 1 problem file(s) under 'scans/': scans/a.png (Image file 'scans/a.png' is empty (0 bytes).)"
    """

    def __init__(self, on_error, source):
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error={on_error!r} is not valid; use one of {ON_ERROR}.")
        self.on_error, self.source, self.items = on_error, source, []

    def __call__(self, what, message, error=ValueError):
        """Report a problem with ``what``: raise ``error(message + fix)`` or record it."""
        if self.on_error == "raise":
            raise error(f"{message} Fix or remove it, or pass on_error='skip' to leave such files out.")
        self.items.append(f"{what} ({message})")

    def warn(self, ignored=()):
        """Issue the warning for what was skipped (and for ``ignored`` non-image files).

        Parameters
        ----------
        ignored : iterable of str, default=()
            Files left out because no image reader handles their suffix; counted
            in a warning of their own.
        """
        for items, title in ((self.items, "problem"), (list(ignored), "non-image")):
            if items:
                listed = "; ".join(items[:_LISTED]) + ("; ..." if len(items) > _LISTED else "")
                warnings.warn(f"Skipped {len(items)} {title} file(s) under {self.source!r}: {listed}",
                              SkippedFilesWarning, stacklevel=3)


def _image_suffixes(suffixes=None):
    if suffixes is None:
        from medcnn.registry import image_readers

        suffixes = image_readers.names()
    return {"." + s.lower().lstrip(".") for s in suffixes}


def _check_file(path: Path, problems: ErrorPolicy, verify: bool) -> bool:
    if path.stat().st_size == 0:
        problems(str(path), f"Image file {str(path)!r} is empty (0 bytes).", ImageReadError)
        return False
    if verify:
        try:
            (height, width), _ = inspect_image(path)
            _check_pixels(str(path), (width, height))  # decompression bombs
            if path.suffix.lower() in _DATA_UNVERIFIED:
                read_image(path)
        except ImageReadError as exc:
            problems(str(path), str(exc), ImageReadError)
            return False
    return True


def _groups_from_names(paths, pattern):
    regex = re.compile(pattern)
    groups = []
    for path in paths:
        match = regex.search(Path(path).name)
        if match is None:
            raise ValueError(
                f"group_pattern {pattern!r} does not match the file name of {path!r}; fix the "
                "pattern or move files without a patient ID out of the tree."
            )
        groups.append(match.group(1) if regex.groups else match.group(0))
    return np.asarray(groups)


def _dataset(paths, labels, groups, source):
    if not paths:
        raise ValueError(f"No usable image files under {source!r}.")
    return ImageDataset(np.asarray(paths), np.asarray(labels),
                        None if groups is None else np.asarray(groups), sorted(set(labels)), source)


def load_directory(source, split=None, suffixes=None, group_pattern=None, on_error="raise",
                   verify=False) -> ImageDataset:
    r"""Load a class-per-folder tree: ``source/[split/]<class>/<image files>``.

    Parameters
    ----------
    source : str or os.PathLike
        Root folder.
    split : str, optional
        Sub-folder to use (``"train"``, ``"Valid"``...), for trees that hold splits.
    suffixes : iterable of str, optional
        File suffixes to take; defaults to every suffix an image reader is registered for.
    group_pattern : str, optional
        Regular expression searched in each file name; its first group (or the whole
        match) is the patient/subject ID, returned as ``groups``. For the IDC patches
        (``10253_idx5_x501_y351_class0.png``) use ``r"^(\d+)_idx5_"``. A file name
        that does not match is an error naming the file.
    on_error : {"raise", "skip"}, default="raise"
        Policy for empty or unreadable files and class folders without images (see
        the module notes).
    verify : bool, default=False
        Open every file now (header and data check) instead of failing at training.

    Returns
    -------
    ImageDataset
        Paths sorted by class then file name; ``y`` holds the folder names.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> root = tempfile.mkdtemp()
    >>> for label in ("benign", "malignant"):
    ...     os.makedirs(os.path.join(root, label))
    ...     Image.fromarray(np.zeros((8, 8), np.uint8)).save(os.path.join(root, label, "a.png"))
    >>> load_directory(root).target_names
    ['benign', 'malignant']
    """
    root = Path(os.fspath(source))
    if split is not None:
        root = root / split
    if not root.is_dir():
        raise FileNotFoundError(
            f"Dataset folder {str(root)!r} does not exist or is not a folder; expected "
            "<root>/<class name>/<image files>."
        )
    wanted = _image_suffixes(suffixes)
    problems = ErrorPolicy(on_error, str(root))
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not class_dirs:
        raise ValueError(f"{str(root)!r} holds no class folders; expected <root>/<class name>/<image files>.")
    paths, labels, ignored = [], [], []
    for class_dir in class_dirs:
        found = 0
        for path in sorted(p for p in class_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
            if path.suffix.lower() not in wanted:
                ignored.append(str(path))
            elif _check_file(path, problems, verify):
                paths.append(str(path))
                labels.append(class_dir.name)
                found += 1
        if not found:
            problems(str(class_dir), f"Class folder {str(class_dir)!r} holds no usable images.")
    problems.warn(ignored)
    groups = None if group_pattern is None else _groups_from_names(paths, group_pattern)
    return _dataset(paths, labels, groups, str(root))


def load_idc(source, split=None, on_error="raise", verify=False) -> ImageDataset:
    """Load the Breast Histopathology (IDC) patches with patient IDs as groups.

    Both published layouts are recognised: the original ``<patient>/<0|1>/*.png``
    tree and the flat ``<0|1>/<patient>_idx5_x.._y.._class<c>.png`` tree. Class
    ``0`` is IDC-negative (benign), ``1`` IDC-positive (malignant).

    Parameters
    ----------
    source : str or os.PathLike
        The folder holding either layout (or its splits, with ``split``).
    split : str, optional
        Sub-folder such as ``"Train"`` or ``"Valid"``.
    on_error : {"raise", "skip"}, default="raise"
        Policy for empty or unreadable files (see the module notes).
    verify : bool, default=False
        Open every file now.

    Returns
    -------
    ImageDataset
        ``y`` holds ``"0"``/``"1"``, ``groups`` the patient IDs.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> root = tempfile.mkdtemp()
    >>> for c in "01":
    ...     os.makedirs(os.path.join(root, c))
    ...     name = f"8863_idx5_x51_y1251_class{c}.png"
    ...     Image.fromarray(np.zeros((50, 50, 3), np.uint8)).save(os.path.join(root, c, name))
    >>> ds = load_idc(root)
    >>> ds.groups.tolist(), ds.y.tolist()
    (['8863', '8863'], ['0', '1'])
    """
    root = Path(os.fspath(source))
    if split is not None:
        root = root / split
    if not root.is_dir():
        raise FileNotFoundError(f"IDC folder {str(root)!r} does not exist or is not a folder.")
    subdirs = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if subdirs and set(subdirs) <= {"0", "1"}:  # flat layout
        dataset = load_directory(root, group_pattern=IDC_PATIENT_PATTERN, on_error=on_error, verify=verify)
        for path, label in zip(dataset.X, dataset.y):
            tag = re.search(r"_class(\d)\.", Path(path).name)
            if tag and tag.group(1) != label:
                raise ValueError(f"{path!r} is in class folder {label!r} but its name says class "
                                 f"{tag.group(1)}; move it to the right folder.")
        return dataset
    if subdirs and all((root / d / "0").is_dir() or (root / d / "1").is_dir() for d in subdirs):
        wanted = _image_suffixes()
        problems = ErrorPolicy(on_error, str(root))
        paths, labels, groups, ignored = [], [], [], []
        for patient in subdirs:
            for label in ("0", "1"):
                folder = root / patient / label
                if not folder.is_dir():
                    continue
                for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
                    if path.suffix.lower() not in wanted:
                        ignored.append(str(path))
                    elif _check_file(path, problems, verify):
                        paths.append(str(path))
                        labels.append(label)
                        groups.append(patient)
        problems.warn(ignored)
        return _dataset(paths, labels, groups, str(root))
    raise ValueError(
        f"{str(root)!r} is not an IDC tree: expected class folders '0' and '1' (flat layout) or "
        f"patient folders holding '0'/'1' (original layout); found folders {subdirs[:10] or 'none'}. "
        "Pass split='Train' if the splits are one level down."
    )


def load_csv(source, path_column="path", label_column="label", group_column=None, root=None,
             allow_outside_root=False, on_error="raise", verify=False, *, task="auto", time_column=None,
             event_column=None) -> ImageDataset:
    """Load a CSV manifest with one row per image.

    Parameters
    ----------
    source : str or os.PathLike
        The CSV file (comma-separated, with a header row).
    path_column : str, default="path"
        Column holding the image path.
    label_column : str or list of str, default="label"
        Column holding the label; a list of columns for several labels per image
        (one 0/1 column per label) or several numeric targets.
    group_column : str, optional
        Column holding the patient/subject ID.
    root : str or os.PathLike, optional
        Folder that relative paths are resolved against; defaults to the CSV's folder.
    allow_outside_root : bool, default=False
        Paths that resolve outside ``root`` (``../x.png``, absolute paths elsewhere)
        are refused unless this is True, so a manifest cannot point anywhere on disk.
    on_error : {"raise", "skip"}, default="raise"
        Policy for rows whose file is missing, empty or unreadable, whose label (or
        time, event) cell is empty, or whose survival time is negative or infinite.
    verify : bool, default=False
        Open every file now.
    task : {"auto", "classification", "multilabel", "regression", "survival"}, default="auto"
        What the target columns hold. ``"classification"``: one class label per image
        (text, kept as it reads). ``"multilabel"``: two or more label columns of 1/0
        (also true/false, yes/no); ``y`` is the ``(n, n_labels)`` 0/1 indicator matrix.
        ``"regression"``: the label column(s) are numbers; ``y`` is float, ``(n,)`` for
        one column. ``"survival"``: ``time_column`` and ``event_column``; ``y`` is
        scikit-survival's structured array of ``(event, time)``. ``"auto"``: survival
        when ``time_column`` or ``event_column`` is given, multilabel for a list of
        two or more label columns, else classification. A cell of the wrong form
        (``2`` in a 0/1 column, ``n/a`` for a number) is an error naming the file,
        line, column and value, whatever ``on_error``.
    time_column : str, optional
        Survival: the column of follow-up times (finite and >= 0).
    event_column : str, optional
        Survival: the column of event indicators, 1 (the event happened) or 0
        (censored); also true/false, yes/no.

    Returns
    -------
    ImageDataset
        ``target_names`` holds the sorted class names, or the label columns (several
        labels, numbers), or ``[event_column, time_column]`` (survival); ``task`` the
        task read.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> root = tempfile.mkdtemp()
    >>> Image.fromarray(np.zeros((8, 8), np.uint8)).save(os.path.join(root, "a.png"))
    >>> with open(os.path.join(root, "labels.csv"), "w") as f:
    ...     _ = f.write("path,label,patient,effusion,nodule,age,months,died\\na.png,benign,P1,1,0,63,14.5,1\\n")
    >>> manifest = os.path.join(root, "labels.csv")
    >>> load_csv(manifest, group_column="patient").groups.tolist()
    ['P1']
    >>> ds = load_csv(manifest, label_column=["effusion", "nodule"])
    >>> ds.task, ds.y.tolist(), ds.target_names
    ('multilabel', [[1, 0]], ['effusion', 'nodule'])
    >>> load_csv(manifest, label_column="age", task="regression").y
    array([63.])
    >>> load_csv(manifest, time_column="months", event_column="died").y
    array([( True, 14.5)], dtype=[('event', '?'), ('time', '<f8')])
    """
    targets = ManifestTargets(task, label_column, time_column, event_column)
    manifest = Path(os.fspath(source))
    if not manifest.is_file():
        raise FileNotFoundError(f"CSV manifest {str(manifest)!r} not found.")
    base = Path(os.fspath(root)) if root is not None else manifest.parent
    base = base.resolve()
    problems = ErrorPolicy(on_error, str(manifest))
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        needed = [c for c in (path_column, *targets.columns, group_column) if c is not None]
        missing = [c for c in needed if c not in columns]
        if missing:
            raise ValueError(f"CSV manifest {str(manifest)!r} has no column(s) {missing}; its columns are "
                             f"{columns}. Pass path_column=, {targets.parameters}, group_column= to match.")
        paths, values, groups = [], [], []
        for line, row in enumerate(reader, start=2):
            raw = (row[path_column] or "").strip()
            cells = {column: (row[column] or "").strip() for column in targets.columns}
            where = f"{str(manifest)!r} line {line}"
            empty = [column for column, text in cells.items() if not text]
            if not raw or empty:
                problems(where, targets.empty_message(where, ([path_column] if not raw else []) + empty))
                continue
            value = targets.parse(cells, where, problems)
            if value is None:
                continue
            path = (base / raw).resolve()
            if not allow_outside_root and not path.is_relative_to(base):
                raise ValueError(f"Row at {where} points outside {str(base)!r}: {raw!r}. Move the file "
                                 "under the root or pass allow_outside_root=True if you trust the manifest.")
            if not path.is_file():
                problems(str(path), f"Row at {where}: image file {str(path)!r} not found.", FileNotFoundError)
                continue
            if _check_file(path, problems, verify):
                paths.append(str(path))
                values.append(value)
                groups.append((row[group_column] or "").strip() if group_column else None)
    problems.warn()
    if targets.task == "classification":
        return _dataset(paths, values, groups if group_column else None, str(manifest))
    if not paths:
        raise ValueError(f"No usable image files under {str(manifest)!r}.")
    y, names = targets.dataset_targets(values)
    return ImageDataset(np.asarray(paths), y, np.asarray(groups) if group_column else None, names, str(manifest),
                        task=targets.task)


def load_arrays(source, y, groups=None, target_names=None) -> ImageDataset:
    """Wrap in-memory images so every loader returns the same object.

    Parameters
    ----------
    source : array-like
        Images ``(n, h, w[, c])`` or a sequence of file paths.
    y : array-like of shape (n,) or (n, n_columns)
        Labels; or a 0/1 indicator matrix (several labels), numbers, or survival
        times as scikit-survival's structured array of ``(event, time)``.
    groups : array-like of shape (n,), optional
        Patient/subject IDs.
    target_names : list, optional
        Class names; defaults to the sorted unique labels (the column numbers of a
        2-D ``y``, ``["event", "time"]`` for survival, none for 1-D numbers).

    Returns
    -------
    ImageDataset

    Examples
    --------
    >>> import numpy as np
    >>> load_arrays(np.zeros((2, 8, 8)), [0, 1]).target_names
    [0, 1]
    """
    X, y = np.asarray(source), np.asarray(y)
    if len(X) != len(y) or (groups is not None and len(groups) != len(y)):
        raise ValueError(f"X, y and groups must have the same length; got {len(X)}, {len(y)} and "
                         f"{'no groups' if groups is None else len(groups)}.")
    task = infer_task(y)
    if target_names is not None:
        names = list(target_names)
    elif task == "classification":
        names = sorted(set(y.tolist()), key=str)
    else:
        names = ["event", "time"] if task == "survival" else list(range(y.shape[1])) if y.ndim == 2 else []
    return ImageDataset(X, y, None if groups is None else np.asarray(groups), names, "arrays", task=task)


def guess_loader(source) -> str:
    """Loader name for ``source``: ``"csv"`` for a .csv file, ``"idc"`` for an IDC tree,
    else ``"directory"``.

    Parameters
    ----------
    source : str or os.PathLike
        File or folder.

    Returns
    -------
    str
        The name of a registered loader, for :func:`load`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from medcnn.datasets import guess_loader
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = Path(tmp)
    ...     (root / "manifest.csv").touch()
    ...     (root / "idc" / "0").mkdir(parents=True)
    ...     (root / "idc" / "0" / "10253_idx5_x501_y351_class0.png").touch()
    ...     (root / "tree" / "benign").mkdir(parents=True)
    ...     [guess_loader(root / name) for name in ("manifest.csv", "idc", "tree")]
    ['csv', 'idc', 'directory']
    """
    path = Path(os.fspath(source))
    if path.is_file() and path.suffix.lower() == ".csv":
        return "csv"
    if path.is_dir():
        for class_dir in (path / "0", path / "1"):
            if class_dir.is_dir():
                first = next((p.name for p in class_dir.iterdir()
                              if p.is_file() and not p.name.startswith(".")), "")
                if re.match(IDC_PATIENT_PATTERN, first):
                    return "idc"
        # original layout: <patient>/<0|1>/*.png (the same test load_idc applies)
        subdirs = [d for d in path.iterdir() if d.is_dir() and not d.name.startswith(".")]
        if subdirs and all((d / "0").is_dir() or (d / "1").is_dir() for d in subdirs):
            return "idc"
    return "directory"


def load(loader: str, source, **params) -> ImageDataset:
    """Load a dataset with a registered loader.

    Parameters
    ----------
    loader : str
        Registered loader name: ``"directory"``, ``"idc"``, ``"csv"``, ``"arrays"``;
        plugins add more (``"dicom"``).
    source : str or os.PathLike or array-like
        What to load (folder, file, arrays).
    **params
        Passed to the loader.

    Returns
    -------
    ImageDataset
        Paths (or images), labels, groups and class names from the loader.

    Raises
    ------
    UnknownNameError
        If no plugin registered ``loader``; the message lists the available loaders.

    Examples
    --------
    >>> from medcnn.datasets import load
    >>> load("no-such-loader", ".")
    Traceback (most recent call last):
    ...
    medcnn.exceptions.UnknownNameError: Unknown dataset loader 'no-such-loader'. Available: ...
    """
    from medcnn.registry import dataset_loaders

    factory = dataset_loaders.get(loader).factory
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature to check against: let the call say
        signature = None
    if signature is not None:
        try:
            signature.bind(source, **params)
        except TypeError as exc:
            accepted = [name for name, p in list(signature.parameters.items())[1:]
                        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
            raise ValueError(f"The {loader!r} dataset loader does not take {sorted(params)}: {exc}. "
                             f"Its parameters: {', '.join(accepted) or 'none'}.") from None
    return factory(source, **params)
