"""Preset augmentation pipelines for common kinds of medical images.

A preset is a ``keras.Sequential`` of augmentation layers; ``Sequential`` passes
``training`` on to every layer, so a preset is the identity at inference. The
layers are seeded ``seed, seed + 1, ...`` (or all unseeded when ``seed`` is None).
"""

from ._checks import augmenter
from ._constraints import Number, Seed, ValueRange

__all__ = ["histology", "radiograph"]


def _seeds(seed, count):
    return [None] * count if seed is None else [seed + i for i in range(count)]


@augmenter("histology", stain_sigma=Number(0, 1), stain_bias=Number(0, 1), blur_sigma=Number(0.1, 1),
           blur_probability=Number(0, 1), value_range=ValueRange(), seed=Seed())
def histology(stain_sigma=0.05, stain_bias=0.05, blur_sigma=0.5, blur_probability=0.25,
              value_range=(0, 1), seed=None):
    """Preset for H&E histology patches: orientation, stain and focus changes.

    Tissue on a slide has no preferred orientation, so all eight flips and
    quarter turns are used; stain jitter mimics staining and scanner differences;
    a light blur mimics focus changes. RGB images only.

    Layers: ``RandomFlips(transpose=True)`` (the eight flips and quarter turns in one
    layer: ``flip`` and ``rotate90`` fused), ``stain_jitter(sigma=stain_sigma,
    bias=stain_bias)``, ``blur(sigma=(0.1, blur_sigma), probability=blur_probability)``.

    Parameters
    ----------
    stain_sigma : float, default=0.05
        Largest relative change of the H and E concentrations, in [0, 1].
    stain_bias : float, default=0.05
        Largest additive change of the H and E concentrations, in [0, 1].
    blur_sigma : float, default=0.5
        Largest standard deviation of the blur (pixels), in [0.1, 1].
    blur_probability : float, default=0.25
        Probability that an image is blurred, in [0, 1].
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the first layer; the others get ``seed + 1``, ``seed + 2``, ...

    Returns
    -------
    keras.Sequential
        The pipeline, named ``"histology"``; random only with ``training=True``.

    Examples
    --------
    >>> [type(layer).__name__ for layer in histology(seed=0).layers]
    ['RandomFlips', 'RandomStainJitter', 'RandomGaussianBlur']
    """
    import keras

    from ._intensity import blur, stain_jitter
    from ._layers import RandomFlips

    seeds = _seeds(seed, 4)  # seeds[1] was the quarter turns', now drawn by RandomFlips
    return keras.Sequential([
        RandomFlips(transpose=True, seed=seeds[0]),
        stain_jitter(sigma=stain_sigma, bias=stain_bias, value_range=value_range, seed=seeds[2]),
        blur(sigma=(0.1, blur_sigma), probability=blur_probability, value_range=value_range,
             seed=seeds[3]),
    ], name="histology")


@augmenter("radiograph", degrees=Number(0, 45), shift=Number(0, 0.5), zoom=Number(0, 0.9),
           contrast=Number(0, 1), value_range=ValueRange(), seed=Seed())
def radiograph(degrees=5.0, shift=0.05, zoom=0.05, contrast=0.2, value_range=(0, 1), seed=None):
    """Preset for radiographs (X-ray): small pose and exposure changes, no flips.

    Radiographs are acquired in a standard position and laterality matters (the
    heart is on the left, and side markers and anatomy asymmetry carry
    information), so the preset never flips; it applies a small rotation, shift
    and zoom (patient positioning) and a contrast change (exposure).

    Layers: ``rotate(degrees / 360)``, ``shift(shift)``, ``zoom(zoom)``,
    ``contrast(contrast)``.

    Parameters
    ----------
    degrees : float, default=5.0
        Largest rotation either way, in degrees, in [0, 45].
    shift : float, default=0.05
        Largest shift as a fraction of the image size, in [0, 0.5].
    zoom : float, default=0.05
        Largest zoom in or out as a fraction of the image size, in [0, 0.9].
    contrast : float, default=0.2
        Largest relative contrast change, in [0, 1].
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the first layer; the others get ``seed + 1``, ``seed + 2``, ...

    Returns
    -------
    keras.Sequential
        The pipeline, named ``"radiograph"``; random only with ``training=True``.

    Examples
    --------
    >>> [type(layer).__name__ for layer in radiograph(seed=0).layers]
    ['RandomRotation', 'RandomTranslation', 'RandomZoom', 'RandomContrast']
    """
    import keras

    from . import _geometric, _intensity

    seeds = _seeds(seed, 4)
    return keras.Sequential([
        _geometric.rotate(degrees / 360.0, seed=seeds[0]),
        _geometric.shift(shift, seed=seeds[1]),
        _geometric.zoom(zoom, seed=seeds[2]),
        _intensity.contrast(contrast, value_range=value_range, seed=seeds[3]),
    ], name="radiograph")
