"""Prediction in whole batches, or eagerly for a few batches."""

from __future__ import annotations

import numpy as np

__all__ = ["full_batches", "predict", "EAGER_BATCHES"]


def full_batches(data, n_samples, batch_size):
    """``data`` (an image array, or a tf.data.Dataset of image batches) padded with zero
    images to whole batches of ``batch_size``, for ``model.predict``; keep the first
    ``n_samples`` outputs.

    Every batch then has one shape, so Keras traces a model's prediction step once, not
    once more for a last, smaller batch: across the models of a cross-validation (each
    traced anew) that second trace per model is what makes TensorFlow warn of frequent
    retracing.
    """
    import tensorflow as tf

    pad = (-int(n_samples)) % int(batch_size)
    if not pad:
        return data
    if isinstance(data, np.ndarray):
        return np.concatenate([data, np.zeros((pad,) + data.shape[1:], data.dtype)])
    single = data.unbatch()
    zeros = tf.nest.map_structure(lambda spec: tf.zeros(spec.shape, spec.dtype), single.element_spec)
    return single.concatenate(tf.data.Dataset.from_tensors(zeros).repeat(pad)).batch(
        int(batch_size), drop_remainder=True).prefetch(tf.data.AUTOTUNE)


#: Up to this many batches, ``predict`` calls the model eagerly, batch by batch: tracing a graph
#: for a few batches costs more than it saves, and each newly fitted model (one per fold of a
#: cross-validation) would be traced anew, which TensorFlow reports as frequent retracing.
EAGER_BATCHES = 8


def _batches(data, batch_size):
    """The image batches of an array or of a tf.data.Dataset of ``(images, ...)`` or images."""
    if isinstance(data, np.ndarray):
        for start in range(0, len(data), batch_size):
            yield data[start:start + batch_size]
        return
    for element in data:
        yield element[0] if isinstance(element, (tuple, list)) else element


def predict(model, data, n_samples, batch_size, verbose=0):
    """``model``'s outputs for the ``n_samples`` images of ``data`` (array or dataset of batches):
    eager calls for up to EAGER_BATCHES batches, else ``model.predict`` on whole batches.
    ``verbose`` (Keras' convention: 1 a progress bar, 2 one line at the end) shows the
    progress of predictions over more than one batch."""
    n_batches = -(-int(n_samples) // int(batch_size))
    verbose = int(verbose) if n_batches > 1 else 0
    if n_batches <= EAGER_BATCHES:
        import keras

        progress = keras.utils.Progbar(n_batches, verbose=verbose, unit_name="batch") if verbose else None
        outputs = []
        for step, batch in enumerate(_batches(data, int(batch_size)), start=1):
            outputs.append(np.asarray(model(batch, training=False)))
            if progress is not None:
                progress.update(step)
        return np.concatenate(outputs)[:n_samples]
    return model.predict(full_batches(data, n_samples, batch_size), batch_size=batch_size,
                         verbose=verbose)[:n_samples]
