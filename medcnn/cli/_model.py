"""``medcnn train``, ``medcnn predict`` and ``medcnn evaluate``."""

from __future__ import annotations

import os
import sys

from ._info import load_source

__all__ = ["add_model_options", "add_data_options", "train_command", "predict_command",
           "evaluate_command"]


def add_data_options(parser, source_help):
    parser.add_argument("source", help=source_help)
    parser.add_argument("--loader", default="auto", help="registered dataset loader (default: guessed: "
                        "csv for a .csv file, idc for IDC trees, else directory)")
    parser.add_argument("--split", help="sub-folder holding the split (e.g. Train)")
    parser.add_argument("--on-error", choices=("raise", "skip"),
                        help="problem files: stop (raise, the default) or skip them with a warning")
    parser.add_argument("--group-pattern", help="directory loader: regex whose first group is the "
                        "patient ID in file names (groups for patient-level folds)")


def add_model_options(parser):
    from medcnn import CNNClassifier

    default = CNNClassifier().get_params()  # the CLI's defaults are the estimator's
    group = parser.add_argument_group("model (CNNClassifier parameters)")
    group.add_argument("--architecture", default=default["architecture"], help="registered architecture name")
    group.add_argument("--epochs", type=_epochs, default=default["epochs"],
                       help="passes over the training data, or 'auto' (default): a budget that follows "
                       "the number of training images")
    group.add_argument("--batch-size", type=int, default=default["batch_size"])
    group.add_argument("--learning-rate", type=float, default=default["learning_rate"])
    group.add_argument("--optimizer", default=default["optimizer"], help="Keras optimizer name")
    group.add_argument("--lr-schedule", choices=("constant", "cosine"), default=default["lr_schedule"])
    group.add_argument("--image-size", type=int, help="network input size (default: the image size)")
    group.add_argument("--augment", nargs="+", metavar="NAME", default=default["augment"],
                       help="augmenter names or a preset (histology, radiograph); 'none' for no augmentation")
    group.add_argument("--tta", type=int, default=default["tta"],
                       help="test-time augmentation: views averaged per image")
    group.add_argument("--class-weight", choices=("balanced", "none"), default=default["class_weight"],
                       help="'balanced' (default): classes weigh alike in the loss; 'none': every image alike")
    group.add_argument("--sampling", choices=("oversample", "undersample"))
    group.add_argument("--loss", choices=("cross_entropy", "focal"), default=default["loss"])
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
    from medcnn import CNNClassifier

    augment = args.augment
    if isinstance(augment, (list, tuple)) and len(augment) == 1:
        augment = augment[0]  # a single name may be a preset
    if augment == "none":
        augment = None
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    return CNNClassifier(architecture=args.architecture, epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.learning_rate, optimizer=args.optimizer,
                         lr_schedule=args.lr_schedule, image_size=args.image_size, augment=augment,
                         tta=args.tta, class_weight=None if args.class_weight == "none" else args.class_weight,
                         sampling=args.sampling,
                         loss=args.loss, validation_fraction=args.validation_fraction,
                         early_stopping=args.early_stopping or False, cache=args.cache,
                         random_state=args.random_state, verbose=verbose)


def _refuse_existing(path, force, what):
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{what} {path!r} exists; choose another path or pass --force to replace it.")


def _required(args, name):
    if getattr(args, name) is None:
        raise ValueError(f"medcnn {args.command} needs --{name} (on the command line or as "
                         f"'{name}' in the --config file).")
    return getattr(args, name)


def train_command(args) -> int:
    if not _required(args, "out").endswith(".keras"):
        raise ValueError(f"--out {args.out!r}: the model file must end in .keras.")
    _refuse_existing(args.out, args.force, "Model file")
    dataset, loader = load_source(args.source, args.loader, args.split, args.on_error, args.group_pattern)
    clf = _classifier(args)
    print(f"Training {clf.architecture} on {len(dataset)} images from {args.source} ({loader} loader), "
          f"classes {list(dataset.target_names)}", flush=True)
    clf.fit(dataset.X, dataset.y)
    clf.save(args.out)
    print(f"Saved {args.out}")
    return 0


def _prediction_inputs(args):
    """(paths, labels or None) for predict: a dataset with --loader, else image files."""
    from medcnn.registry import image_readers

    if args.loader != "auto" or (os.path.isfile(args.source) and args.source.lower().endswith(".csv")):
        dataset, _ = load_source(args.source, args.loader, args.split, args.on_error, args.group_pattern)
        return list(dataset.X), list(dataset.y)
    root = args.source if args.split is None else os.path.join(args.source, args.split)
    if os.path.isfile(root):
        return [root], None
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{root!r} is neither an image file nor a folder.")
    suffixes = {"." + name for name in image_readers.names()}
    paths = sorted(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names
                   if os.path.splitext(name)[1].lower() in suffixes)
    if not paths:
        raise ValueError(f"No image files under {root!r} (looked for {', '.join(sorted(suffixes))}).")
    return paths, None


def predict_command(args) -> int:
    import csv

    import numpy as np

    from medcnn import load_model

    _refuse_existing(_required(args, "out"), args.force, "Output file")
    clf = load_model(args.model)
    paths, labels = _prediction_inputs(args)
    proba = clf.predict_proba(np.asarray(paths), tta=args.tta)
    predicted = clf.classes_[np.argmax(proba, axis=1)]
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "predicted"] + [f"proba_{c}" for c in clf.classes_]
                        + (["label"] if labels is not None else []))
        for i, path in enumerate(paths):
            writer.writerow([path, predicted[i]] + [repr(float(p)) for p in proba[i]]
                            + ([labels[i]] if labels is not None else []))
    print(f"Wrote {len(paths)} predictions to {args.out}")
    return 0


def evaluate_command(args) -> int:
    from medcnn.evaluation import evaluate
    from medcnn.evaluation import check_report_folder

    check_report_folder(_required(args, "report"), args.force, how="--force")  # before training
    dataset, loader = load_source(args.source, args.loader, args.split, args.on_error, args.group_pattern)
    clf = _classifier(args)
    clf.verbose = 0
    groups = dataset.groups
    print(f"Evaluating {clf.architecture} on {len(dataset)} images from {args.source} ({loader} loader)"
          + (f", {len(set(groups))} patients" if groups is not None else "")
          + f": {args.cv}-fold cross-validation", flush=True)
    report = evaluate(clf, dataset.X, dataset.y, groups=groups, cv=args.cv, pos_label=args.pos_label,
                      threshold=args.threshold, ordinal=args.ordinal, n_bootstraps=args.n_bootstraps,
                      random_state=args.random_state, verbose=0 if args.quiet else 1)
    path = report.save(args.report, force=args.force)
    m = report.metrics
    auc = "roc_auc_macro" if report.multiclass else "roc_auc"
    line = (f"ROC AUC{' (one-vs-rest, macro)' if report.multiclass else ''} {m[auc]['value']:.3f} "
            f"({report.confidence:.0%} CI {m[auc]['low']:.3f}-{m[auc]['high']:.3f}), balanced accuracy "
            f"{m['balanced_accuracy']['value']:.3f}, ")
    if report.multiclass:
        line += f"Cohen's kappa {m['kappa']['value']:.3f}"
    else:
        line += f"sensitivity {m['sensitivity']['value']:.3f}, specificity {m['specificity']['value']:.3f}"
    print(line)
    print(f"Report: {path}")
    return 0
