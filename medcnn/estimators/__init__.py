"""Estimators: scikit-learn compatible CNN models."""

from ._classifier import CNNClassifier
from ._persistence import load_model

__all__ = ["CNNClassifier", "load_model"]
