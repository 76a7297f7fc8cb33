"""``medcnn plugins`` and ``medcnn describe``, and loading a dataset from the command line."""

from __future__ import annotations

import json
import os

from ._params import loader_params
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


def load_source(source, loader="auto", split=None, on_error=None, group_pattern=None, csv_options=None,
                extra=None):
    """``(dataset, loader name)`` of ``source``; ``csv_options`` are load_csv parameters
    (``task``, the column names), refused for other loaders except ``task``; ``extra`` are
    more loader parameters (``--loader-param``)."""
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
    params.update(extra or {})
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
                                  getattr(args, "group_pattern", None), csv_options=options,
                                  extra=loader_params(args))
    if task not in ("auto", dataset.task):
        raise ValueError(f"--task {task}: the {loader} loader gives {dataset.task} targets. Other tasks read "
                         "their targets from a CSV manifest's columns (--label-column, --time-column, "
                         "--event-column).")
    return dataset, loader


def _duplicates(dataset, args) -> dict:
    """The near-duplicate groups of ``dataset`` for ``describe --duplicates``, JSON-ready. Files that
    do not decode are left out with a warning, unless ``--on-error raise``."""
    import numpy as np

    from medcnn.datasets import DEFAULT_MAX_DISTANCE, find_duplicates

    max_distance = DEFAULT_MAX_DISTANCE if args.max_distance is None else args.max_distance
    found = find_duplicates(dataset, max_distance=max_distance, on_error=args.on_error or "skip")
    names = [str(x) for x in dataset.X] if np.asarray(dataset.X).ndim == 1 else list(range(len(dataset)))
    groups = [{"images": [names[k] for k in members]} for members in found]
    info = {"max_distance": max_distance, "n_groups": len(found), "n_images": sum(map(len, found))}
    if dataset.groups is not None:
        for members, group in zip(found, groups):
            group["patients"] = sorted({str(dataset.groups[k]) for k in members})
        info["groups_across_patients"] = sum(len(group["patients"]) > 1 for group in groups)
    return {**info, "groups": groups}


def _duplicate_lines(info, max_groups=10) -> list:
    """The lines of ``describe --duplicates`` for the ``info`` of :func:`_duplicates`."""
    across = info.get("groups_across_patients")
    lines = [f"  near-duplicate images (pHash distance <= {info['max_distance']} of 64 bits): "
             f"{info['n_groups']} group{'' if info['n_groups'] == 1 else 's'}, {info['n_images']} images"
             + (f"; {across} of them hold several patients" if across else "")]
    for group in info["groups"][:max_groups]:
        patients = group.get("patients", [])
        lines.append("    " + ", ".join(map(str, group["images"]))
                     + (f" (patients {', '.join(patients)})" if len(patients) > 1 else ""))
    if info["n_groups"] > max_groups:
        lines.append(f"    ... and {info['n_groups'] - max_groups} more groups")
    return lines


def describe_command(args) -> int:
    dataset, loader = load_task_data(args)
    inspect = not args.no_inspect
    duplicates = _duplicates(dataset, args) if args.duplicates or args.max_distance is not None else None
    if args.json:
        extra = {} if duplicates is None else {"duplicates": duplicates}
        print(json.dumps({"loader": loader, **dataset.summary(inspect=inspect), **extra}, indent=2))
        return 0
    lines = dataset.describe(inspect=inspect).splitlines()
    if duplicates is not None:  # before the closing "source:" line
        at = len(lines) - 1 if lines[-1].startswith("  source:") else len(lines)
        lines[at:at] = _duplicate_lines(duplicates)
    print(f"loader: {loader}")
    print("\n".join(lines))
    return 0
