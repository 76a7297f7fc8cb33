"""The ``medcnn`` command line.

``medcnn train``, ``predict`` and ``evaluate`` fit, apply and cross-validate a
CNNClassifier (one label or several per image), a CNNRegressor or a CNNSurvival on a
dataset folder or manifest, by the task of its targets (``--task``, inferred when it
can be); ``describe`` summarises a dataset,
``plugins`` lists the registered components and ``demo`` runs a small
cross-validation. Options may come from a TOML or YAML file (``--config``).

Exit status: 0 on success, 2 for a problem the user can fix (the message says
what and how, without a traceback), 130 when interrupted, 1 for an unexpected
internal error (with its traceback).
"""

from __future__ import annotations

import argparse
import sys

from ._config import read_config
from ._demo import demo_command
from ._info import describe_command, plugins_command
from ._model import add_data_options, add_model_options, evaluate_command, train_command
from ._predict import predict_command
from ._params import add_param_options
from ._quiet import start_tensorflow_quietly
from ._tasks import add_task_options

__all__ = ["main", "build_parser"]

CONFIGURABLE = ("train", "predict", "evaluate")
#: Commands that run networks (the others read files and plugins only).
TENSORFLOW_COMMANDS = ("demo", "train", "predict", "evaluate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcnn",
                                     description="CNN medical image classification, regression and survival.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="cross-validate a CNN on synthetic histology or an image folder")
    demo.add_argument("--data", help="class-per-folder image tree (e.g. ../shared/data/idc/Train)")
    demo.add_argument("--loader", default="auto", help="dataset loader for --data (default: csv for a "
                      ".csv file, idc for IDC trees, else directory)")
    demo.add_argument("--group-pattern", help="regex whose first group is the patient ID in file "
                      "names of a directory tree (IDC trees get patient groups automatically)")
    demo.add_argument("--folds", type=int, default=5)
    demo.add_argument("--epochs", type=int, default=8)
    demo.add_argument("--samples", type=int, default=500, help="synthetic images (without --data)")
    demo.add_argument("--image-size", type=int, default=32)
    demo.add_argument("--architecture", default="workshop_cnn")
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=demo_command)
    describe = sub.add_parser("describe", help="summarise a dataset: classes (or targets), patients, sizes, bad files")
    describe.add_argument("source", help="image folder or CSV manifest")
    describe.add_argument("--loader", default="auto", help="registered loader name (default: guessed)")
    describe.add_argument("--split", help="sub-folder holding the split (e.g. Train)")
    describe.add_argument("--on-error", choices=("raise", "skip"), help="loader policy for problem "
                          "files: stop at the first (raise, the default) or skip them with a warning")
    describe.add_argument("--no-inspect", action="store_true", help="do not open the image files")
    describe.add_argument("--json", action="store_true", help="machine-readable output")
    describe.add_argument("--duplicates", action="store_true", help="also find near-duplicate images (decodes "
                          "every image; perceptual hash, see --max-distance)")
    describe.add_argument("--max-distance", type=int, help="near-duplicates differ in at most this many of the 64 "
                          "hash bits (default 6; implies --duplicates)")
    add_param_options(describe)
    add_task_options(describe)
    describe.set_defaults(func=describe_command)
    plugins = sub.add_parser("plugins", help="list registered components and their plugins")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    plugins.set_defaults(func=plugins_command)
    train = sub.add_parser("train", help="fit a CNN (classifier, regressor or survival model, by --task) on a "
                           "dataset and save it as .keras")
    add_data_options(train, "image folder (class per sub-folder) or CSV manifest")
    add_model_options(train)
    train.add_argument("--out", help="model file to write (.keras)")
    train.set_defaults(func=train_command)
    predict = sub.add_parser("predict", help="predict images with a saved model: CSV on standard output, or to --out")
    predict.add_argument("model", help="a .keras file written by 'medcnn train' or an estimator's save()")
    add_data_options(predict, "image file, folder of images (searched recursively) or CSV manifest")
    predict.add_argument("--tta", type=int, help="test-time augmentation: views averaged per image")
    predict.add_argument("--out", help="CSV file to write (default: the CSV on standard output)")
    predict.set_defaults(func=predict_command)
    evaluate = sub.add_parser("evaluate", help="cross-validate a CNN (by --task) and write a report folder")
    add_data_options(evaluate, "image folder (class per sub-folder) or CSV manifest")
    add_model_options(evaluate)
    evaluate.add_argument("--cv", type=int, default=5, help="folds (patient-grouped when the loader "
                          "gives patient IDs)")
    evaluate.add_argument("--pos-label", help="the positive class of two (default: the larger label)")
    evaluate.add_argument("--threshold", type=float, help="decision threshold on the probability (two classes, "
                          "or each label of several; default 0.5)")
    evaluate.add_argument("--ordinal", action="store_true",
                          help="three or more classes are ordered grades (sorted by name): quadratic "
                               "kappa, a patient's class is its highest")
    evaluate.add_argument("--n-bootstraps", type=int, default=1000)
    evaluate.add_argument("--report", help="folder to write report.html, metrics.json, "
                          "predictions.csv and the plots to")
    evaluate.set_defaults(func=evaluate_command)
    for name in CONFIGURABLE:
        command = sub.choices[name]
        command.add_argument("--config", help="TOML or YAML file of options (flags override it)")
        command.add_argument("--force", action="store_true", help="replace existing output")
    parser.subcommands = sub.choices
    return parser


def _with_config(parser, args, argv):
    """Parse again with the options of ``--config`` as defaults (flags still win)."""
    if not getattr(args, "config", None):
        return args
    command = parser.subcommands[args.command]
    allowed = {a.dest for a in command._actions if a.dest not in ("help", "config", "source", "model")}
    every = {a.dest for name in CONFIGURABLE for a in parser.subcommands[name]._actions}
    command.set_defaults(**read_config(args.config, args.command, allowed, every))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Entry point of the ``medcnn`` command; returns the exit status.

    Examples
    --------
    >>> main(["plugins"])  # doctest: +ELLIPSIS
    architectures (...):
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in TENSORFLOW_COMMANDS:
        start_tensorflow_quietly()  # keep TensorFlow's C++ start-up log out of the output
    from medcnn.exceptions import MedCNNError

    try:
        args = _with_config(parser, args, argv)
        return args.func(args)
    except KeyboardInterrupt:
        print("medcnn: interrupted", file=sys.stderr)
        return 130
    except (MedCNNError, ValueError, OSError) as exc:
        print(f"medcnn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
