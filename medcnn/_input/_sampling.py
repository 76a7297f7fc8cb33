"""Class-balanced sampling in the input pipeline (``sampling=``), drawn afresh every epoch.

Sampling works on per-class tf.data streams, so it applies alike to image arrays
and to file paths: each class is an endless stream reshuffled at every pass, and
every epoch draws a number of samples from each class in a fresh random order:
the largest class count for ``"oversample"``, the smallest for ``"undersample"``, or
the counts an imbalanced-learn random sampler asks for (``RandomOverSampler``,
``RandomUnderSampler``, or a ratio: a :class:`SamplingPlan`). Majority samples left
out in one epoch of undersampling come back in later ones; minority samples repeat
in oversampling as whole reshuffled passes, never more than once more than any other
sample of their class.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SAMPLING_MODES", "SamplingPlan", "resolve_sampling", "class_indices", "stream_seed",
           "balanced_epoch", "epoch_counts"]

SAMPLING_MODES = (None, "oversample", "undersample")

#: imbalanced-learn samplers that only repeat or leave out images, so they can run per epoch.
_RANDOM_SAMPLERS = ("RandomOverSampler", "RandomUnderSampler")


class SamplingPlan:
    """The per-epoch class counts of an imbalanced-learn random sampler.

    imbalanced-learn's own ``check_sampling_strategy`` turns the sampler's
    ``sampling_strategy`` (``"auto"``, a ratio, a dict of counts, a list of classes...)
    into counts for the training labels of each fit; the input pipeline then draws
    that many images of each class every epoch, afresh.

    Parameters
    ----------
    sampler : imblearn.over_sampling.RandomOverSampler or imblearn.under_sampling.RandomUnderSampler
        The sampler (its ``sampling_strategy`` is used; its random state is not: the
        estimator's ``random_state`` seeds the draws).
    classes : array-like
        The estimator's ``classes_``: the original label of each encoded class.
    """

    def __init__(self, sampler, classes):
        self.sampler = sampler
        self.classes = np.asarray(classes)

    def __repr__(self):
        return f"SamplingPlan({self.sampler!r})"

    def epoch_counts(self, encoded, counts):
        """Images per class in one epoch, for the classes ``encoded`` with ``counts`` images."""
        from imblearn.utils import check_sampling_strategy

        labels = self.classes[np.asarray(encoded)]
        y = np.repeat(labels, counts)
        kind = self.sampler._sampling_type
        try:
            strategy = check_sampling_strategy(self.sampler.sampling_strategy, y, kind)
        except ValueError as exc:
            raise ValueError(f"sampling={self.sampler!r} does not fit the training labels "
                             f"({dict(zip(labels.tolist(), np.asarray(counts).tolist()))}): {exc}") from None
        if kind == "over-sampling":  # the strategy holds the images to add per class
            return [int(n + strategy.get(label, 0)) for label, n in zip(labels, counts)]
        return [int(strategy.get(label, n)) for label, n in zip(labels, counts)]  # the images to keep


def resolve_sampling(sampling, classes, estimator_name="CNNClassifier"):
    """``sampling`` as the input pipeline takes it: None, a mode string, or a :class:`SamplingPlan`.

    A float in (0, 1] is imbalanced-learn's ratio for two classes (the minority class
    drawn up to that share of the majority class), as ``RandomOverSampler(sampling_strategy=r)``.
    Samplers that synthesise or select images by their features (SMOTE, ADASYN,
    NearMiss, Tomek links...) are refused: they need feature vectors, not images.
    """
    import numbers

    if sampling is None or isinstance(sampling, str):
        return sampling
    if isinstance(sampling, numbers.Real) and not isinstance(sampling, bool):
        from imblearn.over_sampling import RandomOverSampler

        return SamplingPlan(RandomOverSampler(sampling_strategy=float(sampling)), classes)
    name = type(sampling).__name__
    if name not in _RANDOM_SAMPLERS or not hasattr(sampling, "_sampling_type"):
        raise ValueError(
            f"sampling={sampling!r} is not a sampler {estimator_name} can apply to images: each epoch "
            f"repeats or leaves out whole images, as RandomOverSampler and RandomUnderSampler do. "
            f"{name} makes or selects samples from feature vectors: use it on deep features, e.g. "
            "imblearn.pipeline.make_pipeline(TransferFeatureExtractor(), SMOTE(), "
            "RandomForestClassifier()).")
    if getattr(sampling, "shrinkage", None) is not None:
        raise ValueError(f"sampling={sampling!r}: shrinkage makes new, perturbed samples; images are repeated "
                         "as they are here (use the augmenters for variation); leave shrinkage=None.")
    return SamplingPlan(sampling, classes)


def epoch_counts(sampling, encoded, counts):
    """Images per class in one epoch of ``sampling`` (a mode or a :class:`SamplingPlan`)."""
    if sampling == "oversample":
        return [int(max(counts))] * len(counts)
    if sampling == "undersample":
        return [int(min(counts))] * len(counts)
    if isinstance(sampling, SamplingPlan):
        return sampling.epoch_counts(encoded, counts)
    raise ValueError(f"sampling={sampling!r} is not valid; use one of {SAMPLING_MODES}, an imbalanced-learn "
                     "RandomOverSampler or RandomUnderSampler, or a ratio in (0, 1].")


def class_indices(indices, labels, with_classes=False):
    """The entries of ``indices`` grouped by their (encoded) class, empty classes left out
    (and, ``with_classes``, the classes present)."""
    indices = np.asarray(indices)
    labels = np.asarray(labels)[indices]
    present = np.unique(labels)
    groups = [indices[labels == k] for k in present]
    return (groups, present) if with_classes else groups


def stream_seed(seed, k):
    """Seed of the k-th per-class stream (None stays None)."""
    return None if seed is None else int(seed) + 1 + int(k)


def balanced_epoch(streams, counts, sampling, seed, encoded=None):
    """One epoch drawn from endless per-class ``streams``: as many samples of each class
    as the largest (``"oversample"``) or smallest (``"undersample"``) of ``counts``, or
    as a :class:`SamplingPlan` asks for the classes ``encoded``, interleaved in a random
    order that changes every epoch."""
    import tensorflow as tf

    encoded = np.arange(len(counts)) if encoded is None else encoded
    per_class = epoch_counts(sampling, encoded, counts)
    order = np.repeat(np.arange(len(streams), dtype=np.int64), per_class)
    choice = tf.data.Dataset.from_tensor_slices(order).shuffle(
        len(order), seed=seed, reshuffle_each_iteration=True)
    epoch = tf.data.Dataset.choose_from_datasets(list(streams), choice)
    # the streams are endless: state the epoch length so Keras knows the steps per epoch
    return epoch.apply(tf.data.experimental.assert_cardinality(len(order)))
