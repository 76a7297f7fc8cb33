"""``--reader-param`` and ``--loader-param``: parameters of the image readers and the dataset loader."""

from __future__ import annotations

import ast

__all__ = ["add_param_options", "reader_params", "loader_params", "architecture_params", "parse_value",
           "image_size"]

_WORDS = {"true": True, "false": False, "none": None}


def add_param_options(parser):
    """Add ``--loader-param KEY=VALUE`` and ``--reader-param READER.KEY=VALUE`` (both repeatable)."""
    parser.add_argument("--loader-param", action="append", metavar="KEY=VALUE",
                        help="a dataset loader parameter, e.g. frames=all for the dicom loader or slices=largest "
                             "for nifti (repeat for several)")
    parser.add_argument("--reader-param", action="append", metavar="READER.KEY=VALUE",
                        help="an image reader parameter, by reader (file suffix), e.g. "
                             "dcm.window=brain,subdural,bone or dcm.window=40,400 (repeat for several)")


def parse_value(text):
    """A command-line value: a Python literal (``40``, ``40,400``, ``(40, 80), (80, 200)``), true/false/none,
    else the text itself (``brain,subdural,bone``).

    Examples
    --------
    >>> parse_value("40,400"), parse_value("all"), parse_value("true"), parse_value("brain,bone")
    ((40, 400), 'all', True, 'brain,bone')
    """
    if not isinstance(text, str):
        return text
    if text.strip().lower() in _WORDS:
        return _WORDS[text.strip().lower()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _pairs(values, option, example):
    """``[(key, value)]`` of ``KEY=VALUE`` strings."""
    pairs = []
    for item in values:
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{option} {item!r}: expected KEY=VALUE, e.g. {option} {example}.")
        pairs.append((key.strip(), parse_value(value.strip())))
    return pairs


def loader_params(args) -> dict:
    """The ``--loader-param`` options as keyword arguments of the loader (a config file may give a table).

    Examples
    --------
    >>> import argparse
    >>> loader_params(argparse.Namespace(loader_param=["frames=all", "stack=1"]))
    {'frames': 'all', 'stack': 1}
    """
    values = getattr(args, "loader_param", None) or []
    if isinstance(values, dict):
        return dict(values)
    return dict(_pairs(values, "--loader-param", "frames=all"))


def architecture_params(args) -> dict:
    """The ``--architecture-param`` options as keyword arguments of the architecture.

    Examples
    --------
    >>> import argparse
    >>> architecture_params(argparse.Namespace(architecture_param=["weights=imagenet", "width=16"]))
    {'weights': 'imagenet', 'width': 16}
    """
    values = getattr(args, "architecture_param", None) or []
    if isinstance(values, dict):
        return dict(values)
    return dict(_pairs(values, "--architecture-param", "weights=imagenet"))


def reader_params(args) -> dict:
    """The ``--reader-param`` options as ``{reader: {key: value}}`` (a config file may give that table).

    Examples
    --------
    >>> import argparse
    >>> reader_params(argparse.Namespace(reader_param=["dcm.window=brain,subdural,bone", "dcm.frame=0"]))
    {'dcm': {'window': 'brain,subdural,bone', 'frame': 0}}
    """
    values = getattr(args, "reader_param", None) or []
    if isinstance(values, dict):
        if not all(isinstance(v, dict) for v in values.values()):
            raise ValueError(f"reader-param in a config file: expected a table of readers, each a table of "
                             f"parameters (e.g. [train.reader-param.dcm] window = ['brain', 'bone']); got {values!r}.")
        return {str(k): dict(v) for k, v in values.items()}
    params = {}
    for key, value in _pairs(values, "--reader-param", "dcm.window=40,400"):
        reader, dot, name = key.rpartition(".")
        if not dot or not reader or not name:
            raise ValueError(f"--reader-param {key}=...: name the reader (the file suffix) and the parameter, "
                             f"e.g. --reader-param dcm.window=40,400 or nii.gz.normalize=zscore.")
        params.setdefault(reader.lower(), {})[name] = value
    return params


def image_size(text):
    """``--image-size``: one side (``64``) or ``depth,height,width`` for volumes (``16,64,64``).

    Examples
    --------
    >>> image_size("64"), image_size("16,64,64")
    (64, (16, 64, 64))
    """
    import argparse

    try:
        sides = tuple(int(s) for s in str(text).split(","))
    except ValueError:
        sides = ()
    if len(sides) not in (1, 2, 3) or min(sides, default=0) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a side >= 1, height,width or depth,height,width")
    return sides[0] if len(sides) == 1 else sides
