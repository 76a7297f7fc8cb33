"""Checkpoints of a fit, and resuming an interrupted fit from them.

With ``checkpoint_dir`` set, ``CNNClassifier.fit`` writes into that folder:

- ``epoch-NNN.keras`` after every epoch and ``best.keras`` at the lowest monitored
  loss (Keras ``ModelCheckpoint``; plain Keras models for ``keras.saving.load_model``);
- ``resume.npz`` after every epoch: what a later fit needs to go on where this one
  stopped (the network's weights, the optimizer's variables, the epoch and phase
  reached, the history so far, and a fingerprint of the parameters and data).

The resume file is replaced atomically (temporary file + rename), so an interrupted
fit always leaves the state of its last complete epoch. A fit that ends normally
deletes it. A fit whose parameters and data give the same fingerprint as the
state in its folder resumes from it; any other fit starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from types import SimpleNamespace

import numpy as np

from .._archive import replace_atomically

__all__ = ["checkpoint_callbacks", "fit_fingerprint", "load_resume_state", "resume_recorder",
           "restore_training_state", "clear_resume_state"]

STATE_FILE = "resume.npz"
#: Parameters that do not change what a fit computes: a resumed fit may differ in them.
_NOT_FINGERPRINTED = ("verbose", "callbacks", "log_dir", "checkpoint_dir")


def checkpoint_callbacks(checkpoint_dir, monitor, best=None):
    """ModelCheckpoint callbacks writing ``epoch-NNN.keras`` after every epoch and
    ``best.keras`` whenever ``monitor`` reaches a new minimum (below ``best``, the best
    value of the epochs before a resume), in ``checkpoint_dir``."""
    import keras

    if checkpoint_dir is None:
        return []
    checkpoint_dir = os.fspath(checkpoint_dir)
    os.makedirs(checkpoint_dir, exist_ok=True)
    return [
        keras.callbacks.ModelCheckpoint(os.path.join(checkpoint_dir, "epoch-{epoch:03d}.keras")),
        keras.callbacks.ModelCheckpoint(os.path.join(checkpoint_dir, "best.keras"), monitor=monitor,
                                        mode="min", save_best_only=True, initial_value_threshold=best),
    ]


def _stable(value):
    """A JSON-able description of a parameter value that is the same in every process
    (no memory addresses): plain values as they are, Keras objects by class and config,
    functions by module and qualified name."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "get_config"):
        return [type(value).__qualname__, _stable(value.get_config())]
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    return repr(value)


def _data_bytes(values):
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values)
        except ValueError:  # ragged
            values = np.asarray(values, dtype=object)
    if values.dtype.kind in "OUS":  # paths or labels
        return repr((values.shape, [str(v) for v in values.ravel()])).encode()
    return repr((values.shape, values.dtype.str)).encode() + np.ascontiguousarray(values).tobytes()


def fit_fingerprint(params, X, y, sample_weight=None, *more):
    """Hex digest of what a fit computes from: its parameters (but those in
    ``_NOT_FINGERPRINTED``), the images or paths, the labels, the sample weights and
    ``more`` data (groups, the validation data; left out when None)."""
    key = hashlib.sha256()
    described = {name: _stable(value) for name, value in params.items() if name not in _NOT_FINGERPRINTED}
    key.update(json.dumps(described, sort_keys=True, default=repr).encode())
    for part in (X, y, sample_weight):
        key.update(b"|" if part is None else _data_bytes(part))
    for part in more:
        if part is not None:
            key.update(b"+" + _data_bytes(part))
    return key.hexdigest()


def load_resume_state(checkpoint_dir, fingerprint):
    """The resume state in ``checkpoint_dir`` if it belongs to a fit with ``fingerprint``
    (a namespace: ``epochs_done``, ``phase``, ``phase_start``, ``history``, ``weights``,
    ``optimizer_variables``), else None. A state of another fit is reported and ignored."""
    if checkpoint_dir is None:
        return None
    path = os.path.join(os.fspath(checkpoint_dir), STATE_FILE)
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            state = json.loads(str(arrays["state"]))
            n_weights, n_variables = int(state["n_weights"]), int(state["n_variables"])
            weights = [arrays[f"weight_{i}"] for i in range(n_weights)]
            variables = [arrays[f"optimizer_{i}"] for i in range(n_variables)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        warnings.warn(
            f"The resume state {path!r} cannot be read ({exc}); this fit starts afresh and replaces it.",
            UserWarning, stacklevel=3)
        return None
    if state["fingerprint"] != fingerprint:
        warnings.warn(
            f"checkpoint_dir={os.fspath(checkpoint_dir)!r} holds the state of an interrupted fit with "
            "other parameters or data; this fit starts afresh and replaces it.", UserWarning, stacklevel=3)
        return None
    return SimpleNamespace(epochs_done=int(state["epochs_done"]), phase=int(state["phase"]),
                           phase_start=int(state["phase_start"]), history=state["history"],
                           weights=weights, optimizer_variables=variables)


def restore_training_state(model, state):
    """Put the weights and optimizer variables of ``state`` into the compiled ``model``.

    Raises ValueError if they do not fit the network or its optimizer.
    """
    weights = model.get_weights()
    if len(weights) != len(state.weights) or any(w.shape != s.shape for w, s in zip(weights, state.weights)):
        raise ValueError("the saved weights do not match the network")
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    variables = optimizer.variables
    if len(variables) != len(state.optimizer_variables) or any(
            tuple(v.shape) != s.shape for v, s in zip(variables, state.optimizer_variables)):
        raise ValueError("the saved optimizer state does not match the optimizer")
    model.set_weights(state.weights)
    for variable, value in zip(variables, state.optimizer_variables):
        variable.assign(value)


def clear_resume_state(checkpoint_dir):
    """Delete the resume state of a fit that ended normally."""
    if checkpoint_dir is not None:
        path = os.path.join(os.fspath(checkpoint_dir), STATE_FILE)
        if os.path.exists(path):
            os.remove(path)


def resume_recorder(checkpoint_dir, fingerprint, history, phase, phase_start):
    """A Keras callback writing the resume state after every epoch of a training phase.

    ``history`` is the history of the fit before this phase; the callback extends its
    own copy with the logs of every epoch.
    """
    import keras

    path = os.path.join(os.fspath(checkpoint_dir), STATE_FILE)
    history = {key: list(values) for key, values in history.items()}

    class ResumeRecorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            weights = self.model.get_weights()
            variables = [keras.ops.convert_to_numpy(v) for v in self.model.optimizer.variables]
            state = {"fingerprint": fingerprint, "epochs_done": epoch + 1, "phase": phase,
                     "phase_start": phase_start, "history": history, "n_weights": len(weights),
                     "n_variables": len(variables)}
            arrays = {"state": np.array(json.dumps(state))}
            arrays.update({f"weight_{i}": w for i, w in enumerate(weights)})
            arrays.update({f"optimizer_{i}": v for i, v in enumerate(variables)})

            def write(tmp):
                with open(tmp, "wb") as f:
                    np.savez(f, **arrays)

            replace_atomically(path, write)

    return ResumeRecorder()
