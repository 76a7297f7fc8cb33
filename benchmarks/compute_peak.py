"""How much arithmetic a network needs, and how fast this machine multiplies matrices.

Shared by the training benchmarks: the achieved compute of a fit is the network's
training FLOPs per image times images/s, compared with a float32 (and, where the CPU
has it, bfloat16) matrix-multiply peak measured in the same run.
"""

from __future__ import annotations

import math
import time

__all__ = ["forward_flops", "training_flops", "matmul_peak_gflops", "arithmetic_only", "with_policy",
           "step_images_per_s"]


def _layers(model):
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model) -> int:
    """Floating-point operations of one image's forward pass: 2 per multiply-add of the
    convolutions and dense layers (the rest, normalisation and activations, is a few %).

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 3))
    >>> x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    >>> forward_flops(keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x))))  # 2*108*64 + 2*512
    14848
    """
    import keras

    total = 0
    for layer in _layers(model):
        if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)):
            kernel = math.prod(layer.kernel.shape)  # k...k * c_in * c_out
            total += 2 * kernel * math.prod(layer.output.shape[1:-1])
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            total += 2 * math.prod(layer.kernel.shape) * math.prod(layer.output.shape[1:-1])
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * math.prod(layer.kernel.shape)
    return int(total)


def training_flops(model) -> int:
    """FLOPs of one image's training step: the forward pass and a backward pass of about
    twice its cost (gradients with respect to the inputs and to the weights)."""
    return 3 * forward_flops(model)


def matmul_peak_gflops(dtype="float32", size=2048, repeats=5) -> float:
    """The best of ``repeats`` timed ``size`` x ``size`` matrix products, in GFLOP/s."""
    import tensorflow as tf

    a = tf.random.uniform((size, size), dtype=tf.float32)
    a, b = tf.cast(a, dtype), tf.cast(tf.transpose(a), dtype)
    product = tf.function(lambda: tf.reduce_sum(tf.cast(tf.linalg.matmul(a, b)[0, :1], tf.float32)))
    product()  # trace and warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        product().numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9


#: layers without multiply-adds, replaced by the identity in :func:`arithmetic_only`
ELEMENTWISE = ("BatchNormalization", "LayerNormalization", "GroupNormalization", "Activation", "ReLU",
               "LeakyReLU", "Dropout", "SpatialDropout2D", "GaussianNoise", "Normalization", "Rescaling")


def arithmetic_only(model, dtype=None):
    """A copy of ``model`` that keeps only what has multiply-adds or sets the shapes: its
    convolutions and dense layers (with linear activations), pooling and flattening; the
    normalisation, activation and dropout layers become the identity. Built with the Keras
    dtype policy ``dtype`` (default: each layer's own)."""
    import keras

    def strip(layer):
        if type(layer).__name__ in ELEMENTWISE:
            # a Lambda, unlike keras.layers.Identity, takes the mask and training arguments
            return keras.layers.Lambda(lambda x: x, name=layer.name, dtype=dtype or layer.dtype_policy)
        config = layer.get_config()
        if "activation" in config:
            config["activation"] = "linear"
        if dtype is not None:
            config["dtype"] = dtype
        return layer.__class__.from_config(config)

    return keras.models.clone_model(model, clone_function=strip, recursive=True)


def with_policy(model, dtype):
    """A copy of ``model`` whose layers compute under the Keras dtype policy ``dtype``."""
    import keras

    def cast(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": dtype})

    return keras.models.clone_model(model, clone_function=cast, recursive=True)


def step_images_per_s(model, batch_size=32, steps=24, repeats=3):
    """Images/s of ``train_on_batch`` on one random batch (no input pipeline at all):
    the best of ``repeats`` runs of ``steps`` steps, after two warm-up steps."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((batch_size, *model.input_shape[1:]), dtype=np.float32)
    y = np.eye(model.output_shape[-1], dtype=np.float32)[rng.integers(0, model.output_shape[-1], batch_size)]
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    for _ in range(2):
        model.train_on_batch(x, y)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(x, y)
        best = min(best, time.perf_counter() - start)
    return steps * batch_size / best
