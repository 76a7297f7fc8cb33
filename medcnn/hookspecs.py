"""Hook specifications of the ``medcnn`` plugin system.

A plugin is any module or object with functions marked ``@hookimpl`` whose names
match the hooks below. Third-party plugins are found through the Python entry point
group ``medcnn``; the built-in ones are registered through the same hooks.

Each hook receives a ``register`` callable::

    register(name, factory, description="", **metadata)

Examples
--------
>>> from medcnn.hookspecs import hookimpl
>>> @hookimpl
... def register_architectures(register):
...     register("tiny_net", lambda input_shape, **params: None, description="Demo")
"""

import pluggy

__all__ = ["hookspec", "hookimpl", "PROJECT_NAME", "HOOK_KINDS"]

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


@hookspec
def register_architectures(register):
    """Register network architectures.

    ``factory(input_shape, **params)`` returns a ``keras.Model`` mapping images to
    features (rank 2 or rank 4 output, no classification head). Metadata
    ``min_size=int`` declares the smallest image side the network accepts.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        architecture. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords (such as ``min_size``) are kept as metadata.
    """


@hookspec
def register_augmenters(register):
    """Register augmenters for training batches.

    ``factory(**params)`` returns a Keras layer (or callable on image batches) that
    is random when called with ``training=True`` and the identity otherwise.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        augmenter. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata.
    """


@hookspec
def register_dataset_loaders(register):
    """Register dataset loaders.

    ``factory(source, **params)`` returns an :class:`medcnn.datasets.ImageDataset`.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        dataset loader. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata.
    """


@hookspec
def register_image_readers(register):
    """Register image readers by file suffix.

    The registered name is the lower-case suffix without the dot (``"png"``, ``"dcm"``);
    ``factory(path)`` returns the image as a numpy array ``(h, w)`` or ``(h, w, c)``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)``: call it once per
        suffix. ``name`` is a non-empty string unique across plugins, ``factory``
        a callable and ``description`` one line for listings; extra
        keywords are kept as metadata.
    """
