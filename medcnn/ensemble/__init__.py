"""Ensembles of classifiers: deep ensembles of CNNs and mixed ensembles.

:class:`CNNEnsemble` is scikit-learn's :class:`~sklearn.ensemble.VotingClassifier`
with a median of probabilities, deep ensembles made from seeds, and members fitted on
the labels as given. Importing this module does not import TensorFlow; CNN members
load it when they fit.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression
>>> from medcnn.ensemble import CNNEnsemble
>>> ensemble = CNNEnsemble([LogisticRegression(C=1.0), LogisticRegression(C=0.1)], voting="median")
>>> ensemble.get_params()["logisticregression-2__C"]
0.1
"""

import warnings

from . import _combine
from ._combine import VOTINGS
from ._ensemble import CNNEnsemble

__all__ = ["CNNEnsemble", "VOTINGS"]


def __getattr__(name):
    if name == "COMBINES":
        warnings.warn(f"medcnn.ensemble.COMBINES was deprecated in version {_combine.COMBINE_DEPRECATED_IN} "
                      f"and will be removed in {_combine.COMBINE_REMOVED_IN}, with the combine= parameter; "
                      "use medcnn.ensemble.VOTINGS, the values of voting=.", FutureWarning, stacklevel=2)
        return _combine.COMBINES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
