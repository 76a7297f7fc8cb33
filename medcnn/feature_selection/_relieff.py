"""ReliefF filter (Kononenko, 1994): weight features by nearest hits and misses."""


import numpy as np
from sklearn.metrics import pairwise_distances
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from .._validation import PositiveInt, Real, StrOptions, validate_parameters
from ._symmetric_uncertainty import _encode_targets, _is_int, _KBestScoreSelector, _validate_k

# Upper bound on the number of float64 values in one block of work (distance rows of
# a chunk of sampled instances, and their neighbour differences): about 32 MiB.
_CHUNK_ELEMENTS = 2**22


def _scale_to_unit_range(X):
    """Scale each column to [0, 1] by its range; constant columns become 0."""
    low = X.min(axis=0)
    span = X.max(axis=0) - low
    inverse_span = np.zeros_like(span)
    np.divide(1.0, span, out=inverse_span, where=span > 0)
    return (X - low) * inverse_span


def _relieff_weights(X, y_encoded, n_neighbors, sample_indices):
    """ReliefF weights of the columns of ``X`` (already validated, float64).

    For each sampled instance R, with m = len(sample_indices):

    W[A] -= mean_{H in k nearest hits} diff(A, R, H) / m
    W[A] += sum_{C != class(R)} P(C) / (1 - P(class(R)))
            * mean_{M in k nearest misses of class C} diff(A, R, M) / m

    where diff is the absolute difference of range-scaled values and "nearest" is
    by Manhattan distance on the scaled features (ties: lower index first).
    """
    n_samples, n_features = X.shape
    X_scaled = _scale_to_unit_range(X)
    n_classes = int(y_encoded.max()) + 1
    class_counts = np.bincount(y_encoded, minlength=n_classes)
    priors = class_counts / n_samples
    members = [np.flatnonzero(y_encoded == c) for c in range(n_classes)]

    weights = np.zeros(n_features)
    chunk = max(1, _CHUNK_ELEMENTS // max(n_samples, n_neighbors * n_features))
    for start in range(0, sample_indices.size, chunk):
        rows = sample_indices[start:start + chunk]
        distances = pairwise_distances(X_scaled[rows], X_scaled, metric="manhattan")
        # R is never its own neighbour; it sorts last within its class.
        distances[np.arange(rows.size), rows] = np.inf
        row_classes = y_encoded[rows]
        for class_r in np.unique(row_classes):
            in_class = row_classes == class_r
            instances = X_scaled[rows[in_class]][:, None, :]
            class_distances = distances[in_class]
            for c in range(n_classes):
                candidates = members[c]
                # Use as many neighbours as the class has (minus R itself for hits).
                n_used = min(n_neighbors, candidates.size - int(c == class_r))
                if n_used == 0:
                    continue
                order = np.argsort(class_distances[:, candidates], axis=1, kind="stable")
                nearest = candidates[order[:, :n_used]]
                # Sum over the sampled instances of the mean diff to their neighbours.
                mean_diff = np.abs(X_scaled[nearest] - instances).mean(axis=1).sum(axis=0)
                if c == class_r:
                    weights -= mean_diff
                else:
                    weights += priors[c] / (1.0 - priors[class_r]) * mean_diff
    return weights / sample_indices.size


class ReliefFSelector(_KBestScoreSelector):
    r"""Keep the ``k`` features with the highest ReliefF weights.

    ReliefF [1]_ scores a feature by how well its values separate each instance
    from its nearest neighbours of other classes (misses) compared with its
    nearest neighbours of the same class (hits). Unlike univariate filters it
    takes the other features into account through the neighbourhoods, so it can
    detect features that are relevant only in interaction.

    Features are first scaled to [0, 1] by their range on the training data, so
    ``diff(A, I1, I2) = |I1[A] - I2[A]|`` lies in [0, 1] (0 for a constant
    feature), and neighbours are found by Manhattan distance on the scaled
    features. For each of the ``m`` sampled instances ``R``, with its
    ``n_neighbors`` nearest hits :math:`H_j` and, for every other class ``C``,
    its ``n_neighbors`` nearest misses :math:`M_j(C)`, the weight of feature
    ``A`` is updated as

    .. math::

        W[A] \leftarrow W[A] - \frac{1}{m} \operatorname{mean}_j \operatorname{diff}(A, R, H_j)
        + \frac{1}{m} \sum_{C \ne \operatorname{class}(R)}
        \frac{P(C)}{1 - P(\operatorname{class}(R))}
        \operatorname{mean}_j \operatorname{diff}(A, R, M_j(C)),

    i.e. the weight decreases with the difference to hits and increases with the
    prior-weighted difference to misses. The class priors ``P`` are the class
    frequencies of the training data. Weights lie in [-1, 1].

    Parameters
    ----------
    k : int or "all", default=10
        Number of top-scoring features to keep. An int must be between 1 and the
        number of features seen in :meth:`fit`; ``"all"`` keeps every feature (the
        weights are still computed). Ties are broken in favour of the lower
        feature index.
    n_neighbors : int, default=10
        Number of nearest hits and of nearest misses per other class (at least 1).
        When a class has fewer instances available, all of them are used; an
        instance that is alone in its class has no hits and contributes only
        through its misses.
    n_samples : int, float or None, default=None
        Instances ``R`` used to update the weights. ``None`` uses every training
        instance (deterministic; ``random_state`` is then unused). An int is a
        number of instances drawn at random without replacement (at most the
        number of training samples); a float in (0, 1] is a fraction of them
        (rounded, at least 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw of instances when ``n_samples`` is not None. Pass an int
        for reproducible results.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features,)
        ReliefF weight ``W`` of each feature, in [-1, 1]; higher is more relevant.
        Constant features score 0.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    SymmetricUncertaintySelector : Univariate information-theoretic filter.
    sklearn.feature_selection.SelectKBest : Top-k selection with univariate scores.

    Notes
    -----
    The nearest neighbours are found by exact distances between the sampled
    instances and all training instances, so the cost is
    O(m * n_samples * n_features) time; memory is bounded by processing the
    sampled instances in chunks. Ties in distance go to the lower sample index.
    Sparse input is not supported by :meth:`fit`, and missing or infinite values
    are rejected.

    References
    ----------
    .. [1] I. Kononenko, "Estimating Attributes: Analysis and Extensions of
       RELIEF", Machine Learning: ECML-94, Lecture Notes in Computer Science
       vol. 784, pp. 171-182, Springer, 1994.
    .. [2] K. Kira and L. A. Rendell, "A Practical Approach to Feature Selection",
       Proceedings of the 9th International Workshop on Machine Learning (ML92),
       pp. 249-256, 1992.
    .. [3] M. Robnik-Sikonja and I. Kononenko, "Theoretical and Empirical Analysis
       of ReliefF and RReliefF", Machine Learning, 53(1-2), pp. 23-69, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from medcnn.feature_selection import ReliefFSelector
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 30)
    >>> X = rng.normal(size=(90, 6))
    >>> X[:, 2] += 4 * y  # only feature 2 carries the label
    >>> selector = ReliefFSelector(k=1, n_neighbors=5).fit(X, y)
    >>> selector.get_support(indices=True)
    array([2])
    >>> selector.transform(X).shape
    (90, 1)

    Scoring a random half of the instances only:

    >>> ReliefFSelector(k=1, n_samples=0.5, random_state=0).fit(X, y).get_support(indices=True)
    array([2])
    """

    def __init__(self, k=10, n_neighbors=10, n_samples=None, random_state=None):
        self.k = k
        self.n_neighbors = n_neighbors
        self.n_samples = n_samples
        self.random_state = random_state

    _parameter_constraints = {
        "k": [PositiveInt(), StrOptions({"all"})],
        "n_neighbors": [PositiveInt()],
        "n_samples": [PositiveInt(), Real(0, 1, closed="right"), None],
        "random_state": ["random_state"],
    }
    _parameter_hints = {
        "k": "give a positive integer or 'all'",
        "n_neighbors": "give a positive integer",
        "n_samples": "give None, a positive integer or a float in (0, 1]",
    }

    def _n_instances(self, n_train):
        """Number of instances R implied by the (checked) ``n_samples`` for ``n_train`` samples."""
        n_samples = self.n_samples
        if n_samples is None:
            return n_train
        if _is_int(n_samples):
            if n_samples > n_train:
                raise ValueError(
                    f"n_samples={n_samples} is greater than the number of training samples "
                    f"({n_train}). Use n_samples=None to use every instance."
                )
            return int(n_samples)
        return max(1, int(round(n_samples * n_train)))

    def fit(self, X, y):
        """Compute the ReliefF weight of every feature of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (e.g. deep CNN features). Must be finite.
        y : array-like of shape (n_samples,)
            Class labels (binary or multiclass).

        Returns
        -------
        self : ReliefFSelector
            The fitted selector.
        """
        validate_parameters(self)
        X, y = validate_data(self, X, y, dtype=np.float64)
        _validate_k(self.k, X.shape[1])
        y_encoded = _encode_targets(y)
        n_train = X.shape[0]
        n_instances = self._n_instances(n_train)
        if self.n_samples is None:
            sample_indices = np.arange(n_train)
        else:
            rng = check_random_state(self.random_state)
            sample_indices = np.sort(rng.choice(n_train, size=n_instances, replace=False))
        self.scores_ = _relieff_weights(X, y_encoded, int(self.n_neighbors), sample_indices)
        return self
