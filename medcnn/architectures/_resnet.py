"""ResNet-18 (He et al., 2016) with a stem adapted to small images.

Keras is imported inside the factory so that importing this module is cheap.
"""

from ._common import check_input_shape

__all__ = ["resnet18"]

# Every convolution and pooling layer uses "same" padding, so any image side works.
RESNET_MIN_SIZE = 1
#: Images whose smaller side is below this get the CIFAR-style stem.
SMALL_IMAGE_SIDE = 64
_STEMS = ("auto", "cifar", "imagenet")


def _basic_block(layers, x, filters, stride, name):
    """Two 3x3 convolutions with batch normalization and a shortcut; a 1x1 projection
    shortcut when the block downsamples or changes the number of channels."""
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                      name=name + "_conv1")(x)
    y = layers.BatchNormalization(name=name + "_bn1")(y)
    y = layers.Activation("relu", name=name + "_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = layers.BatchNormalization(name=name + "_bn2")(y)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False,
                                 name=name + "_proj")(x)
        shortcut = layers.BatchNormalization(name=name + "_proj_bn")(shortcut)
    out = layers.Add(name=name + "_add")([y, shortcut])
    return layers.Activation("relu", name=name + "_out")(out)


def resnet18(input_shape, *, width=64, stem="auto"):
    """ResNet-18: four stages of two basic blocks, without the pooling and dense head.

    Stages have ``width, 2 * width, 4 * width, 8 * width`` filters; stages 2 to 4
    start with a stride-2 block whose shortcut is a 1x1 projection. Every
    convolution is followed by batch normalization.

    The stem depends on the image size: when the smaller side is below 64 pixels
    (``stem="auto"``) it is a single 3x3 stride-1 convolution without max-pooling
    (CIFAR style), so that 28x28 or 50x50 patches keep enough resolution; otherwise it
    is the ImageNet stem, a 7x7 stride-2 convolution and a 3x3 stride-2 max-pooling.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``. Height and width may be ``None`` (the ImageNet
        stem is then used with ``stem="auto"``).
    width : int, default=64
        Filters of the first stage.
    stem : {"auto", "cifar", "imagenet"}, default="auto"
        Which stem to use; ``"auto"`` picks by image size as described above.

    Returns
    -------
    keras.Model
        Maps images to a ``(batch, h, w, 8 * width)`` feature map (``h = height / 8``
        rounded up with the CIFAR stem, ``height / 32`` with the ImageNet stem).

    Examples
    --------
    >>> model = resnet18((32, 32, 3), width=16)
    >>> model.output_shape
    (None, 4, 4, 128)
    >>> resnet18((224, 224, 3)).output_shape
    (None, 7, 7, 512)
    """
    import keras
    from keras import layers

    height, img_width, _ = check_input_shape(input_shape, RESNET_MIN_SIZE, "resnet18")
    if stem not in _STEMS:
        raise ValueError(f"resnet18: stem must be one of {_STEMS}, got {stem!r}.")
    width = int(width)
    if width < 1:
        raise ValueError(f"resnet18: width must be a positive integer, got {width!r}.")
    if stem == "auto":
        small = height is not None and img_width is not None and min(height, img_width) < SMALL_IMAGE_SIDE
        stem = "cifar" if small else "imagenet"

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    if stem == "cifar":
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    else:
        x = layers.Conv2D(width, 7, strides=2, padding="same", use_bias=False,
                          name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    if stem == "imagenet":
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)

    for stage, multiplier in enumerate((1, 2, 4, 8), start=1):
        for block in (1, 2):
            stride = 2 if stage > 1 and block == 1 else 1
            x = _basic_block(layers, x, width * multiplier, stride, f"stage{stage}_block{block}")
    return keras.Model(inputs, x, name="resnet18")
