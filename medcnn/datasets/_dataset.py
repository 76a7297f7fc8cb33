"""ImageDataset, what every loader returns, and its "know your data" summary."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from medcnn._defaults import DEFAULT_MAX_SIDE, default_input_size
from medcnn.exceptions import ImageReadError

__all__ = ["ImageDataset", "inspect_image"]

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


@dataclass
class ImageDataset:
    """Images with labels, as every loader returns them.

    Parameters
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

    def __len__(self) -> int:
        return len(self.y)

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
            ``n_images``, ``classes`` (count per class), ``groups`` (count and
            images per group: min/max/mean, per class too) and, when inspected,
            ``sizes``, ``modes``, ``unreadable`` and ``small`` (lists of files).
        """
        y = np.asarray(self.y)
        info = {"source": self.source, "n_images": int(len(y)),
                "classes": {str(k): int(v) for k, v in sorted(Counter(y.tolist()).items(), key=str)}}
        if self.groups is not None:
            groups = np.asarray(self.groups)
            per_group = np.array(list(Counter(groups.tolist()).values()))
            info["groups"] = {"n_groups": int(len(per_group)), "images_per_group": {
                "min": int(per_group.min()), "max": int(per_group.max()), "mean": float(per_group.mean())}}
            info["groups"]["groups_per_class"] = {
                str(label): int(len(set(groups[y == label].tolist()))) for label in sorted(set(y.tolist()), key=str)}
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
        n = max(info["n_images"], 1)
        lines = [f"{info['n_images']} images, {len(info['classes'])} classes"]
        lines += [f"  class {k}: {v} ({v / n:.1%})" for k, v in info["classes"].items()]
        if "groups" in info:
            g = info["groups"]
            per = g["images_per_group"]
            lines.append(f"  groups (patients): {g['n_groups']}; images per group min {per['min']}, "
                         f"max {per['max']}, mean {per['mean']:.1f}")
            lines += [f"    with class {k}: {v} groups" for k, v in g["groups_per_class"].items()]
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
