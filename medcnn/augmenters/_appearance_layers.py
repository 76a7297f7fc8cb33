"""Keras 3 appearance layers adapted for medcnn: a hue layer with a channel check, and
an AugMix whose random choices all come from its seed.

Both are registered with ``keras.saving.register_keras_serializable(package="medcnn")``.
"""

import sys

import keras

from ._layers import RGBChannelCheck

__all__ = ["RGBHue", "SeededAugMix"]


def _in_tf_graph():
    """Whether TensorFlow is tracing (a tf.data map, a tf.function), as Keras's layers check."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and not tf.executing_eagerly()


@keras.saving.register_keras_serializable(package="medcnn")
class RGBHue(RGBChannelCheck, keras.layers.RandomHue):
    """``keras.layers.RandomHue`` that refuses non-RGB images clearly.

    A batch whose channel axis is not 3 raises ``ValueError`` ("hue needs RGB images
    ...") instead of a TensorFlow error from the RGB -> HSV conversion.

    Parameters
    ----------
    factor : float or tuple of float
        As in ``keras.layers.RandomHue``: the hue moves by up to ``factor / 2`` of the
        colour circle, either way.
    value_range : tuple of float, default=(0, 255)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.
    data_format : {"channels_last", "channels_first"}, optional
        Layout of the batches; Keras' image data format by default (channels last).
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> layer = RGBHue(0.1, value_range=(0, 1), seed=0)
    >>> layer(np.zeros((1, 4, 4, 1), "float32"))
    Traceback (most recent call last):
    ...
    ValueError: hue needs RGB images (3 channels); got 1 channel. ...
    """

    augmenter_name = "hue"

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        # an explicit signature: the documented parameters, whatever Keras' own __init__ looks like
        super().__init__(factor, value_range=value_range, seed=seed, data_format=data_format, **kwargs)


@keras.saving.register_keras_serializable(package="medcnn")
class SeededAugMix(keras.layers.AugMix):
    """``keras.layers.AugMix`` whose choice of operations comes from its seed.

    ``keras.layers.AugMix`` picks the operations of each chain with Python's
    ``random`` module: two layers with the same seed then differ, and inside a
    ``tf.data`` map (traced once) every batch of every epoch gets the same
    operations. Here the operation of each chain step (one of the layer's
    operations, or none) is drawn with the layer's ``SeedGenerator``, per batch, and
    only that operation is run (``ops.switch``). The rest is AugMix's: ``num_chains``
    chains of up to ``chain_depth`` operations, mixed with Dirichlet(alpha) weights
    and blended with the input with a Beta(alpha, alpha) weight; one draw per batch.

    Parameters
    ----------
    value_range : tuple of float, default=(0, 255)
        Range of the pixel values.
    num_chains, chain_depth : int, default=3
        Number of chains and largest number of operations per chain.
    factor : float, default=0.3
        Strength of every operation, in [0, 1].
    alpha : float, default=1.0
        Parameter of the Dirichlet and Beta distributions.
    all_ops : bool, default=True
        Whether brightness, colour, contrast and sharpness changes are included.
    interpolation : {"bilinear", "nearest"}, default="bilinear"
        Interpolation of the geometric operations.
    seed : int, optional
        Seed of the layer's random generator.
    data_format : {"channels_last", "channels_first"}, optional
        Layout of the batches; Keras' image data format by default (channels last).
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((2, 8, 8, 3), dtype="float32")
    >>> a = SeededAugMix(value_range=(0, 1), seed=1)(x, training=True)
    >>> b = SeededAugMix(value_range=(0, 1), seed=1)(x, training=True)
    >>> bool(np.array_equal(a, b))
    True
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        # an explicit signature: the documented parameters, whatever Keras' own __init__ looks like
        super().__init__(value_range=value_range, num_chains=num_chains, chain_depth=chain_depth, factor=factor,
                         alpha=alpha, all_ops=all_ops, interpolation=interpolation, seed=seed,
                         data_format=data_format, **kwargs)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        if _in_tf_graph():  # run the operations with TensorFlow, whatever the backend
            self.backend.set_backend("tensorflow")
            for name in self._augment_layers:
                getattr(self, name).backend.set_backend("tensorflow")
        seed = seed or self._get_seed_generator(self.backend._backend)
        random = self.backend.random
        chain_mixing_weights = self._sample_from_dirichlet([self.num_chains], self.alpha, seed)
        weight_sample = random.beta(shape=(), alpha=self.alpha, beta=self.alpha, seed=seed)
        # index len(self._augment_layers) is "no operation" (chains of 0 to chain_depth steps)
        op_indices = random.randint((self.num_chains, self.chain_depth), 0, len(self._augment_layers) + 1,
                                    seed=seed)
        step_transforms = [
            [{name: getattr(self, name).get_random_transformation(
                data, training=True, seed=self._get_seed_generator(self.backend._backend))
              for name in self._augment_layers}
             for _ in range(self.chain_depth)]
            for _ in range(self.num_chains)]
        return {"chain_mixing_weights": chain_mixing_weights, "weight_sample": weight_sample,
                "op_indices": op_indices, "step_transforms": step_transforms}

    def _chain(self, values, transformation, chain, method):
        """Run the chosen operation of each step of one chain (``method``: images or masks)."""
        for step in range(self.chain_depth):
            transforms = transformation["step_transforms"][chain][step]
            branches = [
                (lambda v, name=name: getattr(getattr(self, name), method)(v, transforms[name]))
                for name in self._augment_layers
            ] + [lambda v: v]
            shape = values.shape
            values = self.backend.core.switch(transformation["op_indices"][chain, step], branches, values)
            if hasattr(values, "set_shape"):  # a TensorFlow tensor: keep the static shape
                values.set_shape(shape)
        return values

    def _mix(self, values, transformation, method):
        values = self.backend.cast(values, self.compute_dtype)
        weights = self.backend.cast(transformation["chain_mixing_weights"], self.compute_dtype)
        weight_sample = self.backend.cast(transformation["weight_sample"], self.compute_dtype)
        mixed = self.backend.numpy.zeros_like(values)
        for chain in range(self.num_chains):
            chained = self.backend.cast(self._chain(values, transformation, chain, method), self.compute_dtype)
            mixed = mixed + chained * weights[chain]
        return weight_sample * values + (1 - weight_sample) * mixed

    def transform_images(self, images, transformation, training=True):
        if training:
            images = self._mix(images, transformation, "transform_images")
            images = self.backend.numpy.clip(images, self.value_range[0], self.value_range[1])
        return self.backend.cast(images, self.compute_dtype)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            segmentation_masks = self._mix(segmentation_masks, transformation,
                                           "transform_segmentation_masks")
        return segmentation_masks
