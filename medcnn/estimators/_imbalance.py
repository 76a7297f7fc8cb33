"""Class imbalance in training: per-epoch class-balanced sampling and the loss.

Sampling works on per-class tf.data streams, so it applies alike to image arrays
and to file paths: each class is an endless stream reshuffled at every pass, and
every epoch draws the same number of samples from each class (the largest class
count for ``"oversample"``, the smallest for ``"undersample"``) in a fresh random
order. Majority samples left out in one epoch of undersampling come back in later
ones; minority samples repeat in oversampling as whole reshuffled passes, never more
than once more than any other sample of their class.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["SAMPLING_MODES", "LOSSES", "class_indices", "balanced_epoch", "make_loss"]

SAMPLING_MODES = (None, "oversample", "undersample")
LOSSES = ("cross_entropy", "focal")


def class_indices(indices, labels):
    """The entries of ``indices`` grouped by their (encoded) class, empty classes left out."""
    indices = np.asarray(indices)
    labels = np.asarray(labels)[indices]
    return [indices[labels == k] for k in np.unique(labels)]


def stream_seed(seed, k):
    """Seed of the k-th per-class stream (None stays None)."""
    return None if seed is None else int(seed) + 1 + int(k)


def balanced_epoch(streams, counts, sampling, seed):
    """One epoch drawn from endless per-class ``streams``: as many samples of each class
    as the largest (``"oversample"``) or smallest (``"undersample"``) of ``counts``,
    interleaved in a random order that changes every epoch."""
    import tensorflow as tf

    if sampling not in SAMPLING_MODES[1:]:
        raise ValueError(f"sampling={sampling!r} is not valid; use one of {SAMPLING_MODES}.")
    per_class = int(max(counts) if sampling == "oversample" else min(counts))
    order = np.repeat(np.arange(len(streams), dtype=np.int64), per_class)
    choice = tf.data.Dataset.from_tensor_slices(order).shuffle(
        len(order), seed=seed, reshuffle_each_iteration=True)
    epoch = tf.data.Dataset.choose_from_datasets(list(streams), choice)
    # the streams are endless: state the epoch length so Keras knows the steps per epoch
    return epoch.apply(tf.data.experimental.assert_cardinality(len(order)))


def make_loss(loss, n_classes, gamma=2.0, alpha=None):
    """The Keras loss for one-hot targets.

    ``"cross_entropy"``: categorical cross-entropy. ``"focal"``: the focal loss of
    Lin et al. (2017), ``-alpha_t (1 - p_t)^gamma log(p_t)``, as
    ``keras.losses.CategoricalFocalCrossentropy``. ``alpha`` is None (every class
    weighted 1), a float in (0, 1) for two classes (weight of the second class in
    ``classes_``; the first gets ``1 - alpha``) or one weight per class.
    """
    import keras

    if not isinstance(loss, str):
        if callable(loss):
            return loss
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    if loss == "cross_entropy":
        return keras.losses.CategoricalCrossentropy()
    if loss != "focal":
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    if not (isinstance(gamma, numbers.Real) and not isinstance(gamma, bool) and gamma >= 0):
        raise ValueError(f"focal_gamma={gamma!r} is not valid; give a float >= 0 (2 is usual).")
    if alpha is None:
        weights = [1.0] * n_classes
    elif isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        if not 0 < alpha < 1:
            raise ValueError(f"focal_alpha={alpha!r} is out of range; give a float in (0, 1).")
        if n_classes != 2:
            raise ValueError(
                f"focal_alpha={alpha!r} (one float) needs two classes; with {n_classes} classes "
                "give one weight per class, in the order of classes_.")
        weights = [1.0 - float(alpha), float(alpha)]
    else:
        weights = [float(a) for a in np.ravel(alpha)]
        if len(weights) != n_classes or min(weights) <= 0:
            raise ValueError(
                f"focal_alpha={alpha!r} is not valid; give {n_classes} positive weights, one per "
                "class in the order of classes_.")
    return keras.losses.CategoricalFocalCrossentropy(alpha=weights, gamma=float(gamma))
