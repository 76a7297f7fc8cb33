"""Checks for plugin authors: does my architecture or augmenter work with medcnn?

Call them from your plugin's test suite::

    from medcnn.testing import check_architecture, check_augmenter

    def test_my_net():
        check_architecture(my_net, width=8)

Each check raises ``AssertionError`` naming the check that failed (and the input
shape) and saying what to fix; it returns None when everything passes.
Keras and TensorFlow are imported when a check runs, not when this module is imported.
"""

import contextlib
import os
import tempfile

import numpy as np

__all__ = ["check_architecture", "check_augmenter", "registered_plugin"]


def _to_numpy(value):
    import keras

    try:
        return np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:
        return np.asarray(value)


def _fail(check, where, problem, fix):
    raise AssertionError(f"{check} failed{where}: {problem} {fix}")


def check_architecture(factory, input_shapes=((28, 28, 1), (50, 50, 3)), **params):
    """Check that an architecture factory builds usable, saveable feature extractors.

    For each shape in ``input_shapes``, ``factory(input_shape, **params)`` must

    1. return a ``keras.Model``;
    2. have one output of rank 2 ``(batch, features)`` or rank 4
       ``(batch, h, w, channels)`` with an unspecified batch dimension;
    3. map a random batch of 2 images to a finite output with batch size 2;
    4. have trainable weights;
    5. save to the ``.keras`` format and load back with
       ``keras.saving.load_model(path, safe_mode=True)``, giving the same outputs
       (``training=False``, absolute tolerance 1e-5).

    Parameters
    ----------
    factory : callable
        ``factory(input_shape, **params) -> keras.Model``, as registered with the
        ``register_architectures`` hook.
    input_shapes : sequence of tuple, default=((28, 28, 1), (50, 50, 3))
        Image shapes ``(height, width, channels)`` to build the model for.
    **params
        Keyword arguments passed to the factory (e.g. a small width to keep the check
        fast).

    Returns
    -------
    None
        Returns only when every check passes.

    Raises
    ------
    AssertionError
        If a check fails; the message names the check, the input shape and the fix.

    Examples
    --------
    >>> from medcnn.architectures import lenet5
    >>> from medcnn.testing import check_architecture
    >>> check_architecture(lenet5, input_shapes=[(28, 28, 1)])
    """
    import keras

    rng = np.random.default_rng(0)
    name = getattr(factory, "__name__", repr(factory))
    for input_shape in input_shapes:
        input_shape = tuple(input_shape)
        where = f" for architecture {name!r} with input_shape={input_shape}"

        # 1. builds a keras.Model
        try:
            model = factory(input_shape, **params)
        except Exception as exc:
            raise AssertionError(
                f"build failed{where}: the factory raised {type(exc).__name__}: {exc}. "
                "Factories must accept input_shape=(height, width, channels) with any "
                "channel count and the documented keyword parameters."
            ) from exc
        if not isinstance(model, keras.Model):
            _fail("model type check", where,
                  f"the factory returned {type(model).__name__}, not a keras.Model.",
                  "Return keras.Model(inputs, outputs) built with the functional API.")

        # 2. output rank and symbolic batch dimension (functional models)
        try:
            outputs = list(model.outputs or [])
        except (AttributeError, ValueError):
            outputs = []
        if len(outputs) > 1:
            _fail("output check", where, f"the model has {len(outputs)} outputs.",
                  "Return a single feature tensor.")
        if outputs:
            shape = tuple(outputs[0].shape)
            if len(shape) not in (2, 4):
                _fail("output rank check", where,
                      f"the output shape is {shape} (rank {len(shape)}).",
                      "Return rank-2 features (batch, features) or a rank-4 feature map "
                      "(batch, height, width, channels); do not add a classification head.")
            if shape[0] is not None:
                _fail("batch dimension check", where,
                      f"the output shape {shape} has a fixed batch dimension {shape[0]}.",
                      "Keep the batch dimension unspecified (None): do not pass batch_size "
                      "to keras.Input or reduce over the batch axis.")

        # 3. forward pass
        x = rng.random((2,) + input_shape, dtype=np.float32)
        try:
            y = _to_numpy(model(x, training=False))
        except Exception as exc:
            raise AssertionError(
                f"forward pass failed{where}: calling the model on a batch of shape "
                f"{x.shape} raised {type(exc).__name__}: {exc}. Check that the network "
                "accepts this image size and channel count."
            ) from exc
        if y.ndim not in (2, 4):
            _fail("output rank check", where,
                  f"the forward pass returned shape {y.shape} (rank {y.ndim}).",
                  "Return rank-2 features or a rank-4 feature map with a batch dimension.")
        if y.shape[0] != 2:
            _fail("batch dimension check", where,
                  f"a batch of 2 images gave an output of shape {y.shape} "
                  f"(batch size {y.shape[0]}).",
                  "The first output axis must be the batch axis: one row per image; "
                  "do not reduce, reshape or slice across the batch.")
        if not np.all(np.isfinite(y)):
            _fail("finite output check", where,
                  f"the output holds {int(np.sum(~np.isfinite(y)))} NaN or infinite values.",
                  "Check the initializers, divisions and logarithms of the network.")

        # 4. trainable weights
        if not model.trainable_weights:
            _fail("trainable weights check", where, "the model has no trainable weights.",
                  "An architecture must have learnable layers (Conv2D, Dense, ...) that "
                  "are not frozen (trainable=True).")

        # 5. .keras round trip with safe_mode=True
        with tempfile.TemporaryDirectory(prefix="medcnn-check-") as tmp:
            path = os.path.join(tmp, "model.keras")
            try:
                model.save(path)
            except Exception as exc:
                raise AssertionError(
                    f"serialization check failed{where}: model.save({path!r}) raised "
                    f"{type(exc).__name__}: {exc}. Use built-in Keras layers, or give custom "
                    "layers a get_config() and @keras.saving.register_keras_serializable()."
                ) from exc
            try:
                loaded = keras.saving.load_model(path, safe_mode=True)
            except Exception as exc:
                raise AssertionError(
                    f"serialization check failed{where}: keras.saving.load_model(path, "
                    f"safe_mode=True) raised {type(exc).__name__}: {exc}. Avoid Lambda "
                    "layers and register custom layers with "
                    "@keras.saving.register_keras_serializable() in a module that is "
                    "imported when the plugin loads."
                ) from exc
            try:
                y_loaded = _to_numpy(loaded(x, training=False))
            except Exception as exc:
                raise AssertionError(
                    f"serialization check failed{where}: the reloaded model raised "
                    f"{type(exc).__name__}: {exc} on the test batch. Make sure get_config() "
                    "stores every constructor argument."
                ) from exc
            if y_loaded.shape != y.shape or not np.allclose(y_loaded, y, rtol=0, atol=1e-5):
                diff = (np.max(np.abs(y_loaded - y)) if y_loaded.shape == y.shape
                        else f"shape {y_loaded.shape} vs {y.shape}")
                _fail("serialization check", where,
                      f"the model reloaded from .keras gives different outputs "
                      f"(max abs difference {diff}).",
                      "Make sure every weight is tracked by a layer and get_config() "
                      "returns every constructor argument.")
    return None


def _accepts_seed(factory):
    import inspect

    try:
        return "seed" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins and odd callables have no signature
        return False


def _mixes_labels(layer):
    import keras

    return bool(getattr(layer, "mixes_labels", False)) or isinstance(
        layer, (keras.layers.MixUp, keras.layers.CutMix))


def check_augmenter(factory, image_shape=(32, 32, 3), **params):
    """Check that an augmenter factory returns a layer that is random only in training.

    ``layer = factory(**params)`` is called on a float32 batch of 4 random images in
    [0, 1] (a tensor). It must

    1. return the batch unchanged, as float32, with ``training=False`` (identity at
       inference);
    2. with ``training=True``, keep the batch shape and the float32 dtype and give
       finite values;
    3. with ``training=True``, change the batch in at least one of 5 calls;
    4. be reproducible: when the factory takes a ``seed`` parameter, two layers built
       with the same parameters and seed (``seed=0`` unless ``params`` holds one)
       give identical outputs on their first ``training=True`` call;
    5. for label-mixing layers (a true ``mixes_labels`` attribute, or
       ``keras.layers.MixUp`` / ``CutMix``): called with ``{"images": x, "labels":
       one_hot}`` and ``training=True``, keep the shapes of both and give label
       rows that still sum to 1; with ``training=False`` return both unchanged.

    Parameters
    ----------
    factory : callable
        ``factory(**params)`` returning a Keras layer (or a callable
        ``layer(images, training=...)``), as registered with the
        ``register_augmenters`` hook.
    image_shape : tuple of int, default=(32, 32, 3)
        Shape ``(height, width, channels)`` of one image.
    **params
        Keyword arguments passed to the factory.

    Returns
    -------
    None
        Returns only when every check passes.

    Raises
    ------
    AssertionError
        If a check fails; the message names the check and says what to fix.

    Examples
    --------
    >>> import keras
    >>> from medcnn.testing import check_augmenter
    >>> check_augmenter(keras.layers.RandomFlip, mode="horizontal", seed=0)
    """
    import keras

    name = getattr(factory, "__name__", repr(factory))
    where = f" for augmenter {name!r} with image_shape={tuple(image_shape)}"

    def build(**kwargs):
        try:
            return factory(**kwargs)
        except Exception as exc:
            raise AssertionError(
                f"build failed{where}: the factory raised {type(exc).__name__}: {exc}. "
                "Augmenter factories are called with keyword parameters only."
            ) from exc

    layer = build(**params)
    if not callable(layer):
        _fail("layer type check", where, f"the factory returned {type(layer).__name__}.",
              "Return a keras.layers.Layer (or a callable layer(images, training=...)).")

    x = np.random.default_rng(0).random((4,) + tuple(image_shape), dtype=np.float32)
    images = keras.ops.convert_to_tensor(x)

    def call(target, data, training):
        try:
            return target(data, training=training)
        except Exception as exc:
            raise AssertionError(
                f"{'training' if training else 'inference'} call failed{where}: "
                f"layer({'dict' if isinstance(data, dict) else 'images'}, training={training}) "
                f"raised {type(exc).__name__}: {exc}. The layer must accept a float32 image "
                "batch (batch, height, width, channels)."
            ) from exc

    def check_dtype(out, training):
        if out.dtype != np.float32:
            _fail("dtype check", where,
                  f"layer(images, training={training}) returned dtype {out.dtype} for float32 "
                  "images.", "Cast the result back to the input dtype (keras.ops.cast(out, "
                  "images.dtype)).")

    # 1. identity at inference
    out = _to_numpy(call(layer, images, False))
    check_dtype(out, False)
    if out.shape != x.shape or not np.allclose(out, x, rtol=0, atol=1e-6):
        _fail("identity at inference check", where,
              "layer(images, training=False) changed the images"
              + (f" (shape {out.shape} instead of {x.shape})." if out.shape != x.shape else "."),
              "Return the input unchanged when training is False: augmentation must only "
              "happen on training batches.")

    # 2. and 3. shape, dtype, finite values; randomness
    changed = False
    for _ in range(5):
        out = _to_numpy(call(layer, images, True))
        if out.shape != x.shape:
            _fail("shape check", where,
                  f"layer(images, training=True) returned shape {out.shape} instead of {x.shape}.",
                  "Augmenters must keep the batch shape (crop-and-resize back if needed).")
        check_dtype(out, True)
        if not np.all(np.isfinite(out)):
            _fail("finite output check", where,
                  "layer(images, training=True) returned NaN or infinite values.",
                  "Check the fill mode and any divisions in the transformation.")
        if not np.allclose(out, x, rtol=0, atol=1e-6):
            changed = True
            break
    if not changed:
        _fail("randomness check", where,
              "5 calls of layer(images, training=True) returned the images unchanged.",
              "Apply the random transformation when training is True (and check that its "
              "strength parameters are not zero).")

    # 4. reproducible with a seed
    if _accepts_seed(factory):
        seeded = {**params, "seed": params.get("seed", 0)}
        first = _to_numpy(call(build(**seeded), images, True))
        second = _to_numpy(call(build(**seeded), images, True))
        if first.shape != second.shape or not np.array_equal(first, second):
            _fail("determinism check", where,
                  f"two layers built with seed={seeded['seed']} gave different outputs on the "
                  "same batch.",
                  "Draw every random number from a keras.random.SeedGenerator(seed) created "
                  "in __init__ (pass seed=self.seed_generator to keras.random functions), and "
                  "pass the seed on to nested layers.")

    # 5. label mixing
    if _mixes_labels(layer):
        labels = np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
        for training in (True, False):
            data = {"images": images, "labels": keras.ops.convert_to_tensor(labels)}
            mixed = call(layer, data, training)
            if not isinstance(mixed, dict) or "images" not in mixed or "labels" not in mixed:
                _fail("label mixing check", where,
                      f"layer({{'images': x, 'labels': one_hot}}, training={training}) returned "
                      f"{type(mixed).__name__}, not a dict with 'images' and 'labels'.",
                      "Label-mixing layers must return the same dictionary with both entries.")
            out_images, out_labels = _to_numpy(mixed["images"]), _to_numpy(mixed["labels"])
            if out_images.shape != x.shape or out_labels.shape != labels.shape:
                _fail("label mixing check", where,
                      f"the dict call returned images {out_images.shape} and labels "
                      f"{out_labels.shape} instead of {x.shape} and {labels.shape}.",
                      "Keep the batch and the one-hot label shapes.")
            if not np.allclose(out_labels.sum(axis=1), 1, atol=1e-5):
                _fail("label mixing check", where,
                      f"the mixed label rows sum to {np.round(out_labels.sum(axis=1), 4).tolist()}, "
                      "not 1.", "Mix labels with weights that sum to 1 (w y_i + (1 - w) y_j).")
            if not training and not (np.allclose(out_images, x, atol=1e-6)
                                     and np.allclose(out_labels, labels, atol=1e-6)):
                _fail("identity at inference check", where,
                      "the dict call with training=False changed the images or labels.",
                      "Return the dictionary unchanged when training is False.")
    return None


@contextlib.contextmanager
def registered_plugin(plugin, name):
    """Have ``plugin`` in medcnn's registries for the duration of a ``with`` block.

    A plugin that is installed (found through its entry point) is used as it is;
    otherwise it is registered under ``name`` and unregistered at the end, so that
    a test can use a plugin module of a source checkout, or a plugin object it
    builds (a reader for a test format, say).

    Parameters
    ----------
    plugin : module or object
        The plugin: an object with ``@medcnn.hookimpl`` functions.
    name : str
        The name to register it under when it is not registered yet.

    Yields
    ------
    str
        The plugin's name in the registries (the entry point name when installed).

    Examples
    --------
    >>> import types
    >>> import medcnn
    >>> from medcnn.registry import image_readers
    >>> plugin = types.SimpleNamespace(register_image_readers=medcnn.hookimpl(
    ...     lambda register: register("demo.npy", lambda path: None, description="demo")))
    >>> with registered_plugin(plugin, "demo-reader") as name:
    ...     name, "demo.npy" in image_readers
    ('demo-reader', True)
    >>> "demo.npy" in image_readers
    False
    """
    from medcnn import plugins

    manager = plugins.get_plugin_manager()
    if manager.is_registered(plugin):
        yield manager.get_name(plugin)
        return
    registered = plugins.register(plugin, name)
    try:
        yield registered
    finally:
        plugins.unregister(registered)
