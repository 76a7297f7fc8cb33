"""Building the networks: [standardise] -> architecture -> features; layer taps; the
architecture behind a name; freezing the architecture for transfer learning."""

from __future__ import annotations

__all__ = ["feature_network", "pooled", "tap", "layer_names", "resolve_architecture", "set_trainable",
           "TRANSFER_MODES", "POOLINGS"]

TRANSFER_MODES = (None, "frozen", "finetune", "partial")

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
    if len(features.shape) == 5 and pooling is not None:  # volumes
        layer = keras.layers.GlobalAveragePooling3D if pooling == "avg" else keras.layers.GlobalMaxPooling3D
        return layer(name=name)(features)
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


def resolve_architecture(architecture):
    """Return ``(factory, metadata, name)`` for a registered name or a callable."""
    from medcnn.registry import architectures

    if callable(architecture):
        metadata = {"spatial_dims": architecture.spatial_dims} if hasattr(architecture, "spatial_dims") else {}
        return architecture, metadata, getattr(architecture, "__name__", "custom")
    if not isinstance(architecture, str):
        raise TypeError(
            f"architecture={architecture!r} is not valid: give a registered name "
            f"({', '.join(architectures.names())}) or a callable (input_shape, **params) -> keras.Model."
        )
    component = architectures.get(architecture)
    return component.factory, component.metadata, architecture


def set_trainable(model, transfer, trainable_layers=None):
    """Freeze the architecture inside ``model`` (the nested backbone) for ``transfer``.

    ``"frozen"``/``"finetune"``: every architecture layer frozen; ``"partial"``: only the
    last ``trainable_layers`` layers train; None: all train. BatchNormalization layers
    are kept frozen (inference mode) whenever the architecture is partly or wholly
    frozen or being fine-tuned, so their statistics are not disturbed.
    """
    import keras

    backbone = next((layer for layer in model.layers if isinstance(layer, keras.Model)), None)
    if backbone is None:
        raise ValueError("transfer needs a model with a nested architecture; none was found.")
    from medcnn.architectures import PREPROCESS_LAYER

    # the fixed input preprocessing of pretrained backbones never trains
    layers = [layer for layer in backbone.layers if layer.weights and layer.name != PREPROCESS_LAYER]
    keep = {"frozen": 0, "finetune": 0, "partial": trainable_layers}.get(transfer, len(layers))
    backbone.trainable = True
    for index, layer in enumerate(layers):
        layer.trainable = index >= len(layers) - keep
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
