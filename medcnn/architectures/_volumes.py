"""Networks for volumes ``(depth, height, width, channels)``: a small 3-D CNN and a 3-D ResNet-18.

They are registered with ``spatial_dims=3``: the estimators then read 4-D arrays
``(n, d, h, w)`` as volumes, and volume files (NIfTI, DICOM series) as one sample
each. Keras is imported inside the factories so that importing this module is cheap.
"""

from __future__ import annotations

__all__ = ["cnn3d_small", "resnet18_3d", "VOLUME_MIN_SIZE", "check_volume_shape"]

#: The smallest side either network accepts ("same" padding throughout; pooling floors at 1).
VOLUME_MIN_SIZE = 1


def check_volume_shape(input_shape, name):
    """``input_shape`` as ``(depth, height, width, channels)``, or a ValueError naming ``name``.

    Examples
    --------
    >>> check_volume_shape([16, 32, 32, 1], "cnn3d_small")
    (16, 32, 32, 1)
    """
    try:
        shape = tuple(None if s is None else int(s) for s in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 4 or not shape[-1] or any(s is not None and s < 1 for s in shape):
        raise ValueError(
            f"{name}: input_shape must be (depth, height, width, channels) of one volume, with sides >= 1 "
            f"and at least one channel; got {input_shape!r}. For 2-D images choose a 2-D architecture "
            "(patch_cnn, resnet18, ...)."
        )
    return shape


def _pool_size(shape):
    """2 along each axis longer than 1, so that thin volumes (few slices) keep their depth."""
    return tuple(2 if s is None or s > 1 else 1 for s in shape[:3])


def cnn3d_small(input_shape, *, filters=(16, 32, 64), dropout=0.0):
    """A small 3-D CNN: per stage a 3x3x3 convolution, batch normalisation, ReLU and max-pooling.

    Parameters
    ----------
    input_shape : tuple of int
        ``(depth, height, width, channels)``.
    filters : sequence of int, default=(16, 32, 64)
        Filters of each stage; a stage halves every side longer than 1.
    dropout : float, default=0.0
        Spatial dropout after the last stage.

    Returns
    -------
    keras.Model
        Volumes to a ``(batch, d', h', w', filters[-1])`` feature map.

    Examples
    --------
    >>> cnn3d_small((16, 32, 32, 1)).output_shape
    (None, 2, 4, 4, 64)
    """
    import keras
    from keras import layers

    shape = check_volume_shape(input_shape, "cnn3d_small")
    filters = [int(f) for f in filters]
    if not filters or min(filters) < 1:
        raise ValueError(f"cnn3d_small: filters must be positive integers, one per stage; got {filters!r}.")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"cnn3d_small: dropout must be in [0, 1); got {dropout!r}.")
    inputs = keras.Input(shape)
    x = inputs
    for i, n in enumerate(filters):
        x = layers.Conv3D(n, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"relu{i + 1}")(x)
        x = layers.MaxPooling3D(_pool_size(x.shape[1:]), padding="same", name=f"pool{i + 1}")(x)
    if dropout:
        x = layers.SpatialDropout3D(float(dropout), name="dropout")(x)
    return keras.Model(inputs, x, name="cnn3d_small")


def _block(layers, x, filters, stride, name):
    y = layers.Conv3D(filters, 3, strides=stride, padding="same", use_bias=False, name=name + "_conv1")(x)
    y = layers.BatchNormalization(name=name + "_bn1")(y)
    y = layers.Activation("relu", name=name + "_relu1")(y)
    y = layers.Conv3D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = layers.BatchNormalization(name=name + "_bn2")(y)
    shortcut = x
    if stride != (1, 1, 1) or x.shape[-1] != filters:
        shortcut = layers.Conv3D(filters, 1, strides=stride, use_bias=False, name=name + "_proj")(x)
        shortcut = layers.BatchNormalization(name=name + "_proj_bn")(shortcut)
    return layers.Activation("relu", name=name + "_out")(layers.Add(name=name + "_add")([y, shortcut]))


def resnet18_3d(input_shape, *, width=32):
    """3-D ResNet-18 (the video/volume ResNet of Hara et al., 2018), with a stem for small volumes.

    A 3x3x3 stride-1 stem, then four stages of two basic blocks with ``width, 2 width,
    4 width, 8 width`` filters; stages 2 to 4 halve every side longer than 1 (a 1x1x1
    projection shortcut where they do).

    Parameters
    ----------
    input_shape : tuple of int
        ``(depth, height, width, channels)``.
    width : int, default=32
        Filters of the first stage (the original uses 64; 32 keeps CPU training practical).

    Returns
    -------
    keras.Model
        Volumes to a ``(batch, d / 8, h / 8, w / 8, 8 width)`` feature map (sides rounded up).

    Examples
    --------
    >>> resnet18_3d((8, 32, 32, 1), width=8).output_shape
    (None, 1, 4, 4, 64)
    """
    import keras
    from keras import layers

    shape = check_volume_shape(input_shape, "resnet18_3d")
    if int(width) < 1:
        raise ValueError(f"resnet18_3d: width must be a positive integer; got {width!r}.")
    width = int(width)
    inputs = keras.Input(shape)
    x = layers.Conv3D(width, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for stage, factor in enumerate((1, 2, 4, 8)):
        for block in range(2):
            stride = _pool_size(x.shape[1:]) if stage and not block else (1, 1, 1)
            x = _block(layers, x, width * factor, stride, f"stage{stage + 1}_block{block + 1}")
    return keras.Model(inputs, x, name="resnet18_3d")
