"""Estimators: scikit-learn compatible CNN models."""

from ._classifier import CNNClassifier
from ._features import TransferFeatureExtractor
from ._persistence import load_model

__all__ = ["CNNClassifier", "TransferFeatureExtractor", "load_model"]
