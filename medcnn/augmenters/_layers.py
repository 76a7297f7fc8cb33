"""Augmentation layers that Keras does not ship (or ships without a channel check).

All are random when called with ``training=True`` (the default, as for Keras
preprocessing layers) and the identity with ``training=False``; all are
registered with ``keras.saving.register_keras_serializable(package="medcnn")``.
"""

import math

import numpy as np

import keras
from keras import ops

from ._checks import check_choice, check_number, check_pair, check_seed, rgb_error

__all__ = ["RandomFlips", "RandomRotate90", "RandomResizedCrop", "RGBColorJitter"]


def _where(condition, changed, images):
    """Per image of a batch: ``changed`` where ``condition`` holds, else ``images``."""
    return ops.where(ops.reshape(condition, (-1, 1, 1, 1)), changed, images)


@keras.saving.register_keras_serializable(package="medcnn")
class RandomFlips(keras.layers.Layer):
    """Flip each image of a batch up-down and left-right, each with probability 1/2 and
    independently; with ``transpose=True`` also transpose it (square images), so that
    every one of the eight symmetries of a square (the flips and quarter turns) is
    equally likely.

    Keras' ``RandomFlip("horizontal_and_vertical")`` draws one flag per image for both
    axes, which gives only the identity and the half turn; this layer gives all four
    flips, and with ``transpose=True`` does in one layer, with three selects per batch,
    what ``flip`` followed by ``rotate90`` does. Non-square images are not transposed
    (their batch keeps its shape). Identity when ``training`` is False.

    Parameters
    ----------
    transpose : bool, default=False
        Also transpose square images with probability 1/2.
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> layer = RandomFlips(transpose=True, seed=0)
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1).repeat(400, axis=0)
    >>> len({np.asarray(image).tobytes() for image in layer(x)})  # the 8 symmetries
    8
    """

    def __init__(self, transpose=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.transpose = bool(transpose)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training:
            return images
        bits = keras.random.randint((ops.shape(images)[0], 3), 0, 2, seed=self.seed_generator) == 1
        if self.transpose and images.shape[1] is not None and images.shape[1] == images.shape[2]:
            images = _where(bits[:, 2], ops.transpose(images, (0, 2, 1, 3)), images)
        images = _where(bits[:, 0], ops.flip(images, axis=1), images)
        return _where(bits[:, 1], ops.flip(images, axis=2), images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "transpose": self.transpose, "seed": self.seed}


@keras.saving.register_keras_serializable(package="medcnn")
class RandomRotate90(keras.layers.Layer):
    """Rotate each image of a batch by a random multiple of 90 degrees.

    Square images get k in {0, 1, 2, 3} quarter turns; non-square images get
    k in {0, 2} so that the batch keeps its shape. Identity when ``training`` is
    False.

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

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

    def call(self, images, training=True):
        if not training:
            return images
        square = images.shape[1] is not None and images.shape[1] == images.shape[2]
        k = keras.random.randint((ops.shape(images)[0],), 0, 4 if square else 2, seed=self.seed_generator)
        if not square:
            k = 2 * k  # half turns only, so that the batch keeps its shape
        # k counter-clockwise quarter turns: transpose when k is odd, then flip the rows
        # (k = 1, 2) and the columns (k = 2, 3); selecting per image costs three selects,
        # not four rotated copies of the batch
        if square:
            images = _where(k % 2 == 1, ops.transpose(images, (0, 2, 1, 3)), images)
        images = _where((k == 1) | (k == 2), ops.flip(images, axis=1), images)
        return _where(k >= 2, ops.flip(images, axis=2), images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="medcnn")
class RandomResizedCrop(keras.layers.Layer):
    """Crop a random box of each image and resize it back to the image size.

    For each image an area fraction ``s ~ U(scale)`` and an aspect ratio
    ``r = exp(U(log ratio))`` (width / height) are drawn; the box has sides
    ``sqrt(s r)`` and ``sqrt(s / r)`` of the image width and height (each capped at
    1, so extreme ratios give a slightly larger area than drawn) and a uniformly
    random position inside the image. The box is resampled to the full image size
    with ``keras.ops.image.affine_transform``. Identity when ``training`` is False.

    Parameters
    ----------
    scale : tuple of float, default=(0.5, 1.0)
        Range of the box area as a fraction of the image area, in (0, 1].
    ratio : tuple of float, default=(3/4, 4/3)
        Range of the box aspect ratio (width / height), positive.
    interpolation : {"bilinear", "nearest"}, default="bilinear"
        Resampling of the box.
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((2, 8, 8, 1), dtype="float32")
    >>> layer = RandomResizedCrop(scale=(1, 1), ratio=(1, 1), seed=0)
    >>> np.allclose(np.asarray(layer(x, training=True)), x, atol=1e-5)
    True
    """

    def __init__(self, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), interpolation="bilinear",
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_pair("resized_crop", "scale", scale, 0, 1, low_open=True)
        self.ratio = check_pair("resized_crop", "ratio", ratio, 0, math.inf, low_open=True,
                                high_open=True)
        self.interpolation = check_choice("resized_crop", "interpolation", interpolation,
                                          ("bilinear", "nearest"))
        self.seed = check_seed("resized_crop", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training:
            return images
        shape = ops.shape(images)
        batch = shape[0]
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        area = keras.random.uniform((batch,), self.scale[0], self.scale[1], seed=self.seed_generator)
        log_ratio = keras.random.uniform((batch,), math.log(self.ratio[0]), math.log(self.ratio[1]),
                                         seed=self.seed_generator)
        aspect = ops.exp(log_ratio)
        crop_w = ops.minimum(ops.sqrt(area * aspect), 1.0)  # fraction of the width
        crop_h = ops.minimum(ops.sqrt(area / aspect), 1.0)
        position = keras.random.uniform((batch, 2), 0.0, 1.0, seed=self.seed_generator)
        # Output pixel (x, y) samples input (crop_w x + x0, crop_h y + y0): pixel
        # centres 0 and W-1 map to the box edges x0 and x0 + crop_w (W-1).
        x0 = position[:, 0] * (1.0 - crop_w) * (width - 1.0)
        y0 = position[:, 1] * (1.0 - crop_h) * (height - 1.0)
        zeros = ops.zeros_like(crop_w)
        transform = ops.stack([crop_w, zeros, x0, zeros, crop_h, y0, zeros, zeros], axis=1)
        out = ops.image.affine_transform(images, transform, interpolation=self.interpolation,
                                         fill_mode="nearest", data_format="channels_last")
        return ops.cast(out, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "ratio": self.ratio,
                "interpolation": self.interpolation, "seed": self.seed}


def _channels(input_shape, data_format="channels_last"):
    if isinstance(input_shape, dict):
        input_shape = input_shape.get("images", ())
    shape = tuple(input_shape or ())
    if len(shape) < 3:
        return None
    return shape[-3] if data_format == "channels_first" else shape[-1]


class RGBChannelCheck:
    """Mixin for Keras colour layers: a batch whose channel axis is not 3 raises the
    ``ValueError`` of :func:`rgb_error` naming ``augmenter_name``, in ``build`` and
    ``call``, instead of a TensorFlow error from the RGB -> HSV conversion."""

    #: Channel count the layer needs.
    required_channels = 3
    #: Registered name of the augmenter, for the message.
    augmenter_name = ""

    def _check_channels(self, shape):
        channels = _channels(shape, self.data_format)
        if channels is not None and channels != self.required_channels:
            raise rgb_error(self.augmenter_name, channels)

    def build(self, input_shape):
        self._check_channels(input_shape)
        super().build(input_shape)

    def call(self, data, training=True):
        self._check_channels((data["images"] if isinstance(data, dict) else data).shape)
        return super().call(data, training=training)


@keras.saving.register_keras_serializable(package="medcnn")
class RGBColorJitter(RGBChannelCheck, keras.layers.RandomColorJitter):
    """``keras.layers.RandomColorJitter`` that refuses non-RGB images clearly.

    A batch whose last axis is not 3 raises ``ValueError`` ("color_jitter needs RGB
    images ...") instead of a TensorFlow error from the RGB -> HSV conversion.

    Parameters
    ----------
    value_range : tuple of float, default=(0, 255)
        Range of the pixel values.
    brightness_factor, contrast_factor, saturation_factor, hue_factor : float or tuple, optional
        Strengths, as in ``keras.layers.RandomColorJitter`` (None: that part is off).
        The ``color_jitter`` factory translates plainer strengths to these.
    seed : int, optional
        Seed of the layer's random generator.
    data_format : str, optional
        ``"channels_last"`` (the default) or ``"channels_first"``.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> layer = RGBColorJitter(value_range=(0, 1), hue_factor=0.1, seed=0)
    >>> layer(np.zeros((1, 4, 4, 1), "float32"))
    Traceback (most recent call last):
    ...
    ValueError: color_jitter needs RGB images (3 channels); got 1 channel. ...
    """

    augmenter_name = "color_jitter"

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        # an explicit signature: the documented parameters, whatever Keras' own __init__ looks like
        super().__init__(value_range=value_range, brightness_factor=brightness_factor,
                         contrast_factor=contrast_factor, saturation_factor=saturation_factor,
                         hue_factor=hue_factor, seed=seed, data_format=data_format, **kwargs)


def _gaussian_kernel(sigma):
    radius = max(1, int(math.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return (taps / taps.sum()).astype("float32")


@keras.saving.register_keras_serializable(package="medcnn")
class RandomElasticDeformation(keras.layers.Layer):
    """Elastic deformation (Simard et al., 2003): a smooth random displacement field.

    For each image, two fields of uniform noise in [-1, 1] are smoothed with a
    Gaussian of standard deviation ``sigma`` x the smaller image side, rescaled so
    that the largest displacement is ``alpha`` x the smaller side, and the image is
    resampled bilinearly at the displaced positions (border pixels repeat outside).
    Every image gets its own field, also inside a tf.data map with an unknown batch
    size. Identity when ``training`` is False.

    Parameters
    ----------
    alpha : float, default=0.04
        Largest displacement as a fraction of the smaller image side, in [0, 0.5].
    sigma : float, default=0.08
        Smoothness of the field as a fraction of the smaller image side, in (0, 1].
    probability : float, default=0.5
        Probability that an image is deformed, in [0, 1].
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((2, 16, 16, 3), dtype="float32")
    >>> layer = RandomElasticDeformation(probability=1.0, seed=0)
    >>> y = np.asarray(layer(x, training=True))
    >>> y.shape, bool(np.allclose(y, x))
    ((2, 16, 16, 3), False)
    """

    def __init__(self, alpha=0.04, sigma=0.08, probability=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("elastic", "alpha", alpha, 0, 0.5)
        self.sigma = check_number("elastic", "sigma", sigma, 0, 1, low_open=True)
        self.probability = check_number("elastic", "probability", probability, 0, 1)
        self.seed = check_seed("elastic", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _field(self, batch, height, width):
        """Displacements ``(batch, h, w, 2)`` in pixels (dy, dx), largest = alpha x side."""
        side = min(height, width)
        kernel = _gaussian_kernel(self.sigma * side)
        noise = keras.random.uniform((batch, height, width, 2), -1.0, 1.0, seed=self.seed_generator)
        column = np.tile(kernel[:, None, None, None], (1, 1, 2, 1))
        row = np.tile(kernel[None, :, None, None], (1, 1, 2, 1))
        smooth = ops.depthwise_conv(ops.depthwise_conv(noise, column, padding="same"), row, padding="same")
        peak = ops.max(ops.abs(smooth), axis=(1, 2, 3), keepdims=True)
        return smooth / ops.maximum(peak, 1e-12) * (self.alpha * side)

    def call(self, images, training=True):
        if not training or self.alpha == 0 or self.probability == 0:
            return images
        height, width = int(images.shape[1]), int(images.shape[2])
        batch = ops.shape(images)[0]
        field = self._field(batch, height, width)
        apply = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator) < self.probability
        field = ops.where(apply, field, ops.zeros_like(field))
        rows, cols = np.meshgrid(np.arange(height, dtype="float32"), np.arange(width, dtype="float32"),
                                 indexing="ij")
        y = ops.clip(rows[None] + field[..., 0], 0.0, height - 1.0)
        x = ops.clip(cols[None] + field[..., 1], 0.0, width - 1.0)
        y0, x0 = ops.floor(y), ops.floor(x)
        wy, wx = (y - y0)[..., None], (x - x0)[..., None]
        y0, x0 = ops.cast(y0, "int32"), ops.cast(x0, "int32")
        y1, x1 = ops.minimum(y0 + 1, height - 1), ops.minimum(x0 + 1, width - 1)
        flat = ops.reshape(images, (batch, height * width, -1))

        def at(yy, xx):  # pixels of each image at integer positions (batch, h, w)
            index = ops.reshape(yy * width + xx, (batch, height * width, 1))
            return ops.reshape(ops.take_along_axis(flat, index, axis=1), ops.shape(images))

        top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
        return ops.cast(top * (1 - wy) + bottom * wy, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "sigma": self.sigma,
                "probability": self.probability, "seed": self.seed}
