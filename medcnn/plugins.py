"""The plugin manager: built-in plugins plus the ``medcnn`` entry point group.

Plugins are loaded once, lazily, the first time a registry is asked for a name,
so ``import medcnn`` stays cheap. Built-ins go through the same hooks as
third-party plugins. Set ``MEDCNN_DISABLE_PLUGIN_AUTOLOAD=1`` to load the
built-ins only (read when the plugins are loaded).
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from importlib import metadata

import pluggy

from . import hookspecs
from .exceptions import PluginLoadWarning

__all__ = [
    "BUILTIN_PLUGINS",
    "AUTOLOAD_ENV",
    "get_plugin_manager",
    "register",
    "unregister",
    "reset",
    "load_errors",
]

#: Names the built-in plugins are registered under (the package ``medcnn._builtins``,
#: one module per kind of component, is the one built-in plugin).
BUILTIN_PLUGINS = ("medcnn",)
_BUILTIN_MODULE = "medcnn._builtins"
AUTOLOAD_ENV = "MEDCNN_DISABLE_PLUGIN_AUTOLOAD"
ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_load_errors: dict[str, BaseException] = {}
_listeners: list = []


def _autoload_disabled() -> bool:
    return os.environ.get(AUTOLOAD_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(ep.name):
            continue
        if pm.get_plugin(ep.name) is not None:
            _load_errors[ep.name] = ValueError(f"the name {ep.name!r} is taken by the built-in plugin")
            warnings.warn(
                f"medcnn plugin {ep.name!r} ({ep.value}) was skipped: its entry point name is the "
                f"name of the built-in plugin. Rename the entry point in the plugin's package.",
                PluginLoadWarning,
                stacklevel=3,
            )
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # a broken plugin must not take the others down
            _load_errors[ep.name] = exc
            warnings.warn(
                f"medcnn plugin {ep.name!r} ({ep.value}) failed to load and was skipped: "
                f"{type(exc).__name__}: {exc}. Fix or uninstall the package that provides it, "
                f"or set {AUTOLOAD_ENV}=1 to load the built-in plugins only.",
                PluginLoadWarning,
                stacklevel=3,
            )


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the plugin manager, loading the plugins on first use.

    Returns
    -------
    pluggy.PluginManager
        The manager with the built-in plugins and, unless
        ``MEDCNN_DISABLE_PLUGIN_AUTOLOAD`` is set, every ``medcnn`` entry point.

    Examples
    --------
    >>> from medcnn.plugins import get_plugin_manager
    >>> get_plugin_manager().get_plugin("medcnn").__name__
    'medcnn._builtins'
    """
    global _manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
            pm.add_hookspecs(hookspecs)
            builtins = importlib.import_module(_BUILTIN_MODULE)
            pm.register(builtins, name=builtins.PLUGIN_NAME)
            _load_errors.clear()
            if not _autoload_disabled():
                _load_entry_points(pm)
            _manager = pm
        return _manager


def _changed() -> None:
    for listener in list(_listeners):
        listener()


def register(plugin, name: str | None = None) -> str:
    """Register a plugin object (a module or any object with ``@hookimpl`` functions).

    Useful in notebooks and tests; installed packages should use the ``medcnn``
    entry point group instead.

    Parameters
    ----------
    plugin : module or object
        Holds functions marked with :data:`medcnn.hookimpl`.
    name : str, optional
        Name the plugin is reported under; defaults to pluggy's canonical name.

    Returns
    -------
    str
        The name under which the plugin was registered.

    Examples
    --------
    >>> import types, medcnn
    >>> plugin = types.SimpleNamespace()
    >>> @medcnn.hookimpl
    ... def register_augmenters(register):
    ...     register("my_identity", lambda **p: (lambda x, training=False: x))
    >>> plugin.register_augmenters = register_augmenters
    >>> medcnn.plugins.register(plugin, name="demo-plugin")
    'demo-plugin'
    >>> medcnn.plugins.unregister("demo-plugin")
    """
    with _lock:
        registered = get_plugin_manager().register(plugin, name=name)
        _changed()
        return registered


def unregister(name: str) -> None:
    """Remove the plugin registered under ``name``.

    Parameters
    ----------
    name : str
        Name the plugin was registered under (as returned by :func:`register`,
        or the entry point name of an installed plugin).

    Raises
    ------
    ValueError
        If no plugin is registered under ``name``.

    Examples
    --------
    >>> import types, medcnn
    >>> from medcnn.registry import augmenters
    >>> plugin = types.SimpleNamespace()
    >>> @medcnn.hookimpl
    ... def register_augmenters(register):
    ...     register("my_identity", lambda **p: (lambda x, training=False: x))
    >>> plugin.register_augmenters = register_augmenters
    >>> medcnn.plugins.register(plugin, name="demo-plugin")
    'demo-plugin'
    >>> "my_identity" in augmenters
    True
    >>> medcnn.plugins.unregister("demo-plugin")
    >>> "my_identity" in augmenters
    False
    """
    with _lock:
        pm = get_plugin_manager()
        plugin = pm.get_plugin(name)
        if plugin is None:
            raise ValueError(
                f"No plugin named {name!r} is registered; registered: "
                f"{sorted(n for n, _ in pm.list_name_plugin())}."
            )
        pm.unregister(plugin, name=name)
        _changed()


def reset() -> None:
    """Forget every loaded plugin; the next lookup loads them again.

    Use after installing a plugin package in a running process, or to re-read
    ``MEDCNN_DISABLE_PLUGIN_AUTOLOAD``. Plugins registered at run time with
    :func:`register` are forgotten too.

    Examples
    --------
    >>> from medcnn import plugins
    >>> from medcnn.registry import architectures
    >>> manager = plugins.get_plugin_manager()
    >>> plugins.reset()
    >>> plugins.get_plugin_manager() is manager
    False
    >>> "workshop_cnn" in architectures  # the built-in plugins are loaded again
    True
    """
    global _manager
    with _lock:
        _manager = None
        _load_errors.clear()
        _changed()


def load_errors() -> dict[str, BaseException]:
    """Entry-point plugins that failed to load, by name, with their exception.

    Returns
    -------
    dict of str to BaseException
        Entry point name -> the exception raised while loading it; empty when
        every plugin loaded. A copy: changing it has no effect.

    Examples
    --------
    >>> from medcnn.plugins import load_errors
    >>> errors = load_errors()
    >>> isinstance(errors, dict)
    True
    >>> errors["broken"] = ImportError("no module named 'broken'")
    >>> "broken" in load_errors()  # the copy was changed, not the plugin state
    False
    """
    get_plugin_manager()
    return dict(_load_errors)


def _on_change(callback) -> None:
    """Call ``callback()`` whenever plugins are registered, removed or reset."""
    _listeners.append(callback)
