"""Hook specifications of the ``medcnn`` plugin system.

A plugin is any module or object with functions marked ``@hookimpl`` whose names
match the hooks below. Third-party plugins are found through the Python entry point
group ``medcnn``; the built-in ones are registered through the same hooks.

Each hook receives a ``register`` callable::

    register(name, factory, description="", **metadata)

The metadata keys a kind may carry are those of :data:`METADATA_KEYS`, each read
by the library; ``register`` refuses any other key, naming the plugin.

Examples
--------
>>> from medcnn.hookspecs import hookimpl
>>> @hookimpl
... def register_architectures(register):
...     register("tiny_net", lambda input_shape, **params: None, description="Demo")
"""

import pluggy

__all__ = ["hookspec", "hookimpl", "PROJECT_NAME", "HOOK_KINDS", "METADATA_KEYS"]

PROJECT_NAME = "medcnn"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: Component kind -> name of the hook that registers it.
HOOK_KINDS = {
    "architecture": "register_architectures",
    "augmenter": "register_augmenters",
    "dataset_loader": "register_dataset_loaders",
    "image_reader": "register_image_readers",
}

#: Component kind -> metadata key -> what the library does with it. ``register``
#: accepts these keywords only; every key is optional.
METADATA_KEYS = {
    "architecture": {
        "min_size": "int: the smallest image side the network accepts; the estimators "
                    "enlarge their input to it",
        "pretrained": "bool: the network is a pretrained backbone; its input size is not "
                      "capped at the default side of networks trained from scratch",
        "default_size": "int: the image side the pretrained weights were trained at; "
                        "TransferFeatureExtractor brings images to it unless image_size is given",
        "standardize": "bool, default True: False when the network preprocesses its input "
                       "itself, so the estimators add no standardisation layer",
        "spatial_dims": "int, default 2: 3 for networks of volumes (depth, height, width, "
                        "channels); the estimators then read arrays (n, d, h, w[, c]) and "
                        "volume files as one sample each",
    },
    "augmenter": {
        "channels": "int: the only channel count the augmenter accepts (3 for colour "
                    "augmenters); fit refuses other images before training",
        "mixes_labels": "bool: the layer is called with {'images': x, 'labels': one_hot} "
                        "and mixes labels (MixUp, CutMix)",
        "volumes": "bool: the layer takes batches of volumes (n, d, h, w, c), for networks "
                   "with spatial_dims=3",
    },
    "dataset_loader": {},
    "image_reader": {
        "magic": "tuple of bytes: first bytes of the format, to read files whose "
                 "suffix does not say what they are",
    },
}


@hookspec
def register_architectures(register):
    """Register network architectures.

    ``factory(input_shape, **params)`` returns a ``keras.Model`` mapping images to
    features (rank 2 or rank 4 output, no classification head; rank 5 for volumes).
    Metadata keys: ``min_size``, ``pretrained``, ``default_size``, ``standardize``,
    ``spatial_dims`` (see :data:`METADATA_KEYS`).

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        architecture. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords (such as ``min_size``) are kept as metadata (only the keys of
        :data:`METADATA_KEYS`).
    """


@hookspec
def register_augmenters(register):
    """Register augmenters for training batches.

    ``factory(**params)`` returns a Keras layer (or callable on image batches) that
    is random when called with ``training=True`` and the identity otherwise.
    Metadata keys: ``channels``, ``mixes_labels``, ``volumes`` (see :data:`METADATA_KEYS`).

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        augmenter. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata (only the keys of :data:`METADATA_KEYS`).
    """


@hookspec
def register_dataset_loaders(register):
    """Register dataset loaders.

    ``factory(source, **params)`` returns an :class:`medcnn.datasets.ImageDataset`.
    Loaders take no metadata keys.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        dataset loader. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata (only the keys of :data:`METADATA_KEYS`).
    """


@hookspec
def register_image_readers(register):
    """Register image readers by file suffix.

    The registered name is the lower-case suffix without the dot (``"png"``, ``"dcm"``);
    ``factory(path)`` returns the image as a numpy array ``(h, w)`` or ``(h, w, c)``.
    Metadata key: ``magic`` (see :data:`METADATA_KEYS`).

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        suffix. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata (only the keys of :data:`METADATA_KEYS`).
    """
