"""The targets of a CSV manifest's rows, for :func:`~medcnn.datasets.load_csv`: a class
label, the 0/1 indicators of several labels, one or more numbers, or a survival time
with its event indicator."""

from __future__ import annotations

import math

import numpy as np

from .._survival import survival_target
from ._dataset import TASKS

__all__ = ["ManifestTargets", "MANIFEST_TASKS"]

#: The ``task`` values of :func:`~medcnn.datasets.load_csv`.
MANIFEST_TASKS = ("auto",) + TASKS
_TRUE = ("1", "1.0", "true", "yes")
_FALSE = ("0", "0.0", "false", "no")
_CELL_FIX = "fix the cell, or leave it empty and pass on_error='skip' to leave the row out."


def _label_columns(label_column):
    """``label_column`` as a list of column names."""
    if isinstance(label_column, str):
        return [label_column]
    try:
        columns = list(label_column)
    except TypeError:
        columns = []
    if not columns or not all(isinstance(column, str) for column in columns):
        raise ValueError(f"label_column={label_column!r} is not valid; give a column name, or a list of "
                         "column names for several labels (or several numeric targets).")
    return columns


class ManifestTargets:
    """What the rows of a manifest hold as targets, and how their cells are read.

    Parameters
    ----------
    task : {"auto", "classification", "multilabel", "regression", "survival"}
        ``"auto"``: survival when ``time_column`` or ``event_column`` is given, several
        labels when ``label_column`` is a list of two or more columns, else one class
        label per image.
    label_column : str or list of str
        The label column(s) (not read for survival).
    time_column, event_column : str or None
        The survival columns: the follow-up time, and whether the event happened.
    """

    def __init__(self, task, label_column, time_column=None, event_column=None):
        if task not in MANIFEST_TASKS:
            raise ValueError(f"task={task!r} is not valid; use one of {MANIFEST_TASKS}.")
        labels = _label_columns(label_column)
        survival = {"time_column": time_column, "event_column": event_column}
        given = [name for name, column in survival.items() if column is not None]
        if task == "auto":
            task = "survival" if given else "multilabel" if len(labels) > 1 else "classification"
        if task == "survival":
            missing = [name for name, column in survival.items() if column is None]
            if missing:
                raise ValueError(f"task='survival' needs {' and '.join(f'{name}=' for name in missing)}: the "
                                 "columns of the follow-up time and of the event indicator (1: the event "
                                 "happened, 0: censored).")
            self.columns = [event_column, time_column]
        else:
            if given:
                raise ValueError(f"{' and '.join(f'{name}=' for name in given)} apply to survival times; pass "
                                 f"task='survival' (or task='auto'), or leave them out for task={task!r}.")
            if task == "classification" and len(labels) > 1:
                raise ValueError(f"task='classification' reads one label column, not {labels}; for one 0/1 "
                                 "column per label use task='multilabel', for numbers task='regression'.")
            if task == "multilabel" and len(labels) < 2:
                raise ValueError(f"task='multilabel' needs two or more label columns (one 0/1 column per "
                                 f"label); got {labels}. For one label per image use task='classification'.")
            self.columns = labels
        self.task = task

    @property
    def parameters(self):
        """The load_csv parameters that name the target columns, for error messages."""
        return "time_column=, event_column=" if self.task == "survival" else "label_column="

    def empty_message(self, where, empty):
        """The message for a row at ``where`` whose ``empty`` columns have no value."""
        if self.task == "classification":
            return f"Row at {where} has an empty path or label."
        return f"Row at {where} has an empty cell in column(s) {', '.join(map(repr, empty))}."

    def parse(self, cells, where, problems):
        """The target of one row.

        Parameters
        ----------
        cells : dict
            Column -> stripped, non-empty text, for the columns of :attr:`columns`.
        where : str
            The file and line of the row, for messages.
        problems : callable
            The loader's :class:`~medcnn.datasets.ErrorPolicy`, for a time that is not
            positive (the row is left out under ``on_error="skip"``).

        Returns
        -------
        object or None
            The target; None when the row was reported to ``problems`` and skipped.

        Raises
        ------
        ValueError
            For a cell of the wrong form (not 0/1, not a number), naming row, column
            and value.
        """
        if self.task == "classification":
            return cells[self.columns[0]]
        if self.task == "multilabel":
            return [_indicator(cells[column], column, where, "Each label column holds 1 (the image has the "
                               "label) or 0") for column in self.columns]
        if self.task == "regression":
            return [_number(cells[column], column, where) for column in self.columns]
        event_column, time_column = self.columns
        event = _indicator(cells[event_column], event_column, where,
                           "The event column holds 1 (the event happened) or 0 (censored)")
        text = cells[time_column]
        try:
            time = float(text)
        except ValueError:
            raise ValueError(f"Row at {where}, column {time_column!r}: {text!r} is not a number; the time column "
                             f"holds the follow-up time, a number >= 0; {_CELL_FIX}") from None
        if not (math.isfinite(time) and time >= 0):
            problems(where, f"Row at {where}, column {time_column!r}: time {text!r} is not a finite number "
                     ">= 0; a follow-up time cannot be negative.")
            return None
        return bool(event), time

    def dataset_targets(self, values):
        """``(y, target_names)`` of the dataset from the targets of its rows."""
        if self.task == "classification":
            return np.asarray(values), sorted(set(values))
        if self.task == "multilabel":
            return np.asarray(values, dtype=int).reshape(len(values), len(self.columns)), list(self.columns)
        if self.task == "regression":
            y = np.asarray(values, dtype=np.float64).reshape(len(values), len(self.columns))
            return (y[:, 0] if len(self.columns) == 1 else y), list(self.columns)
        event, time = zip(*values) if values else ((), ())
        return survival_target(event, time), list(self.columns)


def _indicator(text, column, where, meaning):
    """1 or 0 from a cell reading 1/0, true/false or yes/no (any case)."""
    value = text.lower()
    if value in _TRUE:
        return 1
    if value in _FALSE:
        return 0
    raise ValueError(f"Row at {where}, column {column!r}: {text!r} is not 0 or 1. {meaning} (also "
                     f"true/false, yes/no); {_CELL_FIX}")


def _number(text, column, where):
    """A finite float from a cell of a numeric target."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise ValueError(f"Row at {where}, column {column!r}: {text!r} is not a finite number. task='regression' "
                         f"reads the label column(s) as numbers (e.g. 42 or 3.5); {_CELL_FIX}")
    return value
