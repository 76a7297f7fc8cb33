"""Intensity and colour augmenters: brightness, contrast, colour and stain jitter,
erasing, blur, noise; and the label-mixing MixUp and CutMix.

Pixel values are assumed in ``value_range`` = (0, 1) by default, as medcnn feeds
them (uint8 / uint16 images divided by 255 / 65535). Factories import Keras when
called, so registering them stays cheap.
"""

from ._checks import augmenter, check_number
from ._constraints import Anything, Factor, Number, OddInt, Pair, Seed, ValueRange

__all__ = ["brightness", "contrast", "color_jitter", "stain_jitter", "erasing", "blur", "noise",
           "mixup", "cutmix"]

INF = float("inf")


@augmenter("brightness", factor=Factor(1, signed=True), value_range=ValueRange(), seed=Seed())
def brightness(factor=0.1, value_range=(0, 1), seed=None):
    """Random brightness shift of up to ``factor`` of the value range, per image.

    Parameters
    ----------
    factor : float or tuple of float, default=0.1
        Largest shift as a fraction of the value range, in [0, 1], or a ``(lower,
        upper)`` pair in [-1, 1]. Outputs are clipped to ``value_range``.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomBrightness
        The augmentation layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> list(brightness(0.2).value_range)
    [0.0, 1.0]
    """
    import keras

    return keras.layers.RandomBrightness(factor, value_range=value_range, seed=seed)


@augmenter("contrast", factor=Number(0, 1), value_range=ValueRange(), seed=Seed())
def contrast(factor=0.2, value_range=(0, 1), seed=None):
    """Random contrast: ``(x - mean) c + mean`` with ``c`` in ``[1 - factor, 1 + factor]``.

    Parameters
    ----------
    factor : float, default=0.2
        Largest relative contrast change, in [0, 1]. Outputs are clipped to
        ``value_range``.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomContrast
        The augmentation layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> type(contrast(0.1)).__name__
    'RandomContrast'
    """
    import keras

    return keras.layers.RandomContrast(factor, value_range=value_range, seed=seed)


@augmenter("color_jitter", brightness=Number(0, 1), contrast=Number(0, 1),
           saturation=Number(0, 1, high_open=True), hue=Number(0, 0.5), value_range=ValueRange(),
           seed=Seed())
def color_jitter(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.02, value_range=(0, 1),
                 seed=None):
    """Random brightness, contrast, saturation and hue changes of RGB images.

    Wraps ``keras.layers.RandomColorJitter`` with strengths that are all "largest
    change" amounts (0 turns a part off). RGB images only: a batch with another
    channel count raises ``ValueError``.

    Parameters
    ----------
    brightness : float, default=0.1
        Largest brightness shift as a fraction of the value range, in [0, 1].
    contrast : float, default=0.1
        Largest relative contrast change, in [0, 1].
    saturation : float, default=0.1
        Saturation strength ``s`` in [0, 1): the saturation is multiplied by a factor
        in ``[(1 - s) / (1 + s), (1 + s) / (1 - s)]`` (0.1: about 0.82 to 1.22).
    hue : float, default=0.02
        Largest hue shift as a fraction of the colour circle, in [0, 0.5].
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        An ``RGBColorJitter`` layer (``keras.layers.RandomColorJitter`` with a
        channel check); changes the images only with ``training=True``.

    Examples
    --------
    >>> color_jitter(hue=0.05).required_channels
    3
    """
    from ._layers import RGBColorJitter

    return RGBColorJitter(
        value_range=value_range,
        brightness_factor=brightness or None,
        contrast_factor=contrast or None,
        # keras: factor f multiplies the saturation by f / (1 - f); 0.5 is no change
        saturation_factor=(0.5 * (1 - saturation), 0.5 * (1 + saturation)) if saturation else None,
        # keras: the hue moves by up to factor / 2 of the circle
        hue_factor=2 * hue or None,
        seed=seed,
    )


@augmenter("stain_jitter", sigma=Number(0, 1), bias=Number(0, 1),
           stain_matrix=Anything("'ruifrok' or a 3x3 array of stain optical-density vectors "
                                 "(checked by RandomStainJitter)"),
           value_range=ValueRange(), seed=Seed())
def stain_jitter(sigma=0.05, bias=0.05, stain_matrix="ruifrok", value_range=(0, 1), seed=None):
    """Random H&E stain jitter in optical-density space (Tellez et al., 2018).

    Per image, the haematoxylin and eosin concentrations ``C`` (from colour
    deconvolution with ``stain_matrix``) become ``alpha C + beta`` with ``alpha ~
    U(1 - sigma, 1 + sigma)`` and ``beta ~ U(-bias, bias)``; the residual stain is
    kept. RGB images only. See ``RandomStainJitter``.

    Parameters
    ----------
    sigma : float, default=0.05
        Largest relative concentration change, in [0, 1].
    bias : float, default=0.05
        Largest additive concentration change (OD units), in [0, 1].
    stain_matrix : {"ruifrok"} or array-like of shape (3, 3), default="ruifrok"
        Stain OD vectors, rows haematoxylin, eosin, residual; ``"ruifrok"``
        (Ruifrok & Johnston, 2001) or e.g. ``macenko_stain_matrix(images)``.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomStainJitter`` layer; changes the images only with ``training=True``.

    Examples
    --------
    >>> stain_jitter(sigma=0.1).sigma
    0.1
    """
    from ._stain import RandomStainJitter

    return RandomStainJitter(sigma=sigma, bias=bias, stain_matrix=stain_matrix, value_range=value_range,
                             seed=seed)


@augmenter("erasing", probability=Number(0, 1), scale=Pair(0, 1, low_open=True),
           fill_value=Anything("None or a number in value_range (checked by the factory)"),
           value_range=ValueRange(), seed=Seed())
def erasing(probability=0.5, scale=(0.02, 0.1), fill_value=None, value_range=(0, 1), seed=None):
    """Random erasing (Zhong et al., 2020): replace a random box of the image.

    Parameters
    ----------
    probability : float, default=0.5
        Probability that an image gets a box erased, in [0, 1].
    scale : tuple of float, default=(0.02, 0.1)
        Range of the box area as a fraction of the image area, in (0, 1].
    fill_value : float, optional
        Value of the erased pixels; None fills with Gaussian noise clipped to
        ``value_range``.
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomErasing
        The augmentation layer; erases only when called with ``training=True``.

    Examples
    --------
    >>> erasing(probability=0.25).factor
    (0.25, 0.25)
    """
    import keras

    if fill_value is not None:  # depends on value_range, so checked here
        fill_value = check_number("erasing", "fill_value", fill_value, *value_range)
    return keras.layers.RandomErasing(factor=(probability, probability), scale=scale,
                                      fill_value=fill_value, value_range=value_range, seed=seed)


@augmenter("blur", sigma=Factor(1, low_open=True), kernel_size=OddInt(3, 15), probability=Number(0, 1),
           value_range=ValueRange(), seed=Seed())
def blur(sigma=(0.1, 1.0), kernel_size=3, probability=0.5, value_range=(0, 1), seed=None):
    """Random Gaussian blur.

    Parameters
    ----------
    sigma : float or tuple of float, default=(0.1, 1.0)
        Standard deviation of the Gaussian (pixels), in (0, 1]: a ``(lower, upper)``
        range, or one number ``s`` for the range ``(0, s]``. One value is drawn per
        batch (``keras.layers.RandomGaussianBlur``).
    kernel_size : int, default=3
        Odd kernel size, 3 to 15.
    probability : float, default=0.5
        Probability that an image is blurred, in [0, 1].
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.RandomGaussianBlur
        The augmentation layer; blurs only when called with ``training=True``.

    Examples
    --------
    >>> blur(sigma=0.5).sigma
    (0, 0.5)
    """
    import keras

    return keras.layers.RandomGaussianBlur(factor=(probability, probability), kernel_size=kernel_size,
                                           sigma=sigma, value_range=value_range, seed=seed)


@augmenter("noise", stddev=Number(0, INF, low_open=True, high_open=True), seed=Seed())
def noise(stddev=0.02, seed=None):
    """Additive zero-mean Gaussian noise (not clipped to the value range).

    Parameters
    ----------
    stddev : float, default=0.02
        Standard deviation of the noise in pixel units (0.02 of the [0, 1] range),
        positive.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.GaussianNoise
        The augmentation layer; adds noise only when called with ``training=True``.

    Examples
    --------
    >>> noise(0.05).stddev
    0.05
    """
    import keras

    return keras.layers.GaussianNoise(stddev, seed=seed)


@augmenter("mixup", alpha=Number(0, INF, low_open=True, high_open=True), seed=Seed())
def mixup(alpha=0.2, seed=None):
    """MixUp (Zhang et al., 2018): blend pairs of images and their one-hot labels.

    The layer is called with ``{"images": x, "labels": one_hot}`` (CNNClassifier
    does this) and mixes both with a weight drawn from Beta(alpha, alpha).

    Parameters
    ----------
    alpha : float, default=0.2
        Parameter of the Beta distribution, positive; small values keep most
        images close to one of the pair.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.MixUp
        The augmentation layer; mixes only when called with ``training=True``.

    Examples
    --------
    >>> mixup(0.4).alpha
    0.4
    """
    import keras

    return keras.layers.MixUp(alpha=alpha, seed=seed)


@augmenter("cutmix", factor=Number(0, 1, low_open=True), seed=Seed())
def cutmix(factor=1.0, seed=None):
    """CutMix (Yun et al., 2019): paste a box of another image, mixing the labels by area.

    The layer is called with ``{"images": x, "labels": one_hot}`` (CNNClassifier
    does this).

    Parameters
    ----------
    factor : float, default=1.0
        Largest variability of the box size, in (0, 1] (``keras.layers.CutMix``).
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.CutMix
        The augmentation layer; mixes only when called with ``training=True``.

    Examples
    --------
    >>> type(cutmix()).__name__
    'CutMix'
    """
    import keras

    return keras.layers.CutMix(factor=factor, seed=seed)
