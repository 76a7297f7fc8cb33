"""Data-parallel training of CNNClassifier with ``tf.distribute`` (``distribute=``).

``"mirrored"``: ``tf.distribute.MirroredStrategy`` over every logical GPU of the
machine, or over every logical CPU device when there is no GPU (one replica unless
the CPU was split into several logical devices). ``"multiworker"``:
``tf.distribute.MultiWorkerMirroredStrategy``, whose cluster is read from the
``TF_CONFIG`` environment variable (without it, a cluster of this one process); its
``reduce`` is adapted to the calls Keras 3 makes (:func:`_reduce_each`).

The model is built and compiled inside the strategy's scope; Keras then splits each
global batch across the replicas and averages their gradients. After training, the
fitted network predicts outside the strategy, on one device of this process
(:func:`single_device`).
"""

from __future__ import annotations

import contextlib
import json
import os

from .._compat import detach_distribute_strategy

__all__ = ["DISTRIBUTE_MODES", "make_strategy", "strategy_scope", "replicas", "check_batch_shares",
           "single_device"]

DISTRIBUTE_MODES = (None, "mirrored", "multiworker")

# One MultiWorkerMirroredStrategy per process and cluster: creating it sets up the
# collective operations of the process, which TensorFlow allows only once.
_multiworker = {}


def _mirrored_devices():
    """Names of the devices ``"mirrored"`` replicates over: every logical GPU, else every logical CPU."""
    import tensorflow as tf

    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


def make_strategy(mode):
    """The ``tf.distribute`` strategy for ``distribute=mode``; None for None.

    Parameters
    ----------
    mode : {None, "mirrored", "multiworker"}

    Returns
    -------
    tf.distribute.Strategy or None
    """
    if mode is None:
        return None
    if mode not in DISTRIBUTE_MODES:
        raise ValueError(f"distribute={mode!r} is not valid; use one of {DISTRIBUTE_MODES}.")
    from ._threads import ensure_tensorflow_threads

    ensure_tensorflow_threads()  # listing devices starts TensorFlow: set its threads first
    import tensorflow as tf

    if mode == "mirrored":
        return tf.distribute.MirroredStrategy(devices=_mirrored_devices())
    raw = os.environ.get("TF_CONFIG") or "{}"
    try:
        key = json.dumps(json.loads(raw), sort_keys=True)
    except ValueError:
        raise ValueError(
            f"distribute='multiworker' reads the cluster from the TF_CONFIG environment variable, "
            f"which is not valid JSON: {raw!r}. Set it to the JSON cluster description (see "
            "tf.distribute.MultiWorkerMirroredStrategy), or unset it to train in this process alone."
        ) from None
    if key not in _multiworker:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        strategy.reduce = _reduce_each(strategy)
        _multiworker[key] = strategy
    return _multiworker[key]


def _reduce_each(strategy):
    """``strategy.reduce`` as Keras 3 calls it, made to work across several workers.

    Keras' ``fit`` reduces its first batch, a tuple ``(images, targets, weights)``, in
    one call, and the per-step logs (scalars) along ``axis=0``; across workers
    ``MultiWorkerMirroredStrategy.reduce`` fails on both. Here a structure is reduced
    value by value, and a scalar across the replicas (``axis=None``).
    """
    import tensorflow as tf

    reduce = strategy.reduce

    def reduce_one(reduce_op, value, axis):
        local = strategy.experimental_local_results(value)
        if axis is not None and local and getattr(local[0], "shape", None) is not None \
                and local[0].shape.rank == 0:
            axis = None
        return reduce(reduce_op, value, axis=axis)

    def reduce_each(reduce_op, value, axis=None):
        return tf.nest.map_structure(lambda item: reduce_one(reduce_op, item, axis), value)

    return reduce_each


def strategy_scope(strategy):
    """``strategy.scope()``, or a context that does nothing for None."""
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def replicas(strategy):
    """Number of replicas a batch is split across (1 without a strategy)."""
    return 1 if strategy is None else int(strategy.num_replicas_in_sync)


def check_batch_shares(strategy, batch_size, **n_images):
    """Raise ValueError when a last batch would leave a CPU replica without images.

    Each batch is split evenly across the replicas, so a last batch with fewer images
    than replicas gives some replica an empty share, and TensorFlow's oneDNN CPU
    kernels fail on empty batches (a convolution returns its input). ``n_images``
    maps a name ("training", "validation") to the number of images per epoch, None
    where unknown.
    """
    n_replicas = replicas(strategy)
    if n_replicas < 2 or "CPU" not in str(strategy.extended.worker_devices[0]).upper():
        return
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in ("0", "false"):
        return
    for name, count in n_images.items():
        rest = 0 if count is None else count % batch_size
        if 0 < rest < n_replicas:
            raise ValueError(
                f"With {n_replicas} CPU replicas, each batch of {batch_size} images is split "
                f"{n_replicas} ways, and the last {name} batch holds {rest} image(s) ({count} "
                f"images), leaving a replica with none, on which TensorFlow's oneDNN CPU kernels "
                f"fail. Choose a batch_size that leaves no remainder or one of at least "
                f"{n_replicas} images, or set TF_ENABLE_ONEDNN_OPTS=0 before TensorFlow starts."
            )


def single_device(model):
    """Detach a model trained under a strategy from it, so that it predicts on one device.

    A Keras model keeps the strategy it was built under and splits every later
    ``predict`` across the replicas too. That is of little use for inference and has
    two costs: under ``"multiworker"`` every worker would have to predict together,
    and TensorFlow's oneDNN CPU kernels fail on the empty share a replica gets when a
    batch holds fewer images than there are replicas (e.g. predicting one image).
    Detached, the model predicts like the one :func:`medcnn.load_model` returns.
    """
    detach_distribute_strategy(model)
    return model
