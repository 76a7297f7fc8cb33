"""Geometric augmenters: flips, rotations, shear, zoom, shift, crops, warps.

Factories import Keras when called, so registering them stays cheap.
"""

from ._checks import augmenter
from ._constraints import Choice, Factor, Number, Pair, Seed

__all__ = ["flip", "rotate", "rotate90", "shear", "zoom", "shift", "resized_crop", "perspective",
           "elastic"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
FLIP_MODES = ("horizontal_and_vertical", "horizontal", "vertical")
INF = float("inf")


@augmenter("flip", mode=Choice(FLIP_MODES), seed=Seed())
def flip(mode="horizontal_and_vertical", seed=None):
    """Random flips.

    Parameters
    ----------
    mode : {"horizontal_and_vertical", "horizontal", "vertical"}
        Axes to flip along; with ``"horizontal_and_vertical"`` each axis flips with
        probability 1/2, independently (Keras' ``RandomFlip`` in that mode flips both
        axes together, which is only a half turn).
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A medcnn ``RandomFlips`` layer for both axes, Keras' ``RandomFlip`` for one;
        flips only when called with ``training=True``. Followed by ``rotate90`` in an
        ``augment`` list, the two become one ``RandomFlips(transpose=True)`` layer, which
        draws the same eight symmetries of a square at half the cost.

    Examples
    --------
    >>> type(flip(seed=0)).__name__
    'RandomFlips'
    >>> type(flip("horizontal", seed=0)).__name__
    'RandomFlip'
    """
    import keras

    if mode == "horizontal_and_vertical":
        from ._layers import RandomFlips

        return RandomFlips(seed=seed)
    return keras.layers.RandomFlip(mode=mode, seed=seed)


@augmenter("rotate", factor=Factor(0.5, signed=True), fill_mode=Choice(FILL_MODES), seed=Seed())
def rotate(factor=0.1, fill_mode="reflect", seed=None):
    """Random rotation by up to ``factor`` x 360 degrees either way.

    Parameters
    ----------
    factor : float or tuple of float, default=0.1
        Largest rotation as a fraction of a full turn, in [0, 0.5] (0.1 = 36
        degrees), or a ``(lower, upper)`` pair in [-0.5, 0.5].
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


@augmenter("rotate90", seed=Seed())
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


@augmenter("shear", factor=Number(0, 1), fill_mode=Choice(FILL_MODES), seed=Seed())
def shear(factor=0.1, fill_mode="reflect", seed=None):
    """Random shear along both axes.

    Parameters
    ----------
    factor : float, default=0.1
        Largest shear as a fraction of the image size, in [0, 1] (0.1 moves pixels
        up to 10 % of the way across), drawn with a random sign per image.
    fill_mode : {"reflect", "wrap", "constant", "nearest"}
        How pixels outside the sheared image are filled.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomShear
        The augmentation layer; shears only when called with ``training=True``.

    Examples
    --------
    >>> shear(0.05, seed=0).x_factor
    (-0.05, 0.05)
    """
    import keras

    return keras.layers.RandomShear(x_factor=factor, y_factor=factor, fill_mode=fill_mode, seed=seed)


@augmenter("zoom", factor=Factor(0.9, signed=True), fill_mode=Choice(FILL_MODES), seed=Seed())
def zoom(factor=0.1, fill_mode="reflect", seed=None):
    """Random zoom in or out, keeping the aspect ratio.

    Parameters
    ----------
    factor : float or tuple of float, default=0.1
        Largest zoom as a fraction of the image size, in [0, 0.9] (0.1: from 10 %
        in to 10 % out), or a ``(lower, upper)`` pair in [-0.9, 0.9] (negative values
        zoom in).
    fill_mode : {"reflect", "wrap", "constant", "nearest"}
        How pixels outside the image are filled when zooming out.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomZoom
        The augmentation layer; zooms only when called with ``training=True``.

    Examples
    --------
    >>> type(zoom(0.2)).__name__
    'RandomZoom'
    """
    import keras

    return keras.layers.RandomZoom(height_factor=factor, fill_mode=fill_mode, seed=seed)


@augmenter("shift", factor=Number(0, 0.5), fill_mode=Choice(FILL_MODES), seed=Seed())
def shift(factor=0.1, fill_mode="reflect", seed=None):
    """Random translation along both axes.

    Parameters
    ----------
    factor : float, default=0.1
        Largest shift as a fraction of the image height and width, in [0, 0.5].
    fill_mode : {"reflect", "wrap", "constant", "nearest"}
        How pixels shifted in from outside are filled.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomTranslation
        The augmentation layer; shifts only when called with ``training=True``.

    Examples
    --------
    >>> type(shift(0.05)).__name__
    'RandomTranslation'
    """
    import keras

    return keras.layers.RandomTranslation(factor, factor, fill_mode=fill_mode, seed=seed)


@augmenter("resized_crop", scale=Pair(0, 1, low_open=True),
           ratio=Pair(0, INF, low_open=True, high_open=True), seed=Seed())
def resized_crop(scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), seed=None):
    """Random crop of a box resized back to the image size (Inception-style).

    Parameters
    ----------
    scale : tuple of float, default=(0.5, 1.0)
        Range of the box area as a fraction of the image area, in (0, 1].
    ratio : tuple of float, default=(3/4, 4/3)
        Range of the box aspect ratio (width / height), positive.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomResizedCrop`` layer; crops only when called with ``training=True``.

    Examples
    --------
    >>> resized_crop(scale=(0.8, 1.0), seed=0).scale
    (0.8, 1.0)
    """
    from ._layers import RandomResizedCrop

    return RandomResizedCrop(scale=scale, ratio=ratio, seed=seed)


@augmenter("perspective", scale=Number(0, 1), probability=Number(0, 1),
           fill_value=Number(-INF, INF), seed=Seed())
def perspective(scale=0.1, probability=0.5, fill_value=0.0, seed=None):
    """Random perspective warp: image corners move by up to ``scale / 2`` of the size.

    Parameters
    ----------
    scale : float, default=0.1
        Strength of the warp, in [0, 1].
    probability : float, default=0.5
        Probability that an image is warped, in [0, 1].
    fill_value : float, default=0.0
        Value of the pixels that come from outside the image.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomPerspective
        The augmentation layer; warps only when called with ``training=True``.

    Examples
    --------
    >>> perspective(probability=0.3).factor
    (0.3, 0.3)
    """
    import keras

    return keras.layers.RandomPerspective(factor=(probability, probability), scale=scale,
                                          fill_value=fill_value, seed=seed)


@augmenter("elastic", alpha=Number(0, 0.5), sigma=Number(0, 1, low_open=True),
           probability=Number(0, 1), seed=Seed())
def elastic(alpha=0.04, sigma=0.08, probability=0.5, seed=None):
    """Random elastic deformation (smoothed random displacement field).

    Each image gets its own displacement field: uniform noise smoothed with a
    Gaussian of ``sigma`` x the smaller image side, scaled so that the largest
    displacement is ``alpha`` x that side (``RandomElasticDeformation``). The
    defaults move pixels by up to 2 pixels on a 50x50 patch, smoothly over about
    4 pixels. (``keras.layers.RandomElasticTransform`` is not used: inside a tf.data
    map with an unknown batch size it deforms only the first image of a batch and
    copies it over the others, and it draws the same noise for both axes.)

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

    Returns
    -------
    RandomElasticDeformation
        The augmentation layer; deforms only when called with ``training=True``.

    Examples
    --------
    >>> type(elastic(alpha=0.05)).__name__
    'RandomElasticDeformation'
    """
    from ._layers import RandomElasticDeformation

    return RandomElasticDeformation(alpha=alpha, sigma=sigma, probability=probability, seed=seed)
