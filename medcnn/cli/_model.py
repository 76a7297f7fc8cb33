"""``medcnn train`` and ``medcnn evaluate``, and the data and model options they share with
``medcnn predict``."""

from __future__ import annotations

import os

from ._info import load_task_data
from ._params import add_param_options, image_size
from ._tasks import (CLASSIFIER_LOSSES, REGRESSOR_LOSSES, add_task_options, build_estimator,
                     describe_targets)

__all__ = ["add_model_options", "add_data_options", "train_command", "evaluate_command", "refuse_existing",
           "required"]


def add_data_options(parser, source_help):
    parser.add_argument("source", help=source_help)
    parser.add_argument("--loader", default="auto", help="registered dataset loader (default: guessed: "
                        "csv for a .csv file, idc for IDC trees, else directory)")
    parser.add_argument("--split", help="sub-folder holding the split (e.g. Train)")
    parser.add_argument("--on-error", choices=("raise", "skip"),
                        help="problem files: stop (raise, the default) or skip them with a warning")
    parser.add_argument("--group-pattern", help="directory loader: regex whose first group is the "
                        "patient ID in file names (groups for patient-level folds)")
    add_param_options(parser)
    add_task_options(parser)


def add_model_options(parser):
    from medcnn import CNNClassifier

    default = CNNClassifier().get_params()  # the CLI's defaults are the estimator's
    group = parser.add_argument_group("model (CNNClassifier, CNNRegressor or CNNSurvival parameters)")
    group.add_argument("--architecture", default=default["architecture"], help="registered architecture name")
    group.add_argument("--epochs", type=_epochs, default=default["epochs"],
                       help="passes over the training data, or 'auto' (default): a budget that follows "
                       "the number of training images")
    group.add_argument("--batch-size", type=int, default=default["batch_size"])
    group.add_argument("--learning-rate", type=float, default=default["learning_rate"])
    group.add_argument("--optimizer", default=default["optimizer"], help="Keras optimizer name")
    group.add_argument("--lr-schedule", choices=("constant", "cosine"), default=default["lr_schedule"])
    group.add_argument("--image-size", type=image_size, help="network input size: a side, height,width, or "
                       "depth,height,width for volumes (default: the image size)")
    group.add_argument("--architecture-param", action="append", metavar="KEY=VALUE",
                       help="an architecture parameter, e.g. weights=imagenet or width=16 (repeat for several)")
    group.add_argument("--augment", nargs="+", metavar="NAME", default=default["augment"],
                       help="augmenter names or a preset (histology, radiograph); 'none' for no augmentation")
    group.add_argument("--tta", type=int, default=default["tta"],
                       help="test-time augmentation: views averaged per image")
    group.add_argument("--class-weight", choices=("balanced", "none"),
                       help="classifiers: 'balanced' (default): classes (labels) weigh alike in the loss; "
                            "'none': every image alike")
    group.add_argument("--sampling", choices=("oversample", "undersample"), help="classifiers (one label "
                       "per image): draw the classes equally often")
    group.add_argument("--loss", choices=CLASSIFIER_LOSSES + REGRESSOR_LOSSES,
                       help=f"training loss: {' or '.join(CLASSIFIER_LOSSES)} for classifiers (default "
                            f"{default['loss']}), {', '.join(REGRESSOR_LOSSES)} for regression (default "
                            f"{REGRESSOR_LOSSES[0]}); survival models take none")
    group.add_argument("--validation-fraction", type=float, default=0.0)
    group.add_argument("--early-stopping", type=int, metavar="PATIENCE")
    group.add_argument("--cache", default=default["cache"],
                       help="'auto' (memory when it fits in 1 GiB), 'memory' or a folder for decoded training images")
    group.add_argument("--random-state", type=int, default=0)
    group.add_argument("--quiet", action="store_true", help="no progress output")


def _epochs(text):
    """``--epochs``: 'auto' or a positive integer."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not 'auto' or an integer >= 1")
    return value


def _classifier(args):
    """The CNNClassifier of the model options (one label per image)."""
    return build_estimator(args, "classification")


def refuse_existing(path, force, what):
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{what} {path!r} exists; choose another path or pass --force to replace it.")


def required(args, name):
    if getattr(args, name) is None:
        raise ValueError(f"medcnn {args.command} needs --{name} (on the command line or as "
                         f"'{name}' in the --config file).")
    return getattr(args, name)


def _estimator_name(estimator):
    """``architecture`` and, for models other than a classifier, the estimator class."""
    name = type(estimator).__name__
    return estimator.architecture if name == "CNNClassifier" else f"{estimator.architecture} ({name})"


def train_command(args) -> int:
    if not required(args, "out").endswith(".keras"):
        raise ValueError(f"--out {args.out!r}: the model file must end in .keras.")
    refuse_existing(args.out, args.force, "Model file")
    dataset, loader = load_task_data(args)
    estimator = build_estimator(args, dataset.task)
    print(f"Training {_estimator_name(estimator)} on {len(dataset)} images from {args.source} ({loader} loader), "
          f"{describe_targets(dataset)}", flush=True)
    estimator.fit(dataset.X, dataset.y, groups=dataset.groups)  # a validation split keeps patients whole
    estimator.save(args.out)
    print(f"Saved {args.out}")
    return 0


def _evaluation_targets(dataset):
    """``y`` for evaluate: several labels as a DataFrame, so that the report names them."""
    if dataset.task != "multilabel":
        return dataset.y
    try:
        import pandas as pd
    except ImportError:  # the report then numbers the labels
        return dataset.y
    return pd.DataFrame(dataset.y, columns=[str(name) for name in dataset.target_names])


def _interval(metric, report, digits=".3f"):
    """``value (95% CI low-high)``; ``low to high`` when a bound is negative."""
    low, high = metric["low"], metric["high"]
    between = " to " if min(low, high) < 0 else "-"
    return f"{metric['value']:{digits}} ({report.confidence:.0%} CI {low:{digits}}{between}{high:{digits}})"


def headline(report):
    """The result line of ``medcnn evaluate``, by the report's task."""
    m = report.metrics
    if report.task == "regression":
        return (f"MAE {_interval(m['mae'], report, '.4g')}, RMSE {_interval(m['rmse'], report, '.4g')}, "
                f"R² {_interval(m['r2'], report)}")
    if report.task == "survival":
        line = f"C-index (Harrell) {_interval(m['c_index'], report)}"
        if "c_index_uno" in m:
            line += f", Uno's C-index {_interval(m['c_index_uno'], report)}"
        return line
    if report.task == "multilabel":
        return (f"ROC AUC (macro over labels) {_interval(m['roc_auc_macro'], report)}, subset accuracy "
                f"{m['subset_accuracy']['value']:.3f}, Hamming loss {m['hamming_loss']['value']:.3f}")
    auc = "roc_auc_macro" if report.multiclass else "roc_auc"
    line = (f"ROC AUC{' (one-vs-rest, macro)' if report.multiclass else ''} {_interval(m[auc], report)}, "
            f"balanced accuracy {m['balanced_accuracy']['value']:.3f}, ")
    if report.multiclass:
        return line + f"Cohen's kappa {m['kappa']['value']:.3f}"
    return line + f"sensitivity {m['sensitivity']['value']:.3f}, specificity {m['specificity']['value']:.3f}"


def evaluate_command(args) -> int:
    from medcnn.evaluation import check_report_folder, evaluate

    check_report_folder(required(args, "report"), args.force, how="--force")  # before training
    dataset, loader = load_task_data(args)
    if dataset.task == "regression" and dataset.y.ndim == 2:
        raise ValueError(f"medcnn evaluate reports one numeric target; got {len(dataset.target_names)} "
                         f"({dataset.target_names}). Give one --label-column (train and predict take several).")
    estimator = build_estimator(args, dataset.task)
    estimator.verbose = 0
    groups = dataset.groups
    print(f"Evaluating {_estimator_name(estimator)} on {len(dataset)} images from {args.source} ({loader} loader)"
          + (f", {len(set(groups))} patients" if groups is not None else "")
          + f": {args.cv}-fold cross-validation", flush=True)
    report = evaluate(estimator, dataset.X, _evaluation_targets(dataset), groups=groups, cv=args.cv,
                      pos_label=args.pos_label, threshold=0.5 if args.threshold is None else args.threshold,
                      ordinal=args.ordinal, n_bootstraps=args.n_bootstraps, random_state=args.random_state,
                      verbose=0 if args.quiet else 1)
    path = report.save(args.report, force=args.force)
    print(headline(report))
    print(f"Report: {path}")
    return 0
