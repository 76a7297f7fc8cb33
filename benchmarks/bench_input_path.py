"""Stage-by-stage profile of CNNClassifier's training input path on image file paths.

``CNNClassifier.fit`` on a list of file paths streams the files through a tf.data
pipeline (``medcnn/_input/_sources.py``, ``PathImages.dataset``): read and decode ->
resize to the network input -> cache (``cache="auto"``: in memory, filled during the
first epoch) -> shuffle -> batch -> augment (Keras layers) -> prefetch, and the
network standardises each batch with its first layer (``keras.layers.Normalization``).
This benchmark times each of these stages on its own, and the training step they feed,
so that one sees which stage between the in-memory cache and the training step costs
what.

Everything is built with medcnn's own code, as ``BaseCNN._prepared`` (what ``fit``
runs) builds it: the source from ``CNNClassifier._source`` and ``PathImages.prepare``,
the datasets from ``PathImages.dataset`` with the arguments ``_prepared`` passes, the
augmentation layers from ``medcnn.augmenters.build_augmenters``, and the network,
its standardisation statistics and its compilation from ``_prepared`` itself. Those
are private functions of medcnn; they are used so that the numbers describe what
``fit`` does, not a re-implementation of it.

Every stage is timed as whole passes over the n images in batches of ``--batch-size``
(32): one warm-up pass (it traces the graphs and, for the cached stages, fills the
cache), then ``--repeats`` timed passes (7; 3 with ``--quick``), of which the median
is reported. Batches are pulled with a plain Python loop over the dataset, as Keras'
training loop pulls them (one ``next`` per step). One line per stage::

    input_path stage=decode data=idc n=2048 batch=32 size=50x50 images_per_s=... ms_per_batch=...

- ``decode``: read and decode the files (PNG, natively by TensorFlow, to float32 in
  [0, 1]), nothing cached, no resize: the source is prepared at the images' own size,
  so the per-image resize is skipped. This is what the first epoch costs (it also
  writes the cache), and every epoch with ``cache=None``.
- ``resize``: decode + resize to the network input, as ``fit`` prepares the source
  (``_target_size``: ``image_size=None`` keeps the image size up to a longest side of
  64). ``resized=no`` says the images already have the input size (the 50x50 IDC
  patches: the pipeline's per-image check skips the resize), so this line measures
  the same work as ``decode`` (the difference between the two lines is run-to-run
  noise); then a second line (``resized=yes``) resizes to ``--resize-to`` (64x64, as
  ``image_size=64`` would) to show what a real resize costs. With images of another
  size than the input, the first line resizes (``resized=yes``) and is the only one.
- ``cached``: the training dataset of ``fit`` without augmentation, after the first
  pass filled the in-memory cache (epochs 2 and later): cache read -> shuffle (a
  buffer of all n images) -> batch -> prefetch. ``cache=`` is what ``cache="auto"``
  resolved to; ``fill_images_per_s`` is the warm-up pass, the first epoch (decode +
  cache write).
- ``augment``: the same with augmentation: ``augment=flip,rotate90`` (the default) and
  ``augment=histology`` (the preset: flips, quarter turns, stain jitter, light blur).
  ``map=parallel`` is the estimator default (``random_state=None``); ``--seeded``
  measures the sequential map of a seeded fit (``map=sequential``).
- ``standardise``: the network's ``Normalization`` layer (``standardize``) alone on a
  cached batch, in a ``tf.function`` called 200 times per pass, under the default
  precision's dtype policy. ``call_overhead_ms`` is the cost of calling an empty
  ``tf.function`` the same way, included in ``ms_per_batch``. In ``fit`` the layer
  runs inside the training step, so it is part of ``train_step`` too.
- ``train_step``: ``model.train_on_batch`` of the default network (``patch_cnn``),
  built and compiled by ``_prepared`` (standardisation, head, loss, optimizer,
  ``jit_compile="auto"``), on one cached batch of images, one-hot labels and sample
  weights, repeated ``--steps`` times per pass (the first calls trace). Measured at the
  default ``precision="auto"`` (``policy=`` says what it resolved to on this machine)
  and at ``precision="float32"``. The input path is not involved: this is the rate
  the network can consume batches at.
- ``fit_epoch``: ``model.fit`` over the training dataset ``_prepared`` built (cache
  auto, default augmentation, shuffled), default precision, 5 epochs: the median of
  epochs 2 to 5 (epoch 1 traces and fills the cache). Input and step run together
  here, sharing the CPU cores, and on 2 cores the epoch times scatter widely (a ``#``
  line lists them). Left out with ``--quick``.

Every stage line has ``images_per_s`` and ``ms_per_batch`` (milliseconds per batch of
``batch`` images, ``1000 * batch / images_per_s``). Then one summary line::

    input_path_summary data=idc n=2048 slowest_input_stage=... input_over_step=... input_over_step_histology=... input_over_step_float32=...

- ``slowest_input_stage``: the input stage with the fewest images per second among
  those ``fit`` runs on these images: decode, resize to the network input, cached,
  augment (``augment[<augmenters>]``, both lines); the ``--resize-to`` line is left
  out.
- ``input_over_step``: images/s of the cached + default-augmentation pipeline divided
  by images/s of the default-precision training step; above 1 the input path can keep
  the step fed (when both do not compete for the same cores: on a CPU-only machine
  they do, see ``fit_epoch``). ``input_over_step_histology``: the same with the
  ``histology`` preset; ``input_over_step_float32``: default augmentation against the
  float32 step.

Lines starting with ``#`` are comments (setting, per-pass times).

Data: the IDC patches under ``../shared/data/idc/Train`` (relative to the repository
root; 50x50 RGB PNG), n evenly spaced files of both classes, read where they are;
else (or with ``--synthetic``) n synthetic ``make_histology`` patches written as PNG
files into a temporary folder (``bench_keras.write_synthetic``). n is 2048 (512 with
``--quick``, or ``--n``). About a minute on 2 CPU cores (20 seconds with ``--quick``,
whose passes of 16 batches are a smoke test: fixed costs per pass, such as creating
the iterator, weigh more there).

Run: ``python benchmarks/bench_input_path.py [--quick] [--synthetic] [--n N] [--seeded]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # bench_keras, when this file is imported from elsewhere

from bench_keras import IDC, image_files, write_synthetic  # noqa: E402

DEFAULT_AUGMENT = ("flip", "rotate90")
PRESET = "histology"
FIT_EPOCHS = 5  # fit_epoch: the median of epochs 2 to 5


# ------------------------------------------------------------------------ data
def files(n, synthetic, workdir: Path):
    """``(paths, integer labels, data label)``: n evenly spaced IDC Train files, or n synthetic PNGs."""
    train = IDC / "Train"
    if not synthetic and train.is_dir():
        found, data = image_files(train), "idc"
        found = [found[i] for i in np.linspace(0, len(found) - 1, min(n, len(found))).astype(int)]
    else:
        found, data = image_files(write_synthetic(workdir / "Train", n, 0)), "synthetic"
    return [str(p) for p in found], np.array([int(p.parent.name) for p in found]), data


# ------------------------------------------------------------------- measuring
def consume(dataset):
    """Pull every batch of one pass, as the training loop does; the number of images."""
    count = 0
    for batch in dataset:
        count += int(batch[0].shape[0])
    return count


def timed_passes(dataset, repeats):
    """``(seconds of the warm-up pass, [seconds of each timed pass], images per pass)``."""
    start = time.perf_counter()
    images = consume(dataset)
    warmup = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        consume(dataset)
        times.append(time.perf_counter() - start)
    return warmup, times, images


class Report:
    """Prints stage lines and keeps their images/s for the summary."""

    def __init__(self, data, n, batch):
        self.data, self.n, self.batch, self.rates = data, n, batch, {}

    def stage(self, stage, images_per_s, key=None, summary=True, **extra):
        if summary:
            self.rates[key or stage] = images_per_s
        fields = " ".join(f"{k}={v}" for k, v in extra.items())
        print(f"input_path stage={stage} data={self.data} n={self.n} batch={self.batch} {fields} "
              f"images_per_s={images_per_s:.0f} ms_per_batch={1000 * self.batch / images_per_s:.2f}", flush=True)

    def passes(self, label, warmup, times):
        first = "" if warmup is None else f"warm-up {warmup:.3f} s, "
        print(f"# {label}: {first}passes " + " ".join(f"{t:.3f}" for t in times) + " s", flush=True)


def source_at(clf, paths, size=None):
    """``(PathImages source for paths, sample shape)``: prepared as ``_prepared`` prepares it
    (private helpers ``_source`` and ``_target_size``), at the images' own size with
    ``size="native"``, or at ``size``."""
    from medcnn._defaults import DEFAULT_MAX_SIDE
    from medcnn._networks import resolve_architecture

    source = clf._source(paths, None)  # private: what fit turns a path X into
    sample_shape = source.sample_shape
    if size == "native":
        size = sample_shape[:2]
    elif size is None:
        metadata = resolve_architecture(clf.architecture)[1]
        max_side = None if metadata.get("pretrained") else DEFAULT_MAX_SIDE
        size = clf._target_size(sample_shape[:-1], metadata.get("min_size"), max_side=max_side)
    return source.prepare(size, clf.resize_mode), sample_shape


def training_dataset(source, clf, targets, seed, augment, cache):
    """``PathImages.dataset`` with the arguments ``_prepared`` passes for the training set."""
    from medcnn.augmenters import build_augmenters

    augmenters = build_augmenters(augment, seed, channels=source.channels, spatial_dims=2)
    return source.dataset(np.arange(len(source)), targets, batch_size=clf.batch_size, shuffle_seed=seed,
                          shuffle=True, augmenters=augmenters, cache=cache)


def train_step_rate(run, batch, steps, repeats):
    """``(images/s, seconds per pass)`` of ``train_on_batch`` on ``batch``, ``steps`` calls per pass."""
    images, one_hot, weights = batch
    model = run.model
    for _ in range(2):  # traces (and compiles with XLA where jit_compile resolves to it)
        model.train_on_batch(images, one_hot, sample_weight=weights)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(images, one_hot, sample_weight=weights)
        times.append(time.perf_counter() - start)
    return steps * int(images.shape[0]) / statistics.median(times), times


def calls_seconds(function, batch, calls, repeats):
    """Seconds of each of ``repeats`` passes of ``calls`` calls of ``function(batch)``."""
    function(batch).numpy()  # trace
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            out = function(batch)
        out.numpy()
        times.append(time.perf_counter() - start)
    return times


def standardise_rate(run, batch, calls, repeats):
    """``(images/s, seconds per pass, dtype policy, ms of an empty call)`` of the network's
    Normalization layer alone on ``batch`` (a tf.function); the empty call is a
    tf.function returning its input, the overhead included in each call."""
    import tensorflow as tf

    layer = run.model.get_layer("standardize")
    times = calls_seconds(tf.function(lambda x: layer(x)), batch, calls, repeats)
    empty = calls_seconds(tf.function(tf.identity), batch, calls, repeats)
    overhead_ms = 1000 * statistics.median(empty) / calls
    return calls * int(batch.shape[0]) / statistics.median(times), times, layer.dtype_policy.name, overhead_ms


def fit_epoch_rate(run, epochs, n):
    """images/s of ``model.fit`` over ``run.train_ds``: median of epochs 2 and later."""
    import keras

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    seconds = []
    run.model.fit(run.train_ds, epochs=epochs, verbose=0, shuffle=False, callbacks=[Timer()])
    return n / statistics.median(seconds[1:]), seconds


# ------------------------------------------------------------------------ main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="512 images, 3 passes, no fit_epoch (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    parser.add_argument("--n", type=int, default=None, help="images (default 2048; 512 with --quick)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per batch (default 32)")
    parser.add_argument("--repeats", type=int, default=None, help="timed passes per stage (default 7; 3 quick)")
    parser.add_argument("--steps", type=int, default=None, help="train_on_batch calls per pass (default 16; 6 quick)")
    parser.add_argument("--resize-to", type=int, default=64, help="side of the resized=yes line (default 64)")
    parser.add_argument("--seeded", action="store_true",
                        help="random_state=0: the sequential augmentation map of a seeded fit")
    args = parser.parse_args(argv)
    n = args.n or (512 if args.quick else 2048)
    repeats = args.repeats or (3 if args.quick else 7)
    steps = args.steps or (6 if args.quick else 16)

    from medcnn import CNNClassifier
    from medcnn._input._sources import STATS_IMAGES, resolve_cache

    # the estimator defaults, batches of --batch-size; random_state=None unless --seeded
    clf = CNNClassifier(batch_size=args.batch_size, random_state=0 if args.seeded else None)
    with tempfile.TemporaryDirectory() as workdir:
        paths, labels, data = files(n, args.synthetic, Path(workdir))
        n = len(paths)
        report = Report(data, n, clf.batch_size)
        total = time.perf_counter()
        # the first TensorFlow use goes through clf._source, which sets TensorFlow's threads first
        native, sample_shape = source_at(clf, paths, size="native")
        fitted, _ = source_at(clf, paths)
        size_label = "x".join(map(str, fitted.size))
        # private: the one-hot targets and sample weights fit trains on (class_weight="balanced")
        task = clf._encode_targets(labels, n, None)
        targets = (task.targets, task.weights)
        # the seed of the shuffle and the augmenters: None as in a default fit, or a fixed one
        # (fit derives another from random_state, but only whether there is one changes the pipeline)
        seed = None if clf.random_state is None else 0
        print(f"# {data}: {n} files of {'x'.join(map(str, sample_shape))}, network input {size_label}, "
              f"batch {clf.batch_size}, {repeats} timed passes after one warm-up; "
              f"random_state={clf.random_state}", flush=True)

        # 1. decode: no cache, no resize (the source prepared at the images' own size)
        warmup, times, _ = timed_passes(native.dataset(np.arange(n), targets, batch_size=clf.batch_size), repeats)
        report.passes("decode", warmup, times)
        report.stage("decode", n / statistics.median(times), size="x".join(map(str, native.size)))

        # 2. resize: decode + resize to the network input fit uses; then to --resize-to
        same = tuple(fitted.size) == tuple(sample_shape[:2])
        warmup, times, _ = timed_passes(fitted.dataset(np.arange(n), targets, batch_size=clf.batch_size), repeats)
        report.passes(f"resize to {size_label}", warmup, times)
        report.stage("resize", n / statistics.median(times), key="resize", size=size_label,
                     resized="no" if same else "yes")
        if same:  # fit resizes nothing here: show what a real resize (to --resize-to) would cost
            side = args.resize_to
            resized, _ = source_at(clf, paths, size=(side, side))
            warmup, times, _ = timed_passes(resized.dataset(np.arange(n), targets, batch_size=clf.batch_size),
                                            repeats)
            report.passes(f"resize to {side}x{side}", warmup, times)
            report.stage("resize", n / statistics.median(times), size=f"{side}x{side}", resized="yes",
                         summary=False)  # not a stage of fit on these images: left out of the summary
            del resized

        # 3. cached: epochs 2+ of fit's training dataset without augmentation
        cache = resolve_cache(clf.cache, n, fitted.size, fitted.channels)
        ds = training_dataset(fitted, clf, targets, seed, None, clf.cache)
        warmup, times, _ = timed_passes(ds, repeats)
        report.passes("cached", warmup, times)
        report.stage("cached", n / statistics.median(times), size=size_label, cache=cache,
                     fill_images_per_s=f"{n / warmup:.0f}")
        batch = next(iter(ds))  # one cached batch (images, one-hot labels, weights) for the model stages
        del ds

        # 4. augment: the same with the default augmentation and the histology preset
        mapping = "sequential" if seed is not None else "parallel"
        for augment, label in ((DEFAULT_AUGMENT, ",".join(DEFAULT_AUGMENT)), (PRESET, PRESET)):
            ds = training_dataset(fitted, clf, targets, seed, augment, clf.cache)
            warmup, times, _ = timed_passes(ds, repeats)
            report.passes(f"augment {label}", warmup, times)
            report.stage("augment", n / statistics.median(times), key=f"augment[{label}]", size=size_label,
                         cache=cache, augment=label, map=mapping)
            del ds
        input_rates = dict(report.rates)

        # 5-6. the network as fit builds it (private: BaseCNN._prepared, also fit's channel statistics pass)
        step_rates = {}
        for precision in ("auto", "float32"):
            clf.set_params(precision=precision)
            start = time.perf_counter()
            with clf._prepared(paths, labels, None) as run:
                print(f"# _prepared (precision={precision}): {time.perf_counter() - start:.2f} s "
                      f"(source, channel statistics over {min(n, STATS_IMAGES)} decoded images, network)", flush=True)
                if precision == "auto":
                    rate, times, policy, overhead = standardise_rate(run, batch[0], 200, repeats)
                    report.passes("standardise (200 calls)", None, times)
                    report.stage("standardise", rate, size=size_label, policy=policy,
                                 call_overhead_ms=f"{overhead:.2f}")
                rate, times = train_step_rate(run, batch, steps, repeats)
                report.passes(f"train_step {precision} ({steps} steps)", None, times)
                report.stage("train_step", rate, key=f"train_step[{precision}]", size=size_label,
                             architecture=clf.architecture, precision=precision, policy=run.dtype_policy)
                step_rates[precision] = rate
                if precision == "auto" and not args.quick:
                    rate, seconds = fit_epoch_rate(run, FIT_EPOCHS, n)
                    print("# fit_epoch: epoch seconds " + " ".join(f"{s:.2f}" for s in seconds), flush=True)
                    report.stage("fit_epoch", rate, size=size_label, architecture=clf.architecture,
                                 precision="auto", policy=run.dtype_policy, cache=cache,
                                 augment=",".join(DEFAULT_AUGMENT), map=mapping)

    slowest = min(input_rates, key=input_rates.get)
    default = input_rates[f"augment[{','.join(DEFAULT_AUGMENT)}]"]
    print(f"input_path_summary data={data} n={n} slowest_input_stage={slowest} "
          f"input_over_step={default / step_rates['auto']:.2f} "
          f"input_over_step_histology={input_rates[f'augment[{PRESET}]'] / step_rates['auto']:.2f} "
          f"input_over_step_float32={default / step_rates['float32']:.2f}", flush=True)
    print(f"# total {time.perf_counter() - total:.1f} s", flush=True)


if __name__ == "__main__":
    main()
