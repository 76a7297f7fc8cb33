"""The members of a CNNEnsemble: their names, their checks, how each one is fitted, and the
members of a deep ensemble made from seeds."""

from __future__ import annotations

import inspect
import numbers
from collections import Counter

import numpy as np

from sklearn.base import clone, is_classifier
from sklearn.utils._user_interface import _print_elapsed_time
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import has_fit_parameter

from .._validation import check_label_values

from ._combine import is_drop

DEFAULT_SEEDS = (0, 1, 2, 3, 4)


def auto_names(estimators):
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


def is_pair(item):
    """Whether ``item`` is a ``(name, estimator)`` pair."""
    return isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)


def named(estimators):
    """The members as ``[(name, estimator)]`` (names made up for a plain list); ``[]``
    when ``estimators`` is malformed (fit reports that)."""
    if not isinstance(estimators, (list, tuple)) or not estimators:
        return []
    if all(is_pair(item) for item in estimators):
        return [(item[0], item[1]) for item in estimators]
    if any(is_pair(item) for item in estimators):
        return []
    return list(zip(auto_names(estimators), estimators))


def replace_member(estimators, names, name, replacement):
    """``estimators`` with the member ``name`` replaced; a plain list switches to pairs
    when the replacement would change the names made up from the classes."""
    position = names.index(name)
    items = list(estimators)
    items[position] = (name, replacement) if is_pair(items[position]) else replacement
    if not is_pair(items[position]) and auto_names(items) != list(names):
        items = [(n, est) for n, est in zip(names, estimators)]
        items[position] = (name, replacement)
    return items


def check_members(estimators, reserved):
    """``[(name, estimator)]`` after checking names and members; ``reserved`` are the
    ensemble's own parameter names, which members must not take."""
    if not isinstance(estimators, (list, tuple)) or not estimators:
        raise ValueError(f"estimators={estimators!r} is not valid; give a non-empty list of "
                         "(name, estimator) pairs or of estimators.")
    members = named(estimators)
    if not members:
        raise ValueError("estimators mixes (name, estimator) pairs with bare items; give "
                         "either a list of (name, estimator) pairs or a list of estimators.")
    names = [name for name, _ in members]
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise ValueError(f"Member names must be unique; {duplicates} appear more than once.")
    clashes = sorted(set(names) & set(reserved))
    if clashes:
        raise ValueError(f"Member names {clashes} clash with parameters of CNNEnsemble; rename them.")
    dunder = [name for name in names if "__" in name]
    if dunder:
        raise ValueError(f"Member names must not contain '__' (it separates nested "
                         f"parameters); rename {dunder}.")
    for name, estimator in members:
        if is_drop(estimator):
            continue
        if isinstance(estimator, type):
            raise TypeError(f"Member {name!r} is the class {estimator.__name__}; give an "
                            f"instance, {estimator.__name__}().")
        usable = hasattr(estimator, "fit") and hasattr(estimator, "predict")
        if not usable or not is_classifier(estimator):
            raise TypeError(f"Member {name!r} ({type(estimator).__name__}) is not a classifier; "
                            "every member must be a scikit-learn classifier.")
    if all(is_drop(est) for _, est in members):
        raise ValueError("Every member is 'drop'; keep at least one estimator.")
    return members


def _unrouted_params(estimator, name, sample_weight):
    """Fit parameters that pass ``sample_weight`` to a member (to the last step of a
    Pipeline), without metadata routing."""
    from sklearn.pipeline import Pipeline

    if sample_weight is None:
        return {}
    if isinstance(estimator, Pipeline):
        last, step = estimator.steps[-1]
        if not has_fit_parameter(step, "sample_weight"):
            raise TypeError(f"Member {name!r}: the last step {last!r} of its Pipeline does not "
                            "accept sample_weight; fit without sample_weight or use members that "
                            "take it.")
        return {f"{last}__sample_weight": sample_weight}
    parameters = inspect.signature(estimator.fit).parameters.values()
    if not (has_fit_parameter(estimator, "sample_weight")
            or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)):
        raise TypeError(f"Member {name!r} ({type(estimator).__name__}) does not accept "
                        "sample_weight in fit; fit without sample_weight or use members that take it.")
    return {"sample_weight": sample_weight}


def fit_member(estimator, X, y, params, message=None):
    """Fit one member with its fit parameters, timing it when ``message`` is given."""
    with _print_elapsed_time("CNNEnsemble", message):
        return estimator.fit(X, y, **params)


def member_fit_params(members, sample_weight, routed=None):
    """Each kept member's fit parameters: routed ones, or ``sample_weight`` placed as the
    member takes it."""
    if routed is not None:
        return {name: dict(routed[name].fit) for name, _ in members}
    return {name: _unrouted_params(est, name, sample_weight) for name, est in members}


def seeded_members(estimator, seeds):
    """``[("seed<seed>", clone)]``: clones of ``estimator`` with every ``random_state`` set."""
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
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        raise TypeError(f"estimator={estimator!r} is not a scikit-learn estimator instance; "
                        "give one, e.g. CNNClassifier().")
    keys = [key for key in estimator.get_params(deep=True)
            if key == "random_state" or key.endswith("__random_state")]
    if not keys:
        raise ValueError(
            f"{type(estimator).__name__} has no random_state parameter, so members made "
            "from seeds would all be the same; give a seeded estimator (CNNClassifier, a "
            "Pipeline with a seeded step) or build the ensemble from a list of estimators.")
    return [(f"seed{int(seed)}", clone(estimator).set_params(**{key: int(seed) for key in keys}))
            for seed in seeds]


def check_target(y):
    """y must be single-label class labels, as for VotingClassifier."""
    if y is None:
        raise ValueError("CNNEnsemble requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(
            f"y has shape {y.shape}: CNNEnsemble combines classifiers of one label per sample, not one 0/1 "
            "column per label; give y of shape (n,) (for one-hot rows of a single label, y.argmax(axis=1)), "
            "or fit one ensemble per label column.")
    if y.ndim == 1:
        check_label_values(y)  # missing labels and mixed types, named as the classifiers name them
    kind = type_of_target(y, input_name="y")
    if kind in ("unknown", "continuous"):
        raise ValueError(f"Unknown label type: {kind}. CNNEnsemble is a classifier and y holds "
                         "continuous values; give class labels, or use a regressor.")
    if kind not in ("binary", "multiclass"):
        raise NotImplementedError(
            f"CNNEnsemble combines binary or multiclass classifiers, and y is {kind}; fit one "
            "ensemble per output column, or use a classifier that takes several labels per sample.")
