"""``medcnn demo``: cross-validate a CNN on synthetic histology or an image folder."""

from __future__ import annotations

import sys
import time

from ._info import load_source

__all__ = ["demo_command"]


def _demo_data(args):
    """(X, y, groups, positive label, description) for the demo."""
    if args.data is None:
        from medcnn.datasets import make_histology

        X, y = make_histology(args.samples, image_size=args.image_size, random_state=args.random_state)
        return X, y, None, 1, (f"make_histology: {len(y)} synthetic H&E patches "
                               f"{args.image_size}x{args.image_size}, {int(y.sum())} malignant")
    dataset, loader = load_source(args.data, args.loader)
    if args.group_pattern is not None:
        from medcnn.datasets import load_directory

        dataset = load_directory(args.data, group_pattern=args.group_pattern)
    if len(dataset.target_names) != 2:
        raise ValueError(f"{args.data!r} holds {len(dataset.target_names)} classes "
                         f"({dataset.target_names}); the demo reports binary metrics and needs 2.")
    positive = dataset.target_names[1]
    text = (f"{args.data} ({loader} loader): {len(dataset)} images, classes {dataset.target_names} "
            f"(positive: {positive!r})")
    if dataset.groups is not None:
        text += f", {len(set(dataset.groups))} patients"
    return dataset.X, dataset.y, dataset.groups, positive, text


def demo_command(args) -> int:
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
