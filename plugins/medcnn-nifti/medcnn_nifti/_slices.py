"""Slice policies: which slices of a volume become samples, from its mask when it has one."""

from __future__ import annotations

import numpy as np

from medcnn.exceptions import ImageReadError

from ._header import decode, open_nifti

#: What to do with a 4-D file where the loader expects one 3-D volume per file.
FOUR_D_HINT = ("the loader takes one 3-D volume per file: split the series into 3-D files (e.g. "
               "nibabel.funcs.four_to_three) or save the volume you want (image.slicer[..., 0])")

__all__ = ["FOUR_D_HINT", "SLICE_POLICIES", "MASK_POLICIES", "check_mask_labels", "mask_counts",
           "choose_slices"]

SLICE_POLICIES = ("middle", "largest", "all", "stack", "volume")
#: The policies that read masks.
MASK_POLICIES = ("largest", "all", "stack")


def check_mask_labels(mask_labels):
    """``mask_labels`` as a tuple of numbers (None: any non-zero value); ValueError if wrong."""
    if mask_labels is None:
        return None
    values = (mask_labels,) if np.isscalar(mask_labels) else tuple(mask_labels)
    if not values or not all(isinstance(v, (int, float, np.integer, np.floating))
                             and not isinstance(v, bool) for v in values):
        raise ValueError(f"mask_labels must be a label value or a non-empty list of them (e.g. "
                         f"[1, 4]), or None for any non-zero value; got {mask_labels!r}.")
    return tuple(float(v) for v in values)


def _describe_labels(labels):
    return "non-zero voxels" if labels is None else "voxels of label " + " or ".join(f"{v:g}" for v in labels)


def mask_counts(mask, image, shape, axis, labels, origin=""):
    """The number of mask voxels (of ``labels``) in each slice of ``image`` along ``axis``.

    Raises
    ------
    ImageReadError
        If the mask cannot be read, is not 3-D, or does not match the image's shape
        ``shape`` (``(d, h, w)``); names both files.
    """
    try:
        header = open_nifti(mask, four_d_hint=FOUR_D_HINT)
    except ImageReadError as exc:
        raise ImageReadError(f"Mask of {image!r}{origin}: {exc}") from None
    mask_shape = header.oriented_shape(axis)
    if mask_shape != tuple(shape):
        raise ImageReadError(
            f"Mask {mask!r} has shape {'x'.join(map(str, mask_shape))} ({axis} d x h x w) but its image "
            f"{image!r}{origin} has {'x'.join(map(str, shape))}; a mask must have the image's voxel "
            "grid: pair it with the right image or resample it.")
    data = decode(header, axis)
    selected = data != 0 if labels is None else np.isin(np.rint(data), labels)
    return selected.sum(axis=(1, 2))


def choose_slices(policy, depth, counts, image, mask, labels, keep_empty, origin=""):
    """The slice indices a policy takes from a volume of ``depth`` slices (``[-1]``: the
    whole volume); ``counts`` are the mask voxels per slice, None without a mask.

    Raises
    ------
    ValueError
        If the policy needs mask voxels and the mask has none (``"largest"``, ``"stack"``,
        and ``"all"`` unless ``keep_empty``).
    """
    if policy == "volume":
        return [-1]
    if counts is not None and not counts.any() and not (policy == "all" and keep_empty):
        raise ValueError(
            f"Mask {mask!r} of {image!r}{origin} has no {_describe_labels(labels)}, so "
            f"slices={policy!r} has no slice to choose; check the mask (and mask_labels), or "
            "leave the case out.")
    if policy == "all":
        if counts is None or keep_empty:
            return list(range(depth))
        return [int(i) for i in np.flatnonzero(counts)]
    if counts is not None and policy in ("largest", "stack"):
        return [int(np.argmax(counts))]
    return [depth // 2]
