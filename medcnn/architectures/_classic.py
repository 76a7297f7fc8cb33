"""Classic small CNNs: the IDC workshop network, LeNet-5, the MNIST tutorial CNN
and a small VGG.

Keras is imported inside the factories so that importing this module is cheap.
"""

from ._common import check_input_shape

__all__ = ["workshop_cnn", "lenet5", "mnist_cnn", "vgg_small"]

WORKSHOP_MIN_SIZE = 12
LENET5_MIN_SIZE = 12
MNIST_MIN_SIZE = 4
VGG_MIN_SIZE = 8  # 2 ** len(filters) with the default three blocks


def _pair(value, name, param):
    values = tuple(value)
    if len(values) != 2:
        raise ValueError(f"{name}: {param} must have two entries, got {value!r}.")
    return values


def workshop_cnn(input_shape, *, filters=(32, 64), dense_units=512, dropout=0.25,
                 dense_dropout=0.5):
    """The IDC (invasive ductal carcinoma) workshop network.

    ``Conv2D(32, 3x3, same) - MaxPool(2) - Dropout - Conv2D(64, 3x3) - Conv2D(64, 3x3)
    - MaxPool(2) - Dropout - Flatten - Dense(512) - Dropout``, ReLU activations,
    valid padding on the two 64-filter convolutions.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least 12.
    filters : tuple of int, default=(32, 64)
        Filters of the first convolution and of the two following ones.
    dense_units : int, default=512
        Units of the fully connected layer (the feature size).
    dropout : float, default=0.25
        Dropout rate after each pooling layer.
    dense_dropout : float, default=0.5
        Dropout rate after the dense layer.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, dense_units)`` features.

    Examples
    --------
    >>> model = workshop_cnn((50, 50, 3))
    >>> model.output_shape
    (None, 512)
    """
    import keras
    from keras import layers

    check_input_shape(input_shape, WORKSHOP_MIN_SIZE, "workshop_cnn", require_static=True)
    f1, f2 = _pair(filters, "workshop_cnn", "filters")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(f1, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Dropout(dropout, name="dropout1")(x)
    x = layers.Conv2D(f2, 3, activation="relu", name="conv2")(x)
    x = layers.Conv2D(f2, 3, activation="relu", name="conv3")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Dropout(dropout, name="dropout2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dense_dropout, name="dropout3")(x)
    return keras.Model(inputs, x, name="workshop_cnn")


def lenet5(input_shape, *, activation="relu", filters=(6, 16), dense_units=(120, 84)):
    """LeNet-5 (LeCun et al., 1998) without its classification layer.

    ``Conv2D(6, 5x5, same) - AvgPool(2) - Conv2D(16, 5x5, valid) - AvgPool(2) - Flatten
    - Dense(120) - Dense(84)``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least 12.
    activation : str, default="relu"
        Activation of every convolution and dense layer (``"tanh"`` for the original).
    filters : tuple of int, default=(6, 16)
        Filters of the two convolutions.
    dense_units : tuple of int, default=(120, 84)
        Units of the two dense layers; the last one is the feature size.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, dense_units[-1])`` features.

    Examples
    --------
    >>> model = lenet5((28, 28, 1), activation="tanh")
    >>> model.output_shape
    (None, 84)
    """
    import keras
    from keras import layers

    check_input_shape(input_shape, LENET5_MIN_SIZE, "lenet5", require_static=True)
    f1, f2 = _pair(filters, "lenet5", "filters")
    d1, d2 = _pair(dense_units, "lenet5", "dense_units")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(f1, 5, padding="same", activation=activation, name="conv1")(inputs)
    x = layers.AveragePooling2D(2, name="pool1")(x)
    x = layers.Conv2D(f2, 5, padding="valid", activation=activation, name="conv2")(x)
    x = layers.AveragePooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(d1, activation=activation, name="dense1")(x)
    x = layers.Dense(d2, activation=activation, name="dense2")(x)
    return keras.Model(inputs, x, name="lenet5")


def mnist_cnn(input_shape, *, filters=(32, 64), kernel_size=5, dense_units=1024, dropout=0.4):
    """The CNN of the TensorFlow MNIST tutorial, without its logits layer.

    ``Conv2D(32, 5x5, same) - MaxPool(2) - Conv2D(64, 5x5, same) - MaxPool(2) - Flatten
    - Dense(1024) - Dropout(0.4)``, ReLU activations.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least 4.
    filters : tuple of int, default=(32, 64)
        Filters of the two convolutions.
    kernel_size : int, default=5
        Side of the convolution kernels.
    dense_units : int, default=1024
        Units of the dense layer (the feature size).
    dropout : float, default=0.4
        Dropout rate after the dense layer.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, dense_units)`` features.

    Examples
    --------
    >>> model = mnist_cnn((28, 28, 1), dense_units=256)
    >>> model.output_shape
    (None, 256)
    """
    import keras
    from keras import layers

    check_input_shape(input_shape, MNIST_MIN_SIZE, "mnist_cnn", require_static=True)
    f1, f2 = _pair(filters, "mnist_cnn", "filters")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(f1, kernel_size, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(f2, kernel_size, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, x, name="mnist_cnn")


def vgg_small(input_shape, *, filters=(32, 64, 128), batch_norm=False):
    """A small VGG (configuration B style): two 3x3 convolutions per block.

    Each entry of ``filters`` adds a block ``Conv2D(f, 3x3, same) - [BatchNorm] - ReLU
    - Conv2D(f, 3x3, same) - [BatchNorm] - ReLU - MaxPool(2)``. The output is the last
    feature map; the estimator adds the global pooling.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least ``2 ** len(filters)``
        (8 with the default three blocks). Height and width may be ``None``.
    filters : tuple of int, default=(32, 64, 128)
        Filters of each block, one block per entry.
    batch_norm : bool, default=False
        Add batch normalization after every convolution (before the ReLU).

    Returns
    -------
    keras.Model
        Maps images to a ``(batch, h, w, filters[-1])`` feature map, with
        ``h = height // 2 ** len(filters)``.

    Examples
    --------
    >>> model = vgg_small((32, 32, 3), filters=(16, 32), batch_norm=True)
    >>> model.output_shape
    (None, 8, 8, 32)
    """
    import keras
    from keras import layers

    filters = tuple(int(f) for f in filters)
    if not filters:
        raise ValueError("vgg_small: filters must have at least one entry (one block each).")
    check_input_shape(input_shape, 2 ** len(filters), "vgg_small")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    for block, f in enumerate(filters, start=1):
        for conv in (1, 2):
            prefix = f"block{block}_conv{conv}"
            x = layers.Conv2D(f, 3, padding="same", use_bias=not batch_norm, name=prefix)(x)
            if batch_norm:
                x = layers.BatchNormalization(name=prefix + "_bn")(x)
            x = layers.Activation("relu", name=prefix + "_relu")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    return keras.Model(inputs, x, name="vgg_small")
