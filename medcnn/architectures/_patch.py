"""patch_cnn: the default network of CNNClassifier, a compact batch-normalised CNN
for small image patches (chosen by measurement on IDC histology patches; see the
"Default network" section of the performance docs)."""

from ._common import check_input_shape

__all__ = ["patch_cnn"]


def patch_cnn(input_shape, *, filters=(16, 32, 64, 128), convs=(1, 2, 2, 1), dropout=0.3, bn_momentum=0.9):
    """A compact batch-normalised CNN for small patches (the CNNClassifier default).

    Stage ``i`` has ``convs[i]`` blocks ``Conv2D(filters[i], 3x3, same) - BatchNorm -
    ReLU``; every stage but the last ends in ``MaxPool(2)``. The last feature map is
    averaged over space (global average pooling), then dropped out at ``dropout``.
    With the defaults a 50x50 patch passes stages at 50, 25, 12 and 6 pixels.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; height and width at least
        ``2 ** (len(filters) - 1)`` (8 with the defaults), or None (any size).
    filters : tuple of int, default=(16, 32, 64, 128)
        Filters of each stage's convolutions, one stage per entry.
    convs : tuple of int, default=(1, 2, 2, 1)
        Convolution blocks per stage; same length as ``filters``.
    dropout : float, default=0.3
        Dropout rate on the pooled features.
    bn_momentum : float, default=0.9
        Momentum of the batch normalisation's moving mean and variance, the
        statistics used at prediction. With 0.9 they have settled (to within
        ``0.9 ** 50``, 0.5%) after 50 training steps; with Keras' default 0.99 they
        need about 500, which a small training set (36 images: one step per epoch)
        does not get, and an under-trained moving average makes every prediction
        fall on one class although the training batches are classified right.

    Returns
    -------
    keras.Model
        Maps images to ``(batch, filters[-1])`` features.

    Examples
    --------
    >>> model = patch_cnn((50, 50, 3))
    >>> model.output_shape
    (None, 128)
    >>> patch_cnn((28, 28, 1), filters=(16, 32), convs=(1, 1)).output_shape
    (None, 32)
    """
    import keras
    from keras import layers

    filters = tuple(int(f) for f in filters)
    convs = tuple(int(n) for n in convs)
    if not filters or len(filters) != len(convs) or min(convs) < 1 or min(filters) < 1:
        raise ValueError(
            f"patch_cnn: filters={filters!r} and convs={convs!r} must be non-empty, of the same "
            "length (one entry per stage), and positive."
        )
    if not 0 <= float(dropout) < 1:
        raise ValueError(f"patch_cnn: dropout={dropout!r} is not valid; give a rate in [0, 1).")
    if not 0 <= float(bn_momentum) < 1:
        raise ValueError(f"patch_cnn: bn_momentum={bn_momentum!r} is not valid; give a momentum in [0, 1).")
    check_input_shape(input_shape, 2 ** (len(filters) - 1), "patch_cnn")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    for stage, (width, count) in enumerate(zip(filters, convs), start=1):
        for block in range(1, count + 1):
            prefix = f"stage{stage}_conv{block}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=prefix)(x)
            x = layers.BatchNormalization(momentum=float(bn_momentum), name=prefix + "_bn")(x)
            x = layers.Activation("relu", name=prefix + "_relu")(x)
        if stage < len(filters):
            x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(float(dropout), name="dropout")(x)
    return keras.Model(inputs, x, name="patch_cnn")
