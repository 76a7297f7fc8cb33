"""ImageDataset, what every loader returns, and its "know your data" summary.

A dataset's targets are of one of four tasks (:data:`TASKS`): class labels, one per
image (``"classification"``); a 0/1 indicator matrix, one column per label
(``"multilabel"``); numbers (``"regression"``); or scikit-survival's structured array
of ``(event, time)`` (``"survival"``).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from medcnn._defaults import DEFAULT_MAX_SIDE, default_input_size
from medcnn._provenance import remember_groups
from medcnn._survival import SURVIVAL_DTYPE
from medcnn.exceptions import ImageReadError

__all__ = ["ImageDataset", "inspect_image", "infer_task", "TASKS", "SURVIVAL_DTYPE"]

#: The tasks a dataset's targets can be of.
TASKS = ("classification", "multilabel", "regression", "survival")

#: A file whose smaller side is below this share of the most common size's smaller
#: side is reported as unusually small (IDC edge patches: 50x1, 50x6, 50x36).
SMALL_SHARE = 0.8


def inspect_image(path) -> tuple[tuple[int, int], str]:
    """Size ``(h, w)`` and mode of an image file, reading only its header when possible.

    Parameters
    ----------
    path : str or os.PathLike
        Image file.

    Returns
    -------
    tuple
        ``((height, width), mode)``; mode is Pillow's (``"RGB"``, ``"L"``, ``"I;16"``...)
        or, for files of other readers, ``"<channels>x<dtype>"``.

    Raises
    ------
    ImageReadError
        If the file cannot be read.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "edge.png")
    >>> Image.fromarray(np.zeros((1, 50, 3), np.uint8)).save(path)
    >>> inspect_image(path)
    ((1, 50), 'RGB')
    """
    from ._images import read_image, reader_for
    from ._readers import PILLOW_SUFFIXES, pillow_header

    path = str(os.fspath(path))
    if reader_for(path) in PILLOW_SUFFIXES:
        return pillow_header(path)
    array = read_image(path)
    channels = 1 if array.ndim == 2 else array.shape[-1]
    return tuple(int(s) for s in array.shape[:2]), f"{channels}x{array.dtype}"


def infer_task(y) -> str:
    """The task of the targets ``y``: one of :data:`TASKS`.

    A structured array with ``event`` and ``time`` fields is ``"survival"``; a 2-D
    array of 0/1 (or booleans) ``"multilabel"``, any other 2-D array ``"regression"``;
    a 1-D array of floats that are not all whole numbers ``"regression"``; anything
    else (strings, integers) ``"classification"``.

    Parameters
    ----------
    y : array-like
        Targets, one row per image.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> infer_task(["benign", "malignant"]), infer_task([[0, 1], [1, 1]]), infer_task([2.5, 3.0])
    ('classification', 'multilabel', 'regression')
    """
    y = np.asarray(y)
    if y.dtype.names is not None and {"event", "time"} <= set(y.dtype.names):
        return "survival"
    if y.ndim == 2:
        indicator = y.dtype.kind in "biuf" and bool(np.isin(y, (0, 1)).all())
        return "multilabel" if indicator else "regression"
    if y.dtype.kind == "f" and y.size and not np.all(np.mod(y[np.isfinite(y)], 1) == 0):
        return "regression"
    return "classification"


@dataclass
class ImageDataset:
    """Images with labels, as every loader returns them.

    Parameters
    ----------
    X : numpy.ndarray
        1-D array of file paths (or an image array for in-memory data).
    y : numpy.ndarray
        Targets, one per image: class labels ``(n,)``; for several labels per image a
        0/1 indicator matrix ``(n, n_labels)``; numbers ``(n,)`` or ``(n, n_targets)``;
        or, for survival, a structured array of ``(event, time)``
        (:data:`SURVIVAL_DTYPE`).
    groups : numpy.ndarray or None
        Patient or subject IDs, one per image, for group-aware splitting.
    target_names : list of str
        The class names, sorted; the label names (columns of ``y``) for several labels,
        the names of the numeric targets, or the ``[event, time]`` column names.
    source : str
        Where the data came from.
    task : {"classification", "multilabel", "regression", "survival"}, optional
        What ``y`` holds; inferred from ``y`` when not given (:func:`infer_task`).
    metadata : dict of str to numpy.ndarray, optional
        Facts about each image that loaders read on the way (a DICOM file's
        modality, series and pixel spacing; a volume's slice): ``{name: values}``
        with one value per image. :meth:`summary` and :meth:`describe` count them.

    Examples
    --------
    >>> import numpy as np
    >>> ds = ImageDataset(np.array(["a.png", "b.png"]), np.array(["0", "1"]), target_names=["0", "1"])
    >>> len(ds)
    2
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    target_names: list = field(default_factory=list)
    source: str = ""
    task: str | None = None
    metadata: dict | None = None

    def __post_init__(self):
        if self.metadata is not None:
            self.metadata = {str(k): np.asarray(v) for k, v in dict(self.metadata).items()}
            wrong = {k: len(v) for k, v in self.metadata.items() if v.ndim != 1 or len(v) != len(self.y)}
            if wrong:
                raise ValueError(
                    f"ImageDataset metadata must hold one value per image ({len(self.y)}); "
                    f"columns {sorted(wrong)} have lengths {sorted(wrong.values())}."
                )
        if self.task is None:
            self.task = infer_task(self.y)
        elif self.task not in TASKS:
            raise ValueError(f"task={self.task!r} is not valid; use one of {TASKS}.")
        if self.groups is not None:  # a fit of X without its groups can then say so
            remember_groups(self.X)

    def __len__(self) -> int:
        return len(self.y)

    def _names(self, y):
        """The name of each target column: ``target_names`` when they fit, else the column numbers."""
        n_columns = 1 if y.ndim == 1 else y.shape[1]
        names = [str(name) for name in self.target_names]
        if self.task in ("multilabel", "regression") and len(names) == n_columns:
            return names
        return ["target"] if n_columns == 1 else [str(j) for j in range(n_columns)]

    def summary(self, inspect: bool = True) -> dict:
        """The "know your data" facts as a dict (JSON-ready).

        Parameters
        ----------
        inspect : bool, default=True
            For file paths, open every file (header only for PNG/JPEG/BMP/TIFF) to
            report sizes, modes, unreadable and unusually small files.

        Returns
        -------
        dict
            ``source``, ``n_images``, ``task`` and the targets: for classification
            ``classes`` (count per class); for several labels ``labels`` (images with
            each label) and ``no_label`` (images with none); for numbers ``targets``
            (min, max, mean and standard deviation of each); for survival ``survival``
            (events, censored, time min/median/max). Then ``groups`` (count and images
            per group: min/max/mean, and groups per class, per label or with an event)
            and, when inspected, ``sizes``, ``modes``, ``unreadable`` and ``small``
            (lists of files). With :attr:`metadata`, ``metadata``: per column the
            number of distinct values and the count of each (the 10 most common).
        """
        y = np.asarray(self.y)
        info = {"source": self.source, "n_images": int(len(y)), "task": self.task,
                **_target_summary(y, self.task, self._names(y))}
        if self.groups is not None:
            groups = np.asarray(self.groups)
            per_group = np.array(list(Counter(groups.tolist()).values()))
            info["groups"] = {"n_groups": int(len(per_group)), "images_per_group": {
                "min": int(per_group.min()), "max": int(per_group.max()), "mean": float(per_group.mean())}}
            info["groups"].update(_groups_by_target(y, groups, self.task, self._names(y)))
        if self.metadata:
            info["metadata"] = {name: _value_counts(values) for name, values in self.metadata.items()}
        paths = np.asarray(self.X)
        if paths.ndim != 1:  # in-memory images
            info["sizes"] = {"x".join(map(str, paths.shape[1:3])): int(len(paths))}
            info["modes"] = {str(paths.dtype): int(len(paths))}
            return info
        if not inspect:
            return info
        sizes, modes, unreadable, shapes = Counter(), Counter(), [], {}
        for path in paths:
            try:
                (height, width), mode = inspect_image(path)
            except ImageReadError as exc:
                unreadable.append({"file": str(path), "error": str(exc)})
                continue
            shapes[str(path)] = (height, width)
            sizes[f"{height}x{width}"] += 1
            modes[mode] += 1
        info["sizes"] = dict(sizes.most_common())
        info["modes"] = dict(modes.most_common())
        info["unreadable"] = unreadable
        if shapes:
            common = Counter(shapes.values()).most_common(1)[0][0]
            limit = SMALL_SHARE * min(common)
            info["small"] = [{"file": p, "size": f"{h}x{w}"} for p, (h, w) in shapes.items()
                             if min(h, w) < limit]
        return info

    def describe(self, inspect: bool = True, max_files: int = 10) -> str:
        """A readable summary: classes, patients, image sizes and modes, problem files.

        Parameters
        ----------
        inspect : bool, default=True
            Open the files to report sizes, modes, unreadable and small files.
        max_files : int, default=10
            Problem files listed by name (the rest are counted).

        Returns
        -------
        str
            Several lines of text.

        Examples
        --------
        >>> import numpy as np
        >>> ds = ImageDataset(np.array(["a.png", "b.png"]), np.array([0, 1]), target_names=["0", "1"])
        >>> print(ds.describe(inspect=False).splitlines()[0])
        2 images, 2 classes
        """
        info = self.summary(inspect=inspect)
        lines = _target_lines(info)
        if "groups" in info:
            g = info["groups"]
            per = g["images_per_group"]
            lines.append(f"  groups (patients): {g['n_groups']}; images per group min {per['min']}, "
                         f"max {per['max']}, mean {per['mean']:.1f}")
            lines += [f"    with class {k}: {v} groups" for k, v in g.get("groups_per_class", {}).items()]
            lines += [f"    with label {k}: {v} groups" for k, v in g.get("groups_per_label", {}).items()]
            if "groups_with_event" in g:
                lines.append(f"    with an event: {g['groups_with_event']} groups")
        for name, counts in info.get("metadata", {}).items():
            shown = ", ".join(f"{k} ({v})" for k, v in counts["counts"].items())
            more = counts["n_distinct"] - len(counts["counts"])
            lines.append(f"  {name}: {counts['n_distinct']} distinct; {shown}"
                         + (f", {more} others" if more > 0 else ""))
        if "sizes" in info:
            sizes = list(info["sizes"].items())
            text = ", ".join(f"{k} ({v})" for k, v in sizes[:8])
            if len(sizes) > 8:
                text += f", {len(sizes) - 8} other sizes ({sum(v for _, v in sizes[8:])} images)"
            lines.append(f"  image sizes (h x w): {text}")
            lines.append("  modes: " + ", ".join(f"{k} ({v})" for k, v in info["modes"].items()))
            if sizes:
                lines.append("  " + _suggested_input(sizes[0][0]))
        for key, title in (("unreadable", "unreadable files"), ("small", "unusually small images")):
            items = info.get(key)
            if items is None:
                continue
            lines.append(f"  {title}: {len(items)}")
            for item in items[:max_files]:
                lines.append(f"    {item['file']}: {item.get('size') or item.get('error')}")
            if len(items) > max_files:
                lines.append(f"    ... and {len(items) - max_files} more")
        if self.source:
            lines.append(f"  source: {self.source}")
        return "\n".join(lines)


def _value_counts(values, top=10) -> dict:
    """``{"n_distinct": int, "counts": {value: count}}`` of the ``top`` most common values."""
    counts = Counter(str(v) for v in np.asarray(values).tolist())
    return {"n_distinct": len(counts), "counts": dict(counts.most_common(top))}


def _target_summary(y, task, names) -> dict:
    """The part of :meth:`ImageDataset.summary` that describes the targets ``y`` of ``task``."""
    if task == "multilabel":
        indicator = y.astype(int)
        return {"labels": {name: int(count) for name, count in zip(names, indicator.sum(axis=0))},
                "no_label": int((indicator.sum(axis=1) == 0).sum())}
    if task == "regression":
        values = y.astype(np.float64).reshape(len(y), -1)
        return {"targets": {name: {"min": float(column.min()), "max": float(column.max()),
                                   "mean": float(column.mean()), "std": float(column.std())}
                            if len(column) else {} for name, column in zip(names, values.T)}}
    if task == "survival":
        event, time = y["event"].astype(bool), y["time"].astype(np.float64)
        times = ({"min": float(time.min()), "median": float(np.median(time)), "max": float(time.max())}
                 if len(time) else {})
        return {"survival": {"events": int(event.sum()), "censored": int((~event).sum()), "time": times}}
    return {"classes": {str(k): int(v) for k, v in sorted(Counter(y.tolist()).items(), key=str)}}


def _groups_by_target(y, groups, task, names) -> dict:
    """Groups per class, per label (groups with the label) or with an event, for :meth:`ImageDataset.summary`."""
    if task == "multilabel":
        return {"groups_per_label": {name: int(len(set(groups[y[:, j].astype(int) == 1].tolist())))
                                     for j, name in enumerate(names)}}
    if task == "survival":
        return {"groups_with_event": int(len(set(groups[y["event"].astype(bool)].tolist())))}
    if task == "regression":
        return {}
    return {"groups_per_class": {str(label): int(len(set(groups[y == label].tolist())))
                                 for label in sorted(set(y.tolist()), key=str)}}


def _target_lines(info) -> list:
    """The first lines of :meth:`ImageDataset.describe`: the images and their targets."""
    n_images = info["n_images"]
    n = max(n_images, 1)
    if "labels" in info:
        lines = [f"{n_images} images, {len(info['labels'])} labels (several per image)"]
        lines += [f"  label {k}: {v} ({v / n:.1%})" for k, v in info["labels"].items()]
        return lines + [f"  no label: {info['no_label']} ({info['no_label'] / n:.1%})"]
    if "targets" in info:
        targets = info["targets"]
        lines = [f"{n_images} images, {len(targets)} numeric target{'s' if len(targets) != 1 else ''}"]
        return lines + [f"  target {k}: min {v['min']:.4g}, max {v['max']:.4g}, mean {v['mean']:.4g}, "
                        f"sd {v['std']:.4g}" for k, v in targets.items() if v]
    if "survival" in info:
        s = info["survival"]
        lines = [f"{n_images} images, survival times",
                 f"  events: {s['events']} ({s['events'] / n:.1%}), censored: {s['censored']} "
                 f"({s['censored'] / n:.1%})"]
        if s["time"]:
            t = s["time"]
            lines.append(f"  time: min {t['min']:.4g}, median {t['median']:.4g}, max {t['max']:.4g}")
        return lines
    lines = [f"{n_images} images, {len(info['classes'])} classes"]
    return lines + [f"  class {k}: {v} ({v / n:.1%})" for k, v in info["classes"].items()]


def _suggested_input(common: str) -> str:
    """The line of ``describe`` on the input size CNNClassifier chooses for images of ``common`` ("HxW")."""
    height, width = (int(s) for s in common.split("x"))
    size = default_input_size((height, width))
    if size == (height, width):
        return (f"network input by default: {height}x{width}, the most common image size "
                f"(networks trained from scratch take images up to {DEFAULT_MAX_SIDE} px as they are)")
    return (f"network input by default: {size[0]}x{size[1]}: images resized, the most common size "
            f"{height}x{width} scaled to a longest side of {DEFAULT_MAX_SIDE} px (networks trained from "
            "scratch); pass image_size= (--image-size) for another size")
