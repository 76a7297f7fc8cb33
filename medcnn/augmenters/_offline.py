"""Offline augmentation: expand a data set with augmented copies before training."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from .._input import SCALE, ArrayImages, PathImages, array_images, is_path_array, mixes_labels
from ._build import build_augmenters

__all__ = ["augment_offline"]


def augment_offline(X, y, n_copies, augment=None, *, groups=None, include_original=True,
                    image_shape=None, batch_size=256, random_state=None):
    """Expand images with ``n_copies`` augmented copies of each, as a new data set.

    Training-time augmentation (``CNNClassifier(augment=...)``) draws new variants
    every epoch and costs no memory; this function is for workflows that want the
    expanded set itself (to inspect, save, or feed to another model).

    Parameters
    ----------
    X : array-like or sequence of paths
        Images ``(n, h, w[, c])``, flattened images ``(n, features)`` with
        ``image_shape``, or image file paths (decoded at their most common size).
    y : array-like of shape (n,)
        Labels, repeated for every copy.
    n_copies : int
        Augmented copies per image (>= 1).
    augment : str or list, optional
        Augmenters (default ``["flip", "rotate90"]``), in the forms of ``CNNClassifier(augment=...)`` (names, presets
        such as ``"histology"``, ``(name, params)`` pairs or layers). Label-mixing
        augmenters (``mixup``, ``cutmix``) are refused: use them during training.
    groups : array-like of shape (n,), optional
        Patient (or other) groups, repeated for every copy so that grouped
        cross-validation keeps an image and its copies on the same side.
    include_original : bool, default=True
        Put the original images first in the result.
    image_shape : tuple, optional
        ``(h, w)`` or ``(h, w, c)`` of the rows of a 2-D X.
    batch_size : int, default=256
        Images augmented at a time.
    random_state : int, RandomState or None, default=None
        Seeds the augmenters; an int gives the same copies on every call.

    Returns
    -------
    X_out : ndarray
        ``(n * (n_copies + include_original), ...)`` in the form and dtype of X
        (uint8 and uint16 images are rounded back); decoded float32 images in
        [0, 1] for paths. Originals first, then the first copy of every image,
        then the second, and so on.
    y_out : ndarray
        Labels of the rows of ``X_out``.
    groups_out : ndarray
        Only when ``groups`` is given: the groups of the rows of ``X_out``.

    Examples
    --------
    >>> from medcnn import augment_offline
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(10, image_size=16, random_state=0)
    >>> X_big, y_big = augment_offline(X, y, n_copies=3, random_state=0)
    >>> X_big.shape, X_big.dtype, y_big.shape
    ((40, 16, 16, 3), dtype('uint8'), (40,))
    """
    if not (isinstance(n_copies, (int, np.integer)) and not isinstance(n_copies, bool) and n_copies >= 1):
        raise ValueError(f"n_copies={n_copies!r} is not valid; give an integer >= 1.")
    if is_path_array(X):
        source = PathImages(X)
        source.prepare(source.sample_shape[:2], "resize")
        images = np.concatenate([b[0].numpy() for b in source.dataset(np.arange(len(source)), batch_size=batch_size)])
        dtype, original = np.float32, images
    else:
        original = np.asarray(X)
        images, _ = array_images(original, None, image_shape=image_shape, estimator_name="augment_offline")
        dtype = original.dtype
    y = np.asarray(y)
    if len(y) != len(images):
        raise ValueError(f"X and y have different lengths: {len(images)} images, {len(y)} labels.")
    if groups is not None and len(groups) != len(images):
        raise ValueError(f"groups has {len(groups)} entries for {len(images)} images; give one per image.")

    source = ArrayImages(images, images.shape[1:])
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max - 1000 * n_copies))
    augment = ["flip", "rotate90"] if augment is None else augment
    copies = [original] if include_original else []
    for copy in range(1, n_copies + 1):
        layers = build_augmenters(augment, seed + 1000 * copy, channels=images.shape[-1])
        mixing = [type(layer).__name__ for layer in layers if mixes_labels(layer)]
        if mixing:
            raise ValueError(f"augment_offline cannot use label-mixing augmenters ({', '.join(mixing)}): "
                             "they blend labels too. Use them during training: CNNClassifier(augment=...).")
        batches = source.dataset(np.arange(len(images)), batch_size=batch_size, augmenters=layers,
                                 shuffle_seed=seed + copy)
        augmented = np.concatenate([b[0].numpy() for b in batches])
        copies.append(_like(augmented, original, dtype))
    reps = len(copies)
    result = (np.concatenate(copies), np.tile(y, reps))
    return result + (np.tile(np.asarray(groups), reps),) if groups is not None else result


def _like(images, original, dtype):
    """Augmented float images back in the form and dtype of the original X."""
    scale = SCALE.get(np.dtype(dtype))
    if scale:
        images = np.clip(np.rint(images * scale), 0, scale)
    return images.astype(dtype, copy=False).reshape((len(images),) + original.shape[1:])
