"""The two USF networks: a small CNN with LeakyReLU and L2-regularized dense layers
(architecture 1), and the same network with an LSTM in place of its last dense
layer (architecture 2).

Keras is imported inside the factories so that importing this module is cheap.
"""

from ._common import check_input_shape

__all__ = ["usf_arch1", "usf_arch2"]

# Every convolution and pooling layer uses "same" padding, so any image side works.
USF_MIN_SIZE = 1


def _conv_trunk(layers, inputs, filters, negative_slope, conv_dropout):
    """Conv(5x5) - LeakyReLU - MaxPool(3, 3) - Conv(2x2) - LeakyReLU - MaxPool(3, 3)
    - Dropout - Flatten, shared by both architectures."""
    x = layers.Conv2D(filters, 5, padding="same", name="conv1")(inputs)
    x = layers.LeakyReLU(negative_slope=negative_slope, name="conv1_lrelu")(x)
    x = layers.MaxPooling2D(3, strides=3, padding="same", name="pool1")(x)
    x = layers.Conv2D(filters, 2, padding="same", name="conv2")(x)
    x = layers.LeakyReLU(negative_slope=negative_slope, name="conv2_lrelu")(x)
    x = layers.MaxPooling2D(3, strides=3, padding="same", name="pool2")(x)
    x = layers.Dropout(conv_dropout, name="conv_dropout")(x)
    return layers.Flatten(name="flatten")(x)


def usf_arch1(input_shape, *, filters=64, dense_units=(128, 8), negative_slope=0.01,
              l2=0.01, conv_dropout=0.1, dropout=0.25):
    """USF architecture 1: small CNN with LeakyReLU and L2-regularized dense layers.

    ``Conv2D(64, 5x5) - LeakyReLU - MaxPool(3x3, stride 3) - Conv2D(64, 2x2) - LeakyReLU
    - MaxPool(3x3, stride 3) - Dropout(0.1) - Flatten - Dense(128) - LeakyReLU
    - Dense(8) - LeakyReLU - Dropout(0.25)``. Convolutions and poolings use "same"
    padding so that 28x28 images (and smaller) work.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    filters : int, default=64
        Filters of both convolutions.
    dense_units : tuple of int, default=(128, 8)
        Units of the two dense layers; the last one is the feature size.
    negative_slope : float, default=0.01
        Slope of the LeakyReLU activations for negative inputs.
    l2 : float, default=0.01
        L2 penalty on the kernels of the dense layers.
    conv_dropout : float, default=0.1
        Dropout rate after the convolutional part.
    dropout : float, default=0.25
        Dropout rate on the output features.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, dense_units[-1])`` features.

    Examples
    --------
    >>> model = usf_arch1((28, 28, 1))
    >>> model.output_shape
    (None, 8)
    """
    import keras
    from keras import layers

    check_input_shape(input_shape, USF_MIN_SIZE, "usf_arch1", require_static=True)
    units = tuple(int(u) for u in dense_units)
    if len(units) != 2:
        raise ValueError(f"usf_arch1: dense_units must have two entries, got {dense_units!r}.")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = _conv_trunk(layers, inputs, filters, negative_slope, conv_dropout)
    for i, u in enumerate(units, start=1):
        x = layers.Dense(u, kernel_regularizer=keras.regularizers.L2(l2), name=f"dense{i}")(x)
        x = layers.LeakyReLU(negative_slope=negative_slope, name=f"dense{i}_lrelu")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, x, name="usf_arch1")


def usf_arch2(input_shape, *, filters=64, dense_units=128, lstm_units=8, timesteps=16,
              negative_slope=0.01, l2=0.01, conv_dropout=0.1, dropout=0.25):
    """USF architecture 2: architecture 1 with an LSTM in place of its second dense layer.

    The ``dense_units``-dimensional output of the first dense layer (128 by default)
    is reshaped into a sequence of ``timesteps`` steps of
    ``dense_units // timesteps`` features (16 steps x 8 features by default):
    consecutive blocks of the vector become consecutive time steps. An
    ``LSTM(lstm_units)`` reads the sequence and its last hidden state (tanh
    activated) is the feature vector. The L2 penalty applies to the dense kernel and
    to the LSTM input kernel.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    filters : int, default=64
        Filters of both convolutions.
    dense_units : int, default=128
        Units of the dense layer; must be a multiple of ``timesteps``.
    lstm_units : int, default=8
        Units of the LSTM (the feature size).
    timesteps : int, default=16
        Length of the sequence the dense output is cut into.
    negative_slope : float, default=0.01
        Slope of the LeakyReLU activations for negative inputs.
    l2 : float, default=0.01
        L2 penalty on the dense and LSTM kernels.
    conv_dropout : float, default=0.1
        Dropout rate after the convolutional part.
    dropout : float, default=0.25
        Dropout rate on the output features.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, lstm_units)`` features.

    Examples
    --------
    >>> model = usf_arch2((28, 28, 3))
    >>> model.get_layer("to_sequence").output.shape
    (None, 16, 8)
    >>> model.output_shape
    (None, 8)
    """
    import keras
    from keras import layers

    check_input_shape(input_shape, USF_MIN_SIZE, "usf_arch2", require_static=True)
    dense_units, timesteps = int(dense_units), int(timesteps)
    if timesteps < 1 or dense_units % timesteps:
        raise ValueError(
            f"usf_arch2: dense_units ({dense_units}) must be a multiple of timesteps "
            f"({timesteps}) to reshape the dense output into a sequence."
        )
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = _conv_trunk(layers, inputs, filters, negative_slope, conv_dropout)
    x = layers.Dense(dense_units, kernel_regularizer=keras.regularizers.L2(l2), name="dense1")(x)
    x = layers.LeakyReLU(negative_slope=negative_slope, name="dense1_lrelu")(x)
    x = layers.Reshape((timesteps, dense_units // timesteps), name="to_sequence")(x)
    x = layers.LSTM(lstm_units, kernel_regularizer=keras.regularizers.L2(l2), name="lstm")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, x, name="usf_arch2")
