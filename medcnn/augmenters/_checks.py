"""Parameter validation shared by the augmenter factories, declared the scikit-learn way.

A factory declares in :func:`augmenter` what each of its parameters may be, as
constraint objects in the style of :mod:`medcnn._validation` (built on its ``Real``
and ``Int``): :class:`Number`, :class:`Pair`, :class:`Factor`, :class:`Choice`,
:class:`OddInt`, :class:`Integer`, :class:`ValueRange`, :class:`Seed`, or :class:`Anything` where the
factory or its layer checks the value (e.g. against another parameter)::

    @augmenter("rotate", factor=Factor(0.5, signed=True), fill_mode=Choice(FILL_MODES), seed=Seed())
    def rotate(factor=0.1, fill_mode="reflect", seed=None):
        ...

The wrapper checks the parameters in signature order and calls the factory with
the converted values (floats, tuples of floats, an int seed). A failed check raises
``ValueError`` naming the augmenter, the parameter, the value and what is allowed::

    Augmenter 'rotate': factor=-0.1 is out of range; give a value in [0, 0.5].

An unknown keyword gives a ``TypeError`` that lists the factory's parameters. The
``check_*`` functions run one constraint imperatively (for the layers).
"""

import difflib
import functools
import inspect

from ._constraints import Choice, Factor, Number, Pair, Seed, ValueRange

__all__ = ["augmenter", "check_number", "check_pair", "check_factor", "check_choice", "check_value_range",
           "check_seed", "rgb_error"]


def check_number(augmenter, name, value, low, high, low_open=False, high_open=False):
    """Check that ``value`` is a number in the interval from ``low`` to ``high``.

    Parameters
    ----------
    augmenter, name : str
        Registered name of the augmenter and name of the parameter, for the message.
    value : object
        The value given.
    low, high : float
        Bounds of the allowed interval.
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        If ``value`` is not a finite number inside the interval.

    Examples
    --------
    >>> check_number("rotate", "factor", 0.1, 0, 0.5)
    0.1
    >>> check_number("rotate", "factor", -0.1, 0, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: Augmenter 'rotate': factor=-0.1 is out of range; give a value in [0, 0.5].
    """
    return Number(low, high, low_open, high_open).check(augmenter, name, value)


def check_pair(augmenter, name, value, low, high, low_open=False, high_open=False):
    """Check that ``value`` is a ``(lower, upper)`` pair inside an interval (:class:`Pair`).

    Parameters
    ----------
    augmenter, name, value, low, high, low_open, high_open
        As for :func:`check_number`; both numbers must lie in the interval.

    Returns
    -------
    tuple of float
        ``(lower, upper)``; other values raise ``ValueError``.

    Examples
    --------
    >>> check_pair("resized_crop", "scale", (0.5, 1), 0, 1, low_open=True)
    (0.5, 1.0)
    """
    return Pair(low, high, low_open, high_open).check(augmenter, name, value)


def check_factor(augmenter, name, value, high, signed=False, low_open=False):
    """Check a strength, one number in [0, high] or a pair (:class:`Factor`).

    Parameters
    ----------
    augmenter, name, value
        As for :func:`check_number`.
    high, signed, low_open
        As for :class:`Factor`: the largest magnitude, whether a pair may go down to
        ``-high``, whether a single number must be positive.

    Returns
    -------
    float or tuple of float
        The checked value; one out of range raises ``ValueError``.
    """
    return Factor(high, signed, low_open).check(augmenter, name, value)


def check_choice(augmenter, name, value, choices):
    """Check that ``value`` is one of ``choices`` (:class:`Choice`).

    Parameters
    ----------
    augmenter, name, value
        As for :func:`check_number`.
    choices : sequence of str
        The allowed values.

    Returns
    -------
    str
        ``value``; any other raises ``ValueError``.
    """
    return Choice(choices).check(augmenter, name, value)


def check_value_range(augmenter, value_range):
    """Check a ``(low, high)`` pixel value range with low < high (:class:`ValueRange`).

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    value_range : tuple of float
        The range of pixel values of the images, e.g. ``(0, 1)``.

    Returns
    -------
    tuple of float
        ``(low, high)``; other values raise ``ValueError``.
    """
    return ValueRange().check(augmenter, "value_range", value_range)


def check_seed(augmenter, seed):
    """Check that ``seed`` is None or a non-negative int (:class:`Seed`).

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    seed : int or None
        The seed given.

    Returns
    -------
    int or None
        ``seed`` as an int (or None); anything else raises ``ValueError``.
    """
    return Seed().check(augmenter, "seed", seed)


def rgb_error(augmenter, channels):
    """The ``ValueError`` for an augmenter that needs RGB images.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter.
    channels : int or None
        Channel count of the images it was given.

    Returns
    -------
    ValueError
        The error to raise.
    """
    unit = "channel" if channels == 1 else "channels"
    return ValueError(f"{augmenter} needs RGB images (3 channels); got {channels} {unit}. Remove "
                      f"{augmenter!r} from augment for grayscale or multi-channel images, or convert "
                      "the images to RGB.")


def _unknown_keyword(name, signature, exc, kwargs):
    known = list(signature.parameters)
    unknown = [k for k in kwargs if k not in signature.parameters]
    if not unknown:
        return TypeError(f"Augmenter {name!r}: {exc}; its parameters are {', '.join(known)} "
                         "(give them by keyword).")
    message = f"Augmenter {name!r} has no parameter {unknown[0]!r}; its parameters are {', '.join(known)}."
    close = difflib.get_close_matches(unknown[0], known, n=1)
    if close:
        message += f" Did you mean {close[0]!r}?"
    return TypeError(message)


def augmenter(name, **constraints):
    """Decorate a factory: check its parameters against ``constraints``, and unknown keywords.

    The wrapper binds the call (an unknown keyword gives a ``TypeError`` naming the
    valid parameters and the closest match), fills in the defaults, checks the
    constrained parameters in signature order (the first failing constraint raises
    its ``ValueError``) and calls the factory with the converted values. It keeps the
    factory's signature and holds the constraints as ``parameter_constraints``.

    Parameters
    ----------
    name : str
        Registered name of the augmenter.
    **constraints : Constraint
        Per parameter, what it may be (:class:`Number`, :class:`Pair`, ...).

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> @augmenter("demo", factor=Number(0, 1), seed=Seed())
    ... def demo(factor=0.1, seed=None):
    ...     return factor
    >>> demo(1)
    1.0
    >>> demo(factor=2)
    Traceback (most recent call last):
    ...
    ValueError: Augmenter 'demo': factor=2 is out of range; give a value in [0, 1].
    >>> demo(factr=0.2)
    Traceback (most recent call last):
    ...
    TypeError: Augmenter 'demo' has no parameter 'factr'; its parameters are factor, seed. Did you mean 'factor'?
    """

    def decorate(factory):
        signature = inspect.signature(factory)
        undeclared = sorted(set(constraints) - set(signature.parameters))
        if undeclared:
            raise TypeError(f"Augmenter {name!r}: constraints for {', '.join(undeclared)}, which "
                            f"{factory.__name__} does not take.")
        ordered = {p: constraints[p] for p in signature.parameters if p in constraints}

        @functools.wraps(factory)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise _unknown_keyword(name, signature, exc, kwargs) from None
            bound.apply_defaults()
            for parameter, constraint in ordered.items():  # raises the first failure's error
                bound.arguments[parameter] = constraint.check(name, parameter, bound.arguments[parameter])
            return factory(*bound.args, **bound.kwargs)

        wrapper.parameter_constraints = ordered
        return wrapper

    return decorate
