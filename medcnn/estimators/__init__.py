"""Estimators: scikit-learn compatible CNN models."""

from ._classifier import CNNClassifier
from ._regressor import CNNRegressor, CNNSurvival
from ._features import TransferFeatureExtractor
from ._lr_find import LRFinderResult
from ..augmenters import augment_offline
from ._persistence import load_model
from .._runtime import configure_tensorflow_threads

__all__ = ["CNNClassifier", "CNNRegressor", "CNNSurvival", "TransferFeatureExtractor", "LRFinderResult", "augment_offline", "load_model",
           "configure_tensorflow_threads"]
