"""Near-duplicate images: a perceptual hash of the decoded image, all pairs of hashes
compared, and :func:`find_duplicates` inside one collection.

The hash is the DCT hash ("pHash"): grey levels, resized to 32x32, 2-D DCT, the 8x8
lowest frequencies without the DC term thresholded at their median. Two images are
near-duplicates when their hashes differ in at most ``max_distance`` of the 64 bits
(Hamming distance). The hash sees pixels, not bytes, so a PNG re-saved as JPEG,
resized or made a little brighter hashes (almost) alike.
"""

from __future__ import annotations

import os

import numpy as np

from medcnn.exceptions import ImageReadError

from ._dataset import ImageDataset
from ._images import read_image
from ._loaders import ErrorPolicy

__all__ = ["DEFAULT_MAX_DISTANCE", "HASH_BITS", "find_duplicates", "perceptual_hash"]

#: Default largest Hamming distance (of 64 bits) between the hashes of near-duplicates.
#: On the 5,020 IDC patches (50x50) no two distinct patches are closer than 8 and
#: 999 of 1,000 JPEG re-saves (quality 75) are within 6 of their PNG.
DEFAULT_MAX_DISTANCE = 6
HASH_BITS = 64
_HASH_INPUT = 32  # side of the grey image the DCT is taken of
_LOW = 8  # the LOW x LOW lowest frequencies make the hash
_LUMA = np.array([0.299, 0.587, 0.114])
_CHUNK_ENTRIES = 4_000_000  # distances computed at once (16 MB of float32)


def _grey(image) -> np.ndarray:
    """A 2-D float image: luma of RGB(A), the first channel of grey(+alpha), else the channel mean."""
    image = np.nan_to_num(np.asarray(image, dtype=np.float64))
    if image.ndim == 2:
        return image
    if image.ndim != 3 or not image.size:
        raise ValueError(f"An image must be (h, w) or (h, w, c); got an array of shape {image.shape}.")
    channels = image.shape[-1]
    if channels in (1, 2):
        return image[..., 0]
    return image[..., :3] @ _LUMA if channels in (3, 4) else image.mean(axis=-1)


def _hash_bits(image) -> np.ndarray:
    """The 64 hash bits (bool) of one decoded image; bit 0 (the DC term) is always False."""
    from scipy.fft import dctn
    from skimage.transform import resize

    small = resize(_grey(image), (_HASH_INPUT, _HASH_INPUT), anti_aliasing=True, preserve_range=True)
    low = dctn(small, norm="ortho")[:_LOW, :_LOW].ravel()[1:]
    low[np.abs(low) <= 1e-9 * max(np.abs(low).max(), 1e-12)] = 0.0  # rounding noise of flat images
    bits = np.zeros(HASH_BITS, dtype=bool)
    bits[1:] = low > np.median(low)
    return bits


def perceptual_hash(image) -> int:
    """The 64-bit perceptual hash (DCT hash, "pHash") of a decoded image.

    The image is turned to grey (ITU-R BT.601 luma for colour), resized to 32x32 with
    anti-aliasing; of its 2-D DCT the 8x8 lowest frequencies except the DC term are
    kept, and each bit says whether a coefficient is above their median (the first,
    DC bit is always 0). Brightness, contrast, scale and re-encoding hardly change the
    hash; mirroring, rotating or shifting an image by more than a pixel or two do.

    Parameters
    ----------
    image : array-like of shape (h, w) or (h, w, c)
        Decoded pixels, of any dtype.

    Returns
    -------
    int
        The hash, 0 <= hash < 2**64. The Hamming distance of two hashes is
        ``(a ^ b).bit_count()``.

    Examples
    --------
    >>> from medcnn.datasets import make_histology
    >>> X, _ = make_histology(2, image_size=50, random_state=0)
    >>> a, b = perceptual_hash(X[0]), perceptual_hash(X[1])
    >>> (a ^ perceptual_hash(X[0] // 2)).bit_count(), (a ^ b).bit_count() > DEFAULT_MAX_DISTANCE
    (0, True)
    """
    return int.from_bytes(np.packbits(_hash_bits(image)).tobytes(), "big")


def _as_items(X, name):
    """``(items, is_files)``: the file paths or images of ``X``, checked."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(f"{name} is one path ({X!r}); pass a list of image files, an image array or an "
                         "ImageDataset (load_directory(..., group_pattern=...)).")
    if isinstance(X, np.ndarray) and X.dtype.kind in "biuf":
        if X.ndim not in (3, 4):
            raise ValueError(f"{name} is an array of shape {X.shape}; pass images as (n, h, w) or (n, h, w, c), "
                             "or a 1-D array of file paths.")
        return X, False
    items = list(X)
    if all(isinstance(item, (str, os.PathLike)) for item in items):
        return [str(os.fspath(item)) for item in items], True
    if all(isinstance(item, np.ndarray) and item.ndim in (2, 3) for item in items):
        return items, False
    kinds = sorted({type(item).__name__ for item in items})
    raise ValueError(f"{name} holds {', '.join(kinds)}; pass file paths (str), images (arrays (h, w) or "
                     "(h, w, c)) or an ImageDataset, not a mix.")


def _hashes(items, is_files, problems):
    """``(bits (n, 64) bool, unreadable)``; unreadable files (with ``problems`` skipping) get no hash."""
    bits, unreadable = np.zeros((len(items), HASH_BITS), dtype=bool), []
    for index, item in enumerate(items):
        try:
            bits[index] = _hash_bits(read_image(item) if is_files else item)
        except ImageReadError as exc:
            problems(item, str(exc), ImageReadError)
            unreadable.append(index)
    return bits, unreadable


def _near_pairs(left, right=None, max_distance=DEFAULT_MAX_DISTANCE):
    """``(i, j, distance)`` arrays of the pairs of hash rows within ``max_distance``; with
    ``right`` None, pairs ``i < j`` inside ``left``. Chunked: 5,000 x 5,000 takes about a second."""
    signs = [np.where(bits, 1.0, -1.0).astype(np.float32) for bits in (left, left if right is None else right)]
    rows = max(1, _CHUNK_ENTRIES // max(len(signs[1]), 1))
    found = []
    for start in range(0, len(signs[0]), rows):
        distance = np.rint((HASH_BITS - signs[0][start:start + rows] @ signs[1].T) / 2).astype(np.int64)
        near = distance <= max_distance
        if right is None:  # each pair once, not an image with itself
            near &= np.arange(len(signs[1]))[np.newaxis, :] > np.arange(start, start + len(near))[:, np.newaxis]
        i, j = np.nonzero(near)
        found.append((i + start, j, distance[i, j]))
    if not found:
        return (np.zeros(0, np.int64),) * 3
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _check_distance(max_distance) -> int:
    """``max_distance`` as an int, checked."""
    whole = isinstance(max_distance, (int, np.integer)) and not isinstance(max_distance, bool)
    if not whole or not 0 <= max_distance < HASH_BITS:
        raise ValueError(f"max_distance={max_distance!r} is not valid; use a whole number of bits from 0 to "
                         f"{HASH_BITS - 1} (default {DEFAULT_MAX_DISTANCE}).")
    return int(max_distance)


def find_duplicates(X, *, max_distance=DEFAULT_MAX_DISTANCE, on_error="raise") -> list:
    """Groups of near-duplicate images inside one collection.

    Two images are near-duplicates when their perceptual hashes
    (:func:`perceptual_hash`) differ in at most ``max_distance`` bits; a group holds
    the images linked by a chain of such pairs. ``medcnn describe --duplicates``
    reports them.

    Parameters
    ----------
    X : ImageDataset or sequence of file paths or array of images
        The collection; images as ``(n, h, w[, c])`` or a list of ``(h, w[, c])`` arrays.
    max_distance : int, default=DEFAULT_MAX_DISTANCE (6)
        Largest Hamming distance (of 64 bits) between near-duplicates.
    on_error : {"raise", "skip"}, default="raise"
        Unreadable files: raise naming the file, or leave them out with one warning.

    Returns
    -------
    list of list of int
        The indices of each group (two or more, ascending), groups by their first index.

    Examples
    --------
    >>> from medcnn.datasets import make_histology
    >>> X, _ = make_histology(4, image_size=50, random_state=0)
    >>> find_duplicates([X[0], X[1], X[2], X[0] // 2 + 10, X[3], X[2]])
    [[0, 3], [2, 5]]
    """
    max_distance = _check_distance(max_distance)
    source = X.source if isinstance(X, ImageDataset) and X.source else "the images"
    items, is_files = _as_items(X.X if isinstance(X, ImageDataset) else X, "X")
    problems = ErrorPolicy(on_error, source)
    bits, unreadable = _hashes(items, is_files, problems)
    problems.warn()
    keep = np.setdiff1d(np.arange(len(items)), unreadable)
    i, j, _ = _near_pairs(bits[keep], None, max_distance)
    parent = list(range(len(items)))

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in zip(keep[i], keep[j]):
        ra, rb = root(int(a)), root(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    groups = {}
    for k in keep[np.isin(keep, np.concatenate([keep[i], keep[j]]))]:
        groups.setdefault(root(int(k)), []).append(int(k))
    return [members for _, members in sorted(groups.items())]
