"""A small thread-safe LRU cache of decoded, normalised volumes."""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["VolumeCache", "cache_info", "clear_cache", "set_cache_size"]

#: Volumes kept by default, and the most bytes they may take together.
DEFAULT_VOLUMES = 4
DEFAULT_BYTES = 1 << 30


class VolumeCache:
    """Least-recently-used volumes, at most ``volumes`` of them and ``max_bytes`` in all."""

    def __init__(self, volumes=DEFAULT_VOLUMES, max_bytes=DEFAULT_BYTES):
        self._lock = threading.Lock()
        self._items = OrderedDict()
        self.volumes, self.max_bytes = volumes, max_bytes
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value):
        with self._lock:
            if self.volumes <= 0 or value.nbytes > self.max_bytes:
                return
            self._items[key] = value
            self._items.move_to_end(key)
            self._trim()

    def _trim(self):
        while self._items and (len(self._items) > self.volumes
                               or sum(v.nbytes for v in self._items.values()) > self.max_bytes):
            self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def resize(self, volumes, max_bytes):
        with self._lock:
            self.volumes, self.max_bytes = volumes, max_bytes
            self._trim()

    def info(self):
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "volumes": len(self._items),
                    "bytes": int(sum(v.nbytes for v in self._items.values())),
                    "max_volumes": self.volumes, "max_bytes": self.max_bytes}


CACHE = VolumeCache()


def cache_info() -> dict:
    """Statistics of the cache of decoded volumes that :func:`read_nifti` keeps.

    Returns
    -------
    dict
        ``hits`` and ``misses`` (reads served from the cache, and reads that decoded
        the file) since the last :func:`clear_cache`, ``volumes`` and ``bytes`` held
        now, and the limits ``max_volumes`` and ``max_bytes``.

    Examples
    --------
    >>> from medcnn_nifti import cache_info, clear_cache
    >>> clear_cache()
    >>> cache_info()["volumes"]
    0
    """
    return CACHE.info()


def clear_cache() -> None:
    """Empty the cache of decoded volumes and reset its hit and miss counts.

    Examples
    --------
    >>> from medcnn_nifti import clear_cache
    >>> clear_cache()
    """
    CACHE.clear()


def set_cache_size(volumes=DEFAULT_VOLUMES, max_bytes=DEFAULT_BYTES) -> None:
    """Set how many decoded volumes :func:`read_nifti` keeps (0 turns the cache off).

    Parameters
    ----------
    volumes : int, default=4
        Most volumes kept; the least recently read goes first.
    max_bytes : int, default=2**30
        Most bytes the kept volumes take together (a larger volume is not kept).

    Examples
    --------
    >>> from medcnn_nifti import cache_info, set_cache_size
    >>> set_cache_size(8)
    >>> cache_info()["max_volumes"]
    8
    >>> set_cache_size()  # back to the defaults
    """
    for name, value in (("volumes", volumes), ("max_bytes", max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"set_cache_size: {name} must be an integer >= 0; got {value!r}.")
    CACHE.resize(volumes, max_bytes)
