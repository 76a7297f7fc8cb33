"""Built-in dataset loaders and the object they return."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcnn.hookspecs import hookimpl

__all__ = ["ImageDataset", "load_directory", "load"]


@dataclass
class ImageDataset:
    """Images with labels, as every loader returns them.

    Attributes
    ----------
    X : numpy.ndarray
        1-D array of file paths (or an image array for in-memory data).
    y : numpy.ndarray
        Labels, one per image.
    groups : numpy.ndarray or None
        Patient or subject IDs, one per image, for group-aware splitting.
    target_names : list of str
        The class names, sorted.
    source : str
        Where the data came from.
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    target_names: list = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return len(self.y)

    def describe(self) -> str:
        """A short summary: size, classes with counts, groups.

        Returns
        -------
        str
            Several lines: the number of images and classes, then one line per
            class with its count and share, then the number of groups and the
            source when known.

        Examples
        --------
        >>> import numpy as np
        >>> ds = ImageDataset(np.array(["a.png", "b.png"]), np.array([0, 1]), target_names=["0", "1"])
        >>> print(ds.describe().splitlines()[0])
        2 images, 2 classes
        """
        counts = Counter(self.y.tolist())
        lines = [f"{len(self)} images, {len(counts)} classes"]
        for name in sorted(counts, key=str):
            lines.append(f"  {name}: {counts[name]} ({counts[name] / max(len(self), 1):.1%})")
        if self.groups is not None:
            lines.append(f"  groups: {len(np.unique(self.groups))}")
        if self.source:
            lines.append(f"  source: {self.source}")
        return "\n".join(lines)


def load_directory(source, split=None, suffixes=None, group_pattern=None) -> ImageDataset:
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
    if suffixes is None:
        from medcnn.registry import image_readers

        suffixes = image_readers.names()
    suffixes = {"." + s.lower().lstrip(".") for s in suffixes}
    paths, labels = [], []
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    for class_dir in class_dirs:
        files = sorted(p for p in class_dir.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        paths += [str(p) for p in files]
        labels += [class_dir.name] * len(files)
    if not paths:
        raise ValueError(
            f"No image files found under {str(root)!r}: expected class folders "
            f"(e.g. {str(root / '0')!r}) holding files with suffixes {sorted(suffixes)}. "
            f"Folders seen: {[d.name for d in class_dirs] or 'none'}."
        )
    groups = None
    if group_pattern is not None:
        regex = re.compile(group_pattern)
        groups = []
        for path in paths:
            match = regex.search(Path(path).name)
            if match is None:
                raise ValueError(
                    f"group_pattern {group_pattern!r} does not match the file name of {path!r}; "
                    "fix the pattern or move files without a patient ID out of the tree."
                )
            groups.append(match.group(1) if regex.groups else match.group(0))
        groups = np.asarray(groups)
    y = np.asarray(labels)
    return ImageDataset(np.asarray(paths), y, groups, sorted(set(labels)), str(root))


def load(loader: str, source, **params) -> ImageDataset:
    """Load a dataset with a registered loader.

    Parameters
    ----------
    loader : str
        Registered loader name (``"directory"``; plugins add more).
    source : str or os.PathLike
        What to load (folder, file).
    **params
        Passed to the loader.

    Returns
    -------
    ImageDataset
        What the loader returns: images (or paths), labels and, if the loader
        provides them, groups.

    Raises
    ------
    UnknownNameError
        If no loader is registered as ``loader``.

    Examples
    --------
    >>> from medcnn.datasets import load
    >>> load("no-such-loader", ".")
    Traceback (most recent call last):
    ...
    medcnn.exceptions.UnknownNameError: Unknown dataset loader 'no-such-loader'. Available: ...
    """
    from medcnn.registry import dataset_loaders

    return dataset_loaders.get(loader).factory(source, **params)


@hookimpl
def register_dataset_loaders(register):
    register("directory", load_directory, description="Class-per-folder tree: root/<class>/<images>")
