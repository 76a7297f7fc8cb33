"""Finding NIfTI images in class folders and the masks that go with them.

Mask files lying next to images are recognised by name: ``<prefix><sep><tag>.nii[.gz]``
with ``<sep>`` ``_`` or ``-`` and ``<tag>`` one of :data:`MASK_TAGS` (any case), such
as BraTS's ``BraTS2021_00000_seg.nii.gz``. Such a file is a mask, never an image. It
belongs to the images in the same folder whose name (without ``.nii[.gz]``) is
``<prefix>`` or starts with ``<prefix>_`` or ``<prefix>-`` (``BraTS2021_00000_flair``,
``BraTS2021_00000_t1``); an image that several masks fit takes the one with the
longest prefix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._header import is_nifti_name, nifti_stem

__all__ = ["MASK_TAGS", "mask_prefix", "sibling_mask", "scan_folder", "mirrored_mask"]

MASK_TAGS = ("seg", "segmentation", "mask", "label", "labels", "roi")
_MASK_NAME = re.compile(r"^(?P<prefix>.+)[_-](?:" + "|".join(MASK_TAGS) + r")$", re.IGNORECASE)


def mask_prefix(name):
    """The ``<prefix>`` of a mask file name, or None when the name is not a mask's.

    Examples
    --------
    >>> mask_prefix("BraTS2021_00000_seg.nii.gz"), mask_prefix("case7-Mask.nii"), mask_prefix("t1.nii")
    ('BraTS2021_00000', 'case7', None)
    """
    if not is_nifti_name(name):
        return None
    match = _MASK_NAME.match(nifti_stem(name))
    return match.group("prefix") if match else None


def sibling_mask(image, masks):
    """The mask in ``masks`` (paths of mask files in the image's folder) that the
    naming rule pairs with ``image``, or None."""
    stem = nifti_stem(image)
    fitting = [(len(prefix), str(path)) for path in masks
               for prefix in [mask_prefix(Path(path).name)]
               if prefix and (stem == prefix or stem.startswith((prefix + "_", prefix + "-")))]
    return max(fitting)[1] if fitting else None


def folder_masks(folder):
    """The mask files in ``folder`` by the naming rule (not recursive)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [e.path for e in entries if e.is_file() and not e.name.startswith(".") and mask_prefix(e.name)]


def scan_folder(root: Path, exclude=None):
    """``[(image path, class, sibling mask or None)]`` for ``root/<class>/**/*.nii[.gz]``,
    class then path order; mask files are left out of the images. A class folder that
    is ``exclude`` (a masks tree inside ``root``) is skipped."""
    if not root.is_dir():
        hint = " For a CSV of paths and labels pass labels='csv'." if root.suffix.lower() == ".csv" else ""
        raise FileNotFoundError(
            f"NIfTI dataset folder {str(root)!r} does not exist or is not a folder; expected "
            f"<root>/<class name>/**/<files>.nii[.gz].{hint}")
    exclude = exclude.resolve() if exclude is not None else None
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")
                        and (exclude is None or d.resolve() != exclude))
    found = []
    for class_dir in class_dirs:
        by_folder = {}
        for path in class_dir.rglob("*"):
            relative = path.relative_to(class_dir)
            if any(part.startswith(".") for part in relative.parts) or not is_nifti_name(path.name) \
                    or not path.is_file():
                continue
            by_folder.setdefault(path.parent, []).append(path)
        for folder in sorted(by_folder):
            files = sorted(by_folder[folder])
            masks = [p for p in files if mask_prefix(p.name)]
            found += [(str(p), class_dir.name, sibling_mask(p, masks)) for p in files if p not in masks]
    if not found:
        raise ValueError(
            f"No NIfTI images found under {str(root)!r}: expected class folders (e.g. "
            f"{str(root / 'glioma')!r}) holding .nii or .nii.gz files at any depth (files named "
            f"<case>_seg.nii.gz and the like are masks, not images). Class folders seen: "
            f"{[d.name for d in class_dirs] or 'none'}.")
    return sorted(found, key=lambda item: (item[1], item[0]))


def mirrored_mask(image, base: Path, masks_root: Path) -> str:
    """The mask of ``image`` in the tree ``masks_root`` that mirrors ``base``: the same
    relative path; if that file does not exist but the other NIfTI suffix does
    (``.nii`` for ``.nii.gz`` and back), that one."""
    relative = Path(image).resolve().relative_to(base.resolve())
    candidate = masks_root / relative
    if not candidate.is_file():
        stem = nifti_stem(candidate.name)
        for suffix in (".nii.gz", ".nii"):
            other = candidate.with_name(stem + suffix)
            if other.is_file():
                return str(other)
    return str(candidate)
