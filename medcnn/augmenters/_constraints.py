"""What an augmenter parameter may be: the constraint objects the factories declare.

Each is a constraint in the style of :mod:`medcnn._validation` (built on its ``Real``
and ``Int``), with ``is_satisfied_by`` as scikit-learn's constraints have, plus
``convert`` (the value the factory receives: a float, a tuple of floats, an int seed)
and ``error`` (the ``ValueError`` naming the augmenter, the parameter, the value and
what is allowed). :func:`medcnn.augmenters._checks.augmenter` applies them.
"""

import numpy as np

from medcnn._validation import CustomConstraint, Int, Real

__all__ = ["Constraint", "Number", "Pair", "Factor", "Choice", "OddInt", "Integer", "ValueRange", "Seed",
           "Anything"]

_FINITE = Real(None, None)


def _interval(low, high, low_open=False, high_open=False):
    return f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def _is_number(value):
    return _FINITE.is_satisfied_by(value) and bool(np.isfinite(value))


#: (low_open, high_open) -> ``closed`` of ``Real``
_CLOSED = {(False, False): "both", (False, True): "left", (True, False): "right", (True, True): "neither"}


class Constraint(CustomConstraint):
    """Base of the augmenter constraints: ``is_satisfied_by``, ``convert`` and ``error``.

    Subclasses set ``description`` (what is allowed, in words) and ``is_satisfied_by``;
    ``convert`` gives the value the factory receives, ``error`` the ``ValueError``.
    """

    #: what the message says of a value that fails
    problem = "is not valid"

    def convert(self, value):
        """The normalised value, for a value that satisfies the constraint."""
        return value

    def error(self, augmenter, name, value):
        """The ``ValueError`` for ``value``, naming the augmenter and the parameter."""
        return self._message(augmenter, name, value, self.problem, f"give {self.description}.")

    def _message(self, augmenter, name, value, problem, wanted):
        return ValueError(f"Augmenter {augmenter!r}: {name}={value!r} {problem}; {wanted}")

    def check(self, augmenter, name, value):
        """Raise ``self.error(...)`` if ``value`` fails, else return ``self.convert(value)``."""
        if not self.is_satisfied_by(value):
            raise self.error(augmenter, name, value)
        return self.convert(value)


class Number(Constraint):
    """A finite number (not a bool) from ``low`` to ``high``; converted to float."""

    def __init__(self, low, high, low_open=False, high_open=False):
        self.interval = Real(low, high, closed=_CLOSED[bool(low_open), bool(high_open)])
        self.allowed = _interval(low, high, low_open, high_open)
        self.description = f"a number in {self.allowed}"

    def is_satisfied_by(self, value):
        return _is_number(value) and self.interval.is_satisfied_by(value)

    def convert(self, value):
        return float(value)

    def error(self, augmenter, name, value):
        problem = "is out of range" if _is_number(value) else "is not a number"
        return self._message(augmenter, name, value, problem, f"give a value in {self.allowed}.")


def _pair(value):
    try:
        return tuple(value)
    except TypeError:
        return ()


def _contains(allowed, value):
    try:
        return value in allowed
    except (TypeError, ValueError):  # e.g. an array, whose == is elementwise
        return False


class Pair(Constraint):
    """Two numbers ``(lower, upper)`` from ``low`` to ``high`` with lower <= upper."""

    def __init__(self, low, high, low_open=False, high_open=False):
        self.number = Number(low, high, low_open, high_open)
        self.description = f"two numbers (lower, upper) in {self.number.allowed} with lower <= upper"

    def is_satisfied_by(self, value):
        pair = _pair(value)
        return len(pair) == 2 and all(map(self.number.is_satisfied_by, pair)) and pair[0] <= pair[1]

    def convert(self, value):
        return tuple(float(v) for v in value)

    def error(self, augmenter, name, value):
        pair = _pair(value)
        if len(pair) != 2 or not all(map(_is_number, pair)):
            problem = "is not a pair of numbers"
        elif not all(map(self.number.is_satisfied_by, pair)):
            problem = "is out of range"
        else:
            problem = "has lower > upper"
        return self._message(augmenter, name, value, problem, f"give {self.description}.")


class Factor(Constraint):
    """A strength: a number in [0, high] (``(0, high]`` if ``low_open``) or a :class:`Pair`
    in [-high, high] if ``signed``, else in [0, high] (open at 0 if ``low_open``)."""

    def __init__(self, high, signed=False, low_open=False):
        self.number = Number(0, high, low_open=low_open)
        self.pair = Pair(-high if signed else 0, high, low_open=low_open and not signed)
        self.description = f"{self.number.description} or {self.pair.description}"

    def _of(self, value):
        return self.pair if isinstance(value, (tuple, list, np.ndarray)) else self.number

    def is_satisfied_by(self, value):
        return self._of(value).is_satisfied_by(value)

    def convert(self, value):
        return self._of(value).convert(value)

    def error(self, augmenter, name, value):
        if self._of(value) is self.number and not _is_number(value):
            return self._message(augmenter, name, value, "is not a number",
                                 f"give a value in {self.number.allowed} or a pair (lower, upper).")
        return self._of(value).error(augmenter, name, value)


class Choice(Constraint):
    """One of ``choices`` (listed in this order in the message)."""

    problem = "is not supported"

    def __init__(self, choices):
        self.choices = tuple(choices)
        self.description = f"one of {', '.join(repr(c) for c in self.choices)}"

    def is_satisfied_by(self, value):
        return _contains(self.choices, value)


class OddInt(Constraint):
    """An odd int from ``low`` to ``high`` (both odd), e.g. a kernel size."""

    def __init__(self, low, high):
        self.values = range(low, high + 1, 2)
        self.description = f"an odd int from {low} to {high}"

    def is_satisfied_by(self, value):
        return _contains(self.values, value)


class Integer(Constraint):
    """An int (not a bool) from ``low`` to ``high``, e.g. a number of operations; converted to int."""

    def __init__(self, low, high):
        self._int = Int(low, high, closed="both")
        self._any_int = Int(None, None, closed="neither")
        self.description = f"an int from {low} to {high}"

    def is_satisfied_by(self, value):
        return self._int.is_satisfied_by(value)

    def convert(self, value):
        return int(value)

    def error(self, augmenter, name, value):
        problem = "is out of range" if self._any_int.is_satisfied_by(value) else "is not an int"
        return self._message(augmenter, name, value, problem, f"give {self.description}.")


class ValueRange(Constraint):
    """A ``(low, high)`` range of pixel values: two finite numbers with low < high."""

    description = ("(low, high) with low < high, e.g. (0, 1) for images scaled by medcnn or "
                   "(0, 255) for raw 8-bit values")
    convert = Pair.convert

    def is_satisfied_by(self, value):
        pair = _pair(value)
        return len(pair) == 2 and all(map(_is_number, pair)) and pair[0] < pair[1]


class Seed(Constraint):
    """None or a non-negative int (not a bool); converted to int."""

    description = "a non-negative int or None"
    _int = Int(0, None, closed="left")

    def is_satisfied_by(self, value):
        return value is None or self._int.is_satisfied_by(value)

    def convert(self, value):
        return None if value is None else int(value)


class Anything(Constraint):
    """Any value: the factory (or its layer) checks it, e.g. against another parameter."""

    def __init__(self, description):
        self.description = description

    def is_satisfied_by(self, value):
        return True
