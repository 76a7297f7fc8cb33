"""The TensorFlow and Keras internals medcnn relies on, each behind one named function.

Some guarantees of the library have no public API to stand on: seeded fits that do
not depend on other threads, memory that stays flat over many fits, the user's
global seeds left as they were, a trained network detached from its distribution
strategy. Each internal attribute used for them is reached here, and only here, by
one function whose docstring names the public API that is missing.

When an attribute is not there (a TensorFlow or Keras version other than those the
tests cover, see the upper bounds in ``pyproject.toml``), the function warns once
per attribute with a :class:`RuntimeWarning` that names the guarantee lost, and the
caller falls back to what the public API allows. :data:`INTERNALS` lists every
attribute; ``tests/test_compat.py`` asserts that each exists on the installed
versions.
"""

from __future__ import annotations

import importlib
import threading
import warnings

__all__ = ["INTERNALS", "internal", "keras_seed_generator_module", "gradient_registry", "eager_context",
           "keras_global_seed", "set_keras_global_seed", "detach_distribute_strategy"]

#: name -> (module, attribute path in it, what is lost without it)
INTERNALS = {
    "keras_python_random": (
        "keras.src.random.seed_generator", "python_random",
        "a seeded fit draws its initial weights from the process-wide random generator, so other "
        "threads drawing from it meanwhile (a Dask worker's event loop) change the result"),
    "tf_gradient_registry": (
        "tensorflow.python.framework.ops", "_gradient_registry._registry",
        "the traced training steps that custom gradients keep alive are not freed, so memory grows "
        "by a few MB per fit in a long cross-validation loop"),
    "tf_eager_seed": (
        "tensorflow.python.eager.context", "context",
        "TensorFlow's global seed (tf.random.set_seed) is not put back after a seeded fit"),
    "keras_global_seed": (
        "keras.src.utils.rng_utils", "get_random_seed",
        "Keras' global seed (keras.utils.set_random_seed) is not kept across fits"),
    "keras_global_seed_key": (
        "keras.src.utils.rng_utils", "GLOBAL_RANDOM_SEED",
        "Keras' global seed (keras.utils.set_random_seed) is not kept across fits"),
    "keras_global_state": (
        "keras.src.backend.common.global_state", "set_global_attribute",
        "Keras' global seed (keras.utils.set_random_seed) is not kept across fits"),
}

_warned = set()
_lock = threading.Lock()


def _warn_missing(name, detail=""):
    module, path, lost = INTERNALS[name]
    with _lock:
        if name in _warned:
            return
        _warned.add(name)
    warnings.warn(
        f"{module}.{path} is not available{detail} in this TensorFlow/Keras version: {lost}. "
        "Install the versions medcnn supports (see its pyproject.toml) to keep this guarantee.",
        RuntimeWarning, stacklevel=3)


def internal(name):
    """The internal attribute ``name`` of :data:`INTERNALS`, or None (warning once) if missing.

    Parameters
    ----------
    name : str
        A key of :data:`INTERNALS`.

    Returns
    -------
    object or None
    """
    module_name, path, _ = INTERNALS[name]
    try:
        value = importlib.import_module(module_name)
    except ImportError:
        _warn_missing(name)
        return None
    for part in path.split("."):
        if not hasattr(value, part):
            _warn_missing(name)
            return None
        value = getattr(value, part)
    return value


def keras_seed_generator_module():
    """Keras' seed generator module, whose ``python_random`` seeds unseeded initializers.

    Missing public API: a way to give Keras' initializers a seed source per thread;
    ``keras.utils.set_random_seed`` seeds the process-wide ``random`` module instead.
    """
    if internal("keras_python_random") is None:
        return None
    return importlib.import_module(INTERNALS["keras_python_random"][0])


def gradient_registry():
    """TensorFlow's registry of gradient functions by op type name (a dict), or None.

    Missing public API: a way to unregister the gradient functions that
    ``tf.custom_gradient`` registers while tracing; they are never removed.
    """
    registry = internal("tf_gradient_registry")
    if registry is not None and not isinstance(registry, dict):
        _warn_missing("tf_gradient_registry", " as a dict")
        return None
    return registry


def eager_context():
    """TensorFlow's eager context, whose ``_seed``, ``_set_global_seed`` and ``_rng`` hold the
    global seed and the generator of operation seeds; None where they are not.

    Missing public API: reading the global seed (``tf.random.set_seed`` has no getter)
    and restoring the operation-seed generator to where the user's program left it.
    """
    context = internal("tf_eager_seed")
    if context is None:
        return None
    ctx = context()
    if not (hasattr(ctx, "_seed") and hasattr(ctx, "_set_global_seed")):
        _warn_missing("tf_eager_seed", " with _seed and _set_global_seed")
        return None
    return ctx


def keras_global_seed():
    """The seed of the last ``keras.utils.set_random_seed`` call (None if none or unreadable).

    Missing public API: ``keras.utils.set_random_seed`` has no getter.
    """
    getter = internal("keras_global_seed")
    return None if getter is None else getter()


def set_keras_global_seed(value):
    """Set Keras' record of the global seed, as ``keras.utils.set_random_seed`` stores it,
    without reseeding Python, NumPy and TensorFlow.

    Missing public API: restoring that record (``keras.backend.clear_session`` and a
    seeded fit's own ``set_random_seed`` overwrite it).
    """
    setter, key = internal("keras_global_state"), internal("keras_global_seed_key")
    if setter is not None and key is not None:
        setter(key, value)


def detach_distribute_strategy(model):
    """Make ``model`` forget the ``tf.distribute`` strategy it was built under.

    Missing public API: a Keras model keeps the strategy in ``_distribute_strategy``
    and splits every later ``predict`` across its replicas; nothing public detaches
    it. Returns whether the model had one.
    """
    if getattr(model, "_distribute_strategy", None) is None:
        return False
    model._distribute_strategy = None
    # functions traced under the strategy are traced again, outside it, on next use
    model.train_function = model.test_function = model.predict_function = None
    return True
