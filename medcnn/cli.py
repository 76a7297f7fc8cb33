"""The ``medcnn`` command line: ``medcnn demo``, ``medcnn describe`` and ``medcnn plugins``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

__all__ = ["main"]

def _plugins(args) -> int:
    from medcnn import plugins
    from medcnn.hookspecs import HOOK_KINDS
    from medcnn.registry import get_registry

    listing = {kind: [{"name": c.name, "plugin": c.plugin, "description": c.description}
                      for c in get_registry(kind).components()] for kind in HOOK_KINDS}
    errors = {name: f"{type(exc).__name__}: {exc}" for name, exc in plugins.load_errors().items()}
    if args.json:
        print(json.dumps({"components": listing, "failed_plugins": errors}, indent=2))
        return 0
    for kind, items in listing.items():
        print(f"{kind.replace('_', ' ')}s ({len(items)}):")
        width = max((len(i["name"]) for i in items), default=0)
        pwidth = max((len(i["plugin"]) for i in items), default=0)
        for item in items:
            print(f"  {item['name']:<{width}}  {item['plugin']:<{pwidth}}  {item['description']}")
    for name, message in errors.items():
        print(f"plugin {name!r} failed to load: {message}")
    return 0


def _load(source, loader="auto", split=None, on_error=None):
    from medcnn.datasets import guess_loader, load

    if loader == "auto":
        loader = guess_loader(source if split is None else os.path.join(source, split))
    params = {} if split is None or loader in ("csv", "arrays") else {"split": split}
    if on_error is not None:
        params["on_error"] = on_error
    return load(loader, source, **params), loader


def _describe(args) -> int:
    dataset, loader = _load(args.source, args.loader, args.split, args.on_error)
    if args.json:
        print(json.dumps({"loader": loader, **dataset.summary(inspect=not args.no_inspect)}, indent=2))
    else:
        print(f"loader: {loader}")
        print(dataset.describe(inspect=not args.no_inspect))
    return 0


def _demo_data(args):
    """(X, y, groups, positive label, description) for the demo."""
    if args.data is None:
        from medcnn.datasets import make_histology

        X, y = make_histology(args.samples, image_size=args.image_size, random_state=args.random_state)
        return X, y, None, 1, (f"make_histology: {len(y)} synthetic H&E patches "
                               f"{args.image_size}x{args.image_size}, {int(y.sum())} malignant")
    dataset, loader = _load(args.data, args.loader)
    if args.group_pattern is not None:
        from medcnn.datasets import load_directory

        dataset = load_directory(args.data, group_pattern=args.group_pattern)
    if len(dataset.target_names) != 2:
        raise SystemExit(f"medcnn demo: {args.data!r} holds {len(dataset.target_names)} classes "
                         f"({dataset.target_names}); the demo reports binary metrics and needs 2.")
    positive = dataset.target_names[1]
    text = (f"{args.data} ({loader} loader): {len(dataset)} images, classes {dataset.target_names} "
            f"(positive: {positive!r})")
    if dataset.groups is not None:
        text += f", {len(set(dataset.groups))} patients"
    return dataset.X, dataset.y, dataset.groups, positive, text


def _demo(args) -> int:
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, recall_score, roc_auc_score
    from medcnn import CNNClassifier
    from medcnn.evaluation import default_cv

    X, y, groups, positive, text = _demo_data(args)
    print(f"Data: {text}")
    cv = default_cv(args.folds, groups, random_state=args.random_state)
    print(f"Cross-validation: {args.folds}-fold stratified" + (", grouped by patient" if groups is not None else ""))
    clf = CNNClassifier(architecture=args.architecture, epochs=args.epochs, augment=["flip", "rotate90"],
                        image_size=args.image_size if args.data is not None else None,
                        class_weight="balanced", random_state=args.random_state)
    print(f"Model: CNNClassifier(architecture={args.architecture!r}, epochs={args.epochs}, "
          "augment=['flip', 'rotate90'], class_weight='balanced')\n")
    header = f"{'fold':>6} {'ROC AUC':>8} {'bal.acc':>8} {'sens.':>7} {'spec.':>7} {'time':>7}"
    print(header)
    rows = []
    for fold, (train, test) in enumerate(cv.split(X, y, groups), start=1):
        if sys.stdout.isatty():
            print(f"{fold:>6} training on {len(train)} images ...", end="\r", flush=True)
        start = time.perf_counter()
        clf.fit(X[train], y[train])
        column = list(clf.classes_).index(positive)
        score = clf.predict_proba(X[test])[:, column]
        pred = clf.predict(X[test])
        truth = y[test]
        row = (roc_auc_score(truth == positive, score), balanced_accuracy_score(truth, pred),
               recall_score(truth == positive, pred == positive),
               recall_score(truth != positive, pred != positive), time.perf_counter() - start)
        rows.append(row)
        print(f"{fold:>6} {row[0]:>8.3f} {row[1]:>8.3f} {row[2]:>7.3f} {row[3]:>7.3f} {row[4]:>6.1f}s",
              flush=True)
    values = np.array(rows)
    mean, std = values.mean(axis=0), values.std(axis=0)
    print("-" * len(header))
    print(f"{'mean':>6} {mean[0]:>8.3f} {mean[1]:>8.3f} {mean[2]:>7.3f} {mean[3]:>7.3f} {values[:, 4].sum():>6.1f}s")
    print(f"{'sd':>6} {std[0]:>8.3f} {std[1]:>8.3f} {std[2]:>7.3f} {std[3]:>7.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcnn", description="CNN medical image classification.")
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
    demo.set_defaults(func=_demo)
    describe = sub.add_parser("describe", help="summarise a dataset: classes, patients, sizes, bad files")
    describe.add_argument("source", help="image folder or CSV manifest")
    describe.add_argument("--loader", default="auto", help="registered loader name (default: guessed)")
    describe.add_argument("--split", help="sub-folder holding the split (e.g. Train)")
    describe.add_argument("--on-error", choices=("raise", "skip"), help="loader policy for problem "
                          "files: stop at the first (raise, the default) or skip them with a warning")
    describe.add_argument("--no-inspect", action="store_true", help="do not open the image files")
    describe.add_argument("--json", action="store_true", help="machine-readable output")
    describe.set_defaults(func=_describe)
    plugins = sub.add_parser("plugins", help="list registered components and their plugins")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    plugins.set_defaults(func=_plugins)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``medcnn`` command.

    Examples
    --------
    >>> main(["plugins"])  # doctest: +ELLIPSIS
    architectures (...):
    ...
    0
    """
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
