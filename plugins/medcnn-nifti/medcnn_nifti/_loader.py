"""The NIfTI dataset loader: volumes in class folders or a CSV, cut into slice samples."""

from __future__ import annotations

import csv as csv_module
import os
from pathlib import Path

import numpy as np

from medcnn.datasets import ErrorPolicy, ImageDataset, frame_reference, load_csv
from medcnn.exceptions import ImageReadError

from ._header import open_nifti
from ._pairing import folder_masks, mirrored_mask, scan_folder, sibling_mask
from ._slices import (FOUR_D_HINT, MASK_POLICIES, SLICE_POLICIES, check_mask_labels, choose_slices,
                      mask_counts)
from ._volume import check_axis

__all__ = ["load_nifti"]

_LABELS = ("folder", "csv")


def _csv_path(source, csv):
    """The CSV file: ``source`` itself, or ``csv`` resolved against the folder ``source``."""
    source = Path(os.fspath(source))
    if csv is None:
        if source.is_dir():
            raise ValueError(f"labels='csv' needs a CSV file: pass it as source or as csv=; source "
                             f"{str(source)!r} is a folder.")
        return source
    if source.is_file() and source.suffix.lower() == ".csv":
        raise ValueError(f"Give the CSV file once: as source ({str(source)!r}) or as csv= ({csv!r}), not "
                         "both; with csv=, source is the folder a relative csv path is resolved against.")
    return source / os.fspath(csv)


def _check_parameters(labels, slices, stack, masks, mask_column, mask_labels, csv_only):
    if labels not in _LABELS:
        raise ValueError(f"load_nifti: labels must be 'folder' or 'csv'; got {labels!r}.")
    if slices not in SLICE_POLICIES:
        raise ValueError(f"load_nifti: slices={slices!r} is not valid; use one of {SLICE_POLICIES}.")
    if isinstance(stack, bool) or not isinstance(stack, (int, np.integer)) or stack < 0:
        raise ValueError(f"load_nifti: stack must be an integer >= 0 (neighbours on each side); got {stack!r}.")
    if labels == "folder":
        given = {k: v for k, v, default in csv_only if v != default}
        if given:
            raise ValueError(
                f"load_nifti: {', '.join(f'{k}={v!r}' for k, v in given.items())} only apply with "
                "labels='csv'; pass labels='csv' to read paths and labels from a CSV file, or leave "
                "them out for class folders.")
    if masks is not None and mask_column is not None:
        raise ValueError("load_nifti: give masks either as a folder (masks=) or as a CSV column "
                         "(mask_column=), not both.")
    explicit = {k: v for k, v in (("masks", masks), ("mask_column", mask_column),
                                  ("mask_labels", mask_labels)) if v is not None}
    if explicit and slices not in MASK_POLICIES:
        raise ValueError(
            f"load_nifti: {', '.join(explicit)} only apply with slices in {MASK_POLICIES} (masks "
            f"choose the slices); slices={slices!r} does not read masks. Leave them out, or choose "
            "slices='largest'.")
    if masks is not None and not Path(os.fspath(masks)).is_dir():
        raise FileNotFoundError(f"Mask folder {str(masks)!r} does not exist or is not a folder; pass the "
                                "root of a tree that mirrors the images (same relative paths).")


def _csv_masks(manifest: Path, path_column, mask_column, allow_outside_root):
    """``{resolved image path: resolved mask path or None}`` from the CSV column ``mask_column``."""
    base = manifest.parent.resolve()
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        reader = csv_module.DictReader(f)
        if mask_column not in (reader.fieldnames or []):
            raise ValueError(f"CSV manifest {str(manifest)!r} has no column {mask_column!r}; its columns "
                             f"are {reader.fieldnames}. Pass mask_column= to match.")
        found = {}
        for line, row in enumerate(reader, start=2):
            image, mask = ((row.get(c) or "").strip() for c in (path_column, mask_column))
            if not image:
                continue
            mask_path = (base / mask).resolve() if mask else None
            if mask_path is not None and not allow_outside_root and not mask_path.is_relative_to(base):
                raise ValueError(f"Row at {str(manifest)!r} line {line} has a mask outside {str(base)!r}: "
                                 f"{mask!r}. Move it under the CSV's folder or pass allow_outside_root=True.")
            found[str((base / image).resolve())] = None if mask_path is None else str(mask_path)
    return found


def load_nifti(source, *, labels="folder", csv=None, path_column="path", label_column="label",
               group_column=None, masks=None, mask_column=None, mask_labels=None, slices="middle",
               stack=1, axis="axial", keep_empty_slices=False, allow_outside_root=False,
               on_error="raise") -> ImageDataset:
    """Load NIfTI volumes with their labels as slice samples (or whole volumes).

    Registered by this plugin as the medcnn dataset loader ``"nifti"``
    (``medcnn.datasets.load("nifti", source, ...)``). Samples are frame
    references (``"<file>#frame=<k>&axis=<axis>"``) that :func:`read_nifti` reads
    through medcnn's registry, so they go to the estimators like image paths.

    Parameters
    ----------
    source : str or os.PathLike
        ``labels="folder"``: the root folder, laid out as ``source/<class>/**/*.nii[.gz]``.
        ``labels="csv"``: the CSV file, or the folder a relative ``csv`` is resolved against.
    labels : {"folder", "csv"}, default="folder"
        ``"folder"``: the class of a file is its first-level folder under ``source``;
        ``.nii``/``.nii.gz`` files (any case) are taken at any depth, hidden files and
        folders left out, and mask files (see ``masks``) are never images.
        ``"csv"``: paths and labels from a CSV file (header row; paths relative to
        its folder or absolute), read with :func:`medcnn.datasets.load_csv`.
    csv : str or os.PathLike, optional
        The CSV file for ``labels="csv"`` when ``source`` is a folder.
    path_column, label_column : str, default="path", "label"
        CSV columns holding the image path and the class label.
    group_column : str, optional
        CSV column holding the patient of each image. Without it, the images that
        share a mask (the contrasts of one case: ``A_t1.nii.gz`` and ``A_flair.nii.gz``
        beside ``A_seg.nii.gz``) form one group, named by the mask's path, and any
        other volume file is a group of its own (its path), so the slices and
        contrasts of one case never end up on both sides of a group-aware split.
    masks : str or os.PathLike, optional
        A folder that mirrors the images: the mask of ``<source>/<class>/a/b.nii.gz`` is
        ``<masks>/<class>/a/b.nii.gz`` (or ``b.nii``); for a CSV, the image path relative
        to the CSV's folder. Without ``masks`` and ``mask_column``, masks lying next to
        the images are found by name: a file ``<prefix>_<tag>.nii[.gz]`` (or
        ``<prefix>-<tag>``) with ``<tag>`` one of seg, segmentation, mask, label,
        labels, roi (any case) is the mask of the images in its folder named
        ``<prefix>`` or ``<prefix>_*`` / ``<prefix>-*`` (BraTS: ``<case>_seg.nii.gz``
        for ``<case>_flair.nii.gz``, ``<case>_t1.nii.gz``...); the longest prefix wins.
    mask_column : str, optional
        CSV column holding each image's mask path; an empty cell means no mask.
    mask_labels : int or list of int, optional
        The mask values that count as mask voxels; None (default): any non-zero value.
    slices : {"middle", "largest", "all", "stack", "volume"}, default="middle"
        Which slices along ``axis`` become samples. ``"middle"``: slice ``d // 2``.
        ``"largest"``: the slice with the most mask voxels (the first of ties); every
        volume needs a mask. ``"all"``: every slice, one sample each; a volume with a
        mask gives only the slices holding mask voxels unless ``keep_empty_slices``.
        ``"stack"``: one sample per volume, the largest-mask slice (middle without a
        mask) with ``stack`` neighbours on each side as channels. ``"volume"``: the
        plain file paths; the reader returns whole ``(d, h, w)`` volumes, which the
        volume architectures (``"cnn3d_small"``, ``"resnet18_3d"``) train on. Masks are read by
        ``"largest"``, ``"all"`` and ``"stack"`` only.
    stack : int, default=1
        Neighbours on each side for ``slices="stack"`` (ignored otherwise).
    axis : {"axial", "coronal", "sagittal"}, default="axial"
        The slice direction, after orientation to RAS (see :func:`read_nifti`).
    keep_empty_slices : bool, default=False
        With ``slices="all"``, keep the slices of a masked volume that hold no mask voxel.
    allow_outside_root : bool, default=False
        With a CSV, image and mask paths outside the CSV's folder are refused unless True.
    on_error : {"raise", "skip"}, default="raise"
        Problem files: unreadable, truncated, corrupt or non-NIfTI images or masks,
        4-D images, a mask missing or of another shape than its image, a mask without
        mask voxels (where a slice is chosen from it), no mask for ``"largest"``, an
        empty group cell; and from a CSV, rows with an empty path or label or a
        missing file. ``"raise"`` raises an error naming the file and the fix;
        ``"skip"`` leaves the volume out with one
        :class:`~medcnn.exceptions.SkippedFilesWarning` counting them.

    Returns
    -------
    ImageDataset
        ``X``: frame references (plain paths for ``"volume"``); ``y``: the labels;
        ``groups``: ``group_column`` values, else the mask shared by a case's
        volumes, else the volume file of each sample;
        ``metadata``: ``volume`` (the file), ``slice`` (the index, -1 for
        ``"volume"``), ``shape`` (``"DxHxW"`` along ``axis``) and ``spacing``
        (voxel size ``"a x b x c mm"`` in the same order).

    Raises
    ------
    ValueError
        If a parameter is invalid, ``"largest"`` finds no masks at all, nothing is
        left to load, or (``on_error="raise"``) for a mask problem or empty group cell.
    ImageReadError
        Under ``on_error="raise"``, for a bad image or mask file; names the file.
    FileNotFoundError
        If ``source``, the CSV or the mask folder does not exist, or under
        ``on_error="raise"`` a listed image or a mask file is missing.

    Examples
    --------
    >>> import os, tempfile
    >>> import nibabel, numpy as np
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "tumour", "case1"))
    >>> image = np.random.default_rng(0).random((8, 8, 6)).astype(np.float32)
    >>> mask = np.zeros((8, 8, 6), np.uint8); mask[2:5, 2:5, 4] = 1
    >>> for name, data in (("case1_t1", image), ("case1_seg", mask)):
    ...     nibabel.save(nibabel.Nifti1Image(data, np.eye(4)),
    ...                  os.path.join(root, "tumour", "case1", name + ".nii.gz"))
    >>> data = load_nifti(root, slices="largest")
    >>> [os.path.basename(x) for x in data.X], data.y.tolist()
    (['case1_t1.nii.gz#frame=4&axis=axial'], ['tumour'])
    >>> data.metadata["shape"].tolist(), data.metadata["spacing"].tolist()
    (['6x8x8'], ['1 x 1 x 1 mm'])
    >>> len(load_nifti(root, slices="all", keep_empty_slices=True))
    6
    """
    check_axis(axis)
    labels_ = check_mask_labels(mask_labels)
    _check_parameters(labels, slices, stack, masks, mask_column, mask_labels, (
        ("csv", csv, None), ("group_column", group_column, None), ("mask_column", mask_column, None),
        ("path_column", path_column, "path"), ("label_column", label_column, "label"),
        ("allow_outside_root", allow_outside_root, False)))
    masks_root = Path(os.fspath(masks)) if masks is not None else None
    if labels == "folder":
        where = str(Path(os.fspath(source)))
        policy = ErrorPolicy(on_error, where)
        base = Path(where)
        candidates = [(image, label, None, mask) for image, label, mask in scan_folder(base, masks_root)]
        origin = ""
    else:
        manifest = _csv_path(source, csv)
        where, base = str(manifest), manifest.parent
        policy = ErrorPolicy(on_error, where)
        listed = load_csv(where, path_column, label_column, group_column,
                          allow_outside_root=allow_outside_root, on_error=on_error)
        column = _csv_masks(manifest, path_column, mask_column, allow_outside_root) if mask_column else None
        groups = listed.groups.tolist() if group_column is not None else [None] * len(listed)
        candidates = [(image, label, group, column.get(image) if column is not None else
                       None if masks_root is not None else sibling_mask(image, folder_masks(Path(image).parent)))
                      for image, label, group in zip(listed.X.tolist(), listed.y.tolist(), groups)]
        origin = f" (listed in {where!r})"
    uses_masks = slices in MASK_POLICIES
    if slices == "largest" and masks_root is None and mask_column is None \
            and not any(mask for *_, mask in candidates):
        raise ValueError(
            f"slices='largest' needs masks, and none were found for the images under {where!r}: pass "
            "masks=<folder mirroring the images>, mask_column= (CSV), or put <case>_seg.nii.gz next "
            "to <case>.nii.gz / <case>_<contrast>.nii.gz; or use slices='middle'.")

    X, ys, groups, meta = [], [], [], {"volume": [], "slice": [], "shape": [], "spacing": []}
    for image, label, group, mask in candidates:
        if group == "":
            policy(image, f"{image!r}{origin} has an empty {group_column!r} value; fill it in.")
            continue
        try:
            header = open_nifti(image, four_d_hint=FOUR_D_HINT)
            header.check_data_size()
        except ImageReadError as exc:
            policy(image, f"{exc}{origin}", ImageReadError)
            continue
        shape = header.oriented_shape(axis)
        counts = None
        if uses_masks and masks_root is not None:
            try:
                mask = mirrored_mask(image, base, masks_root)
            except ValueError:
                policy(image, f"{image!r}{origin} lies outside {str(base)!r}, so masks={str(masks_root)!r} "
                       "has no mirrored mask for it; give masks with mask_column= instead.")
                continue
        if uses_masks and mask is not None:
            if not os.path.isfile(mask):
                policy(image, f"Mask file {mask!r} of {image!r}{origin} not found; add it, fix the "
                       "mask path, or leave the image out.", FileNotFoundError)
                continue
            try:
                counts = mask_counts(mask, image, shape, axis, labels_, origin)
            except ImageReadError as exc:
                policy(mask, str(exc), ImageReadError)
                continue
        elif slices == "largest":
            policy(image, f"{image!r}{origin} has no mask, needed by slices='largest' (no "
                   "<prefix>_seg.nii.gz or similar next to it); add its mask or leave it out.")
            continue
        try:
            chosen = choose_slices(slices, shape[0], counts, image, mask, labels_, keep_empty_slices, origin)
        except ValueError as exc:
            policy(mask, str(exc))
            continue
        for index in chosen:
            if index < 0:
                X.append(image)
            elif slices == "stack":
                X.append(frame_reference(image, index, stack=int(stack), axis=axis))
            else:
                X.append(frame_reference(image, index, axis=axis))
        n = len(chosen)
        ys += [label] * n
        # the contrasts of one case share its mask: one group (one patient) for all of them
        groups += [group if group is not None else mask or image] * n
        spacing = " x ".join(f"{s:.4g}" for s in header.oriented_spacing(axis))
        meta["volume"] += [image] * n
        meta["slice"] += chosen
        meta["shape"] += ["x".join(map(str, shape))] * n
        meta["spacing"] += [f"{spacing} mm"] * n

    policy.warn()
    if not X:
        raise ValueError(f"No NIfTI samples were loaded from {where!r}: all {len(candidates)} volumes were "
                         "skipped (see the warning) or gave no slice; fix or replace them.")
    return ImageDataset(np.asarray(X), np.asarray(ys), np.asarray(groups), sorted(set(ys)), where,
                        metadata={k: np.asarray(v) for k, v in meta.items()})
