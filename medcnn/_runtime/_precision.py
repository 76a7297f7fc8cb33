"""Reduced-precision training (``precision=``): the Keras dtype policy a fit builds its
network under, and the float32 network it keeps afterwards.

``"float32"`` trains in float32. ``"bfloat16"`` and ``"float16"`` build the network
under Keras' mixed policies (``"mixed_bfloat16"``, ``"mixed_float16"``): layers compute
in 16 bits while their weights stay float32; the output layer and the loss stay
float32 (each task's head is a float32 layer), and under ``"mixed_float16"`` Keras
wraps the optimizer in a ``LossScaleOptimizer`` so that small gradients do not vanish.
``"auto"`` uses the user's own global policy when it is not float32
(``keras.config.set_dtype_policy``), else, for 2-D networks, mixed bfloat16 on a machine
without a GPU whose CPU has bfloat16 instructions (AVX512_BF16 or AMX), where it was measured faster
with the same ROC AUC (``benchmarks/bench_precision.py``), and float32 elsewhere,
GPUs included: mixed float16 on GPUs has not been measured with medcnn's networks and
losses yet, so it is there to choose (``precision="float16"``), not the default.

After the fit, the network is copied into float32 layers with the trained weights
(:func:`float32_network`): predictions are computed and returned in float32, and a
saved model loads and predicts the same on machines without 16-bit arithmetic.
"""

from __future__ import annotations

import contextlib
import random
import sys
import warnings

import numpy as np

__all__ = ["PRECISIONS", "resolve_precision", "precision_policy", "float32_network", "cpu_has_bfloat16"]

PRECISIONS = ("auto", "float32", "bfloat16", "float16")
_POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
#: CPU flags (Linux /proc/cpuinfo) of instructions oneDNN runs bfloat16 convolutions and
#: matrix products with
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_has_bfloat16(cpuinfo="/proc/cpuinfo") -> bool:
    """Whether the CPU has bfloat16 instructions (AVX512_BF16 or AMX); False where unknown
    (no ``/proc/cpuinfo``: macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return any(flag in line.split() for flag in BF16_CPU_FLAGS)
    except OSError:
        return False
    return False


def _has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def resolve_precision(precision, spatial_dims=2) -> str:
    """The Keras dtype policy name a fit with ``precision=precision`` builds its network under.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16", "float16"}
    spatial_dims : int, default=2
        3 for volume networks, which ``"auto"`` trains in float32: mixed bfloat16 was
        measured for 2-D networks only (and a small 3-D network trained to NaN with it).

    Returns
    -------
    str
        ``"float32"``, ``"mixed_bfloat16"`` or ``"mixed_float16"`` (for ``"auto"``: the
        user's own global policy, mixed bfloat16 or float32).

    Examples
    --------
    >>> resolve_precision("bfloat16")
    'mixed_bfloat16'
    """
    if precision != "auto":
        if precision not in _POLICIES:
            raise ValueError(f"precision={precision!r} is not valid; use one of {PRECISIONS}.")
        return _POLICIES[precision]
    import keras

    own = keras.config.dtype_policy().name
    if own != "float32":  # set by the user for their whole program
        return own
    if spatial_dims == 2 and cpu_has_bfloat16() and not _has_gpu():
        return "mixed_bfloat16"
    return "float32"


@contextlib.contextmanager
def precision_policy(policy):
    """Set Keras' global dtype policy to ``policy`` while the network is built, then put the
    user's back."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _float32_layer(layer):
    config = layer.get_config()
    config["dtype"] = "float32"
    return layer.__class__.from_config(config)


def float32_network(model):
    """``model`` itself when every layer computes in float32, else a float32 copy of it with
    its trained weights, compiled as ``model`` was.

    Functional and Sequential networks (those of every registered architecture) are
    copied layer by layer; a subclassed network cannot be, and is kept as trained (a
    warning says so: its saved file computes in 16 bits wherever it is loaded).
    """
    import keras

    if all(layer.dtype_policy.name == "float32" for layer in _all_layers(model)):
        return model
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with precision_policy("float32"):  # new layers draw their seeds from Python's generator
            copy = keras.models.clone_model(model, clone_function=_float32_layer, recursive=True)
    except (ValueError, TypeError, NotImplementedError) as exc:
        warnings.warn(
            f"the network {model.name!r} was trained under the dtype policy {model.dtype_policy.name!r} and "
            f"could not be copied into float32 layers ({exc}); it is kept as trained, so it also predicts "
            "in 16 bits. Train with precision='float32' for a float32 network.",
            UserWarning, stacklevel=3)
        return model
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    copy.set_weights(model.get_weights())
    if model.compiled:
        config = dict(model.get_compile_config())
        optimizer = config.get("optimizer")
        if isinstance(optimizer, dict) and optimizer.get("class_name") == "LossScaleOptimizer":
            config["optimizer"] = optimizer["config"]["inner_optimizer"]  # float32 needs no loss scaling
        copy.compile_from_config(config)
        _copy_optimizer_state(getattr(model.optimizer, "inner_optimizer", model.optimizer), copy)
    return copy


def _copy_optimizer_state(trained, copy):
    """Give ``copy``'s optimizer the variables (step count, moments) of the ``trained`` one,
    so that the copy continues training where the fit stopped."""
    if not trained.built:
        return
    copy.optimizer.build(copy.trainable_variables)
    pairs = list(zip(copy.optimizer.variables, trained.variables))
    if len(copy.optimizer.variables) != len(trained.variables) or any(
            tuple(new.shape) != tuple(old.shape) for new, old in pairs):
        return  # another optimizer layout: the copy starts with a fresh optimizer
    for new, old in pairs:
        new.assign(old)


def _all_layers(model):
    """The layers of ``model`` and of the models nested in it."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
