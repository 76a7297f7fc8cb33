"""Turning the ``augment`` parameter of an estimator into augmentation layers."""

from __future__ import annotations

from medcnn._input import mixes_labels

__all__ = ["build_augmenters", "mixes_labels"]


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
