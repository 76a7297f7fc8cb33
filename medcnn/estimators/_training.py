"""Training helpers: seeding, augmenter resolution, the tf.data input pipeline."""

from __future__ import annotations

import contextlib
import random

import numpy as np

__all__ = ["seeded", "build_augmenters", "training_dataset", "resolve_architecture"]


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy and TensorFlow for a fit, restoring Python's and NumPy's
    global generators afterwards so the user's own random streams are untouched."""
    if seed is None:
        yield
        return
    import keras

    py_state, np_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(int(seed))
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def resolve_architecture(architecture):
    """Return ``(factory, min_size, name)`` for a registered name or a callable."""
    from medcnn.registry import architectures

    if callable(architecture):
        return architecture, None, getattr(architecture, "__name__", "custom")
    if not isinstance(architecture, str):
        raise TypeError(
            f"architecture={architecture!r} is not valid: give a registered name "
            f"({', '.join(architectures.names())}) or a callable (input_shape, **params) -> keras.Model."
        )
    component = architectures.get(architecture)
    return component.factory, component.metadata.get("min_size"), architecture


def build_augmenters(augment, seed):
    """Turn ``augment`` into a list of layers.

    Items: a registered name, a ``(name, params)`` pair, or a layer/callable
    taking ``(images, training=True)``.
    """
    from medcnn.registry import augmenters

    if augment is None:
        return []
    if isinstance(augment, (str, tuple)) or callable(augment):
        augment = [augment]
    layers = []
    for i, item in enumerate(augment):
        if isinstance(item, str):
            name, params = item, {}
        elif (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
              and isinstance(item[1], dict)):  # lists too: pairs come back as lists from JSON
            name, params = item
        elif callable(item):
            layers.append(item)
            continue
        else:
            raise ValueError(
                f"augment item {item!r} is not valid: give a registered augmenter name "
                f"({', '.join(augmenters.names())}), a (name, params dict) pair, or a layer."
            )
        factory = augmenters.get(name).factory
        params = dict(params)
        if seed is not None:
            params.setdefault("seed", int(seed) + i)
        try:
            layers.append(factory(**params))
        except TypeError as exc:
            raise ValueError(f"Augmenter {name!r} rejected its parameters {params}: {exc}") from exc
    return layers


def training_dataset(X, y, sample_weight, *, batch_size, shuffle_seed, augmenters=(),
                     shuffle=True):
    """tf.data pipeline: shuffle -> batch -> augment (parallel) -> prefetch."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((X, y.astype(np.int32), sample_weight.astype(np.float32)))
    if shuffle:
        ds = ds.shuffle(len(y), seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if augmenters:
        def augment(images, labels, weights):
            for layer in augmenters:
                images = layer(images, training=True)
            return images, labels, weights

        # The augmenters' random generators are stateful: calling them from parallel
        # map workers would make the draws depend on thread timing, so a seeded fit
        # maps sequentially (still overlapped with training by prefetch).
        parallel = None if shuffle_seed is not None else tf.data.AUTOTUNE
        ds = ds.map(augment, num_parallel_calls=parallel)
    return ds.prefetch(tf.data.AUTOTUNE)
