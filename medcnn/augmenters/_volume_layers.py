"""Keras layers that augment batches of volumes ``(n, d, h, w, c)``."""

import keras
from keras import ops

__all__ = ["RandomVolumeFlip", "RandomVolumeRotate90", "RandomVolumeIntensity"]

#: Axes of a batch of volumes that ``RandomVolumeFlip`` may flip, by mode.
FLIP_AXES = {"all": (1, 2, 3), "in_plane": (2, 3), "depth": (1,)}


def _per_volume(condition):
    return ops.reshape(condition, (-1, 1, 1, 1, 1))


class RandomVolumeFlip(keras.layers.Layer):
    """Flip each volume of a batch along each of its axes with probability 1/2.

    Parameters
    ----------
    mode : {"all", "in_plane", "depth"}, default="all"
        Which axes may flip: depth, height and width; height and width; or depth.
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(8, dtype="float32").reshape(1, 2, 2, 2, 1)
    >>> np.array_equal(np.asarray(RandomVolumeFlip(seed=0)(x, training=False)), x)
    True
    """

    def __init__(self, mode="all", seed=None, **kwargs):
        super().__init__(**kwargs)
        if mode not in FLIP_AXES:
            raise ValueError(f"mode must be one of {sorted(FLIP_AXES)}; got {mode!r}.")
        self.mode, self.seed = mode, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, volumes, training=True):
        if not training:
            return volumes
        n = ops.shape(volumes)[0]
        for axis in FLIP_AXES[self.mode]:
            flip = keras.random.uniform((n,), seed=self.seed_generator) < 0.5
            volumes = ops.where(_per_volume(flip), ops.flip(volumes, axis=axis), volumes)
        return volumes

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


class RandomVolumeRotate90(keras.layers.Layer):
    """Rotate each volume in-plane (about its depth axis) by a random number of quarter turns.

    Square slices get k in {0, 1, 2, 3}; others k in {0, 2}, so that the batch keeps
    its shape.

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((3, 2, 4, 4, 1)).astype("float32")
    >>> y = np.asarray(RandomVolumeRotate90(seed=1)(x))
    >>> all(any(np.array_equal(y[i], np.rot90(x[i], k, axes=(1, 2))) for k in range(4)) for i in range(3))
    True
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, volumes, training=True):
        if not training:
            return volumes
        square = volumes.shape[2] is not None and volumes.shape[2] == volumes.shape[3]
        k = keras.random.randint((ops.shape(volumes)[0],), 0, 4 if square else 2, seed=self.seed_generator)
        if not square:
            k = 2 * k
        if square:
            volumes = ops.where(_per_volume(k % 2 == 1), ops.transpose(volumes, (0, 1, 3, 2, 4)), volumes)
        volumes = ops.where(_per_volume((k == 1) | (k == 2)), ops.flip(volumes, axis=2), volumes)
        return ops.where(_per_volume(k >= 2), ops.flip(volumes, axis=3), volumes)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomVolumeIntensity(keras.layers.Layer):
    """Random contrast and brightness per volume: ``(x - mean) c + mean + b``.

    ``c`` is drawn from ``[1 - contrast, 1 + contrast]`` and ``b`` from ``[-brightness,
    brightness]`` (a fraction of the volume's value range). Values are not clipped, so
    volumes normalised to z-scores keep their scale.

    Parameters
    ----------
    brightness : float, default=0.1
        Largest shift, as a fraction of the volume's range (max - min).
    contrast : float, default=0.2
        Largest relative contrast change.
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 16, dtype="float32").reshape(1, 1, 4, 4, 1)
    >>> y = np.asarray(RandomVolumeIntensity(seed=0)(x))
    >>> bool(np.corrcoef(x.ravel(), y.ravel())[0, 1] > 0.999)
    True
    """

    def __init__(self, brightness=0.1, contrast=0.2, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.brightness, self.contrast, self.seed = float(brightness), float(contrast), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, volumes, training=True):
        if not training:
            return volumes
        n = ops.shape(volumes)[0]
        axes = (1, 2, 3, 4)
        mean = ops.mean(volumes, axis=axes, keepdims=True)
        spread = ops.max(volumes, axis=axes, keepdims=True) - ops.min(volumes, axis=axes, keepdims=True)
        scale = keras.random.uniform((n,), 1 - self.contrast, 1 + self.contrast, seed=self.seed_generator)
        shift = keras.random.uniform((n,), -self.brightness, self.brightness, seed=self.seed_generator)
        return (volumes - mean) * _per_volume(scale) + mean + _per_volume(shift) * spread

    def get_config(self):
        return {**super().get_config(), "brightness": self.brightness, "contrast": self.contrast,
                "seed": self.seed}
