"""medcnn-example: a minimal third-party medcnn plugin.

It registers, through the ``medcnn`` entry point group,

``example_tiny_net`` (architecture)
    Two convolution blocks for small patches, see :func:`build_tiny_net`.
``example_invert`` (augmenter)
    Random intensity inversion of whole images, see :func:`invert`.

Keras is imported inside the factories, so that loading the plugin (for instance
to list the installed plugins) stays fast.

Examples
--------
>>> import medcnn
>>> from medcnn_example import build_tiny_net
>>> clf = medcnn.CNNClassifier(architecture=build_tiny_net, augment=["flip"])
"""

import functools
import numbers

import medcnn

__all__ = ["build_tiny_net", "invert", "register_architectures", "register_augmenters"]
__version__ = "0.1.0"

#: Smallest image side the tiny network accepts (one 2x2 max pooling).
MIN_SIZE = 8


def build_tiny_net(input_shape, filters=8, **params):
    """Build a two-block CNN feature extractor for small patches.

    ``Input -> Conv2D(filters, 3x3, relu, same) -> MaxPool(2) ->
    Conv2D(2 * filters, 3x3, relu, same)``. The output is a rank-4 feature map;
    medcnn's estimator adds global pooling and the classification head.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least 8.
    filters : int, default=8
        Filters of the first convolution; the second has twice as many.
    **params
        Extra keyword arguments for both ``keras.layers.Conv2D`` layers
        (e.g. ``kernel_initializer="he_normal"`` or ``activation="elu"``).

    Returns
    -------
    keras.Model
        Maps ``(batch, height, width, channels)`` images to
        ``(batch, height // 2, width // 2, 2 * filters)`` feature maps.

    Raises
    ------
    ValueError
        If ``input_shape`` is not three positive sizes with height and width of
        at least 8, or ``filters`` is not a positive integer.

    Examples
    --------
    >>> model = build_tiny_net((32, 32, 3), filters=4)
    >>> model.output_shape
    (None, 16, 16, 8)
    """
    import keras

    shape = tuple(input_shape)
    if (len(shape) != 3 or not all(isinstance(s, numbers.Integral) and s > 0 for s in shape)
            or min(shape[:2]) < MIN_SIZE):
        raise ValueError(
            f"example_tiny_net: input_shape must be (height, width, channels) with height "
            f"and width >= {MIN_SIZE}; got {input_shape!r}."
        )
    if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) or filters < 1:
        raise ValueError(f"example_tiny_net: filters must be a positive integer; got {filters!r}.")
    conv = {"activation": "relu", "padding": "same", **params}
    inputs = keras.Input(shape=tuple(int(s) for s in shape), name="image")
    x = keras.layers.Conv2D(int(filters), 3, name="conv1", **conv)(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(2 * int(filters), 3, name="conv2", **conv)(x)
    return keras.Model(inputs, x, name="example_tiny_net")


@functools.cache
def _random_invert_class():
    """Define the inversion layer on first use, so that keras loads lazily."""
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="medcnn_example")
    class RandomInvert(keras.layers.Layer):
        """Replace each image ``x`` (values in [0, 1]) by ``1 - x`` with probability
        ``probability`` when training; identity otherwise."""

        def __init__(self, probability=0.5, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.probability = float(probability)
            self.seed = seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, images, training=False):
            if not training or self.probability == 0.0:
                return images
            batch = ops.shape(images)[0]
            draw = keras.random.uniform((batch,) + (1,) * (len(images.shape) - 1),
                                        seed=self.seed_generator)
            return ops.where(draw < self.probability, 1.0 - images, images)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {**super().get_config(), "probability": self.probability, "seed": self.seed}

    RandomInvert.__module__ = __name__
    return RandomInvert


def invert(probability=0.5, seed=None):
    """Random intensity inversion of whole images.

    When called with ``training=True`` the layer replaces each image ``x`` of the
    batch by ``1 - x`` with probability ``probability``, independently per image;
    it assumes values in [0, 1] (medcnn scales uint8 images to [0, 1] before
    augmenting). With ``training=False`` it returns the images unchanged.

    Parameters
    ----------
    probability : float, default=0.5
        Chance that an image is inverted, in [0, 1].
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomInvert`` layer.

    Raises
    ------
    ValueError
        If ``probability`` is not a number in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> layer = invert(probability=1.0, seed=0)
    >>> x = np.full((1, 2, 2, 1), 0.25, dtype="float32")
    >>> float(np.asarray(layer(x, training=True)).max())
    0.75
    >>> float(np.asarray(layer(x, training=False)).max())
    0.25
    """
    if (isinstance(probability, bool) or not isinstance(probability, numbers.Real)
            or not 0.0 <= probability <= 1.0):
        raise ValueError(
            f"example_invert: probability must be a number in [0, 1]; got {probability!r}."
        )
    return _random_invert_class()(probability=probability, seed=seed)


@medcnn.hookimpl
def register_architectures(register):
    register("example_tiny_net", build_tiny_net,
             description="Two conv blocks for small patches", min_size=MIN_SIZE)


@medcnn.hookimpl
def register_augmenters(register):
    register("example_invert", invert,
             description="Random intensity inversion (1 - x) of whole images")
