"""Built-in augmenters, registered through the ``register_augmenters`` hook.

Each factory returns a Keras layer that is random when called with
``training=True`` and the identity otherwise. Augmenters run in the tf.data
input pipeline on training batches only; they are never part of a saved model.

Names available in ``CNNClassifier(augment=[...])``:

``flip``
    Random horizontal and vertical flips (``keras.layers.RandomFlip``).
``rotate``
    Random rotation by up to ``factor`` of a full turn (``keras.layers.RandomRotation``).
``rotate90``
    Random rotation by a multiple of 90 degrees (square images; non-square images
    are rotated by 0 or 180 degrees so their shape is kept).
"""

from medcnn.hookspecs import hookimpl

__all__ = ["flip", "rotate", "rotate90"]


def flip(mode="horizontal_and_vertical", seed=None):
    """Random flips.

    Parameters
    ----------
    mode : {"horizontal_and_vertical", "horizontal", "vertical"}
        Axes to flip along.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomFlip
        The augmentation layer; flips only when called with ``training=True``.

    Examples
    --------
    >>> layer = flip(seed=0)
    >>> type(layer).__name__
    'RandomFlip'
    """
    import keras

    return keras.layers.RandomFlip(mode=mode, seed=seed)


def rotate(factor=0.1, fill_mode="reflect", seed=None):
    """Random rotation by up to ``factor`` x 360 degrees either way.

    Parameters
    ----------
    factor : float
        Largest rotation as a fraction of a full turn (0.1 = 36 degrees).
    fill_mode : {"reflect", "wrap", "constant", "nearest"}
        How pixels outside the rotated image are filled.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomRotation
        The augmentation layer; rotates only when called with ``training=True``.

    Examples
    --------
    >>> type(rotate(0.05)).__name__
    'RandomRotation'
    """
    import keras

    return keras.layers.RandomRotation(factor=factor, fill_mode=fill_mode, seed=seed)


def rotate90(seed=None):
    """Random rotation by 0, 90, 180 or 270 degrees, as for histology patches.

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomRotate90`` layer; rotates only when called with ``training=True``.

    Examples
    --------
    >>> type(rotate90()).__name__
    'RandomRotate90'
    """
    from ._layers import RandomRotate90

    return RandomRotate90(seed=seed)


@hookimpl
def register_augmenters(register):
    register("flip", flip, description="Random horizontal and vertical flips")
    register("rotate", rotate, description="Random rotation by up to factor x 360 degrees")
    register("rotate90", rotate90, description="Random rotation by multiples of 90 degrees")
