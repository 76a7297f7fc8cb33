"""Saving, loading and pickling fitted estimators (the file format is :mod:`medcnn._archive`'s).

:func:`load_model` restores the classes marked :func:`loadable`, by the class name
written in the file.
"""

from __future__ import annotations

import os
import warnings
import zipfile

from medcnn._archive import (FORMAT_VERSION, VERSION_KEY, decode_array, encode_array, is_json_value,
                             model_from_bytes, model_to_bytes, read_meta, write_model_file)
from medcnn._losses import register as register_losses
from medcnn.exceptions import InconsistentVersionWarning, ModelFileError

__all__ = ["ModelStateMixin", "save_estimator", "load_model", "loadable"]

_REFIT = ("Refit the estimator with this medcnn version; to move fitted models between "
          "versions, write them with save() and read them with medcnn.load_model().")
#: the estimator classes load_model restores, by the name written in the file
_LOADABLE = {}


def loadable(cls):
    """Class decorator: :func:`load_model` restores files written by ``cls.save``."""
    _LOADABLE[cls.__name__] = cls
    return cls


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


def save_estimator(estimator, path, fitted_attributes, array_attributes=()) -> None:
    """Write ``estimator`` (fitted) to ``path`` atomically: its plain parameters, the
    ``fitted_attributes`` (JSON values) and the ``array_attributes`` (numpy arrays, such
    as ``classes_``, each a key of its own) beside the network."""
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"Model files must end in '.keras'; got {path!r}. Add the suffix.")
    params, dropped = {}, []
    for key, value in estimator.get_params(deep=False).items():
        (params.__setitem__(key, value) if is_json_value(value) else dropped.append(key))
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
        **{name: encode_array(getattr(estimator, name)) for name in array_attributes},
        # attributes added in later versions are missing on estimators loaded from older files
        "fitted": {k: getattr(estimator, k) for k in fitted_attributes if hasattr(estimator, k)},
    }
    write_model_file(path, estimator.model_, meta)


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

    get_plugin_manager()  # plugins may register the custom Keras layers the file needs
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"Model file not found: {path!r}. Check the path.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"{path!r} is not a .keras model archive (not a zip file). Give a file written "
            "by CNNClassifier.save()."
        )
    meta = read_meta(path)
    estimator_class = _LOADABLE.get(meta.get("estimator"))
    if meta.get("format_version", 0) > FORMAT_VERSION or estimator_class is None:
        raise ModelFileError(
            f"{path!r} was written by a newer medcnn or holds a {meta.get('estimator')!r} "
            f"(format {meta.get('format_version')}); upgrade medcnn to load it."
        )
    try:
        estimator = estimator_class(**meta["params"])
        for name in estimator_class._task_arrays:
            setattr(estimator, name, decode_array(meta[name]))
        for key, value in meta["fitted"].items():
            setattr(estimator, key, tuple(value) if key.endswith("shape_") else value)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(
            f"{path!r} holds medcnn metadata this version cannot restore ({type(exc).__name__}: "
            f"{exc}); it was written by another medcnn version or damaged. Write it again with "
            "CNNClassifier.save()."
        ) from exc
    try:
        register_losses()  # medcnn's own losses, which a model may have been compiled with
        estimator.model_ = keras.saving.load_model(path, safe_mode=safe_mode)
    except Exception as exc:
        raise ModelFileError(f"Keras could not load the network in {path!r}: {exc}") from exc
    return estimator
