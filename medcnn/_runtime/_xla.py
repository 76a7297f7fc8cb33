"""XLA-compiled training and prediction steps (``jit_compile=``), and the fallback when a
network holds an operation XLA cannot compile.

``"auto"`` leaves the choice to Keras (``Model.compile(jit_compile="auto")``): XLA on a
GPU when the network supports it, never on CPUs and never under a ``tf.distribute``
strategy. On CPUs XLA is not used because its convolutions run several times slower
than TensorFlow's oneDNN kernels (measured per architecture by
``benchmarks/bench_precision.py``; see the performance docs).

XLA compiles the step at its first call. When that fails for want of an XLA kernel
(a ``tf.numpy_function`` in a custom layer, an op without an XLA implementation), no
weight has changed yet: the fit compiles the network again without XLA and trains,
after a warning that is given once per network name and process.
"""

from __future__ import annotations

import warnings

__all__ = ["JIT_COMPILE_AUTO", "is_xla_failure", "warn_xla_fallback"]

JIT_COMPILE_AUTO = "auto"
#: network names whose XLA fallback has been warned about in this process
_warned = set()


def is_xla_failure(model, exc) -> bool:
    """Whether ``exc``, raised by ``model.fit``, is XLA failing to compile the step."""
    if not getattr(model, "jit_compile", False):
        return False
    import tensorflow as tf

    message = str(exc)
    return isinstance(exc, tf.errors.OpError) and ("XLA" in message or "tf2xla" in message)


def warn_xla_fallback(name, exc):
    """Warn, once per network ``name`` and process, that XLA could not compile it."""
    if name in _warned:
        return
    _warned.add(name)
    reason = next((line.strip() for line in str(exc).splitlines() if "unsupported operations" in line),
                  type(exc).__name__)
    warnings.warn(
        f"XLA could not compile the training step of the network {name!r} ({reason[:300]}); it trains "
        "without XLA. Pass jit_compile=False to skip the attempt.",
        UserWarning, stacklevel=4)
