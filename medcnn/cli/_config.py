"""Options from a TOML or YAML file for ``medcnn train``, ``predict`` and ``evaluate``.

A config file holds option names as keys (``epochs = 5`` or ``image-size = 32``), at
the top level and/or in a table named after the command (``[train]``), which wins.
Top-level keys that another command uses (``architecture`` for ``predict``) are
ignored; keys no command knows, and unknown keys in a command's table, are errors.
Flags given on the command line win over the file.
"""

from __future__ import annotations

import os

__all__ = ["read_config"]


def _parse(path):
    suffix = os.path.splitext(path)[1].lower()
    with open(path, "rb") as handle:
        data = handle.read()
    if suffix == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10: the tomli backport, a dependency there
            import tomli as tomllib

        try:
            return tomllib.loads(data.decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"Config file {path!r} is not valid TOML: {exc}") from None
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ValueError(f"Config file {path!r} is YAML, which needs PyYAML: pip install pyyaml "
                             "(or write the options as TOML).") from None
        try:
            loaded = yaml.safe_load(data) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"Config file {path!r} is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"Config file {path!r} must hold a mapping of option names to values.")
        return loaded
    raise ValueError(f"Config file {path!r}: use a .toml, .yaml or .yml file.")


def read_config(path, command, allowed, known=None):
    """Options for ``command`` from ``path``: ``{dest: value}``, checked against ``allowed`` dests
    (top-level keys in ``known``, the dests of any command, are skipped when not allowed)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Config file {path!r} does not exist.")
    data = _parse(path)
    known = set(known or ()) | set(allowed)
    options = {k: v for k, v in data.items() if not isinstance(v, dict)
               and (k.replace("-", "_") in allowed or k.replace("-", "_") not in known)}
    section = data.get(command, {})
    if not isinstance(section, dict):
        raise ValueError(f"Config file {path!r}: [{command}] must be a table of options.")
    options.update(section)
    result = {}
    for key, value in options.items():
        dest = key.replace("-", "_")
        if dest not in allowed:
            raise ValueError(
                f"Config file {path!r}: unknown option {key!r} for 'medcnn {command}'. Valid options: "
                + ", ".join(sorted(a.replace("_", "-") for a in allowed)) + ".")
        result[dest] = value
    return result
