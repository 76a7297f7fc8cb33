"""CNNEnsemble: several classifiers fitted on the same data, their predictions combined."""

from __future__ import annotations

import inspect
import numbers
from collections import Counter

import numpy as np
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.utils import Bunch
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

from .._validation import Int, StrOptions, validate_parameters

__all__ = ["CNNEnsemble", "COMBINES"]

#: The ways CNNEnsemble combines its members.
COMBINES = ("mean", "median", "vote")
DEFAULT_SEEDS = (0, 1, 2, 3, 4)


def _auto_names(estimators):
    """make_pipeline-style names: the lowercase class name, numbered when repeated."""
    names = [type(est).__name__.lower() if not isinstance(est, str) else str(est) for est in estimators]
    counts = Counter(names)
    seen = Counter()
    unique = []
    for name in names:
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        unique.append(name)
    return unique


def _is_pair(item):
    return isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)


def _fit_member(estimator, X, y, sample_weight, name):
    """Fit one member, passing ``sample_weight`` when given."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import has_fit_parameter

    if sample_weight is None:
        return estimator.fit(X, y)
    if isinstance(estimator, Pipeline):
        last = estimator.steps[-1][0]
        if not has_fit_parameter(estimator.steps[-1][1], "sample_weight"):
            raise TypeError(f"Member {name!r}: the last step {last!r} of its Pipeline does not "
                            "accept sample_weight; fit without sample_weight or use members that "
                            "take it.")
        return estimator.fit(X, y, **{f"{last}__sample_weight": sample_weight})
    parameters = inspect.signature(estimator.fit).parameters.values()
    if not (has_fit_parameter(estimator, "sample_weight")
            or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)):
        raise TypeError(f"Member {name!r} ({type(estimator).__name__}) does not accept "
                        "sample_weight in fit; fit without sample_weight or use members that take it.")
    return estimator.fit(X, y, sample_weight=sample_weight)


def _weighted_median(values, weights):
    """Weighted median over axis 0 of ``values`` (m, ...): the mean of the lower and upper
    weighted medians, which is ``np.median`` for equal weights."""
    order = np.argsort(values, axis=0, kind="stable")
    ordered = np.take_along_axis(values, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0)
    half = cumulative[-1] / 2.0
    tolerance = 1e-9 * cumulative[-1]
    lower = np.argmax(cumulative >= half - tolerance, axis=0)[np.newaxis]
    upper = np.argmax(cumulative > half + tolerance, axis=0)[np.newaxis]
    return 0.5 * (np.take_along_axis(ordered, lower, axis=0)[0]
                  + np.take_along_axis(ordered, upper, axis=0)[0])


class CNNEnsemble(ClassifierMixin, _BaseComposition):
    """An ensemble of classifiers fitted on the same data, their predictions combined.

    Each member is cloned and fitted on the whole training set; members differ by
    their settings, or only by their random seed (:meth:`from_seeds`: the usual
    "deep ensemble" of networks that differ by weight initialisation, batch order
    and augmentation draws). Averaging the members' probabilities is the usual way
    to gain a few points of accuracy and better calibrated probabilities over a
    single network.

    Parameters
    ----------
    estimators : list of (str, estimator) pairs, or list of estimators
        The members: any scikit-learn classifiers (:class:`~medcnn.estimators.CNNClassifier`, a
        Pipeline with :class:`~medcnn.TransferFeatureExtractor`,
        ``LogisticRegression``...), all taking the same X. A plain list of estimators
        is named like :func:`~sklearn.pipeline.make_pipeline` does (lowercase class
        names, numbered when repeated). A member may be ``"drop"`` to leave it out
        (e.g. in a grid search).
    combine : {"mean", "median", "vote"}, default="mean"
        How the members' predictions are combined:

        - ``"mean"``: the (weighted) mean of their ``predict_proba``;
        - ``"median"``: the (weighted) median probability of each class, each row then
          rescaled to sum to 1 (robust to one member far off the others);
        - ``"vote"``: majority vote of their ``predict`` labels (weighted votes);
          ``predict_proba`` gives the vote fractions, and a tie in ``predict`` goes to
          the tied class with the larger mean probability (the first tied class in
          ``classes_`` if a member has no ``predict_proba``).

        It is read when predicting, so it can be changed after fit without refitting.
    weights : array-like of shape (n_estimators,), optional
        Non-negative weight of each member (dropped members included, their weight
        ignored) in the mean, median or vote. Default: equal weights.
    n_jobs : int, optional
        Members fitted in parallel (joblib processes; -1 for one per core). Each CNN
        member in its own process loads TensorFlow and takes its own memory; on one
        GPU keep None (one member after the other).

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members (dropped ones left out).
    named_estimators_ : Bunch
        The fitted members by name (``"drop"`` for dropped ones).
    classes_ : ndarray of shape (n_classes,)
        Class labels, the same for every member.
    n_features_in_ : int
        Features (values per sample) seen in fit, when the members report it.

    See Also
    --------
    sklearn.ensemble.VotingClassifier : Soft and hard voting of scikit-learn classifiers.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from medcnn.ensemble import CNNEnsemble
    >>> X, y = make_classification(60, random_state=0)
    >>> ensemble = CNNEnsemble([("lr", LogisticRegression()),
    ...                         ("tree", DecisionTreeClassifier(max_depth=2, random_state=0))])
    >>> ensemble.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> sorted(ensemble.named_estimators_)
    ['lr', 'tree']
    >>> ensemble.set_params(lr__C=0.1).get_params()["lr__C"]
    0.1

    A deep ensemble of five seeds of a small network:

    >>> from medcnn import CNNClassifier
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(40, image_size=28, random_state=0)
    >>> seeds = CNNEnsemble.from_seeds(CNNClassifier("lenet5", epochs=1), seeds=2)
    >>> seeds.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> [name for name, _ in seeds.estimators]
    ['seed0', 'seed1']
    """

    def __init__(self, estimators, combine="mean", weights=None, n_jobs=None):
        self.estimators = estimators
        self.combine = combine
        self.weights = weights
        self.n_jobs = n_jobs

    # ------------------------------------------------------------ members
    @classmethod
    def from_seeds(cls, estimator, seeds=DEFAULT_SEEDS, *, combine="mean", weights=None, n_jobs=None):
        """An ensemble of copies of ``estimator`` that differ only by their seed.

        Every ``random_state`` parameter of the estimator (its own and those of nested
        steps, e.g. both steps of a Pipeline) is set to the member's seed.

        Parameters
        ----------
        estimator : estimator
            The classifier to repeat; it must have a ``random_state`` parameter
            somewhere (CNNClassifier, a seeded Pipeline...).
        seeds : int or sequence of int, default=(0, 1, 2, 3, 4)
            The members' seeds, or their number (seeds ``0 .. seeds - 1``).
        combine, weights, n_jobs
            As in :class:`CNNEnsemble`.

        Returns
        -------
        CNNEnsemble
            Unfitted; its members are named ``"seed<seed>"``.

        Raises
        ------
        ValueError
            If the estimator has no ``random_state`` parameter, or the seeds are not
            distinct non-negative integers.

        Examples
        --------
        >>> from sklearn.ensemble import RandomForestClassifier
        >>> ensemble = CNNEnsemble.from_seeds(RandomForestClassifier(n_estimators=5), seeds=[7, 8])
        >>> [(name, est.random_state) for name, est in ensemble.estimators]
        [('seed7', 7), ('seed8', 8)]
        """
        if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
            if seeds < 1:
                raise ValueError(f"seeds={seeds!r} is not valid; give the number of members (>= 1) "
                                 "or a sequence of seeds.")
            seeds = range(int(seeds))
        try:
            seeds = list(seeds)
        except TypeError:
            raise ValueError(f"seeds={seeds!r} is not valid; give a number of members or a "
                             "sequence of integer seeds.") from None
        bad = [s for s in seeds if not isinstance(s, numbers.Integral) or isinstance(s, bool)
               or not 0 <= s < 2**32]
        if not seeds or bad or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds={seeds!r} is not valid; give distinct integers in [0, 2**32), "
                             "one per member.")
        if not hasattr(estimator, "get_params"):
            raise TypeError(f"estimator={estimator!r} is not a scikit-learn estimator.")
        keys = [key for key in estimator.get_params(deep=True)
                if key == "random_state" or key.endswith("__random_state")]
        if not keys:
            raise ValueError(
                f"{type(estimator).__name__} has no random_state parameter, so members made "
                "from seeds would all be the same; give a seeded estimator (CNNClassifier, a "
                "Pipeline with a seeded step) or build the ensemble from a list of estimators.")
        members = [(f"seed{int(seed)}", clone(estimator).set_params(**{key: int(seed) for key in keys}))
                   for seed in seeds]
        return cls(members, combine=combine, weights=weights, n_jobs=n_jobs)

    def _named(self):
        """The members as ``[(name, estimator)]`` (names made up for a plain list);
        ``[]`` when ``estimators`` is malformed (fit reports that)."""
        items = self.estimators
        if not isinstance(items, (list, tuple)) or not items:
            return []
        if all(_is_pair(item) for item in items):
            return [(item[0], item[1]) for item in items]
        if any(_is_pair(item) for item in items):
            return []
        return list(zip(_auto_names(items), items))

    @property
    def named_estimators(self):
        """The (unfitted) members by name, as a :class:`~sklearn.utils.Bunch`."""
        return Bunch(**dict(self._named()))

    def _validated_members(self):
        items = self.estimators
        if not isinstance(items, (list, tuple)) or not items:
            raise ValueError(f"estimators={items!r} is not valid; give a non-empty list of "
                             "(name, estimator) pairs or of estimators.")
        members = self._named()
        if not members:
            raise ValueError("estimators mixes (name, estimator) pairs with bare items; give "
                             "either a list of (name, estimator) pairs or a list of estimators.")
        names = [name for name, _ in members]
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        if duplicates:
            raise ValueError(f"Member names must be unique; {duplicates} appear more than once.")
        clashes = sorted(set(names) & set(self.get_params(deep=False)))
        if clashes:
            raise ValueError(f"Member names {clashes} clash with parameters of CNNEnsemble; "
                             "rename them.")
        dunder = [name for name in names if "__" in name]
        if dunder:
            raise ValueError(f"Member names must not contain '__' (it separates nested "
                             f"parameters); rename {dunder}.")
        for name, estimator in members:
            if isinstance(estimator, str) and estimator == "drop":
                continue
            if isinstance(estimator, type):
                raise TypeError(f"Member {name!r} is the class {estimator.__name__}; give an "
                                f"instance, {estimator.__name__}().")
            usable = hasattr(estimator, "fit") and hasattr(estimator, "predict")
            if not usable or not is_classifier(estimator):
                raise TypeError(f"Member {name!r} ({type(estimator).__name__}) is not a classifier; "
                                "every member must be a scikit-learn classifier.")
        if all(isinstance(est, str) and est == "drop" for _, est in members):
            raise ValueError("Every member is 'drop'; keep at least one estimator.")
        return members

    _parameter_constraints = {
        "estimators": [list, tuple],
        "combine": [StrOptions(set(COMBINES))],
        "weights": ["array-like", None],
        "n_jobs": [Int(None, None, closed="neither"), None],
    }
    _parameter_hints = {
        "estimators": "give a non-empty list of (name, estimator) pairs or of estimators",
        "combine": f"use one of {COMBINES}",
        "weights": "give one number per member, or None",
    }

    def _checked_combine(self):
        if not isinstance(self.combine, str) or self.combine not in COMBINES:
            raise ValueError(f"combine={self.combine!r} is not valid; use one of {COMBINES}.")
        return self.combine

    def _member_weights(self, members):
        """Weights of the kept (not dropped) members, as floats."""
        kept = [not (isinstance(est, str) and est == "drop") for _, est in members]
        if self.weights is None:
            return np.ones(sum(kept))
        try:
            weights = np.asarray(self.weights, dtype=np.float64)
        except (TypeError, ValueError):
            weights = None
        if weights is None or weights.ndim != 1 or len(weights) != len(members):
            raise ValueError(f"weights={self.weights!r} is not valid; give one number per member "
                             f"({len(members)} members, dropped ones included).")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(f"weights={self.weights!r} is not valid; weights must be finite and >= 0.")
        weights = weights[np.asarray(kept)]
        if weights.sum() <= 0:
            raise ValueError(f"weights={self.weights!r} gives the kept members a total weight of 0; "
                             "give at least one of them a positive weight.")
        return weights

    # ---------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit a clone of every member on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Training data, in a form every member accepts (images, paths, features).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), optional
            Passed to every member's fit (to the last step of a Pipeline member).

        Returns
        -------
        self : CNNEnsemble
            The fitted ensemble.
        """
        from joblib import Parallel, delayed

        validate_parameters(self, self.get_params(deep=False))
        members = self._validated_members()
        self._member_weights(members)
        if y is None:
            raise ValueError("CNNEnsemble requires y to be passed, but the target y is None.")
        kept = [(name, est) for name, est in members if not (isinstance(est, str) and est == "drop")]
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(clone(est), X, y, sample_weight, name) for name, est in kept)
        first_name, first = kept[0][0], fitted[0]
        for (name, _), estimator in zip(kept, fitted):
            if not hasattr(estimator, "classes_"):
                raise TypeError(f"Member {name!r} ({type(estimator).__name__}) has no classes_ "
                                "after fit; every member must be a classifier.")
            if not np.array_equal(np.asarray(estimator.classes_), np.asarray(first.classes_)):
                expected = np.asarray(first.classes_).tolist()
                found = np.asarray(estimator.classes_).tolist()
                raise ValueError(
                    f"Members disagree on the classes: {first_name!r} has {expected!r}, {name!r} has "
                    f"{found!r}. Every member must predict the same labels to be combined.")
        self.estimators_ = list(fitted)
        named = dict(zip([name for name, _ in kept], fitted))
        self.named_estimators_ = Bunch(**{name: named.get(name, "drop") for name, _ in members})
        self.classes_ = np.asarray(first.classes_)
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_
        return self

    # ------------------------------------------------------------ predict
    def _kept_weights(self):
        """Weights of the fitted members (the members as fitted, not as set since)."""
        return self._member_weights(list(self.named_estimators_.items()))

    def _member_proba(self, X, reason):
        probas = []
        for name, estimator in zip(self._kept_names(), self.estimators_):
            if not hasattr(estimator, "predict_proba"):
                raise AttributeError(
                    f"{reason} needs predict_proba of every member, and {name!r} "
                    f"({type(estimator).__name__}) has none; use combine='vote', or a member "
                    "with probabilities (e.g. SVC(probability=True)).")
            probas.append(np.asarray(estimator.predict_proba(X), dtype=np.float64))
        return np.stack(probas)

    def _kept_names(self):
        return [name for name, est in self.named_estimators_.items()
                if not (isinstance(est, str) and est == "drop")]

    def _votes(self, X, weights):
        """Weighted votes ``(n_samples, n_classes)`` of the members' predicted labels."""
        votes = None
        for estimator, weight in zip(self.estimators_, weights):
            labels = np.asarray(estimator.predict(X))
            hits = np.stack([labels == label for label in self.classes_], axis=1)
            votes = weight * hits if votes is None else votes + weight * hits
        return votes

    def predict_proba(self, X):
        """Combined class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Data in a form every member accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The (weighted) mean or median of the members' probabilities, or the vote
            fractions for ``combine="vote"``; rows sum to 1.
        """
        check_is_fitted(self)
        combine = self._checked_combine()
        weights = self._kept_weights()
        if combine == "vote":
            return self._votes(X, weights) / weights.sum()
        probas = self._member_proba(X, f"combine={combine!r}")
        if combine == "mean":  # rescaled: float32 member probabilities may sum to 1 +- 1e-7
            mean = np.average(probas, axis=0, weights=weights)
            return mean / mean.sum(axis=1, keepdims=True)
        median = _weighted_median(probas, weights)
        totals = median.sum(axis=1, keepdims=True)
        empty = totals[:, 0] <= 0  # every class's median is 0: fall back to the mean
        if np.any(empty):
            median[empty] = np.average(probas[:, empty], axis=0, weights=weights)
            totals[empty] = 1.0
        return median / totals

    def predict(self, X):
        """Combined class labels.

        The most probable class of :meth:`predict_proba` for ``"mean"`` and
        ``"median"``; the (weighted) majority of the members' labels for ``"vote"``,
        ties going to the tied class with the larger mean probability.

        Parameters
        ----------
        X : array-like or sequence of paths
            Data in a form every member accepts.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        if self._checked_combine() != "vote":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        weights = self._kept_weights()
        votes = self._votes(X, weights)
        top = votes.max(axis=1, keepdims=True)
        tied_classes = np.isclose(votes, top, rtol=0, atol=1e-9 * weights.sum())
        winners = np.argmax(votes, axis=1)
        tied = np.flatnonzero(tied_classes.sum(axis=1) > 1)
        if len(tied) and all(hasattr(est, "predict_proba") for est in self.estimators_):
            mean = np.average(self._member_proba(_safe_indexing(X, tied), "Breaking a tie"),
                              axis=0, weights=weights)
            winners[tied] = np.argmax(np.where(tied_classes[tied], mean, -np.inf), axis=1)
        return self.classes_[winners]

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        members = [est for _, est in self._named() if not isinstance(est, str)]
        try:
            member_tags = [get_tags(est) for est in members]
        except Exception:  # malformed members: fit reports them
            member_tags = []
        if member_tags:
            tags.input_tags.allow_nan = all(t.input_tags.allow_nan for t in member_tags)
            tags.input_tags.sparse = all(t.input_tags.sparse for t in member_tags)
            tags.non_deterministic = any(t.non_deterministic for t in member_tags)
        return tags

    # --------------------------------------------------------- parameters
    def get_params(self, deep=True):
        """Parameters of the ensemble and, with ``deep``, its members as ``<name>`` and
        ``<name>__<parameter>``.

        Parameters
        ----------
        deep : bool, default=True
            Include the members and their parameters.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        out = super().get_params(deep=False)
        if not deep:
            return out
        for name, estimator in self._named():
            out[name] = estimator
            if hasattr(estimator, "get_params") and not isinstance(estimator, type):
                for key, value in estimator.get_params(deep=True).items():
                    out[f"{name}__{key}"] = value
        return out

    def set_params(self, **params):
        """Set parameters of the ensemble (``combine``...), replace a member (``<name>=``),
        or set a member's parameter (``<name>__<parameter>=``).

        Parameters
        ----------
        **params : dict
            Parameter names and values.

        Returns
        -------
        self : CNNEnsemble
            The ensemble.
        """
        if "estimators" in params:
            self.estimators = params.pop("estimators")
        names = [name for name, _ in self._named()]
        for name in [key for key in params if "__" not in key and key in names]:
            position = names.index(name)
            items = list(self.estimators)
            replacement = params.pop(name)
            items[position] = (name, replacement) if _is_pair(items[position]) else replacement
            if not _is_pair(items[position]) and _auto_names(items)[position] != name:
                # a plain list names members by class: keep the name by switching to pairs
                items = [(n, est) for n, est in zip(names, items)]
            self.estimators = items
        return super().set_params(**params)
