"""``medcnn predict``: apply a saved model to images and write one CSV row per image, with
the columns of the model's task."""

from __future__ import annotations

import os
import sys

from ._info import load_task_data
from ._model import refuse_existing
from ._params import reader_params
from ._tasks import model_task

__all__ = ["predict_command"]


def _manifest_source(args):
    """Whether the images come through a dataset loader (a CSV manifest, or ``--loader``)."""
    return args.loader != "auto" or (os.path.isfile(args.source) and args.source.lower().endswith(".csv"))


def _prediction_inputs(args, model, task):
    """(paths, dataset or None): the images of a dataset (with their targets), else image files."""
    from medcnn.registry import image_readers

    if _manifest_source(args):
        csv = args.loader in ("auto", "csv")
        reading = args.task if args.task != "auto" or not csv else task
        if csv and reading == "multilabel" and not args.label_column:
            raise ValueError(f"The model predicts {len(model.classes_)} labels: name the manifest's label "
                             "columns, in the model's order, with --label-column A,B,...")
        dataset, _ = load_task_data(args, reading)
        if task == "multilabel" and dataset.task == "multilabel" and len(dataset.target_names) != len(model.classes_):
            raise ValueError(f"The model predicts {len(model.classes_)} labels, but --label-column names "
                             f"{len(dataset.target_names)}: {dataset.target_names}. Name one column per label.")
        return list(dataset.X), dataset
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


def _number(value):
    return repr(float(value))


def _column_names(model, task, dataset):
    """The names of the model's outputs: the manifest's label columns when they match, else numbers."""
    n_outputs = len(model.classes_) if task == "multilabel" else None
    if dataset is not None and dataset.task in ("multilabel", "regression") and n_outputs in (None, len(
            dataset.target_names)):
        return [str(name) for name in dataset.target_names]
    return [str(c) for c in model.classes_] if task == "multilabel" else None


def _predictions(model, task, paths, tta, names):
    """(header, one row of cells per image) of the predictions of ``model``."""
    import numpy as np

    options = {} if tta is None else {"tta": tta}
    X = np.asarray(paths)
    if task == "classification":
        proba = model.predict_proba(X, **options)
        predicted = model.classes_[np.argmax(proba, axis=1)]
        return (["predicted"] + [f"proba_{c}" for c in model.classes_],
                [[predicted[i]] + [_number(p) for p in proba[i]] for i in range(len(X))])
    if task == "multilabel":
        proba = model.predict_proba(X, **options)
        predicted = (proba >= 0.5).astype(int)  # as model.predict
        return ([f"proba_{n}" for n in names] + [f"predicted_{n}" for n in names],
                [[_number(p) for p in proba[i]] + predicted[i].tolist() for i in range(len(X))])
    values = np.asarray(model.predict(X, **options), dtype=float)
    if task == "survival":
        return ["risk"], [[_number(v)] for v in values.ravel()]
    if values.ndim == 1:
        return ["predicted"], [[_number(v)] for v in values]
    if names is None or len(names) != values.shape[1]:
        names = [str(j) for j in range(values.shape[1])]
    return [f"predicted_{n}" for n in names], [[_number(v) for v in row] for row in values]


def _targets(dataset):
    """(header, one row of cells per image) of the true targets of ``dataset``, or none."""
    import numpy as np

    if dataset is None:
        return [], None
    y = np.asarray(dataset.y)
    if dataset.task == "survival":
        return ["event", "time"], [[int(e), _number(t)] for e, t in zip(y["event"], y["time"])]
    if y.ndim == 2:
        cell = int if dataset.task == "multilabel" else _number
        return [f"label_{n}" for n in dataset.target_names], [[cell(v) for v in row] for row in y]
    return ["label"], [[v] for v in y.tolist()]


def predict_command(args) -> int:
    import csv

    from medcnn import load_model

    if args.out is not None:
        refuse_existing(args.out, args.force, "Output file")
    model = load_model(args.model)
    # progress over many images, unless the predictions themselves go to the terminal
    model.set_params(verbose=0 if args.out is None else 1 if sys.stdout.isatty() else 2)
    given = reader_params(args)
    if given:  # on top of the reader parameters the model was trained with
        merged = {reader: dict(params) for reader, params in (model.reader_params or {}).items()}
        for reader, params in given.items():
            merged.setdefault(reader, {}).update(params)
        model.set_params(reader_params=merged)
    task = model_task(model)
    paths, dataset = _prediction_inputs(args, model, task)
    header, rows = _predictions(model, task, paths, args.tta, _column_names(model, task, dataset))
    target_header, targets = _targets(dataset)
    table = [["path"] + header + target_header]
    table += [[path] + rows[i] + (targets[i] if targets is not None else []) for i, path in enumerate(paths)]
    if args.out is None:  # CSV on standard output, ready for a pipe or a redirection
        csv.writer(sys.stdout, lineterminator="\n").writerows(table)
        return 0
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    print(f"Wrote {len(paths)} predictions to {args.out}")
    return 0
