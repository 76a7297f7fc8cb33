"""Name -> factory registries filled by the plugin hooks.

Each kind of component (architecture, augmenter, dataset loader, image reader)
has one :class:`Registry`. It is collected from the plugin hooks on first lookup
and collected again whenever plugins change. Every entry records the plugin that
registered it.
"""

from __future__ import annotations

import difflib
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from . import plugins
from .exceptions import DuplicateNameError, PluginError, PluginLoadWarning, UnknownNameError
from .hookspecs import HOOK_KINDS, METADATA_KEYS

__all__ = ["Component", "Registry", "get_registry", "architectures", "augmenters",
           "dataset_loaders", "image_readers"]


@dataclass(frozen=True)
class Component:
    """One registered component.

    Entries are made by the registries from what the plugin hooks register; users
    get them from :meth:`Registry.get` and :meth:`Registry.components`.

    Parameters
    ----------
    kind : str
        ``"architecture"``, ``"augmenter"``, ``"dataset_loader"`` or ``"image_reader"``.
    name : str
        The name users pass (``CNNClassifier(architecture=name)``).
    factory : callable
        What the plugin registered.
    description : str
        One line for listings.
    plugin : str
        Name of the plugin that registered it.
    metadata : dict
        Extra keywords given to ``register`` (e.g. ``min_size`` for architectures).

    Examples
    --------
    >>> from medcnn.registry import Component, architectures
    >>> component = architectures.get("workshop_cnn")
    >>> isinstance(component, Component), component.kind, component.plugin
    (True, 'architecture', 'medcnn')
    >>> component.metadata["min_size"]
    12
    """

    kind: str
    name: str
    factory: Callable[..., Any]
    description: str = ""
    plugin: str = ""
    metadata: dict = field(default_factory=dict)


class Registry:
    """Registered components of one kind, collected lazily from the plugin hooks.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`medcnn.hookspecs.HOOK_KINDS`.

    Examples
    --------
    >>> from medcnn.registry import architectures
    >>> "workshop_cnn" in architectures
    True
    >>> architectures.get("workshop_cnn").plugin
    'medcnn'
    """

    def __init__(self, kind: str):
        if kind not in HOOK_KINDS:
            raise ValueError(f"Unknown component kind {kind!r}; expected one of {sorted(HOOK_KINDS)}.")
        self.kind = kind
        self._entries: dict[str, Component] | None = None
        self._lock = threading.RLock()
        plugins._on_change(self.invalidate)

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ")

    def invalidate(self) -> None:
        """Drop the collected entries; the next lookup collects them again."""
        with self._lock:
            self._entries = None

    def _collect(self) -> dict[str, Component]:
        pm = plugins.get_plugin_manager()
        caller = getattr(pm.hook, HOOK_KINDS[self.kind])
        entries: dict[str, Component] = {}
        # Call each plugin's hook on its own so that every entry knows its plugin and
        # a plugin whose hook raises is reported without hiding the others.
        for impl in reversed(caller.get_hookimpls()):
            plugin_name = impl.plugin_name
            # Entries of this plugin are kept apart until its hook returns, so that a
            # hook that raises half-way leaves none of its components registered.
            staged: dict[str, Component] = {}

            def register(name, factory, description="", _plugin=plugin_name, _staged=staged,
                         **metadata):
                if not isinstance(name, str) or not name:
                    raise PluginError(
                        f"Plugin {_plugin!r} registered {self.kind} name {name!r}; "
                        "names must be non-empty strings."
                    )
                if not callable(factory):
                    raise PluginError(
                        f"Plugin {_plugin!r} registered {self.label} {name!r} with a "
                        f"non-callable factory {factory!r}; pass a function or class."
                    )
                unknown = sorted(set(metadata) - set(METADATA_KEYS[self.kind]))
                if unknown:
                    known = ", ".join(METADATA_KEYS[self.kind]) or "none"
                    raise PluginError(
                        f"Plugin {_plugin!r} registered {self.label} {name!r} with unknown metadata "
                        f"key(s) {', '.join(map(repr, unknown))}; {self.label}s take: {known} "
                        "(see medcnn.hookspecs.METADATA_KEYS). Remove the key or rename it."
                    )
                previous = entries.get(name) or _staged.get(name)
                if previous is not None:
                    raise DuplicateNameError(
                        f"{self.label.capitalize()} {name!r} is registered by two plugins: "
                        f"{previous.plugin!r} and {_plugin!r}. Uninstall or rename one "
                        f"of them (or set {plugins.AUTOLOAD_ENV}=1 to load built-ins only)."
                    )
                _staged[name] = Component(self.kind, name, factory, str(description or ""),
                                          _plugin, dict(metadata))

            try:
                impl.function(register=register)
                entries.update(staged)
            except DuplicateNameError:
                raise
            except Exception as exc:
                warnings.warn(
                    f"medcnn plugin {plugin_name!r} failed in {HOOK_KINDS[self.kind]}: "
                    f"{type(exc).__name__}: {str(exc).rstrip('.')}. None of its {self.label}s are available.",
                    PluginLoadWarning,
                    stacklevel=4,
                )
        return entries

    def _all(self) -> dict[str, Component]:
        with self._lock:
            if self._entries is None:
                self._entries = self._collect()
            return self._entries

    def names(self) -> list[str]:
        """Sorted names of every registered component.

        Returns
        -------
        list of str
            The names, sorted alphabetically.
        """
        return sorted(self._all())

    def components(self) -> list[Component]:
        """Every registered component, sorted by name.

        Returns
        -------
        list of Component
            One entry per registered name, sorted by name.
        """
        entries = self._all()
        return [entries[n] for n in sorted(entries)]

    def __contains__(self, name) -> bool:
        return name in self._all()

    def __iter__(self):
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._all())

    def get(self, name: str) -> Component:
        """Return the component registered as ``name``.

        Parameters
        ----------
        name : str
            The registered name, e.g. ``"workshop_cnn"``.

        Returns
        -------
        Component
            The entry, with its factory, description, plugin and metadata.

        Raises
        ------
        UnknownNameError
            If no plugin registered ``name``; the message lists the available names
            and suggests the closest one.
        """
        entries = self._all()
        if name in entries:
            return entries[name]
        available = sorted(entries)
        message = (f"Unknown {self.label} {name!r}. Available: "
                   f"{', '.join(repr(n) for n in available) or 'none'}.")
        close = difflib.get_close_matches(str(name), available, n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
        raise UnknownNameError(message)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r})"


_registries = {kind: Registry(kind) for kind in HOOK_KINDS}


def get_registry(kind: str) -> Registry:
    """Return the registry of one kind of component.

    Parameters
    ----------
    kind : str
        ``"architecture"``, ``"augmenter"``, ``"dataset_loader"`` or ``"image_reader"``
        (the keys of :data:`medcnn.hookspecs.HOOK_KINDS`).

    Returns
    -------
    Registry
        The shared registry of that kind (the same object on every call).

    Raises
    ------
    ValueError
        If ``kind`` is not a known component kind.

    Examples
    --------
    >>> from medcnn.registry import architectures, get_registry
    >>> get_registry("architecture") is architectures
    True
    >>> "png" in get_registry("image_reader")
    True
    """
    try:
        return _registries[kind]
    except KeyError:
        raise ValueError(f"Unknown component kind {kind!r}; expected one of {sorted(_registries)}.") from None


architectures = _registries["architecture"]
augmenters = _registries["augmenter"]
dataset_loaders = _registries["dataset_loader"]
image_readers = _registries["image_reader"]
