"""Augmenters for volumes ``(n, d, h, w, c)``: flips, in-plane quarter turns, intensity.

Registered with ``volumes=True``. For a volume network the estimators use them in
place of ``"flip"``, ``"rotate90"``, ``"brightness"`` and ``"contrast"`` (the
default ``augment=("flip", "rotate90")`` works for volumes unchanged); 2-D
augmenters without a volume counterpart are refused with a message naming these.
Factories import Keras when called, so registering them stays cheap.
"""

from ._checks import augmenter
from ._constraints import Choice, Number, Seed

__all__ = ["volume_flip", "volume_rotate90", "volume_intensity", "VOLUME_COUNTERPARTS"]

#: 2-D augmenter name -> the volume augmenter that stands in for it with a volume network.
VOLUME_COUNTERPARTS = {"flip": "volume_flip", "rotate90": "volume_rotate90",
                       "brightness": "volume_intensity", "contrast": "volume_intensity"}


@augmenter("volume_flip", mode=Choice(("all", "in_plane", "depth")), seed=Seed())
def volume_flip(mode="all", seed=None):
    """Random flips of volumes along depth, height and width (each with probability 1/2).

    Parameters
    ----------
    mode : {"all", "in_plane", "depth"}, default="all"
        Which axes may flip.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomVolumeFlip`` layer; flips only with ``training=True``.

    Examples
    --------
    >>> type(volume_flip()).__name__
    'RandomVolumeFlip'
    """
    from ._volume_layers import RandomVolumeFlip

    return RandomVolumeFlip(mode=mode, seed=seed)


@augmenter("volume_rotate90", seed=Seed())
def volume_rotate90(seed=None):
    """Random in-plane rotation of volumes by quarter turns (about the depth axis).

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomVolumeRotate90`` layer.

    Examples
    --------
    >>> type(volume_rotate90()).__name__
    'RandomVolumeRotate90'
    """
    from ._volume_layers import RandomVolumeRotate90

    return RandomVolumeRotate90(seed=seed)


@augmenter("volume_intensity", brightness=Number(0, 1), contrast=Number(0, 1), seed=Seed())
def volume_intensity(brightness=0.1, contrast=0.2, seed=None):
    """Random contrast and brightness per volume (not clipped).

    Parameters
    ----------
    brightness : float, default=0.1
        Largest shift, as a fraction of the volume's value range.
    contrast : float, default=0.2
        Largest relative contrast change.
    seed : int, optional
        Seed of the layer's random generator.

    Returns
    -------
    keras.layers.Layer
        A ``RandomVolumeIntensity`` layer.

    Examples
    --------
    >>> volume_intensity(0.05).brightness
    0.05
    """
    from ._volume_layers import RandomVolumeIntensity

    return RandomVolumeIntensity(brightness=brightness, contrast=contrast, seed=seed)
