"""``medcnn plugins`` and ``medcnn describe``, and loading a dataset from the command line."""

from __future__ import annotations

import json
import os

from ._tasks import CSV_OPTIONS, column_list

__all__ = ["plugins_command", "describe_command", "load_source", "load_task_data"]


def plugins_command(args) -> int:
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


def load_source(source, loader="auto", split=None, on_error=None, group_pattern=None, csv_options=None):
    """``(dataset, loader name)`` of ``source``; ``csv_options`` are load_csv parameters
    (``task``, the column names), refused for other loaders except ``task``."""
    from medcnn.datasets import guess_loader, load

    if loader == "auto":
        loader = guess_loader(source if split is None else os.path.join(source, split))
    params = {} if split is None or loader in ("csv", "arrays") else {"split": split}
    csv_options = dict(csv_options or {})
    if loader == "csv":
        params.update(csv_options)
    else:
        columns = [CSV_OPTIONS[name] for name in csv_options if name in CSV_OPTIONS]
        if columns:
            raise ValueError(f"{', '.join(columns)} appl{'ies' if len(columns) == 1 else 'y'} to CSV manifests "
                             f"(the csv loader), not to the {loader} loader; leave "
                             f"{'it' if len(columns) == 1 else 'them'} out, or give a .csv manifest.")
    if on_error is not None:
        params["on_error"] = on_error
    if group_pattern is not None:
        if loader != "directory":
            raise ValueError(f"--group-pattern applies to the directory loader, not {loader!r} "
                             "(idc finds patient IDs itself; csv reads them from --group-column).")
        params["group_pattern"] = group_pattern
    try:
        return load(loader, source, **params), loader
    except ValueError as exc:
        if loader == "csv" and "has no column(s)" in str(exc):  # name the options, not the parameters
            raise ValueError(f"{exc} On the command line: {', '.join(CSV_OPTIONS.values())}.") from None
        raise


def _csv_options(args, task):
    """The load_csv parameters of the command line, checked against ``task``."""
    options = {name: getattr(args, name, None) for name in CSV_OPTIONS}
    options["label_column"] = column_list(options["label_column"])
    options = {name: value for name, value in options.items() if value is not None}
    labels = options.get("label_column")
    survival = [CSV_OPTIONS[name] for name in ("time_column", "event_column") if name in options]
    if task == "survival" or (task == "auto" and survival):
        missing = [CSV_OPTIONS[name] for name in ("time_column", "event_column") if name not in options]
        if missing:
            raise ValueError(f"Survival times need {' and '.join(missing)}: the manifest's columns of follow-up "
                             "times and of event indicators (1: the event happened, 0: censored).")
        if labels:
            raise ValueError("--label-column does not apply to survival (the targets are --time-column and "
                             "--event-column); leave it out.")
    elif task != "auto" and survival:
        raise ValueError(f"{' and '.join(survival)} apply to survival times; pass --task survival, or leave them "
                         f"out for --task {task}.")
    if task == "multilabel" and len(labels or []) < 2:
        raise ValueError("--task multilabel needs two or more label columns, one 0/1 column per label: "
                         "--label-column A,B (or --label-column A --label-column B).")
    if task == "classification" and len(labels or []) > 1:
        raise ValueError(f"--task classification reads one label column, not {labels}; for one 0/1 column per "
                         "label use --task multilabel, for numbers --task regression.")
    if labels is not None and len(labels) == 1:
        options["label_column"] = labels[0]
    if task != "auto":
        options["task"] = task
    return options


def load_task_data(args, task=None):
    """``(dataset, loader)`` of the command's source for ``task`` (default ``--task``)."""
    task = args.task if task is None else task
    options = _csv_options(args, task)
    dataset, loader = load_source(args.source, args.loader, args.split, args.on_error,
                                  getattr(args, "group_pattern", None), csv_options=options)
    if task not in ("auto", dataset.task):
        raise ValueError(f"--task {task}: the {loader} loader gives {dataset.task} targets. Other tasks read "
                         "their targets from a CSV manifest's columns (--label-column, --time-column, "
                         "--event-column).")
    return dataset, loader


def describe_command(args) -> int:
    dataset, loader = load_task_data(args)
    if args.json:
        print(json.dumps({"loader": loader, **dataset.summary(inspect=not args.no_inspect)}, indent=2))
    else:
        print(f"loader: {loader}")
        print(dataset.describe(inspect=not args.no_inspect))
    return 0
