"""Training helpers: architecture and augmenter resolution, freezing for transfer."""

from __future__ import annotations

__all__ = ["build_augmenters", "mixes_labels", "resolve_architecture", "set_trainable", "TRANSFER_MODES"]

TRANSFER_MODES = (None, "frozen", "finetune", "partial")


def resolve_architecture(architecture):
    """Return ``(factory, metadata, name)`` for a registered name or a callable."""
    from medcnn.registry import architectures

    if callable(architecture):
        return architecture, {}, getattr(architecture, "__name__", "custom")
    if not isinstance(architecture, str):
        raise TypeError(
            f"architecture={architecture!r} is not valid: give a registered name "
            f"({', '.join(architectures.names())}) or a callable (input_shape, **params) -> keras.Model."
        )
    component = architectures.get(architecture)
    return component.factory, component.metadata, architecture


def _is_pair(item):
    """Whether ``item`` is a ``(name, params dict)`` pair (lists too: JSON gives lists)."""
    return (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], dict))


def build_augmenters(augment, seed, channels=None):
    """Turn ``augment`` into a list of layers.

    Items: a registered name (an augmenter or a preset such as ``"histology"``), a
    ``(name, params)`` pair, or a layer/callable taking ``(images, training=True)``.
    A single item may be given without a list. ``channels`` (the image channel
    count) is checked against what each registered augmenter needs.
    """
    from medcnn.registry import augmenters

    if augment is None:
        return []
    if isinstance(augment, str) or callable(augment) or _is_pair(augment):
        augment = [augment]
    layers = []
    for i, item in enumerate(augment):
        if isinstance(item, str):
            name, params = item, {}
        elif _is_pair(item):
            name, params = item
        elif callable(item):
            layers.append(item)
            continue
        else:
            raise ValueError(
                f"augment item {item!r} is not valid: give a registered augmenter name "
                f"({', '.join(augmenters.names())}), a (name, params dict) pair, or a layer."
            )
        component = augmenters.get(name)
        needed = component.metadata.get("channels")
        if needed and channels is not None and channels != needed:
            raise ValueError(
                f"Augmenter {name!r} needs {'RGB ' if needed == 3 else ''}images with {needed} "
                f"channels; these images have {channels}. Remove {name!r} from augment, or give "
                f"colour images."
            )
        params = dict(params)
        if seed is not None:
            params.setdefault("seed", int(seed) + i)
        try:
            layer = component.factory(**params)
        except TypeError as exc:
            raise ValueError(f"Augmenter {name!r} rejected its parameters {params}: {exc}") from exc
        if component.metadata.get("mixes_labels") and not hasattr(layer, "mixes_labels"):
            try:
                layer.mixes_labels = True
            except AttributeError:  # a callable that takes no attributes
                pass
        layers.append(layer)
    return layers


def mixes_labels(layer):
    """Whether an augmentation layer mixes images *and* labels (MixUp, CutMix).

    Such layers are called with ``{"images": x, "labels": one_hot}`` and return the
    same dictionary; they are left out of test-time augmentation.
    """
    import keras

    return bool(getattr(layer, "mixes_labels", False)) or isinstance(
        layer, (keras.layers.MixUp, keras.layers.CutMix))


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
    from medcnn.architectures._pretrained import PREPROCESS_LAYER

    # the fixed input preprocessing of pretrained backbones never trains
    layers = [layer for layer in backbone.layers if layer.weights and layer.name != PREPROCESS_LAYER]
    keep = {"frozen": 0, "finetune": 0, "partial": trainable_layers}.get(transfer, len(layers))
    backbone.trainable = True
    for index, layer in enumerate(layers):
        layer.trainable = index >= len(layers) - keep
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
