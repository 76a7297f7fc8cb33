"""``medcnn plugins`` and ``medcnn describe``, and loading a dataset from the command line."""

from __future__ import annotations

import json
import os

__all__ = ["plugins_command", "describe_command", "load_source"]


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


def load_source(source, loader="auto", split=None, on_error=None, group_pattern=None):
    from medcnn.datasets import guess_loader, load

    if loader == "auto":
        loader = guess_loader(source if split is None else os.path.join(source, split))
    params = {} if split is None or loader in ("csv", "arrays") else {"split": split}
    if on_error is not None:
        params["on_error"] = on_error
    if group_pattern is not None:
        if loader != "directory":
            raise ValueError(f"--group-pattern applies to the directory loader, not {loader!r} "
                             "(idc finds patient IDs itself; csv reads them from a column).")
        params["group_pattern"] = group_pattern
    return load(loader, source, **params), loader


def describe_command(args) -> int:
    dataset, loader = load_source(args.source, args.loader, args.split, args.on_error)
    if args.json:
        print(json.dumps({"loader": loader, **dataset.summary(inspect=not args.no_inspect)}, indent=2))
    else:
        print(f"loader: {loader}")
        print(dataset.describe(inspect=not args.no_inspect))
    return 0
