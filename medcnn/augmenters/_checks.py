"""Parameter validation shared by the augmenter factories.

Every check raises ``ValueError`` in one style, naming the augmenter, the
parameter, the value given and what is allowed::

    Augmenter 'rotate': factor=-0.1 is out of range; give a value in [0, 0.5].

:func:`augmenter` wraps a factory so that an unknown keyword gives a
``TypeError`` that lists the factory's parameters.
"""

import difflib
import functools
import inspect
import numbers

import numpy as np

__all__ = ["augmenter", "check_number", "check_pair", "check_factor", "check_choice",
           "check_value_range", "check_seed", "rgb_error"]


def _interval(low, high, low_open=False, high_open=False):
    return f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


def _inside(value, low, high, low_open, high_open):
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def check_number(augmenter, name, value, low, high, low_open=False, high_open=False):
    """Check that ``value`` is a number in the interval from ``low`` to ``high``.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    name : str
        Name of the parameter.
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
    allowed = _interval(low, high, low_open, high_open)
    if not _is_number(value):
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is not a number; "
                         f"give a value in {allowed}.")
    if not _inside(value, low, high, low_open, high_open):
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is out of range; "
                         f"give a value in {allowed}.")
    return float(value)


def check_pair(augmenter, name, value, low, high, low_open=False, high_open=False):
    """Check that ``value`` is a ``(lower, upper)`` pair inside an interval.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    name : str
        Name of the parameter.
    value : object
        The value given.
    low, high : float
        Bounds of the allowed interval, for both numbers.
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.

    Returns
    -------
    tuple of float
        ``(lower, upper)``.

    Raises
    ------
    ValueError
        If ``value`` is not two numbers inside the interval with lower <= upper.

    Examples
    --------
    >>> check_pair("resized_crop", "scale", (0.5, 1), 0, 1, low_open=True)
    (0.5, 1.0)
    """
    allowed = _interval(low, high, low_open, high_open)
    wanted = f"give two numbers (lower, upper) in {allowed} with lower <= upper."
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(_is_number(v) for v in pair):
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is not a pair of numbers; {wanted}")
    if not all(_inside(v, low, high, low_open, high_open) for v in pair):
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is out of range; {wanted}")
    if pair[0] > pair[1]:
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} has lower > upper; {wanted}")
    return float(pair[0]), float(pair[1])


def check_factor(augmenter, name, value, high, signed=False, low_open=False):
    """Check a strength: one number in [0, high], or a pair.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    name : str
        Name of the parameter.
    value : float or tuple of float
        One number (the layer draws in ``[-value, value]`` or ``[0, value]``) or a
        ``(lower, upper)`` pair.
    high : float
        Largest allowed magnitude.
    signed : bool, default=False
        Whether a pair may hold negative numbers (down to ``-high``).
    low_open : bool, default=False
        Whether a single number must be strictly positive.

    Returns
    -------
    float or tuple of float
        The checked value.

    Raises
    ------
    ValueError
        If ``value`` is out of range.
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        return check_pair(augmenter, name, value, -high if signed else 0, high,
                          low_open=low_open and not signed)
    if not _is_number(value):
        allowed = _interval(0, high, low_open)
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is not a number; give a value "
                         f"in {allowed} or a pair (lower, upper).")
    return check_number(augmenter, name, value, 0, high, low_open=low_open)


def check_choice(augmenter, name, value, choices):
    """Check that ``value`` is one of ``choices``.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    name : str
        Name of the parameter.
    value : object
        The value given.
    choices : sequence of str
        Allowed values.

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not in ``choices``.
    """
    if value not in choices:
        raise ValueError(f"Augmenter {augmenter!r}: {name}={value!r} is not supported; give one of "
                         f"{', '.join(repr(c) for c in choices)}.")
    return value


def check_value_range(augmenter, value_range):
    """Check a ``(low, high)`` pixel value range with low < high.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    value_range : tuple of float
        The range of pixel values of the images, e.g. ``(0, 1)``.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Raises
    ------
    ValueError
        If ``value_range`` is not two finite numbers with low < high.
    """
    try:
        pair = tuple(value_range)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(_is_number(v) for v in pair) or pair[0] >= pair[1]:
        raise ValueError(f"Augmenter {augmenter!r}: value_range={value_range!r} is not valid; give "
                         "(low, high) with low < high, e.g. (0, 1) for images scaled by medcnn "
                         "or (0, 255) for raw 8-bit values.")
    return float(pair[0]), float(pair[1])


def check_seed(augmenter, seed):
    """Check that ``seed`` is None or a non-negative int.

    Parameters
    ----------
    augmenter : str
        Registered name of the augmenter, for the message.
    seed : int or None
        The seed given.

    Returns
    -------
    int or None
        ``seed`` as an int (or None).

    Raises
    ------
    ValueError
        If ``seed`` is neither None nor a non-negative integer.
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"Augmenter {augmenter!r}: seed={seed!r} is not valid; give a "
                         "non-negative int or None.")
    return int(seed)


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
    return ValueError(
        f"{augmenter} needs RGB images (3 channels); got {channels} {unit}. Remove "
        f"{augmenter!r} from augment for grayscale or multi-channel images, or convert the "
        "images to RGB."
    )


def augmenter(name):
    """Decorate a factory so unknown keywords give a clear ``TypeError``.

    The message names the augmenter, the unknown parameter, the valid ones and
    the closest match. The wrapped function keeps its signature
    (``inspect.signature`` sees the original parameters).

    Parameters
    ----------
    name : str
        Registered name of the augmenter.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> @augmenter("demo")
    ... def demo(factor=0.1, seed=None):
    ...     return factor
    >>> demo(factr=0.2)
    Traceback (most recent call last):
    ...
    TypeError: Augmenter 'demo' has no parameter 'factr'; its parameters are factor, seed. Did you mean 'factor'?
    """

    def decorate(factory):
        signature = inspect.signature(factory)

        @functools.wraps(factory)
        def wrapper(*args, **kwargs):
            try:
                signature.bind(*args, **kwargs)
            except TypeError as exc:
                known = list(signature.parameters)
                unknown = [k for k in kwargs if k not in signature.parameters]
                if not unknown:
                    raise TypeError(f"Augmenter {name!r}: {exc}; its parameters are "
                                    f"{', '.join(known)} (give them by keyword).") from None
                message = (f"Augmenter {name!r} has no parameter {unknown[0]!r}; its parameters "
                           f"are {', '.join(known)}.")
                close = difflib.get_close_matches(unknown[0], known, n=1)
                if close:
                    message += f" Did you mean {close[0]!r}?"
                raise TypeError(message) from None
            return factory(*args, **kwargs)

        return wrapper

    return decorate
