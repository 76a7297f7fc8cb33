"""Augmentation layers that Keras does not ship."""

import keras
from keras import ops


class RandomRotate90(keras.layers.Layer):
    """Rotate each image of a batch by a random multiple of 90 degrees.

    Square images get k in {0, 1, 2, 3} quarter turns; non-square images get
    k in {0, 2} so that the batch keeps its shape. Identity when ``training`` is
    False.

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's random generator.

    Examples
    --------
    >>> import numpy as np
    >>> layer = RandomRotate90(seed=0)
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> np.array_equal(np.asarray(layer(x, training=False)), x)
    True
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        shape = ops.shape(images)
        square = images.shape[1] is not None and images.shape[1] == images.shape[2]
        # Quarter turn counter-clockwise: transpose then flip the row axis.
        turns = [images]
        for _ in range(3 if square else 0):
            turns.append(ops.flip(ops.transpose(turns[-1], (0, 2, 1, 3)), axis=1))
        if not square:
            turns = [images, ops.flip(ops.flip(images, axis=1), axis=2)]
        stacked = ops.stack(turns, axis=1)  # (batch, k, h, w, c)
        k = keras.random.randint((shape[0],), 0, len(turns), seed=self.seed_generator)
        one_hot = ops.one_hot(k, len(turns), dtype=images.dtype)
        return ops.einsum("bk...,bk->b...", stacked, one_hot)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
