"""Image sources: where the network's input batches come from.

:class:`ArrayImages` wraps an in-memory image array (validated and scaled by
:mod:`._inputs`); :class:`PathImages` streams image files through a tf.data
pipeline: read (native TensorFlow decoding for PNG and JPEG, the registered image
readers in parallel for every other format) -> resize or pad -> optional cache ->
shuffle -> batch -> augment (training only) -> prefetch. Predicting on paths never
holds more than a few batches of decoded images in memory.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections import Counter

import numpy as np

from medcnn.datasets import (PILLOW_SUFFIXES, has_colour, max_image_pixels, pillow_header, read_image, split_reference,
                             read_with, reader_for, suffix_names, to_channels)
from medcnn.exceptions import ImageReadError

from ._arrays import RESIZE_MODES, scaled_float
from ._sampling import balanced_epoch, class_indices, stream_seed

__all__ = ["ArrayImages", "PathImages", "resize_images", "NATIVE_READERS", "mixes_labels"]

#: Readers whose files TensorFlow decodes natively: PNG gives the same pixels as the
#: Pillow reader; JPEG may differ by a few levels (another IDCT implementation).
NATIVE_READERS = ("png", "jpg", "jpeg")
#: Images read to learn the input size and channels of a path X in fit.
PROBE_IMAGES = 64
#: Images (at most) whose pixels give the input standardisation of a path X.
STATS_IMAGES = 2048
#: Shuffle buffer (decoded images) when a disk cache is used.
DISK_SHUFFLE_BUFFER = 4096
_RESIZE_CHUNK = 512
#: ``cache="auto"`` keeps the decoded images of a training (or validation) set in memory
#: when they take at most this many bytes as float32, and caches nothing otherwise.
AUTO_CACHE_BYTES = 1 << 30


#: Most channels a 2-D image read by a plugin may have (several DICOM windows); more mean a volume.
MAX_READER_CHANNELS = 8
#: Channel counts TensorFlow's PNG/JPEG decoders produce.
_DECODABLE_CHANNELS = (1, 3, 4)


def resolve_cache(cache, n_images, size, channels):
    """The cache to use: ``cache`` itself, or for ``"auto"`` ``"memory"`` when ``n_images``
    decoded images of ``size`` and ``channels`` fit in AUTO_CACHE_BYTES, else None."""
    if cache != "auto":
        return cache
    return "memory" if n_images * size[0] * size[1] * channels * 4 <= AUTO_CACHE_BYTES else None


def _resize_op(images, size, mode):
    import tensorflow as tf

    if mode not in RESIZE_MODES:
        raise ValueError(f"resize_mode={mode!r} is not valid; use one of {RESIZE_MODES}.")
    if mode == "resize":
        return tf.image.resize(images, size, method="bilinear", antialias=True)
    return tf.image.resize_with_crop_or_pad(images, size[0], size[1])


def resize_images(images: np.ndarray, size, mode="resize") -> np.ndarray:
    """Bring an image array ``(n, h, w, c)`` to ``size = (h, w)`` by ``mode``."""
    size = (int(size[0]), int(size[1]))
    if images.shape[1:3] == size:
        return images
    parts = [_resize_op(images[i:i + _RESIZE_CHUNK], size, mode).numpy()
             for i in range(0, len(images), _RESIZE_CHUNK)]
    return np.concatenate(parts).astype(np.float32, copy=False)


def mixes_labels(layer):
    """Whether an augmentation layer mixes images *and* labels (MixUp, CutMix).

    Such layers are called with ``{"images": x, "labels": one_hot}`` and return the
    same dictionary; they are left out of test-time augmentation.
    """
    import keras

    return bool(getattr(layer, "mixes_labels", False)) or isinstance(
        layer, (keras.layers.MixUp, keras.layers.CutMix))


def _finish(ds, batch_size, augmenters, shuffle_seed):
    import tensorflow as tf


    ds = ds.batch(batch_size)
    if augmenters:
        mixing = [mixes_labels(layer) for layer in augmenters]

        def augment(images, *targets):
            labels = targets[0] if targets else None
            for layer, mixes in zip(augmenters, mixing):
                if mixes and labels is not None:  # MixUp/CutMix: one-hot labels mix too
                    mixed = layer({"images": images, "labels": labels}, training=True)
                    images, labels = mixed["images"], mixed["labels"]
                elif not mixes:
                    images = layer(images, training=True)
            return (images, labels, *targets[1:]) if targets else (images,)

        # The augmenters' random generators are stateful: calling them from parallel
        # map workers would make the draws depend on thread timing, so a seeded fit
        # maps sequentially (still overlapped with training by prefetch).
        parallel = None if shuffle_seed is not None else tf.data.AUTOTUNE
        ds = ds.map(augment, num_parallel_calls=parallel)
    return ds.prefetch(tf.data.AUTOTUNE)


def _readers(paths):
    """Reader name of each path: looked up once per suffix; files whose suffix names no
    reader are recognised one by one (by their first bytes), None where that fails."""
    from medcnn.registry import image_readers

    by_suffix = {}
    readers = []
    for path in paths:
        suffixes = tuple(suffix_names(path))
        if suffixes not in by_suffix:
            by_suffix[suffixes] = next((s for s in suffixes if s in image_readers), None)
        reader = by_suffix[suffixes]
        if reader is None:
            try:
                reader = reader_for(path)
            except ImageReadError:  # missing, or no reader: reading it raises, naming the file
                reader = None
        readers.append(reader)
    return readers


def _sampled(class_streams, indices, labels, sampling, shuffle_seed):
    """A class-balanced epoch over ``indices`` by their ``labels``, drawn from the endless
    per-class streams ``class_streams(group, seed)``."""
    groups, present = class_indices(indices, labels, with_classes=True)
    streams = [class_streams(group, stream_seed(shuffle_seed, k)) for k, group in enumerate(groups)]
    return balanced_epoch(streams, [len(g) for g in groups], sampling, shuffle_seed, encoded=present)


class ArrayImages:
    """Images already in memory: float32 ``(n, h, w, c)``."""

    def __init__(self, images: np.ndarray, sample_shape):
        self.images = images
        self.sample_shape = tuple(int(s) for s in sample_shape)

    def __len__(self):
        return len(self.images)

    def prepare(self, size, resize_mode):
        self.images = resize_images(self.images, size, resize_mode)
        self.size = tuple(int(s) for s in self.images.shape[1:3])
        return self

    def channel_stats(self, indices, seed=None):
        images = self.images[indices]
        return (images.mean(axis=(0, 1, 2), dtype=np.float64),
                images.var(axis=(0, 1, 2), dtype=np.float64))

    def dataset(self, indices, targets=(), *, batch_size, shuffle_seed=None, shuffle=False,
                augmenters=(), cache=None, sampling=None, labels=None):
        """Batches ``(images, *targets)`` for ``indices``: [shuffle or class-balanced
        sampling with ``labels``] -> batch -> [augment] -> prefetch."""
        import tensorflow as tf

        def slices(group):
            return tf.data.Dataset.from_tensor_slices((self.images[group], *[t[group] for t in targets]))

        if sampling:
            def stream(group, seed):
                return slices(group).shuffle(len(group), seed=seed, reshuffle_each_iteration=True).repeat()

            ds = _sampled(stream, indices, labels, sampling, shuffle_seed)
        else:
            ds = slices(indices)
            if shuffle:
                ds = ds.shuffle(len(indices), seed=shuffle_seed, reshuffle_each_iteration=True)
        return _finish(ds, batch_size, augmenters, shuffle_seed)

    def model_input(self, batch_size):
        return self.images

    @contextlib.contextmanager
    def naming_errors(self, indices=None):
        yield  # arrays were validated up front: nothing to name


class PathImages:
    """Image files, read lazily through the registered readers.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
    reader_params : dict, optional
        ``{reader name: {param: value}}``, e.g. ``{"dcm": {"window": (40, 400)}}``.
    channels : int, optional
        Channel count of the network input (known after fit).
    """

    def __init__(self, paths, reader_params=None, channels=None):
        self.paths = np.asarray([str(os.fspath(p)) for p in paths])
        self.reader_params = dict(reader_params or {})
        self.readers = _readers(self.paths)
        self.channels = channels
        self.size = None
        self.resize_mode = "resize"

    def __len__(self):
        return len(self.paths)

    # -- reading in Python (probing, non-native formats, error diagnosis)
    def _decode(self, path, reader):
        """The image array of ``path``, by the reader found for it (None: not found, and
        reading names the file and the reason)."""
        if reader is None:
            return read_image(path)
        return read_with(path, reader, self.reader_params.get(reader, {}))

    def _read(self, i, channels):
        image = self._decode(self.paths[i], self.readers[i])
        try:
            return scaled_float(to_channels(image, channels))
        except ValueError as exc:
            raise ImageReadError(f"{self.paths[i]!r}: {exc}") from None

    def _probe(self, path, reader):
        """``(height, width, channels)`` of one file: from its header for the Pillow formats
        (no pixel is decoded; 3 for colour, 1 for grey), else from the image its reader
        decodes (its channel count as given: a DICOM read with two windows has 2)."""
        if reader in PILLOW_SUFFIXES and not self.reader_params.get(reader):
            (height, width), mode = pillow_header(path)
            return height, width, 3 if has_colour(mode) else 1
        image = self._decode(path, reader)
        return image.shape[0], image.shape[1], image.shape[-1] if image.ndim == 3 else 1

    @functools.cached_property
    def sample_shape(self):
        """``(h, w, c)``: the most common size among the first PROBE_IMAGES files, and
        their channels unless given: 3 if any has colour, else 1; or the channel count
        that every probed image has when it is another (channels of several windows)."""
        probes = [self._probe(p, r) for p, r in zip(self.paths[:PROBE_IMAGES], self.readers[:PROBE_IMAGES])]
        if self.channels is None:
            counts = {c for _, _, c in probes}
            if max(counts) > MAX_READER_CHANNELS:
                raise ValueError(
                    f"The files read as arrays (h, w, c) with up to {max(counts)} channels (e.g. "
                    f"{self.paths[0]!r}): if they are volumes (d, h, w), train a volume architecture "
                    "(architecture='cnn3d_small' or 'resnet18_3d'), or load their slices as 2-D images "
                    "(e.g. the nifti loader's slices='middle' or 'all').")
            (only,) = counts if len(counts) == 1 else (None,)
            self.channels = only if only not in (None, 4) else 3 if max(counts) >= 3 else 1
        (height, width), _ = Counter((h, w) for h, w, _ in probes).most_common(1)[0]
        return (int(height), int(width), self.channels)

    def prepare(self, size, resize_mode):
        self.size = (int(size[0]), int(size[1]))
        self.resize_mode = resize_mode
        if self.channels is None:
            self.channels = self.sample_shape[-1]
        return self

    # -- the tf.data pipeline
    def _slices(self, indices, targets=()):
        """``(dataset of (path, index, native) keys and targets, whether every file is native)``."""
        import tensorflow as tf

        indices = np.asarray(indices, dtype=np.int64)
        native = np.array([self.readers[i] in NATIVE_READERS and not self.reader_params.get(self.readers[i])
                           and not split_reference(self.paths[i])[1] and self.channels in _DECODABLE_CHANNELS
                           for i in indices], dtype=bool)
        keys = (self.paths[indices], indices, native)
        return tf.data.Dataset.from_tensor_slices((keys, *[t[indices] for t in targets])), bool(native.all())

    def _load(self, key, *targets, all_native=False):
        """Read one file (native decoding where possible) and bring it to the input size;
        ``all_native`` leaves the Python reader out of the graph when no file needs it."""
        import tensorflow as tf

        path, index, is_native = key
        channels, size, mode = self.channels, self.size, self.resize_mode

        def read_native():

            # (height, width, components) from the PNG IHDR chunk or the JPEG frame header
            # (components 0 for PNG, zeros for other formats): a few scalar ops, no decoding.
            data = tf.io.read_file(path)
            padded = tf.strings.join([tf.strings.substr(data, 0, 24), b"\0" * 24])
            head = tf.cast(tf.io.decode_raw(padded, tf.uint8)[:24], tf.float64)
            word = tf.constant([2.0 ** 24, 2.0 ** 16, 2.0 ** 8, 1.0], tf.float64)
            is_png = tf.reduce_all(tf.equal(head[:16], list(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")))
            is_jpeg = tf.reduce_all(tf.equal(head[:2], [255.0, 216.0]))

            def png_shape():
                return tf.stack([tf.reduce_sum(head[20:24] * word), tf.reduce_sum(head[16:20] * word), 0.0])

            def jpeg_shape():
                return tf.cast(tf.image.extract_jpeg_shape(data), tf.float64)

            shape = tf.cond(is_png, png_shape, lambda: tf.cond(is_jpeg, jpeg_shape, lambda: tf.zeros([3], tf.float64)))
            limit = max_image_pixels()
            if limit is not None:  # refuse decompression bombs before decoding allocates them
                check = tf.debugging.Assert(shape[0] * shape[1] <= float(limit), [
                    path, "claims", shape[0] * shape[1], (
                        f"pixels, above the limit of {limit} (PIL.Image.MAX_IMAGE_PIXELS): refused as a "
                        "possible decompression bomb; downscale or tile it, or raise the limit")])
                with tf.control_dependencies([check]):
                    data = tf.identity(data)

            def decode(wanted):
                return tf.io.decode_image(data, channels=wanted, dtype=tf.float32, expand_animations=False)

            if channels != 1:
                return decode(channels)
            # TensorFlow cannot decode a CMYK JPEG to one channel: decode it to RGB, then take the luma
            return tf.cond(tf.equal(shape[2], 4.0), lambda: tf.image.rgb_to_grayscale(decode(3)), lambda: decode(1))

        def read_python():
            return tf.numpy_function(lambda i: self._read(int(i), channels), [index], tf.float32)

        if all_native:
            image = read_native()
        elif channels not in _DECODABLE_CHANNELS:  # TensorFlow decodes PNG/JPEG to 1, 3 or 4 channels only
            image = read_python()
        else:
            image = tf.cond(is_native, read_native, read_python)
        image.set_shape([None, None, channels])
        same = tf.reduce_all(tf.equal(tf.shape(image)[:2], size))
        image = tf.cond(same, lambda: image, lambda: _resize_op(image[tf.newaxis], size, mode)[0])
        image.set_shape([size[0], size[1], channels])
        return (image, *targets)

    def _decoded(self, indices, targets=(), shuffle_seed=None, shuffle=False):
        import tensorflow as tf

        ds, all_native = self._slices(indices, targets)
        if shuffle:  # shuffle the file names (cheap), then decode in that order
            ds = ds.shuffle(len(indices), seed=shuffle_seed, reshuffle_each_iteration=True)
        return ds.map(functools.partial(self._load, all_native=all_native),
                      num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    def channel_stats(self, indices, seed=None):
        """Per-channel mean and variance over (a random sample of at most STATS_IMAGES) images."""
        indices = np.asarray(indices)
        if len(indices) > STATS_IMAGES:
            indices = np.sort(np.random.RandomState(seed).choice(indices, STATS_IMAGES, replace=False))
        total, total_sq, count = np.zeros(self.channels), np.zeros(self.channels), 0
        with self.naming_errors(indices):
            for (batch,) in self._decoded(indices).batch(256):
                batch = batch.numpy().astype(np.float64)
                total += batch.sum(axis=(0, 1, 2))
                total_sq += np.square(batch).sum(axis=(0, 1, 2))
                count += batch.shape[0] * batch.shape[1] * batch.shape[2]
        mean = total / count
        return mean, np.maximum(total_sq / count - np.square(mean), 0.0)

    def dataset(self, indices, targets=(), *, batch_size, shuffle_seed=None, shuffle=False,
                augmenters=(), cache=None, sampling=None, labels=None):
        """Batches ``(images, *targets)`` for ``indices``: read -> resize -> [cache] ->
        [shuffle, or class-balanced sampling with ``labels``] -> batch -> [augment] -> prefetch."""
        cache = resolve_cache(cache, len(indices), self.size, self.channels)
        if sampling:
            def stream(group, seed):
                if cache not in (None, "memory"):
                    # an epoch may read a class only in part, which would leave a disk
                    # cache unfinished (and discarded): write each class's cache whole first
                    for _ in self._decoded(group, targets).cache(self._cache_file(cache, group)).batch(512):
                        pass
                return self._shuffled(group, targets, seed, True, cache).repeat()

            ds = _sampled(stream, indices, labels, sampling, shuffle_seed)
        else:
            ds = self._shuffled(indices, targets, shuffle_seed, shuffle, cache)
        return _finish(ds, batch_size, augmenters, shuffle_seed)

    def _shuffled(self, indices, targets, shuffle_seed, shuffle, cache):
        """Decoded images of ``indices`` (cached if asked), in a fresh order each pass if ``shuffle``."""
        if cache is None:
            return self._decoded(indices, targets, shuffle_seed, shuffle)
        ds = self._decoded(indices, targets).cache("" if cache == "memory" else self._cache_file(cache, indices))
        if shuffle:
            buffer = len(indices) if cache == "memory" else min(len(indices), DISK_SHUFFLE_BUFFER)
            ds = ds.shuffle(buffer, seed=shuffle_seed, reshuffle_each_iteration=True)
        return ds

    def _cache_file(self, folder, indices):
        """Cache file prefix in ``folder`` named after what it holds (files, size, channels,
        resize mode, reader parameters), so a cache is only ever reused for the same images."""
        key = hashlib.sha256()
        for part in (self.paths[np.asarray(indices)].tolist(), self.size, self.channels, self.resize_mode,
                     sorted((k, repr(v)) for k, v in self.reader_params.items())):
            key.update(repr(part).encode())
        return os.path.join(os.fspath(folder), f"medcnn-cache-{key.hexdigest()[:20]}")

    def model_input(self, batch_size):
        return self.dataset(np.arange(len(self)), batch_size=batch_size)

    def readable(self):
        """``(indices of the files that decode, {index: reason} of those that do not)``,
        from one decoding pass that leaves failing files out."""
        indices = np.arange(len(self))
        decoded = self._decoded(indices, (indices,)).map(lambda image, index: index).ignore_errors()
        good = np.fromiter(decoded.as_numpy_iterator(), dtype=np.int64)
        reasons = {}
        for i in np.setdiff1d(indices, good):
            try:
                self._read(int(i), self.channels)
                reasons[int(i)] = f"{self.paths[i]!r}: TensorFlow could not decode it"
            except ImageReadError as exc:
                reasons[int(i)] = str(exc)
        return good, reasons

    def subset(self, indices):
        """A source of the files at ``indices``, prepared like this one."""
        part = PathImages(self.paths[np.asarray(indices)], self.reader_params, self.channels)
        return part.prepare(self.size, self.resize_mode)

    @contextlib.contextmanager
    def naming_errors(self, indices=None):
        """Turn a TensorFlow error raised while reading into an ImageReadError naming the file.

        Native decoding errors do not carry the file name, so on failure the files are
        read once more in Python, in order, and the first unreadable one is reported.
        """
        import tensorflow as tf

        try:
            yield
        except tf.errors.OpError as exc:
            for i in (range(len(self)) if indices is None else indices):
                self._read(int(i), self.channels)  # raises ImageReadError naming the file
            raise exc from None  # every file reads: the error did not come from the data

