"""Turning the ``augment`` parameter of an estimator into augmentation layers."""

from __future__ import annotations

from medcnn._input import mixes_labels

__all__ = ["build_augmenters", "mixes_labels"]


def _is_pair(item):
    """Whether ``item`` is a ``(name, params dict)`` pair (lists too: JSON gives lists)."""
    return (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], dict))


def build_augmenters(augment, seed, channels=None, spatial_dims=2):
    """Turn ``augment`` into a list of layers.

    Items: a registered name (an augmenter or a preset such as ``"histology"``), a
    ``(name, params)`` pair, or a layer/callable taking ``(images, training=True)``.
    A single item may be given without a list. ``channels`` (the image channel
    count) is checked against what each registered augmenter needs. For volumes
    (``spatial_dims=3``) a 2-D name with a volume counterpart (``"flip"`` ->
    ``"volume_flip"``) is replaced by it; others are refused.
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
        if spatial_dims == 3 and not component.metadata.get("volumes"):
            component = _volume_counterpart(component, augmenters)
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


def _volume_counterpart(component, augmenters):
    """The volume augmenter standing in for the 2-D augmenter ``component``, or a ValueError."""
    from ._volumes import VOLUME_COUNTERPARTS

    if component.name in VOLUME_COUNTERPARTS:
        return augmenters.get(VOLUME_COUNTERPARTS[component.name])
    volume_names = [c.name for c in augmenters.components() if c.metadata.get("volumes")]
    raise ValueError(
        f"Augmenter {component.name!r} acts on 2-D images, not on volumes; for a volume network use "
        f"{', '.join(repr(n) for n in volume_names)} (or 'flip', 'rotate90', 'brightness', 'contrast', which "
        "map to them), or augment=None."
    )
