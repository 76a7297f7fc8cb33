"""How CNNEnsemble combines its members: the voting rules, member weights, the weighted
median of probabilities and weighted votes of labels."""

from __future__ import annotations

import warnings

import numpy as np

#: The ways CNNEnsemble combines its members (its ``voting`` parameter): scikit-learn's
#: ``"soft"`` and ``"hard"``, and medcnn's ``"median"``.
VOTINGS = ("soft", "hard", "median")
#: The values of the deprecated ``combine`` parameter, and the ``voting`` each one is.
COMBINE_TO_VOTING = {"mean": "soft", "median": "median", "vote": "hard"}
COMBINES = tuple(COMBINE_TO_VOTING)
#: Versions of the deprecation of ``combine``.
COMBINE_DEPRECATED_IN, COMBINE_REMOVED_IN = "0.2", "0.3"


def is_drop(estimator):
    """Whether a member is the ``"drop"`` placeholder."""
    return isinstance(estimator, str) and estimator == "drop"


def effective_voting(voting, combine):
    """The voting rule in force: ``voting``, or the deprecated ``combine`` translated, with
    a FutureWarning naming the replacement."""
    if isinstance(combine, str) and combine == "deprecated":
        if not isinstance(voting, str) or voting not in VOTINGS:
            raise ValueError(f"voting={voting!r} is not valid; use one of {VOTINGS}.")
        return voting
    if not isinstance(combine, str) or combine not in COMBINE_TO_VOTING:
        raise ValueError(f"combine={combine!r} is not valid; combine= is deprecated, use "
                         f"voting= with one of {VOTINGS} instead.")
    translated = COMBINE_TO_VOTING[combine]
    if voting not in ("soft", translated):
        raise ValueError(f"combine={combine!r} (deprecated, voting={translated!r}) contradicts "
                         f"voting={voting!r}; give only voting=.")
    warnings.warn(f"The parameter combine was deprecated in version {COMBINE_DEPRECATED_IN} and "
                  f"will be removed in {COMBINE_REMOVED_IN}; use voting={translated!r} instead of "
                  f"combine={combine!r}.", FutureWarning, stacklevel=4)
    return translated


def member_weights(weights, members):
    """Weights of the kept (not dropped) members of ``[(name, estimator)]``, as floats."""
    kept = np.array([not is_drop(est) for _, est in members], dtype=bool)
    if weights is None:
        return np.ones(int(kept.sum()))
    try:
        values = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1 or len(values) != len(members):
        raise ValueError(f"weights={weights!r} is not valid; give one number per member "
                         f"({len(members)} members, dropped ones included).")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"weights={weights!r} is not valid; weights must be finite and >= 0.")
    values = values[kept]
    if values.sum() <= 0:
        raise ValueError(f"weights={weights!r} gives the kept members a total weight of 0; "
                         "give at least one of them a positive weight.")
    return values


def weighted_median(values, weights):
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


def mean_proba(probas, weights):
    """Weighted mean of the members' probabilities ``(m, n_samples, n_classes)``, rows
    rescaled to sum to 1 (float32 member probabilities may sum to 1 +- 1e-7)."""
    mean = np.average(probas, axis=0, weights=weights)
    return mean / mean.sum(axis=1, keepdims=True)


def median_proba(probas, weights):
    """Weighted median probability of each class, rows rescaled to sum to 1; a row whose
    medians are all 0 falls back to the mean."""
    median = weighted_median(probas, weights)
    totals = median.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0
    if np.any(empty):
        median[empty] = np.average(probas[:, empty], axis=0, weights=weights)
        totals[empty] = 1.0
    return median / totals


def votes(labels, classes, weights):
    """Weighted votes ``(n_samples, n_classes)`` of the members' labels ``(m, n_samples)``."""
    hits = np.asarray(labels)[:, :, np.newaxis] == np.asarray(classes)[np.newaxis, np.newaxis, :]
    return np.tensordot(np.asarray(weights, dtype=np.float64), hits, axes=1)
