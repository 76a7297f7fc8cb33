"""Appearance augmenters from Keras 3: hue, sharpness, and the RandAugment and AugMix
policies.

The Keras layers assume pixels in (0, 255) unless told otherwise; these factories
configure them with ``value_range=(0, 1)``, the range medcnn feeds. Factories import
Keras when called, so registering them stays cheap.
"""

from ._checks import augmenter
from ._constraints import Choice, Integer, Number, Seed, ValueRange

__all__ = ["hue", "sharpness", "randaugment", "augmix"]

INF = float("inf")
INTERPOLATIONS = ("bilinear", "nearest")


@augmenter("hue", factor=Number(0, 0.5), value_range=ValueRange(), seed=Seed())
def hue(factor=0.05, value_range=(0, 1), seed=None):
    """Random hue shift of RGB images, per image.

    Wraps ``keras.layers.RandomHue``. RGB images only: a batch with another channel
    count raises ``ValueError``.

    Parameters
    ----------
    factor : float, default=0.05
        Largest hue shift as a fraction of the colour circle, in [0, 0.5] (0.05 = 18
        degrees, either way); as ``color_jitter``'s ``hue``.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        An ``RGBHue`` layer (``keras.layers.RandomHue`` with a channel check);
        changes the images only with ``training=True``.

    Examples
    --------
    >>> layer = hue(0.1)
    >>> layer.factor, list(layer.value_range)
    ((0, 0.2), [0.0, 1.0])
    """
    from ._appearance_layers import RGBHue

    # keras: the hue moves by up to factor / 2 of the circle
    return RGBHue(2 * factor, value_range=value_range, seed=seed)


@augmenter("sharpness", factor=Number(0, 1), value_range=ValueRange(), seed=Seed())
def sharpness(factor=0.5, value_range=(0, 1), seed=None):
    """Random blur or sharpening, per image.

    Wraps ``keras.layers.RandomSharpness``: the image is blended with its 3 x 3
    smoothed version, ``x + (1 - s) (smooth(x) - x)``, with ``s`` drawn in ``[1 -
    factor, 1 + factor]`` (``s < 1`` blurs, ``s > 1`` sharpens). Outputs are clipped
    to ``value_range``.

    Parameters
    ----------
    factor : float, default=0.5
        Largest change of ``s``, in [0, 1] (1: from the smoothed image to twice the
        sharpening).
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomSharpness
        The augmentation layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> sharpness(0.4).factor
    (0.3, 0.7)
    """
    import keras

    # keras: s = 2 * factor, factor drawn in (lower, upper); 0.5 is no change
    return keras.layers.RandomSharpness(factor=(0.5 * (1 - factor), 0.5 * (1 + factor)),
                                        value_range=value_range, seed=seed)


@augmenter("randaugment", num_ops=Integer(1, 11), factor=Number(0, 1),
           interpolation=Choice(INTERPOLATIONS), value_range=ValueRange(), seed=Seed())
def randaugment(num_ops=2, factor=0.5, interpolation="bilinear", value_range=(0, 1), seed=None):
    """RandAugment (Cubuk et al., 2020): ``num_ops`` random operations of strength ``factor``.

    Wraps ``keras.layers.RandAugment``. Each batch gets ``num_ops`` operations drawn
    from shear, shift, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast and equalization; their
    random parameters are drawn per image. Strong: with ``factor=0.5`` rotations
    reach 180 degrees and shifts half the image, and solarization and
    auto-contrast change the grey levels, so check that the result still looks like
    the modality (``augment_offline``).

    Parameters
    ----------
    num_ops : int, default=2
        Number of operations applied in turn, 1 to 11.
    factor : float, default=0.5
        Strength of every operation, in [0, 1].
    interpolation : {"bilinear", "nearest"}, default="bilinear"
        Interpolation of the geometric operations.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandAugment
        The augmentation layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> layer = randaugment(num_ops=3, factor=0.2)
    >>> layer.num_ops, list(layer.value_range)
    (3, [0.0, 1.0])
    """
    import keras

    return keras.layers.RandAugment(value_range=value_range, num_ops=num_ops, factor=factor,
                                    interpolation=interpolation, seed=seed)


@augmenter("augmix", num_chains=Integer(1, 10), chain_depth=Integer(1, 10), factor=Number(0, 1),
           alpha=Number(0, INF, low_open=True, high_open=True), all_ops=Choice((True, False)),
           interpolation=Choice(INTERPOLATIONS), value_range=ValueRange(), seed=Seed())
def augmix(num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True, interpolation="bilinear",
           value_range=(0, 1), seed=None):
    """AugMix (Hendrycks et al., 2020): a blend of the image with chains of random operations.

    ``num_chains`` chains of 0 to ``chain_depth`` operations (shear, shift,
    rotation, posterization, solarization, auto-contrast, equalization, and with
    ``all_ops`` brightness, colour degeneration, contrast and sharpness) are mixed
    with Dirichlet(alpha) weights and blended with the image with a Beta(alpha,
    alpha) weight. The operations and weights are drawn per batch, their parameters
    per image. A ``SeededAugMix`` (``keras.layers.AugMix`` drawing its choice of
    operations from its seed, so that it is reproducible and varies between batches
    in the input pipeline).

    Parameters
    ----------
    num_chains : int, default=3
        Number of chains, 1 to 10.
    chain_depth : int, default=3
        Largest number of operations per chain, 1 to 10.
    factor : float, default=0.3
        Strength of every operation, in [0, 1].
    alpha : float, default=1.0
        Parameter of the Dirichlet and Beta distributions, positive.
    all_ops : bool, default=True
        Whether brightness, colour, contrast and sharpness changes are included.
    interpolation : {"bilinear", "nearest"}, default="bilinear"
        Interpolation of the geometric operations.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.AugMix
        A ``SeededAugMix`` layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> layer = augmix(num_chains=2)
    >>> type(layer).__name__, layer.num_chains, list(layer.value_range)
    ('SeededAugMix', 2, [0.0, 1.0])
    """
    from ._appearance_layers import SeededAugMix

    return SeededAugMix(value_range=value_range, num_chains=num_chains, chain_depth=chain_depth,
                        factor=factor, alpha=alpha, all_ops=all_ops, interpolation=interpolation,
                        seed=seed)
