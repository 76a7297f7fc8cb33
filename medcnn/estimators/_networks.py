"""Building the networks: [standardise] -> architecture -> features, and layer taps."""

from __future__ import annotations

__all__ = ["feature_network", "pooled", "tap", "layer_names"]

POOLINGS = ("avg", "max", None)
#: Largest input (h * w * c values) whose standardisation statistics are stored per pixel.
TILED_STANDARDIZE_MAX_VALUES = 16384


def _standardize_args(standardize, input_shape):
    """Normalization arguments for per-channel ``(mean, variance)``.

    For inputs of known, moderate size the statistics are repeated at every pixel
    (``axis=(1, 2, 3)``): the same result, but TensorFlow broadcasts over the batch axis
    only, which takes a fraction of the time of broadcasting over the channel axis.
    """
    import numpy as np

    mean, variance = standardize
    shape = tuple(input_shape)
    if len(shape) == 3 and all(isinstance(d, int) for d in shape) and np.prod(shape) <= TILED_STANDARDIZE_MAX_VALUES:
        return {"axis": (1, 2, 3), "mean": np.broadcast_to(np.asarray(mean, np.float32), shape),
                "variance": np.broadcast_to(np.asarray(variance, np.float32), shape)}
    return {"axis": -1, "mean": list(mean), "variance": list(variance)}


def feature_network(factory, input_shape, params, standardize=None, label="architecture", layer=None):
    """``(inputs, features, backbone)``: image input, optional per-channel standardisation
    ``(mean, variance)``, then ``factory(input_shape, **params)`` as a nested model, tapped
    at ``layer`` (see :func:`tap`) when given."""
    import keras

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    if standardize is not None:
        x = keras.layers.Normalization(name="standardize", **_standardize_args(standardize, input_shape))(inputs)
    backbone = factory(tuple(input_shape), **(params or {}))
    if not isinstance(backbone, keras.Model):
        raise TypeError(
            f"{label} returned {type(backbone).__name__}, not a keras.Model; architecture "
            "factories must return images -> features models."
        )
    return inputs, (backbone if layer is None else tap(backbone, layer))(x), backbone


def pooled(features, pooling="avg", name="pool"):
    """Rank-2 features: global average/max pooling of a feature map, or flattening."""
    import keras

    if pooling not in POOLINGS:
        raise ValueError(f"pooling={pooling!r} is not valid; use one of {POOLINGS}.")
    if len(features.shape) == 2:
        return features
    if len(features.shape) == 4 and pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name=name)(features)
    if len(features.shape) == 4 and pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name=name)(features)
    return keras.layers.Flatten(name=name)(features)


def layer_names(model) -> list[str]:
    """Names of the layers of ``model`` and of the models nested in it."""
    import keras

    names = []
    for layer in model.layers:
        names.append(layer.name)
        if isinstance(layer, keras.Model):
            names += layer_names(layer)
    return names


def tap(model, layer):
    """A model from ``model``'s input to the output of ``layer`` (name, index or
    "penultimate"), looking into nested models for names."""
    import keras

    if layer == "penultimate":
        if len(model.layers) < 3:
            raise ValueError(f"Model {model.name!r} has too few layers for layer='penultimate'.")
        return keras.Model(model.inputs, model.layers[-2].output)
    if isinstance(layer, int) and not isinstance(layer, bool):
        try:
            return keras.Model(model.inputs, model.layers[layer].output)
        except IndexError:
            raise ValueError(f"layer={layer} is out of range: {model.name!r} has "
                             f"{len(model.layers)} layers.") from None
    if isinstance(layer, str):
        names = [l.name for l in model.layers]
        if layer in names:
            return keras.Model(model.inputs, model.get_layer(layer).output)
        for i, nested in enumerate(model.layers):
            if isinstance(nested, keras.Model) and layer in layer_names(nested):
                # call the tapped copy of the nested model on the tensor that fed it
                return keras.Model(model.inputs, tap(nested, layer)(model.layers[i].input))
        import difflib

        available = layer_names(model)
        close = difflib.get_close_matches(layer, available, n=1)
        raise ValueError(
            f"Unknown layer {layer!r}. Available layers: {', '.join(repr(n) for n in available)}."
            + (f" Did you mean {close[0]!r}?" if close else "")
        )
    raise ValueError(f"layer={layer!r} is not valid; give a layer name, an index, 'penultimate' or None.")
