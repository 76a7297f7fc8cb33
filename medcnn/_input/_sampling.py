"""Class-balanced sampling in the input pipeline (``sampling=``), drawn afresh every epoch.

Sampling works on per-class tf.data streams, so it applies alike to image arrays
and to file paths: each class is an endless stream reshuffled at every pass, and
every epoch draws the same number of samples from each class (the largest class
count for ``"oversample"``, the smallest for ``"undersample"``) in a fresh random
order. Majority samples left out in one epoch of undersampling come back in later
ones; minority samples repeat in oversampling as whole reshuffled passes, never more
than once more than any other sample of their class.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SAMPLING_MODES", "class_indices", "stream_seed", "balanced_epoch"]

SAMPLING_MODES = (None, "oversample", "undersample")


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
