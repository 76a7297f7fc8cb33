"""CNNClassifier against the same network written in plain Keras, on the same image files.

The plain Keras reference is the IDC workshop script::

    train = keras.utils.image_dataset_from_directory(Train, image_size=(50, 50), batch_size=32,
                                                     label_mode="categorical")
    model = Sequential([Rescaling(1 / 255), Conv2D(32, 3, same, relu), MaxPool(2), Dropout(.25),
                        Conv2D(64, 3, relu), Conv2D(64, 3, relu), MaxPool(2), Dropout(.25),
                        Flatten(), Dense(512, relu), Dropout(.5), Dense(2, softmax)])
    model.compile("adam", "categorical_crossentropy"); model.fit(train, epochs=E)

and medcnn's counterpart is ``CNNClassifier(architecture="workshop_cnn", epochs=E,
batch_size=32, learning_rate=1e-3, optimizer="adam", augment=None, lr_schedule=None,
random_state=0)`` (its default ``precision="auto"``: mixed bfloat16 on a CPU with
bfloat16 instructions) fitted on the list of the same files (the paths the Keras loader
found) with their labels: the same network, optimizer and constant learning rate,
without augmentation, as in the script. Both read and decode the PNG files every
epoch.

Prints one comparable line per measure:

- ``keras_train``: training images per second of both, the median over epochs of
  (images / epoch time) with each fit's first epoch (graph tracing) left out, and
  the ratio medcnn / Keras (target >= 1.0). Epoch times are the intervals between
  the ends of consecutive epochs, recorded by a Keras callback, so they include the
  work between epochs.
- ``keras_train_cpu``: the same per CPU second of the process (all its threads)
  instead of per wall second: how much work an image costs, which other programs on
  the machine disturb far less than wall time. Informational, no target.
- ``keras_fit_wall``: wall seconds of a whole fit (loading, building, every epoch)
  for both; medcnn's includes estimating the input standardisation (one pass over at
  most 2,048 images). Informational, no target.
- ``keras_train_compute``: achieved GFLOP/s of both fits (training FLOPs per image
  times images/s) and medcnn's share of the float32 matrix-multiply peak measured in
  the same run.
- ``keras_train_augmented``: training images per second of CNNClassifier with its
  default augmentation (``augment=("flip", "rotate90")``), otherwise as above, against
  the workshop script, which has none (target >= 1.5).
- ``keras_predict``: prediction images per second on the Valid files (Train when
  there is no Valid folder), medcnn ``predict_proba`` on the paths against Keras
  ``image_dataset_from_directory`` + ``model.predict``; best of nine calls each
  (``--repeats``), loading the files included on both sides; ratio medcnn / Keras
  (target >= 1.5). On 2 cores single calls of either side are bimodal (now and then
  a call takes about 1.6 times as long), hence best-of. Both predict in float32 (the
  fitted network is float32 whatever the training precision).
- ``keras_predict_bound``: what bounds that ratio: medcnn's fitted network alone on
  the same images decoded (and resized to the input) beforehand, with Pillow, against Keras' whole
  path; ``largest_ratio_without_file_reading`` is the ratio medcnn would reach if
  reading the files cost nothing.

Order: fits run in the order Keras, medcnn, augmented medcnn, then the reverse
(``--rounds 2``, the default), so that warm-up and a steady drift of the machine's speed (heat, other
load) bias neither side; each side's throughput is the median over the epochs of
both of its fits. Prediction calls alternate Keras, medcnn, Keras, ...

A ``#`` line after every fit gives its per-epoch images/s. CNNClassifier runs with
its default ``cache="auto"``: the decoded training images (4,460 x 50 x 50 x 3
float32, 134 MB) are kept in memory after the first epoch, while the Keras script,
as written, decodes every file every epoch. ``--cache none`` makes medcnn decode
every epoch too (the like-for-like pipeline comparison); ``--cache memory`` forces
the in-memory cache.

Data: the IDC patches under ``../shared/data/idc`` (relative to the repository root)
when present, else synthetic ``make_histology`` patches written as PNG files to a
temporary folder (``--synthetic`` forces these). ``--quick`` (or ``--n``) uses an
evenly spaced subset of the training files, linked into a temporary folder so that
the Keras loader sees exactly those files.

Run: ``python benchmarks/bench_keras.py [--quick] [--synthetic] [--epochs E] [--n N] [--cache auto|memory|none]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
IDC = REPO.parent / "shared" / "data" / "idc"
IMAGE_SIZE = 50
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
SEED = 0
TARGET = 1.0
#: medcnn with its default augmentation against the workshop script (no augmentation)
AUGMENTED_TARGET = 1.5
PREDICT_TARGET = 1.5
N_SYNTHETIC_TRAIN = 4460
N_SYNTHETIC_VALID = 560
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


# ------------------------------------------------------------------------ data
def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*") if p.suffix.lower() in IMAGE_SUFFIXES)


def write_synthetic(folder: Path, n: int, random_state: int) -> Path:
    """``n`` synthetic 50x50 RGB patches as ``folder/<label>/<i>.png``."""
    from PIL import Image

    from medcnn.datasets import make_histology

    X, y = make_histology(n, image_size=IMAGE_SIZE, random_state=random_state)
    for i, (image, label) in enumerate(zip(X, y)):
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / str(label) / f"{i:05d}.png")
    return folder


def linked_subset(source: Path, folder: Path, n: int) -> Path:
    """``n`` evenly spaced files of ``source`` (class folders kept) as symbolic links in ``folder``."""
    files = image_files(source)
    for index in np.linspace(0, len(files) - 1, min(n, len(files))).astype(int):
        target = folder / files[index].parent.name / files[index].name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(files[index], target)
    return folder


def folders(args, workdir: Path):
    """``(train folder, prediction folder, data label)``."""
    if not args.synthetic and (IDC / "Train").is_dir():
        train, data = IDC / "Train", "idc"
        predict = IDC / "Valid" if (IDC / "Valid").is_dir() else train
    else:
        data = "synthetic"
        train = write_synthetic(workdir / "Train", args.n or N_SYNTHETIC_TRAIN, 0)
        predict = write_synthetic(workdir / "Valid", N_SYNTHETIC_VALID, 1)
    if args.n and args.n < len(image_files(train)):
        subset = linked_subset(train, workdir / "TrainSubset", args.n)
        predict = subset if predict == train else predict
        train = subset
    return train, predict, data


# ------------------------------------------------------------------- measuring
def epoch_timer():
    """A Keras callback recording the start of training and the end of every epoch."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.marks = []

        def on_train_begin(self, logs=None):
            self.marks = [(time.perf_counter(), time.process_time())]

        def on_epoch_end(self, epoch, logs=None):
            self.marks.append((time.perf_counter(), time.process_time()))

        def images_per_s(self, n, clock=0):
            """Images per second of every epoch but the first: per wall second
            (``clock=0``) or per CPU second of the process, all threads (``clock=1``)."""
            return [n / (end[clock] - start[clock]) for start, end in zip(self.marks[1:-1], self.marks[2:])]

    return EpochTimer()


def workshop_model(n_classes):
    """The workshop network, as in the workshop script."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.25),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(n_classes, activation="softmax"),
    ])


def keras_dataset(folder, shuffle):
    import keras

    return keras.utils.image_dataset_from_directory(
        folder, image_size=(IMAGE_SIZE, IMAGE_SIZE), batch_size=BATCH_SIZE, label_mode="categorical",
        shuffle=shuffle, seed=SEED, verbose=False)


def fit_keras(train_folder, epochs):
    """``(model, epoch timer, fit seconds, files, labels)`` of the workshop script."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    start = time.perf_counter()
    train = keras_dataset(train_folder, shuffle=True)
    model = workshop_model(len(train.class_names))
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    timer = epoch_timer()
    with warnings.catch_warnings():  # fit's default shuffle=True does not apply to a dataset
        warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
        model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
    seconds = time.perf_counter() - start
    files = list(train.file_paths)
    labels = [Path(f).parent.name for f in files]
    return model, timer, seconds, files, labels


#: CNNClassifier parameters that make its training that of the workshop script: no
#: augmentation, a constant learning rate (set where the estimator has the parameter).
AS_WORKSHOP = {"augment": None, "lr_schedule": None}


def fit_medcnn(files, labels, epochs, cache="auto", augmented=False):
    """``(fitted CNNClassifier, epoch timer, fit seconds)`` on the same files; ``augmented``:
    with CNNClassifier's default augmentation instead of none."""
    from medcnn import CNNClassifier

    timer = epoch_timer()
    clf = CNNClassifier(architecture="workshop_cnn", epochs=epochs, batch_size=BATCH_SIZE,
                        learning_rate=LEARNING_RATE, optimizer="adam", random_state=SEED,
                        callbacks=[timer])
    clf.set_params(**AS_WORKSHOP, cache=None if cache == "none" else cache)
    if augmented:
        clf.set_params(augment=CNNClassifier().augment)
    start = time.perf_counter()
    clf.fit(files, labels)
    seconds = time.perf_counter() - start
    clf.set_params(callbacks=None)
    return clf, timer, seconds


def seconds_of(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="640 images, 3 epochs (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default 5; 3 with --quick)")
    parser.add_argument("--n", type=int, help="training images (default: all; 640 with --quick)")
    parser.add_argument("--rounds", type=int,
                        help="fits per side, in the order K M M K K M ... (default 2)")
    parser.add_argument("--repeats", type=int, default=9, help="prediction calls per side (best is kept)")
    parser.add_argument("--cache", default="auto",
                        help="CNNClassifier cache parameter: auto (its default), memory, or none (decode every epoch)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (3 if args.quick else 5)
    rounds = args.rounds or 2
    if args.quick and not args.n:
        args.n = 640
    if epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch of each fit is left out")
    setting = f"epochs={epochs} medcnn_cache={args.cache}"

    with tempfile.TemporaryDirectory() as workdir:
        train_folder, predict_folder, data = folders(args, Path(workdir))
        order = []
        for round_ in range(rounds):
            order += ["keras", "medcnn", "augmented"] if round_ % 2 == 0 else ["augmented", "medcnn", "keras"]
        wall, cpu, fit_s = ({"keras": [], "medcnn": [], "augmented": []} for _ in range(3))
        files = labels = None  # set by the first (Keras) fit: the files its loader found
        models = {}
        for side in order:
            if side == "keras":
                model, timer, seconds, files, labels = fit_keras(train_folder, epochs)
            else:
                model, timer, seconds = fit_medcnn(files, labels, epochs, args.cache, side == "augmented")
            models[side] = model
            wall[side] += timer.images_per_s(len(files))
            cpu[side] += timer.images_per_s(len(files), clock=1)
            fit_s[side].append(seconds)
            print(f"# {side} fit {len(fit_s[side])}: {seconds:.1f} s, images/s of epochs 2-{epochs}: "
                  + " ".join(f"{r:.0f}" for r in timer.images_per_s(len(files))), flush=True)
        n = len(files)

        def compare(name, unit, values, target=None, digits=1, side="medcnn"):
            medcnn, keras = statistics.median(values[side]), statistics.median(values["keras"])
            ratio = medcnn / keras
            verdict = f" target>={target} ok={ratio >= target}" if target else ""
            print(f"{name} data={data} n={n} {setting} medcnn_{unit}={medcnn:.{digits}f} "
                  f"keras_{unit}={keras:.{digits}f} ratio_medcnn_over_keras={ratio:.3f}{verdict}", flush=True)

        compare("keras_train", "images_per_s", wall, TARGET)
        compare("keras_train_cpu", "images_per_cpu_s", cpu)
        compare("keras_fit_wall", "s", fit_s, digits=2)
        # the same with CNNClassifier's default augmentation, against the script without any
        compare("keras_train_augmented", "images_per_s", wall, AUGMENTED_TARGET, side="augmented")

        # achieved compute: the network's training FLOPs per image times images/s, against the
        # matrix-multiply peaks of this machine measured in this run (bfloat16 where the CPU has it)
        from compute_peak import matmul_peak_gflops, training_flops

        gflop = training_flops(models["medcnn"].model_) / 1e9
        achieved = {side: statistics.median(wall[side]) * gflop for side in ("medcnn", "keras")}
        peak32, peak16 = matmul_peak_gflops("float32"), matmul_peak_gflops("bfloat16")
        print(f"keras_train_compute data={data} n={n} {setting} gflop_per_image={gflop:.4f} "
              f"fp32_matmul_peak_gflops={peak32:.0f} bf16_matmul_peak_gflops={peak16:.0f} "
              f"medcnn_share_of_fp32_peak={achieved['medcnn'] / peak32:.3f} "
              f"medcnn_gflops={achieved['medcnn']:.1f} keras_gflops={achieved['keras']:.1f} "
              f"ratio_medcnn_over_keras={achieved['medcnn'] / achieved['keras']:.3f}", flush=True)

        # prediction: the last fitted model of each side, on the same files
        predict_files = image_files(predict_folder)
        paths = [str(p) for p in predict_files]
        clf, model = models["medcnn"], models["keras"]
        calls = {"medcnn": lambda: clf.predict_proba(paths),
                 "keras": lambda: model.predict(keras_dataset(predict_folder, shuffle=False), verbose=0)}
        for call in calls.values():
            call()  # warm up: trace both predict functions
        rates = {"keras": [], "medcnn": []}
        for _ in range(args.repeats):
            for side in ("keras", "medcnn"):
                rates[side].append(len(paths) / seconds_of(calls[side]))
        medcnn_rate, keras_rate = max(rates["medcnn"]), max(rates["keras"])
        ratio = medcnn_rate / keras_rate
        print(f"keras_predict data={data} files={predict_folder.name} n={len(paths)} repeats={args.repeats} "
              f"medcnn_images_per_s={medcnn_rate:.1f} keras_images_per_s={keras_rate:.1f} "
              f"ratio_medcnn_over_keras={ratio:.3f} target>={PREDICT_TARGET} ok={ratio >= PREDICT_TARGET}",
              flush=True)

        # what bounds prediction: the float32 network alone, on images decoded beforehand (no
        # file reading), against Keras' whole path from the files
        from PIL import Image

        size = tuple(clf.input_shape_[:2])[::-1]  # a few IDC patches are smaller than 50x50
        decoded = np.stack([np.asarray(Image.open(p).convert("RGB").resize(size)) for p in predict_files])
        network = max(len(paths) / seconds_of(lambda: clf.predict_proba(decoded)) for _ in range(args.repeats))
        print(f"keras_predict_bound data={data} n={len(paths)} medcnn_network_only_images_per_s={network:.1f} "
              f"keras_images_per_s={keras_rate:.1f} largest_ratio_without_file_reading={network / keras_rate:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
