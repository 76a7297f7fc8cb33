"""Filter feature selectors for deep features, as scikit-learn transformers.

Typical use: a pretrained CNN turns each image into hundreds or thousands of
features, and a filter keeps the few most relevant before a small-data
classifier such as a random forest. Both selectors score every feature on the
training data (``scores_``), keep the ``k`` best, and get ``get_support``,
``transform``, ``inverse_transform``, ``get_feature_names_out`` and
``set_output`` from :class:`sklearn.feature_selection.SelectorMixin`.

- :class:`SymmetricUncertaintySelector`: symmetric uncertainty between each
  discretized feature and the labels (univariate, information-theoretic).
- :class:`ReliefFSelector`: ReliefF weights from nearest hits and misses
  (multivariate, multiclass).

This subpackage does not import TensorFlow.

Examples
--------
>>> import numpy as np
>>> from medcnn.feature_selection import ReliefFSelector, SymmetricUncertaintySelector
>>> rng = np.random.default_rng(0)
>>> y = np.repeat([0, 1], 40)
>>> X = rng.normal(size=(80, 8))
>>> X[:, 5] += 3 * y
>>> SymmetricUncertaintySelector(k=1).fit(X, y).get_support(indices=True)
array([5])
>>> ReliefFSelector(k=1).fit(X, y).get_feature_names_out()
array(['x5'], dtype=object)
"""

from ._relieff import ReliefFSelector
from ._symmetric_uncertainty import SymmetricUncertaintySelector

__all__ = ["ReliefFSelector", "SymmetricUncertaintySelector"]
