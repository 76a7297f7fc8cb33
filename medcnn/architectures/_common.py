"""Helpers shared by the built-in architectures (no Keras import at module level)."""

__all__ = ["check_input_shape"]


def check_input_shape(input_shape, min_size, name, require_static=False):
    """Validate ``input_shape`` and return it as a tuple ``(height, width, channels)``.

    Parameters
    ----------
    input_shape : sequence of int
        ``(height, width, channels)`` of one image; height and width may be ``None``
        unless ``require_static`` is set.
    min_size : int
        Smallest height and width the network accepts.
    name : str
        Architecture name, for error messages.
    require_static : bool
        Whether height and width must be known (networks that flatten feature maps).

    Returns
    -------
    tuple
        ``(height, width, channels)`` with ints (or ``None`` sides).

    Raises
    ------
    ValueError
        If the shape is not ``(height, width, channels)``, has no channels, or is
        smaller than ``min_size``.
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 3:
        raise ValueError(
            f"{name} expects input_shape=(height, width, channels) of one image, "
            f"got {input_shape!r}. Drop the batch dimension and add a channel axis "
            "for grayscale images, e.g. (28, 28, 1)."
        )
    height, width, channels = (None if s is None else int(s) for s in shape)
    if channels is None or channels < 1:
        raise ValueError(f"{name} needs a known, positive number of channels; got input_shape={shape!r}.")
    if require_static and (height is None or width is None):
        raise ValueError(
            f"{name} flattens its feature maps, so the image height and width must be "
            f"known; got input_shape={shape!r}."
        )
    for side in (height, width):
        if side is not None and side < min_size:
            raise ValueError(
                f"{name} needs images of at least {min_size}x{min_size} pixels, got "
                f"{height}x{width}. Resize the images or choose another architecture."
            )
    return height, width, channels
