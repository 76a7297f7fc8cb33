"""CNNEnsemble: scikit-learn's VotingClassifier with medcnn's additions.

CNNEnsemble subclasses :class:`sklearn.ensemble.VotingClassifier` rather than wrapping
one: it is a VotingClassifier for ``isinstance`` and for scikit-learn's tools, takes
the same parameters, exposes the same fitted attributes (``estimators_``,
``named_estimators_``, ``classes_``, ``n_features_in_``, ``feature_names_in_``), and
inherits ``score``, ``fit_transform``, the ``n_features_in_`` property and the timing
messages of ``verbose``. It overrides, and why:

- ``predict``, ``predict_proba``, ``transform``, ``get_feature_names_out``: ``voting``
  also takes ``"median"`` and defaults to ``"soft"`` (the mean of probabilities, what a
  deep ensemble needs); ``"hard"`` has a ``predict_proba`` (the weighted vote
  fractions) and breaks ties by the mean probability; ``voting`` and ``weights`` are
  read from the members as fitted, so they can be changed after fit without refitting.
- ``fit``: members are fitted on ``y`` as given, not on VotingClassifier's
  label-encoded ``y``, so every fitted member is a usable classifier of its own (its
  ``classes_``, ``predict``, saved archive and Grad-CAM speak the user's labels; there
  is no ``le_``); ``sample_weight`` reaches the last step of a Pipeline member, a member
  that cannot take it is named before any member trains, and the errors name the
  member and the fix.
- The methods that read ``estimators`` as ``(name, estimator)`` pairs
  (``get_params``, ``set_params``, ``named_estimators``, metadata routing, the HTML
  diagram, tags): ``estimators`` may also be a plain list of estimators, named like
  ``make_pipeline`` names its steps (:mod:`._composition`).

:meth:`CNNEnsemble.from_seeds` builds a deep ensemble of one estimator's seeds, and the
deprecated ``combine=`` is still read, with a FutureWarning (:mod:`._combine`).
"""

from __future__ import annotations

import numpy as np
from sklearn import get_config
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._validation import Hidden, Int, StrOptions, validate_parameters
from ._composition import NamedMembersMixin
from ._combine import (COMBINES, VOTINGS, effective_voting, is_drop, mean_proba, median_proba,
                       member_weights, votes)
from ._members import (DEFAULT_SEEDS, check_members, check_target, fit_member, member_fit_params,
                       seeded_members)

__all__ = ["CNNEnsemble", "VOTINGS"]


class CNNEnsemble(NamedMembersMixin, VotingClassifier):
    """An ensemble of classifiers fitted on the same data, their predictions combined.

    A :class:`sklearn.ensemble.VotingClassifier` for deep ensembles. Each member is
    cloned and fitted on the whole training set; members differ by their settings, or
    only by their random seed (:meth:`from_seeds`: the usual "deep ensemble" of networks
    that differ by weight initialisation, batch order and augmentation draws). Averaging
    the members' probabilities is the usual way to gain a few points of accuracy and
    better calibrated probabilities over a single network.

    Parameters
    ----------
    estimators : list of (str, estimator) pairs, or list of estimators
        The members: any scikit-learn classifiers (:class:`~medcnn.estimators.CNNClassifier`, a
        Pipeline with :class:`~medcnn.TransferFeatureExtractor`,
        ``LogisticRegression``...), all taking the same X. A plain list of estimators
        is named like :func:`~sklearn.pipeline.make_pipeline` does (lowercase class
        names, numbered when repeated). A member may be ``"drop"`` to leave it out
        (e.g. in a grid search).
    voting : {"soft", "hard", "median"}, default="soft"
        How the members' predictions are combined:

        - ``"soft"``: the (weighted) mean of their ``predict_proba``;
        - ``"hard"``: majority vote of their ``predict`` labels (weighted votes);
          ``predict_proba`` gives the vote fractions, and a tie in ``predict`` goes to
          the tied class with the larger mean probability (the first tied class in
          ``classes_`` if a member has no ``predict_proba``);
        - ``"median"``: the (weighted) median probability of each class, each row then
          rescaled to sum to 1 (robust to one member far off the others).

        It is read when predicting, so it can be changed after fit without refitting.
    weights : array-like of shape (n_estimators,), default=None
        Non-negative weight of each member (dropped members included, their weight
        ignored) in the mean, median or vote. Default: equal weights.
    n_jobs : int, default=None
        Members fitted in parallel (joblib; -1 for one per core). Each CNN member in its
        own process loads TensorFlow and takes its own memory; on one GPU keep None (one
        member after the other).
    flatten_transform : bool, default=True
        With ``"soft"`` or ``"median"`` voting, ``transform`` returns the members'
        probabilities side by side, shape (n_samples, n_members * n_classes); with
        False, stacked, shape (n_members, n_samples, n_classes).
    verbose : bool, default=False
        Print the time each member took to fit.
    combine : {"mean", "median", "vote"}, default="deprecated"
        Deprecated since version 0.2, removed in 0.3: use ``voting`` (``"mean"`` is
        ``"soft"``, ``"vote"`` is ``"hard"``). When set, it overrides ``voting`` and
        warns with a FutureWarning.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members (dropped ones left out), fitted on ``y`` as given.
    named_estimators_ : Bunch
        The fitted members by name (``"drop"`` for dropped ones).
    classes_ : ndarray of shape (n_classes,)
        Class labels, the same for every member.
    n_features_in_ : int
        Features (values per sample) seen in fit, when the members report it.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen in fit, when the members report them.

    See Also
    --------
    sklearn.ensemble.VotingClassifier : The base class: soft and hard voting.

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

    A deep ensemble of two seeds of a small network:

    >>> from medcnn import CNNClassifier
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(40, image_size=28, random_state=0)
    >>> seeds = CNNEnsemble.from_seeds(CNNClassifier("lenet5", epochs=1), seeds=2)
    >>> seeds.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> [name for name, _ in seeds.estimators]
    ['seed0', 'seed1']
    """

    _parameter_constraints = {
        "estimators": [list, tuple],
        "voting": [StrOptions(set(VOTINGS))],
        "weights": ["array-like", None],
        "n_jobs": [Int(None, None, closed="neither"), None],
        "flatten_transform": ["boolean"],
        "verbose": ["verbose"],
        "combine": [StrOptions(set(COMBINES)), Hidden(StrOptions({"deprecated"}))],
    }
    _parameter_hints = {
        "estimators": "give a non-empty list of (name, estimator) pairs or of estimators",
        "voting": "use 'soft' (the mean of probabilities; combine='mean' before), 'hard' "
                  "(majority vote; combine='vote' before) or 'median'",
        "weights": "give one number per member, or None",
        "combine": f"combine= is deprecated: use voting= with one of {VOTINGS}",
    }

    def __init__(self, estimators, *, voting="soft", weights=None, n_jobs=None,
                 flatten_transform=True, verbose=False, combine="deprecated"):
        self.estimators = estimators
        self.voting = voting
        self.weights = weights
        self.n_jobs = n_jobs
        self.flatten_transform = flatten_transform
        self.verbose = verbose
        self.combine = combine

    @classmethod
    def from_seeds(cls, estimator, seeds=DEFAULT_SEEDS, *, voting="soft", weights=None, n_jobs=None,
                   flatten_transform=True, verbose=False, combine="deprecated"):
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
        voting, weights, n_jobs, flatten_transform, verbose, combine
            As in :class:`CNNEnsemble` (``combine`` is deprecated).

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
        return cls(seeded_members(estimator, seeds), voting=voting, weights=weights, n_jobs=n_jobs,
                   flatten_transform=flatten_transform, verbose=verbose, combine=combine)

    def _voting(self):
        return effective_voting(self.voting, self.combine)

    # ---------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit a clone of every member on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Training data, in a form every member accepts (images, paths, features).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's fit (to the last step of a Pipeline member).
        **fit_params : dict
            Other parameters for the members' fit, routed to the members that request
            them; only with ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : CNNEnsemble
            The fitted ensemble.
        """
        validate_parameters(self, self.get_params(deep=False))
        self._voting()
        members = check_members(self.estimators, self.get_params(deep=False))
        member_weights(self.weights, members)
        check_target(y)
        kept = [(name, est) for name, est in members if not is_drop(est)]
        if get_config().get("enable_metadata_routing", False):
            if sample_weight is not None:
                fit_params["sample_weight"] = sample_weight
            params = member_fit_params(kept, None, process_routing(self, "fit", **fit_params))
        elif fit_params:
            raise TypeError(f"fit got {sorted(fit_params)}, which CNNEnsemble passes to its members only "
                            "with metadata routing: call sklearn.set_config(enable_metadata_routing=True) "
                            "and request them with the members' set_fit_request.")
        else:
            params = member_fit_params(kept, sample_weight)
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_member)(clone(est), X, y, params[name], self._log_message(name, i + 1, len(kept)))
            for i, (name, est) in enumerate(kept))
        first_name, first = kept[0][0], fitted[0]
        for (name, _), estimator in zip(kept, fitted):
            if not hasattr(estimator, "classes_"):
                raise TypeError(f"Member {name!r} ({type(estimator).__name__}) has no classes_ "
                                "after fit; every member must be a classifier.")
            if not np.array_equal(np.asarray(estimator.classes_), np.asarray(first.classes_)):
                raise ValueError(
                    f"Members disagree on the classes: {first_name!r} has "
                    f"{np.asarray(first.classes_).tolist()!r}, {name!r} has "
                    f"{np.asarray(estimator.classes_).tolist()!r}. Every member must predict "
                    "the same labels to be combined.")
        self.estimators_ = list(fitted)
        by_name = dict(zip([name for name, _ in kept], fitted))
        self.named_estimators_ = Bunch(**{name: by_name.get(name, "drop") for name, _ in members})
        self.classes_ = np.asarray(first.classes_)
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_
        return self

    # ------------------------------------------------------------ predict
    def _kept_names(self):
        return [name for name, est in self.named_estimators_.items() if not is_drop(est)]

    def _kept_weights(self):
        """Weights of the fitted members (the members as fitted, not as set since)."""
        return member_weights(self.weights, list(self.named_estimators_.items()))

    def _member_proba(self, X, reason):
        """The members' probabilities, shape (n_members, n_samples, n_classes)."""
        probas = []
        for name, estimator in zip(self._kept_names(), self.estimators_):
            if not hasattr(estimator, "predict_proba"):
                raise AttributeError(
                    f"{reason} needs predict_proba of every member, and {name!r} "
                    f"({type(estimator).__name__}) has none; use voting='hard', or a member "
                    "with probabilities (e.g. SVC(probability=True)).")
            probas.append(np.asarray(estimator.predict_proba(X), dtype=np.float64))
        return np.stack(probas)

    def _votes(self, X, weights):
        return votes(np.stack([np.asarray(est.predict(X)) for est in self.estimators_]),
                     self.classes_, weights)

    @property
    def n_features_in_(self):
        """Features (values per sample) seen in fit, when the members report it."""
        return super().n_features_in_

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
            fractions for ``voting="hard"``; rows sum to 1.
        """
        check_is_fitted(self)
        voting = self._voting()
        weights = self._kept_weights()
        if voting == "hard":
            return self._votes(X, weights) / weights.sum()
        probas = self._member_proba(X, f"voting={voting!r}")
        return mean_proba(probas, weights) if voting == "soft" else median_proba(probas, weights)

    def predict(self, X):
        """Combined class labels.

        The most probable class of :meth:`predict_proba` for ``"soft"`` and
        ``"median"``; the (weighted) majority of the members' labels for ``"hard"``,
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
        if self._voting() != "hard":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        weights = self._kept_weights()
        counts = self._votes(X, weights)
        top = counts.max(axis=1, keepdims=True)
        tied_classes = np.isclose(counts, top, rtol=0, atol=1e-9 * weights.sum())
        winners = np.argmax(counts, axis=1)
        tied = np.flatnonzero(tied_classes.sum(axis=1) > 1)
        if len(tied) and all(hasattr(est, "predict_proba") for est in self.estimators_):
            mean = np.average(self._member_proba(_safe_indexing(X, tied), "Breaking a tie"),
                              axis=0, weights=weights)
            winners[tied] = np.argmax(np.where(tied_classes[tied], mean, -np.inf), axis=1)
        return self.classes_[winners]

    def transform(self, X):
        """The members' predictions, one block of columns per member.

        Parameters
        ----------
        X : array-like or sequence of paths
            Data in a form every member accepts.

        Returns
        -------
        ndarray
            For ``"soft"`` and ``"median"`` voting, the members' probabilities: shape
            (n_samples, n_members * n_classes), or (n_members, n_samples, n_classes)
            with ``flatten_transform=False``. For ``"hard"``, the members' labels (as
            in ``classes_``), shape (n_samples, n_members).
        """
        check_is_fitted(self)
        if self._voting() == "hard":
            return self._predict(X)
        probas = self._member_proba(X, "transform")
        return np.hstack(probas) if self.flatten_transform else probas

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of :meth:`transform`.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Not used; checked against ``feature_names_in_`` when given.

        Returns
        -------
        ndarray of str objects
            ``"cnnensemble_<member>"`` for hard voting, ``"cnnensemble_<member><k>"``
            for the k-th class otherwise.
        """
        check_is_fitted(self)
        voting = self._voting()
        if voting != "hard" and not self.flatten_transform:
            raise ValueError(f"get_feature_names_out needs 2-D output; voting={voting!r} with "
                             "flatten_transform=False gives 3-D output: set flatten_transform=True.")
        _check_feature_names_in(self, input_features, generate_names=False)
        prefix = type(self).__name__.lower()
        if voting == "hard":
            return np.asarray([f"{prefix}_{name}" for name in self._kept_names()], dtype=object)
        return np.asarray([f"{prefix}_{name}{k}" for name in self._kept_names()
                           for k in range(len(self.classes_))], dtype=object)
