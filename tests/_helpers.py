"""Helpers shared by the test modules (importable as ``from _helpers import ...``)."""

from medcnn import CNNClassifier

#: Parameters of the small classifier most tests train: a tiny network, one epoch, reproducible.
SMALL_CLASSIFIER_DEFAULTS = dict(architecture="lenet5", epochs=1, batch_size=16, random_state=0)


def small_classifier(**params):
    """A small, fast :class:`~medcnn.CNNClassifier`; ``params`` override the defaults."""
    return CNNClassifier(**{**SMALL_CLASSIFIER_DEFAULTS, **params})
