"""The model file format and atomic writing; a leaf module (it imports no other part of medcnn
but the exceptions and, when a network is read, the plugins that register custom layers).

A medcnn model file is an ordinary Keras ``.keras`` archive (loadable with
``keras.saving.load_model``) with one extra member, ``medcnn.json``
(:data:`META_MEMBER`), holding the estimator's class, parameters and fitted
attributes other than the network. Files are written to a temporary name in the
same folder and renamed into place (:func:`replace_atomically`), so a crash never
leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np

from medcnn.exceptions import ModelFileError

__all__ = ["META_MEMBER", "FORMAT_VERSION", "VERSION_KEY", "replace_atomically", "model_to_bytes",
           "model_from_bytes", "write_model_file", "read_meta", "is_json_value", "encode_array",
           "decode_array"]

META_MEMBER = "medcnn.json"
FORMAT_VERSION = 1
#: Key of the medcnn version in the pickled state of an estimator.
VERSION_KEY = "_medcnn_version"


def is_json_value(value) -> bool:
    """Whether ``value`` can be written to the JSON metadata as it is."""
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def encode_array(values) -> dict:
    """An array as JSON: its values and dtype."""
    values = np.asarray(values)
    return {"values": values.tolist(), "dtype": values.dtype.str if values.dtype.kind != "O" else "object"}


def decode_array(payload) -> np.ndarray:
    """The array :func:`encode_array` wrote."""
    return np.asarray(payload["values"], dtype=payload["dtype"] if payload["dtype"] != "object" else object)


def model_to_bytes(model) -> bytes:
    """Serialise a Keras model to the bytes of a ``.keras`` archive."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data: bytes, safe_mode: bool = True):
    """Rebuild a Keras model from :func:`model_to_bytes` output."""
    import keras

    from medcnn.plugins import get_plugin_manager

    from medcnn._losses import register

    get_plugin_manager()  # plugins may register the custom Keras layers the model needs
    register()  # and medcnn's own losses
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path, safe_mode=safe_mode)


def write_model_file(path, model, meta) -> None:
    """Write ``model`` with the medcnn metadata ``meta`` to the ``.keras`` file ``path``, atomically."""
    def write(tmp):
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(META_MEMBER, json.dumps(meta, default=_json_default))

    replace_atomically(path, write)


def replace_atomically(path, write):
    """Write ``path`` through ``write(temporary path)`` in the same folder, then rename
    the temporary file into place: a crash never leaves a half-written ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".medcnn-", suffix=os.path.splitext(path)[1], dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_meta(path) -> dict:
    """The medcnn metadata of the archive ``path``; ModelFileError naming it when absent."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if META_MEMBER not in names:
                if "config.json" not in names:
                    raise ModelFileError(
                        f"{path!r} is a zip file but not a .keras model archive (no config.json; "
                        f"members: {names[:5]}). Give a file written by CNNClassifier.save()."
                    )
                raise ModelFileError(
                    f"{path!r} is a Keras archive without medcnn metadata. Load plain Keras "
                    "models with keras.saving.load_model(), or pass them as a callable architecture."
                )
            meta = json.loads(archive.read(META_MEMBER))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(
            f"{path!r} is a damaged .keras archive: its medcnn metadata cannot be read "
            f"({type(exc).__name__}: {exc}). Write it again with CNNClassifier.save()."
        ) from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path!r} holds invalid medcnn metadata; write it again with CNNClassifier.save().")
    return meta
