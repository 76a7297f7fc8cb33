"""Seeded fits that leave the process as they found it, and memory that stays flat over fits.

:func:`seeded` seeds Python, NumPy, Keras and TensorFlow for one fit and puts the
user's global random state back afterwards; :func:`fresh_keras_state` clears what an
earlier fit left in Keras' and TensorFlow's global state. The TensorFlow/Keras
internals both need are reached through :mod:`medcnn._compat`.
"""

from __future__ import annotations

import contextlib
import random
import sys
import threading

import numpy as np

from .._compat import eager_context, gradient_registry, keras_global_seed, keras_seed_generator_module, \
    set_keras_global_seed

__all__ = ["fresh_keras_state", "seeded"]


class _PerThreadRandom:
    """Stands in for the ``random`` module inside Keras' seed generator.

    Keras draws the seeds of unseeded initializers (the weights a network starts
    from) from Python's global ``random`` generator, which every thread of the process
    shares: a Dask worker's event loop draws from it while a task trains, so a seeded
    fit there would start from other weights than the same fit elsewhere. A thread
    inside :func:`seeded` draws from its own generator instead; other threads, and
    every thread outside ``seeded``, use the global one as before.
    """

    def __init__(self):
        self.local = threading.local()

    def __getattr__(self, name):
        rng = getattr(self.local, "rng", None)
        return getattr(random if rng is None else rng, name)


def _keras_seed_source():
    """The per-thread stand-in installed in Keras' seed generator module (None if that fails)."""
    seed_generator = keras_seed_generator_module()
    if seed_generator is None:  # warned: the process-wide generator stays
        return None
    source = seed_generator.python_random
    if source is random:
        source = seed_generator.python_random = _PerThreadRandom()
    return source if isinstance(source, _PerThreadRandom) else None


_fit_gradients = set()  # custom gradients registered while medcnn trained, dropped at the next fit
_fit_gradients_lock = threading.Lock()
_CUSTOM_GRADIENT = "CustomGradient-"


def _custom_gradient_names():
    registry = gradient_registry()
    return set() if registry is None else {name for name in list(registry) if name.startswith(_CUSTOM_GRADIENT)}


@contextlib.contextmanager
def _recording_custom_gradients():
    """Record the custom gradients TensorFlow registers while the block runs.

    Inside a ``tf.function``, ``tf.custom_gradient`` registers its gradient function
    in TensorFlow's global gradient registry under a new name and never removes it.
    Keras' optimizers go through one (the all-reduce of the gradients) in every
    traced training step, and the registered function holds the traced graph of the
    step, with every op and tensor of the network, for the rest of the process:
    a few MB per fit, which a long cross-validation loop accumulates. The names are
    kept here and dropped from the registry when the next fit starts
    (:func:`fresh_keras_state`); by then the training steps that used them are
    traced, and their gradients built.
    """
    before = _custom_gradient_names()
    try:
        yield
    finally:
        added = _custom_gradient_names() - before
        with _fit_gradients_lock:
            _fit_gradients.update(added)


def _drop_fit_gradients():
    """Remove the custom gradients recorded in earlier fits from TensorFlow's registry."""
    registry = gradient_registry()
    with _fit_gradients_lock:
        names = list(_fit_gradients)
        _fit_gradients.clear()
    if registry is not None:
        for name in names:
            registry.pop(name, None)


def _release_free_heap():
    """Hand the C heap's free pages back to the operating system (glibc only).

    TensorFlow frees a fit's tensors and kernels into the C allocator, which keeps
    much of the freed memory (scattered over its per-thread arenas) in the process;
    over many fits the resident memory then creeps up although nothing is in use.
    ``malloc_trim(0)`` returns those pages. Elsewhere (macOS, musl) nothing happens.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def fresh_keras_state():
    """Clear Keras' global state (layer names, graphs) before building a network.

    Keeps the user's global dtype policy (e.g. ``"mixed_float16"``), which clearing
    resets, and Keras' record of the global seed (``keras.utils.set_random_seed``).
    Frees what earlier fits left in TensorFlow's global registries (the traced
    training steps that custom gradients keep alive) and returns the freed heap to
    the operating system, so that memory stays flat over many fits in one process.
    """
    import gc

    import keras

    policy, seed = keras.config.dtype_policy(), keras_global_seed()
    _drop_fit_gradients()
    keras.backend.clear_session()
    keras.config.set_dtype_policy(policy)
    if seed is not None:
        set_keras_global_seed(seed)
    gc.collect()
    _release_free_heap()


def _tf_seed_state():
    """TensorFlow's global seed and its operation-seed generator (None where unreadable)."""
    ctx = eager_context()
    return None if ctx is None else (ctx, ctx._seed, getattr(ctx, "_rng", None))


def _restore_tf_seed(state):
    """Put back what :func:`_tf_seed_state` read: ``tf.random.set_seed`` is process-wide."""
    if state is None:
        return
    ctx, seed, rng = state
    if ctx._seed != seed:
        ctx._set_global_seed(seed)  # also clears the kernels cached with the fit's seed
    ctx._rng = rng  # the generator itself, where the user's operation seeds continue


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy, Keras and TensorFlow for a fit, and put the user's global
    random state back afterwards.

    Restored on exit: Python's and NumPy's global generators, TensorFlow's global seed
    (``tf.random.set_seed``) and Keras' global seed (``keras.utils.set_random_seed``),
    so that neither the user's own random streams nor another estimator's later fit or
    prediction depend on this fit. Keras' initializer seeds come from a generator of
    this thread's own, seeded the same way, so other threads drawing from ``random``
    meanwhile change nothing. With ``seed=None`` nothing is seeded.

    Custom gradients that TensorFlow registers while training are recorded, so that
    the next :func:`fresh_keras_state` frees them.
    """
    with _recording_custom_gradients():
        if seed is None:
            yield
            return
        import keras

        py_state, np_state = random.getstate(), np.random.get_state()
        tf_state, keras_seed = _tf_seed_state(), keras_global_seed()
        keras.utils.set_random_seed(int(seed))
        source = _keras_seed_source()
        previous = None if source is None else getattr(source.local, "rng", None)
        if source is not None:
            source.local.rng = random.Random(int(seed))  # the stream random.seed(seed) starts
        try:
            yield
        finally:
            if source is not None:
                source.local.rng = previous
            random.setstate(py_state)
            np.random.set_state(np_state)
            _restore_tf_seed(tf_state)
            set_keras_global_seed(keras_seed)
