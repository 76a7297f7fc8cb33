"""Declarative parameter validation, the scikit-learn way, for every medcnn estimator.

Each estimator class declares ``_parameter_constraints``: for every parameter of
``get_params()``, the list of what it may be, in the vocabulary of scikit-learn's
``sklearn.utils._param_validation`` (``Interval``, ``StrOptions``, ``Options``,
``HasMethods``, types, ``None``, ``"boolean"``, ``"random_state"``, ``callable``...)
plus the constraints below for what that vocabulary lacks (integers that are not
bools, Keras optimizers, sizes, dicts of reader parameters). Optionally
``_parameter_hints`` gives, per parameter, what to do instead ("give an integer >= 1
or 'auto'"). :func:`validate_parameters` checks them at the top of ``fit``, before
any file is read, and raises :class:`InvalidParameterError` (a ``ValueError`` and a
``TypeError``) naming the parameter, the value and what is valid. Checks that relate
several parameters, or a parameter and the data, stay with the estimator.

The constraint classes come from scikit-learn's private ``_param_validation``
module, which scikit-learn's own estimators and imbalanced-learn import in the same
way; its names used here are stable since scikit-learn 1.2, and
``tests/test_validation.py`` asserts they exist. Only the constraint objects are
used: the loop and the messages are medcnn's, so that every message ends with the
fix.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from sklearn.utils._param_validation import (HasMethods, Hidden, Interval, InvalidParameterError, Options,
                                             StrOptions, make_constraint)

__all__ = ["HasMethods", "Hidden", "Interval", "InvalidParameterError", "Options", "StrOptions", "Int",
           "PositiveInt", "Real", "CustomConstraint", "Size", "ImageShape", "KerasOptimizer", "NestedDicts", "PATH",
           "validate_parameters", "constraint_text", "check_label_values"]


class Int(Interval):
    """``Interval(numbers.Integral, ...)`` without the bools (``True`` is not a count)."""

    def __init__(self, left, right=None, closed="both"):
        super().__init__(numbers.Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


def PositiveInt():
    """An int >= 1 (not a bool)."""
    return Int(1, None, closed="left")


class Real(Interval):
    """``Interval(numbers.Real, ...)`` without the bools."""

    def __init__(self, left, right=None, closed="both"):
        super().__init__(numbers.Real, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class CustomConstraint:
    """A constraint of medcnn's own: ``is_satisfied_by`` and a description."""

    hidden = False

    def __str__(self):
        return self.description


class Size(CustomConstraint):
    """An image size: an int >= 1 or a pair of them (height, width)."""

    description = "an int >= 1 or a (height, width) pair of them"

    def is_satisfied_by(self, val):
        return isinstance(val, (tuple, list)) and len(val) == 2 and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in val)


class ImageShape(CustomConstraint):
    """``(h, w)`` or ``(h, w, c)`` of positive ints."""

    description = "an (h, w) or (h, w, c) tuple of ints >= 1"

    def is_satisfied_by(self, val):
        return isinstance(val, (tuple, list)) and len(val) in (2, 3) and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in val)


class KerasOptimizer(CustomConstraint):
    """A name ``keras.optimizers.get`` knows, or a ``keras.optimizers.Optimizer``."""

    description = "a Keras optimizer name (e.g. 'adam', 'sgd', 'rmsprop', 'adamw') or instance"

    def is_satisfied_by(self, val):
        # by name, without building one: an optimizer's variables would start TensorFlow,
        # which must not happen before a multi-worker strategy is set up
        import inspect

        import keras

        if isinstance(val, keras.optimizers.Optimizer):
            return True
        if not isinstance(val, str):
            return False
        names = {name.lower() for name, obj in vars(keras.optimizers).items()
                 if inspect.isclass(obj) and issubclass(obj, keras.optimizers.Optimizer)} - {"optimizer"}
        registered = keras.saving.get_registered_object(val)
        return val.lower() in names or (inspect.isclass(registered)
                                        and issubclass(registered, keras.optimizers.Optimizer))


class NestedDicts(CustomConstraint):
    """A dict mapping names (str) to dicts of keyword parameters."""

    description = "a dict of parameter dicts by name, e.g. {'dcm': {'window': (40, 400)}}"

    def is_satisfied_by(self, val):
        return isinstance(val, dict) and all(isinstance(k, str) and isinstance(v, dict) for k, v in val.items())


#: a folder or file path
PATH = (str, os.PathLike)


def _constraints(declared):
    out = []
    for constraint in declared:
        if isinstance(constraint, tuple):  # several types, e.g. PATH
            out.extend(make_constraint(c) for c in constraint)
        elif isinstance(constraint, (CustomConstraint, Interval)):
            out.append(constraint)
        else:
            out.append(make_constraint(constraint))
    return out


def constraint_text(declared):
    """What the constraints ``declared`` allow, in words."""
    words = [str(c) for c in _constraints(declared) if not getattr(c, "hidden", False)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def validate_parameters(estimator, params=None):
    """Check ``params`` (default: ``estimator.get_params(deep=False)``) against the class's
    ``_parameter_constraints``.

    Parameters
    ----------
    estimator : object
        An estimator whose class declares ``_parameter_constraints`` (and optionally
        ``_parameter_hints``).
    params : dict, optional
        The values to check.

    Raises
    ------
    InvalidParameterError
        Naming the first parameter that satisfies none of its constraints, its value,
        and what to give instead.

    Examples
    --------
    >>> from medcnn import CNNClassifier
    >>> validate_parameters(CNNClassifier(epochs=0))
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: epochs=0 is not valid; give an integer >= 1 or 'auto' (a budget that follows the size of the training set).
    """
    cls = type(estimator)
    declared = cls._parameter_constraints
    hints = getattr(cls, "_parameter_hints", {})
    if params is None:
        params = estimator.get_params(deep=False)
    for name, value in params.items():
        if name not in declared:
            continue
        if any(c.is_satisfied_by(value) for c in _constraints(declared[name])):
            continue
        hint = hints.get(name) or "give " + constraint_text(declared[name])
        raise InvalidParameterError(f"{name}={value!r} is not valid; {hint}.")


def check_label_values(y):
    """Raise ValueError naming the samples whose label is None or NaN, or mixed label types."""
    if y.dtype.kind not in "fO":
        return
    if y.dtype.kind == "f":
        missing = np.flatnonzero(np.isnan(y))
    else:
        missing = np.flatnonzero([label is None or (isinstance(label, (float, np.floating)) and np.isnan(label))
                                  for label in y])
    if len(missing):
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        what = "None" if any(y[i] is None for i in missing) else "NaN"
        raise ValueError(
            f"Input y contains {what} (a missing label) in {len(missing)} of {len(y)} sample(s) "
            f"(index {shown}); every sample needs a class label: leave those samples out of "
            "X and y, or give them a class.")
    if y.dtype.kind == "O":
        texts = [isinstance(label, (str, bytes)) for label in y]
        if any(texts) and not all(texts):
            types = sorted({type(label).__name__ for label in y})
            raise ValueError(f"y mixes labels of types {types}; give labels of one type "
                             "(e.g. y.astype(str)).")
