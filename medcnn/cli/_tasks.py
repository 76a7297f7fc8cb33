"""The task of ``medcnn train``, ``predict`` and ``evaluate``: the ``--task`` and CSV column
options, the options each task takes, the estimator that learns it and the task of a
saved model.

* ``classification``: one class label per image; CNNClassifier.
* ``multilabel``: several labels per image, one 0/1 column each; CNNClassifier.
* ``regression``: one number (or several) per image; CNNRegressor.
* ``survival``: a follow-up time and an event indicator per image; CNNSurvival.
"""

from __future__ import annotations

import argparse
import sys

from ._params import architecture_params, reader_params

__all__ = ["TASKS", "CLASSIFIER_LOSSES", "REGRESSOR_LOSSES", "CSV_OPTIONS", "add_task_options", "column_list",
           "build_estimator", "model_task", "describe_targets", "check_task_options"]

TASKS = ("auto", "classification", "multilabel", "regression", "survival")
CLASSIFIER_LOSSES = ("cross_entropy", "focal")
REGRESSOR_LOSSES = ("squared_error", "absolute_error", "huber")
#: CSV loader parameter -> its option
CSV_OPTIONS = {"path_column": "--path-column", "label_column": "--label-column", "group_column": "--group-column",
               "time_column": "--time-column", "event_column": "--event-column"}
#: options that apply to class labels only: dest -> (option, the value meaning "not given")
CLASSIFIER_ONLY = {"class_weight": ("--class-weight", None), "sampling": ("--sampling", None),
                   "pos_label": ("--pos-label", None), "threshold": ("--threshold", None),
                   "ordinal": ("--ordinal", False)}


class _ColumnsAction(argparse.Action):
    """``--label-column``: repeatable and comma-separated; the values on the command line
    replace (not extend) those of a ``--config`` file."""

    def __call__(self, parser, namespace, values, option_string=None):
        current = getattr(namespace, self.dest, None)
        if current is None or current is self.default:
            current = []
        setattr(namespace, self.dest, current + column_list(values))


def column_list(value):
    """Column names from ``"a,b"``, ``["a", "b,c"]`` (options or config values), or None."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return [name.strip() for item in items for name in str(item).split(",") if name.strip()]


def add_task_options(parser):
    """``--task`` and the CSV manifest column options."""
    group = parser.add_argument_group("task and CSV manifest columns")
    group.add_argument("--task", choices=TASKS, default="auto",
                       help="what the targets are (default auto: survival with --time-column/--event-column, "
                            "multilabel with several --label-column, else classification; for predict, the "
                            "model's task)")
    group.add_argument("--path-column", metavar="COLUMN",
                       help="CSV manifest: column of image paths (default: path)")
    group.add_argument("--label-column", action=_ColumnsAction, metavar="COLUMN[,COLUMN...]",
                       help="CSV manifest: label column (default: label); repeat it or separate with commas "
                            "for several labels (multilabel, one 0/1 column each) or several numeric targets")
    group.add_argument("--group-column", metavar="COLUMN",
                       help="CSV manifest: column of patient IDs (patient-grouped folds)")
    group.add_argument("--time-column", metavar="COLUMN",
                       help="CSV manifest, survival: column of follow-up times (>= 0)")
    group.add_argument("--event-column", metavar="COLUMN",
                       help="CSV manifest, survival: column of event indicators (1: the event happened, 0: censored)")

def check_task_options(args, task):
    """Refuse options that the estimator of ``task`` does not take, when given explicitly."""
    if task in ("regression", "survival"):
        given = [option for dest, (option, unset) in CLASSIFIER_ONLY.items() if getattr(args, dest, unset) != unset]
        if given:
            raise ValueError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to class labels; the "
                             f"task is {task}. Leave {'it' if len(given) == 1 else 'them'} out.")
    elif task == "multilabel" and getattr(args, "ordinal", False):
        raise ValueError("--ordinal applies to three or more ordered classes, one per image; the task is "
                         "multilabel. Leave it out.")
    loss = getattr(args, "loss", None)
    allowed = {"classification": CLASSIFIER_LOSSES, "multilabel": CLASSIFIER_LOSSES,
               "regression": REGRESSOR_LOSSES, "survival": ()}[task]
    if loss is not None and loss not in allowed:
        if task == "survival":
            raise ValueError(f"--loss {loss}: a survival model is trained with the Cox partial likelihood and "
                             "takes no --loss. Leave it out.")
        raise ValueError(f"--loss {loss} is not a loss for {task}; use one of {', '.join(allowed)}.")


def build_estimator(args, task):
    """The unfitted estimator of ``task`` from the model options."""
    import medcnn

    check_task_options(args, task)
    augment = args.augment
    if isinstance(augment, (list, tuple)) and len(augment) == 1:
        augment = augment[0]  # a single name may be a preset
    if augment == "none":
        augment = None
    params = dict(architecture=args.architecture, epochs=args.epochs, batch_size=args.batch_size,
                  learning_rate=args.learning_rate, optimizer=args.optimizer, lr_schedule=args.lr_schedule,
                  image_size=args.image_size, augment=augment, tta=args.tta,
                  validation_fraction=args.validation_fraction, early_stopping=args.early_stopping or False,
                  cache=args.cache, random_state=args.random_state,
                  verbose=0 if args.quiet else (1 if sys.stdout.isatty() else 2),
                  reader_params=reader_params(args) or None,
                  architecture_params=architecture_params(args) or None)
    if args.loss is not None:
        params["loss"] = args.loss
    if task == "regression":
        return medcnn.CNNRegressor(**params)
    if task == "survival":
        return medcnn.CNNSurvival(**params)
    if args.class_weight is not None:
        params["class_weight"] = None if args.class_weight == "none" else args.class_weight
    return medcnn.CNNClassifier(**params, sampling=args.sampling)


def model_task(model):
    """The task a fitted model predicts: ``"classification"``, ``"multilabel"``, ``"regression"`` or
    ``"survival"``."""
    import medcnn
    from sklearn.base import is_regressor

    if isinstance(model, medcnn.CNNSurvival):
        return "survival"
    if is_regressor(model):
        return "regression"
    return "multilabel" if getattr(model, "multilabel_", False) else "classification"


def describe_targets(dataset):
    """What the targets of ``dataset`` are, for the first line of ``train``."""
    names = list(dataset.target_names)
    if dataset.task == "multilabel":
        return f"labels {names}"
    if dataset.task == "regression":
        return f"numeric target{'s' if len(names) > 1 else ''} {names}"
    if dataset.task == "survival":
        events = int(dataset.y["event"].sum())
        return f"survival times: {events} events, {len(dataset) - events} censored"
    return f"classes {names}"
