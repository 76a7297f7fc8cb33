"""Which image collections came with patient groups: a dataset remembers its ``X`` here,
so that a fit given that ``X`` without ``groups`` can say that its validation split
mixes patients (a leaf module)."""

from __future__ import annotations

import weakref

__all__ = ["came_with_groups", "remember_groups"]

_WITH_GROUPS = weakref.WeakValueDictionary()  # id(X) -> X, while X lives


def remember_groups(X):
    """Record that ``X`` (an array) was loaded with the patient of each sample."""
    try:
        _WITH_GROUPS[id(X)] = X
    except TypeError:  # not weakly referable (a list): nothing to remember
        pass


def came_with_groups(X):
    """Whether ``X`` is an array that a loader returned with patient groups."""
    return _WITH_GROUPS.get(id(X)) is X
