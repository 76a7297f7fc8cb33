"""Turning the ``augment`` parameter of an estimator into augmentation layers."""

from __future__ import annotations

import warnings

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

    ``"flip"`` (both axes) next to ``"rotate90"`` become one ``RandomFlips(transpose=True)``
    layer, which draws the same eight flips and quarter turns at lower cost.

    A layer given directly (or a layer of a ``keras.Sequential`` or model given
    directly) whose ``value_range`` is not (0, 1), the range of medcnn's pixels,
    gets a ``UserWarning`` saying how to fix it; the layer is used as given, not
    reconfigured (it is the caller's object, and may be shared).
    """
    from medcnn.registry import augmenters

    if augment is None:
        return []
    if isinstance(augment, str) or callable(augment) or _is_pair(augment):
        augment = [augment]
    layers, built = [], []  # built: whether each layer was built here from a registered name
    warned = set()  # ids of the layers already checked, to warn once per layer
    for i, item in enumerate(augment):
        if isinstance(item, str):
            name, params = item, {}
        elif _is_pair(item):
            name, params = item
        elif callable(item):
            _warn_value_ranges(item, i, warned)
            layers.append(item)
            built.append(False)
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
        built.append(True)
    return _fuse_flips_and_turns(layers, built)


def _fuse_flips_and_turns(layers, built):
    """``flip`` (both axes) next to ``rotate90``, both built from their names, become one
    ``RandomFlips(transpose=True)`` layer (seeded as the flips were): the same eight
    symmetries of a square, equally likely, with three selects per batch instead of five."""
    from ._layers import RandomFlips, RandomRotate90

    fused, i = [], 0
    while i < len(layers):
        pair = layers[i:i + 2]
        if (len(pair) == 2 and all(built[i:i + 2]) and {type(layer) for layer in pair} == {RandomFlips, RandomRotate90}
                and not any(getattr(layer, "transpose", False) for layer in pair)):
            flips = pair[0] if isinstance(pair[0], RandomFlips) else pair[1]
            fused.append(RandomFlips(transpose=True, seed=flips.seed))
            i += 2
        else:
            fused.append(layers[i])
            i += 1
    return fused


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


#: Keras layer class -> the registered augmenter that builds it with value_range=(0, 1)
_REGISTERED_NAME = {
    "RandomBrightness": "brightness", "RandomContrast": "contrast", "RandomColorJitter": "color_jitter",
    "RandomErasing": "erasing", "RandomGaussianBlur": "blur", "RandomHue": "hue",
    "RandomSharpness": "sharpness", "RandAugment": "randaugment", "AugMix": "augmix",
}


def _value_range(layer):
    """The ``value_range`` of a layer (attribute, else config key), or None if it has none."""
    value_range = getattr(layer, "value_range", None)
    if value_range is None and callable(getattr(layer, "get_config", None)):
        try:
            config = layer.get_config()
        except (NotImplementedError, TypeError, ValueError):  # a layer without a full config
            return None
        value_range = config.get("value_range") if isinstance(config, dict) else None
    return value_range


def _is_unit_range(value_range):
    try:
        return tuple(float(v) for v in value_range) == (0.0, 1.0)
    except (TypeError, ValueError):
        return False


def _warn_value_ranges(item, position, warned):
    """Warn for ``item``, or the layers of a Sequential/model ``item``, with a value_range not (0, 1)."""
    if id(item) in warned:
        return
    warned.add(id(item))
    value_range = _value_range(item)
    if value_range is None:
        for layer in getattr(item, "layers", None) or ():  # keras.Sequential, functional models
            _warn_value_ranges(layer, position, warned)
        return
    if _is_unit_range(value_range):
        return
    cls = type(item).__name__
    shown = tuple(value_range) if isinstance(value_range, (list, tuple)) else value_range
    registered = next((_REGISTERED_NAME[base.__name__] for base in type(item).__mro__
                       if base.__name__ in _REGISTERED_NAME), None)
    fix = f"pass value_range=(0, 1) when creating it ({cls}(..., value_range=(0, 1)))"
    if registered:
        fix += f", or use the registered augmenter {registered!r} instead (value_range (0, 1) by default)"
    warnings.warn(
        f"augment item {position}: {cls} {getattr(item, 'name', '')!r} has value_range={shown}, but "
        "medcnn feeds images scaled to [0, 1], so its changes and clipping assume the wrong range "
        f"(Keras preprocessing layers default to (0, 255)). To fix it, {fix}. The layer is used as "
        "given.", UserWarning, stacklevel=3)
