"""medcnn: CNN-based medical image classification as scikit-learn estimators.

Importing medcnn does not import TensorFlow; the estimators load it on first use.

Examples
--------
>>> import medcnn
>>> from medcnn.datasets import make_histology
>>> X, y = make_histology(60, image_size=32, random_state=0)
>>> clf = medcnn.CNNClassifier(architecture="lenet5", epochs=1, random_state=0)
>>> clf.fit(X, y).predict(X[:3]).shape
(3,)
"""

from importlib import import_module

from . import exceptions, plugins, registry
from .exceptions import MedCNNError
from .hookspecs import hookimpl

__version__ = "0.1.0"

# Public names that pull in TensorFlow or other heavy modules, loaded on first access.
_LAZY = {
    "CNNClassifier": "medcnn.estimators",
    "CNNRegressor": "medcnn.estimators",
    "CNNSurvival": "medcnn.estimators",
    "TransferFeatureExtractor": "medcnn.estimators",
    "load_model": "medcnn.estimators",
    "augment_offline": "medcnn.estimators",
    "datasets": "medcnn.datasets",
    "testing": "medcnn.testing",
    "estimators": "medcnn.estimators",
    "evaluation": "medcnn.evaluation",
    "explain": "medcnn.explain",
    "ensemble": "medcnn.ensemble",
    "CNNEnsemble": "medcnn.ensemble",
    "feature_selection": "medcnn.feature_selection",
    "features": "medcnn.features",
}

__all__ = ["CNNClassifier", "CNNRegressor", "CNNSurvival", "TransferFeatureExtractor", "augment_offline", "load_model", "hookimpl", "plugins", "registry", "exceptions",
           "datasets", "evaluation", "explain", "ensemble", "CNNEnsemble", "feature_selection", "features", "testing", "MedCNNError", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        module = import_module(_LAZY[name])
        value = module if _LAZY[name].endswith("." + name) else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'medcnn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
