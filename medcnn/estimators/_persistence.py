"""Saving and loading fitted estimators as ``.keras`` files.

A medcnn model file is an ordinary Keras ``.keras`` archive (loadable with
``keras.saving.load_model``) with one extra member, ``medcnn.json``, holding the
estimator's class, parameters and fitted attributes other than the network.
Files are written to a temporary name in the same folder and renamed into place,
so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from medcnn.exceptions import InconsistentVersionWarning, ModelFileError

__all__ = ["ModelStateMixin", "save_estimator", "load_model", "model_to_bytes", "model_from_bytes",
           "replace_atomically"]

META_MEMBER = "medcnn.json"
FORMAT_VERSION = 1
#: Key of the medcnn version in the pickled state of an estimator.
VERSION_KEY = "_medcnn_version"
_REFIT = ("Refit the estimator with this medcnn version; to move fitted models between "
          "versions, write them with save() and read them with medcnn.load_model().")


def _json_value(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _encode_array(values) -> dict:
    values = np.asarray(values)
    return {"values": values.tolist(), "dtype": values.dtype.str if values.dtype.kind != "O" else "object"}


def _decode_array(payload) -> np.ndarray:
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

    get_plugin_manager()  # plugins may register the custom Keras layers the model needs
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path, safe_mode=safe_mode)


class ModelStateMixin:
    """Pickling of estimators holding a Keras network in ``model_``: the network
    travels as the bytes of a ``.keras`` archive, loaded back with safe_mode on.

    The pickled state records the medcnn version (``_medcnn_version``); unpickling a
    state written by another version warns with
    :class:`~medcnn.exceptions.InconsistentVersionWarning`, and a state whose network
    cannot be restored raises :class:`~medcnn.exceptions.ModelFileError`.
    """

    def __getstate__(self):
        from medcnn import __version__

        state = dict(super().__getstate__())
        if state.get("model_") is not None:
            state["model_"] = model_to_bytes(state["model_"])
        state[VERSION_KEY] = __version__
        return state

    def __setstate__(self, state):
        from medcnn import __version__

        state = dict(state)
        name = type(self).__name__
        written_by = state.pop(VERSION_KEY, None)
        if written_by != __version__:
            warnings.warn(InconsistentVersionWarning(estimator_name=name, original_version=written_by,
                                                     current_version=__version__), stacklevel=2)
        model = state.get("model_")
        if model is not None and not isinstance(model, bytes) and not _is_keras_model(model):
            raise ModelFileError(
                f"Cannot restore the pickled {name} (written by medcnn "
                f"{written_by or 'of an unknown version'}): its network 'model_' is a "
                f"{type(model).__name__}, not the bytes of a .keras archive. {_REFIT}"
            )
        if isinstance(model, bytes):
            try:
                state["model_"] = model_from_bytes(model)
            except Exception as exc:
                raise ModelFileError(
                    f"Cannot restore the network of the pickled {name} (written by medcnn "
                    f"{written_by or 'of an unknown version'}): {type(exc).__name__}: {exc}. {_REFIT}"
                ) from exc
        super().__setstate__(state)


def _is_keras_model(value) -> bool:
    import keras

    return isinstance(value, keras.Model)


def save_estimator(estimator, path, fitted_attributes) -> None:
    """Write ``estimator`` (fitted) to ``path`` atomically."""
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"Model files must end in '.keras'; got {path!r}. Add the suffix.")
    params, dropped = {}, []
    for key, value in estimator.get_params(deep=False).items():
        (params.__setitem__(key, value) if _json_value(value) else dropped.append(key))
    if dropped:
        warnings.warn(
            f"Parameters {dropped} of {type(estimator).__name__} cannot be written to a model "
            "file (objects, not plain values); the loaded estimator has their defaults. "
            "Set them again with set_params(...) after loading if you refit.",
            UserWarning,
            stacklevel=3,
        )
    meta = {
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "params": params,
        "classes_": _encode_array(estimator.classes_),
        # attributes added in later versions are missing on estimators loaded from older files
        "fitted": {k: getattr(estimator, k) for k in fitted_attributes if hasattr(estimator, k)},
    }
    def write(tmp):
        estimator.model_.save(tmp)
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


def _read_meta(path) -> dict:
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


def load_model(path, safe_mode: bool = True):
    """Load an estimator written by ``CNNClassifier.save``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.keras`` file written by medcnn.
    safe_mode : bool, default True
        Passed to ``keras.saving.load_model``: refuses models that would run
        arbitrary code on load (Lambda layers). Only set False for files you trust.

    Returns
    -------
    CNNClassifier
        Fitted, ready to predict.

    Raises
    ------
    ModelFileError
        If the file is missing, not a ``.keras`` archive, or not written by medcnn.

    Examples
    --------
    >>> import medcnn, tempfile, os
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(40, image_size=28, random_state=0)
    >>> clf = medcnn.CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> clf.save(path)
    >>> bool((medcnn.load_model(path).predict(X) == clf.predict(X)).all())
    True
    """
    import keras

    from medcnn.plugins import get_plugin_manager

    from ._classifier import CNNClassifier

    get_plugin_manager()  # plugins may register the custom Keras layers the file needs
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"Model file not found: {path!r}. Check the path.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"{path!r} is not a .keras model archive (not a zip file). Give a file written "
            "by CNNClassifier.save()."
        )
    meta = _read_meta(path)
    if meta.get("format_version", 0) > FORMAT_VERSION or meta.get("estimator") != "CNNClassifier":
        raise ModelFileError(
            f"{path!r} was written by a newer medcnn or holds a {meta.get('estimator')!r} "
            f"(format {meta.get('format_version')}); upgrade medcnn to load it."
        )
    try:
        estimator = CNNClassifier(**meta["params"])
        estimator.classes_ = _decode_array(meta["classes_"])
        for key, value in meta["fitted"].items():
            setattr(estimator, key, tuple(value) if key.endswith("shape_") else value)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(
            f"{path!r} holds medcnn metadata this version cannot restore ({type(exc).__name__}: "
            f"{exc}); it was written by another medcnn version or damaged. Write it again with "
            "CNNClassifier.save()."
        ) from exc
    try:
        estimator.model_ = keras.saving.load_model(path, safe_mode=safe_mode)
    except Exception as exc:
        raise ModelFileError(f"Keras could not load the network in {path!r}: {exc}") from exc
    return estimator
