"""Symmetric-uncertainty filter: rank features by SU(X_j, y) and keep the k best.

This module also holds the small helpers (``k`` validation, top-k mask) shared
with :mod:`medcnn.feature_selection._relieff`.
"""

import inspect
import numbers
import warnings

import numpy as np
from scipy.stats import entropy
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import Int, PositiveInt, StrOptions, validate_parameters

_STRATEGIES = ("uniform", "quantile", "kmeans")


# --------------------------------------------------------------------------- helpers
def _is_int(value):
    """True for Python/NumPy integers, False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _validate_k(k, n_features=None):
    """Raise a ValueError naming ``k`` unless it is ``"all"`` or an int in [1, n_features]."""
    if isinstance(k, str):
        if k != "all":
            raise ValueError(f"k must be a positive integer or 'all'; got k={k!r}.")
        return
    if not _is_int(k) or k < 1:
        raise ValueError(f"k must be a positive integer or 'all'; got k={k!r}.")
    if n_features is not None and k > n_features:
        raise ValueError(
            f"k={k} is greater than n_features={n_features}. "
            "Use a smaller k, or k='all' to keep every feature."
        )


def _top_k_mask(scores, k):
    """Boolean mask of the ``k`` highest scores; ties go to the lower feature index."""
    mask = np.zeros(scores.shape[0], dtype=bool)
    if isinstance(k, str):  # "all" (already validated)
        mask[:] = True
    else:
        # A stable sort of the negated scores keeps equal scores in index order.
        mask[np.argsort(-scores, kind="stable")[:k]] = True
    return mask


def _encode_targets(y):
    """Check that ``y`` holds class labels and encode them as 0..n_classes-1."""
    check_classification_targets(y)
    _, y_encoded = np.unique(y, return_inverse=True)
    return y_encoded.ravel()


class _KBestScoreSelector(SelectorMixin, BaseEstimator):
    """Shared behaviour: ``y`` is required, ``scores_`` ranks features, keep the top ``k``."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # ``transform`` only indexes columns, so the input dtype is kept.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _get_support_mask(self):
        check_is_fitted(self)
        _validate_k(self.k, self.n_features_in_)
        return _top_k_mask(self.scores_, self.k)


def _quantile_method_supported():
    """``KBinsDiscretizer(quantile_method=...)`` exists from scikit-learn 1.7."""
    return "quantile_method" in inspect.signature(KBinsDiscretizer).parameters


def _discretize(X, n_bins, strategy):
    """Ordinal bin codes (n_samples, n_features) of the columns of ``X``.

    Constant columns get code 0 everywhere (entropy 0) without going through
    :class:`~sklearn.preprocessing.KBinsDiscretizer`. With ``strategy="kmeans"`` a
    column with fewer distinct values than ``n_bins`` gets one bin per value.
    """
    codes = np.zeros(X.shape, dtype=np.intp)
    varying = np.flatnonzero(np.ptp(X, axis=0) > 0)
    if varying.size == 0:
        return codes
    X_varying = X[:, varying]
    bins = n_bins
    if strategy == "kmeans":
        # KMeans cannot place more centres than there are distinct values.
        bins = np.array([min(n_bins, np.unique(column).size) for column in X_varying.T])
    params = dict(n_bins=bins, encode="ordinal", strategy=strategy, subsample=None)
    if strategy == "quantile" and _quantile_method_supported():
        params["quantile_method"] = "averaged_inverted_cdf"
    with warnings.catch_warnings():
        # Heavily tied columns (e.g. ReLU activations that are mostly 0) collapse some
        # quantile/k-means bins; that is expected here and only lowers H(X_j).
        warnings.filterwarnings("ignore", message="Bins whose width are too small", category=UserWarning)
        codes[:, varying] = KBinsDiscretizer(**params).fit_transform(X_varying).astype(np.intp)
    return codes


def _su_scores(codes, y_encoded):
    """SU between each column of integer ``codes`` and integer labels ``y_encoded``.

    ``SU = 2 * I(X; y) / (H(X) + H(y))`` with entropies in bits (the ratio does not
    depend on the base). 0 where ``H(X) + H(y) = 0``.
    """
    n_samples, n_features = codes.shape
    n_classes = int(y_encoded.max()) + 1
    n_bins = int(codes.max()) + 1
    # One bincount gives the contingency table (bin x class) of every feature.
    cell = codes * n_classes + y_encoded[:, None]
    cell += np.arange(n_features) * (n_bins * n_classes)
    joint = np.bincount(cell.ravel(), minlength=n_features * n_bins * n_classes)
    joint = joint.reshape(n_features, n_bins, n_classes)

    h_x = entropy(joint.sum(axis=2), base=2, axis=1)
    h_y = entropy(np.bincount(y_encoded, minlength=n_classes), base=2)
    h_xy = entropy(joint.reshape(n_features, -1), base=2, axis=1)
    mutual_info = np.maximum(h_x + h_y - h_xy, 0.0)
    denominator = h_x + h_y
    su = np.zeros(n_features)
    np.divide(2.0 * mutual_info, denominator, out=su, where=denominator > 0)
    return np.clip(su, 0.0, 1.0)


# --------------------------------------------------------------------------- selector
class SymmetricUncertaintySelector(_KBestScoreSelector):
    r"""Keep the ``k`` features with the highest symmetric uncertainty with ``y``.

    Each feature is discretized into at most ``n_bins`` ordinal bins (with
    :class:`~sklearn.preprocessing.KBinsDiscretizer`), then scored by its
    symmetric uncertainty with the class labels

    .. math::

        SU(X_j, y) = \frac{2\, I(X_j; y)}{H(X_j) + H(y)},

    where :math:`H` is the Shannon entropy and :math:`I(X_j; y) = H(X_j) + H(y) -
    H(X_j, y)` the mutual information, all estimated from bin/class frequencies
    (in bits; the ratio does not depend on the base). SU lies in [0, 1]: 0 for a
    feature independent of ``y`` (or constant), 1 for a feature that determines
    ``y`` and is determined by it. Dividing by the entropies removes the bias of
    plain mutual information towards features with many distinct values.

    It is a univariate filter: each feature is scored on its own, so redundant
    features are not penalised. It is typically used to cut hundreds or thousands
    of deep CNN features down to a few before a random forest.

    Parameters
    ----------
    k : int or "all", default=10
        Number of top-scoring features to keep. An int must be between 1 and the
        number of features seen in :meth:`fit`; ``"all"`` keeps every feature (the
        scores are still computed). Ties are broken in favour of the lower
        feature index.
    n_bins : int, default=10
        Number of bins per feature (at least 2). Bins that collapse because of tied
        values are merged, so a feature may end up with fewer bins.
    strategy : {"quantile", "uniform", "kmeans"}, default="quantile"
        Binning strategy passed to :class:`~sklearn.preprocessing.KBinsDiscretizer`:
        equal-frequency bins (with ``quantile_method="averaged_inverted_cdf"`` on
        scikit-learn >= 1.7), equal-width bins, or 1-D k-means bins.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features,)
        Symmetric uncertainty of each feature with ``y``, in [0, 1]. Constant
        features score 0.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    ReliefFSelector : Multivariate filter that scores features by nearest hits and misses.
    sklearn.feature_selection.SelectKBest : Top-k selection with other univariate scores.

    Notes
    -----
    Only the training data define the bins. Constant features are given score 0
    without being binned. ``strategy="kmeans"`` fits one 1-D k-means per feature
    and is far slower than the other strategies on thousands of features (tens of
    milliseconds per feature). Sparse input is not supported by :meth:`fit`, and
    missing or infinite values are rejected.

    References
    ----------
    .. [1] W. H. Press, S. A. Teukolsky, W. T. Vetterling and B. P. Flannery,
       "Numerical Recipes in C: The Art of Scientific Computing", 2nd ed.,
       Cambridge University Press, 1992, Section 14.7 (symmetrical uncertainty).
    .. [2] M. A. Hall, "Correlation-based Feature Selection for Machine Learning",
       PhD thesis, University of Waikato, 1999.
    .. [3] L. Yu and H. Liu, "Feature Selection for High-Dimensional Data: A Fast
       Correlation-Based Filter Solution", Proceedings of the 20th International
       Conference on Machine Learning (ICML), pp. 856-863, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from medcnn.feature_selection import SymmetricUncertaintySelector
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 50)
    >>> X = rng.normal(size=(100, 6))
    >>> X[:, 4] += 3 * y  # only feature 4 carries the label
    >>> selector = SymmetricUncertaintySelector(k=1).fit(X, y)
    >>> selector.get_support(indices=True)
    array([4])
    >>> selector.transform(X).shape
    (100, 1)
    >>> int(selector.scores_.argmax())
    4

    In a pipeline in front of a random forest:

    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> model = make_pipeline(SymmetricUncertaintySelector(k=2),
    ...                       RandomForestClassifier(n_estimators=10, random_state=0))
    >>> model.fit(X, y).score(X, y)
    1.0
    """

    def __init__(self, k=10, n_bins=10, strategy="quantile"):
        self.k = k
        self.n_bins = n_bins
        self.strategy = strategy

    _parameter_constraints = {
        "k": [PositiveInt(), StrOptions({"all"})],
        "n_bins": [Int(2, None, closed="left")],
        "strategy": [StrOptions(set(_STRATEGIES))],
    }
    _parameter_hints = {
        "k": "give a positive integer or 'all'",
        "n_bins": "give an integer >= 2",
        "strategy": f"use one of {_STRATEGIES}",
    }

    def fit(self, X, y):
        """Score every feature of ``X`` by its symmetric uncertainty with ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (e.g. deep CNN features). Must be finite.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : SymmetricUncertaintySelector
            The fitted selector.
        """
        validate_parameters(self)
        X, y = validate_data(self, X, y, dtype=np.float64)
        _validate_k(self.k, X.shape[1])
        y_encoded = _encode_targets(y)
        codes = _discretize(X, int(self.n_bins), self.strategy)
        self.scores_ = _su_scores(codes, y_encoded)
        return self
