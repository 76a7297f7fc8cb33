"""Ensembles of classifiers: deep ensembles of CNNs and mixed ensembles.

Importing this module does not import TensorFlow; CNN members load it when they fit.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression
>>> from medcnn.ensemble import CNNEnsemble
>>> ensemble = CNNEnsemble([LogisticRegression(C=1.0), LogisticRegression(C=0.1)])
>>> ensemble.get_params()["logisticregression-2__C"]
0.1
"""

from ._ensemble import COMBINES, CNNEnsemble

__all__ = ["CNNEnsemble", "COMBINES"]
