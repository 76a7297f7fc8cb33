"""Training throughput by precision and XLA, per built-in architecture, against plain Keras
fed by a cached, prefetched in-memory ``tf.data`` pipeline; ROC AUC of float32 and
reduced-precision fits on IDC Valid.

For every architecture the same image files are fitted five ways, without augmentation,
with a constant learning rate, Adam 1e-3 and batches of 32 (the workshop's training):

- ``keras``: plain Keras, float32: ``image_dataset_from_directory(...).cache().prefetch()``
  feeding ``Sequential([Rescaling(1/255), architecture, GlobalAveragePooling, Dense softmax])``
  (the architecture built by medcnn's factory, so that both sides train the same network);
- ``float32``, ``bfloat16``: ``CNNClassifier(precision=...)`` on the paths (decoded images
  cached in memory after the first epoch, its default ``cache="auto"``);
- ``xla``: ``CNNClassifier(precision="float32", jit_compile=True)``;
- ``default``: ``CNNClassifier`` with its default ``precision="auto"`` and
  ``jit_compile="auto"`` (what ``"auto"`` chose on this machine is printed as
  ``default_precision``).

Images/s are the median over the epochs 2.. of every fit of a side (the first epoch,
tracing and decoding, left out), as in ``bench_keras.py``; the sides run in the order
above, then in reverse (``--rounds 2``), so that a machine whose speed drifts favours
none. Lines:

- ``precision_train arch=... keras_images_per_s float32_images_per_s
  bfloat16_images_per_s xla_images_per_s default_images_per_s ratio_default_over_keras``
  (target >= 2.0 for ``workshop_cnn`` and ``patch_cnn``);
- ``precision_compute arch=...``: training GFLOP per image (``compute_peak.py``), the
  GFLOP/s of the float32 and bfloat16 fits and their shares of this run's float32 and
  bfloat16 matrix-multiply peaks; the last key, ``default_share_of_peak``, is the
  default fit's share of the peak of its own arithmetic (target >= 0.6 for ``patch_cnn``);
- ``precision_peak``: the two matrix-multiply peaks and their ratio, which bounds what
  16-bit arithmetic alone can gain over float32 on this CPU;
- ``precision_bound arch=...`` (``workshop_cnn``, ``patch_cnn``): what bounds the step:
  images/s of the bare training step (one batch over and over, no input pipeline) in
  float32 and at the default precision, and at the default precision with only the
  layers that have multiply-adds (convolutions, dense; pooling kept for the shapes;
  normalisation, activations and dropout made the identity). ``other_ops_share_of_step``
  is the share of the step those other layers take; ``arithmetic_only_share_of_peak``
  how close the multiply-adds alone come to the matrix-multiply peak;
- ``precision_quality arch=...``: ROC AUC on IDC Valid (other patients than Train) of
  float32 fits and of default-precision fits, mean over ``--seeds`` seeds (4), with the
  standard error of the paired (same seed) differences; the last key is the absolute
  difference of the means (target <= 0.005): AUCs of one setting scatter by about
  0.005-0.01 between seeds, so fewer seeds cannot tell such a difference apart. ``workshop_cnn`` is fitted
  as the workshop (5 epochs, no augmentation), ``patch_cnn`` with every default
  (``epochs="auto"``, augmentation). Only with the IDC data (``--synthetic`` or no IDC:
  not printed).

Data: IDC Train under ``../shared/data/idc`` when present, else synthetic
``make_histology`` patches written as PNG files (``--synthetic`` forces these).
Throughput fits: 1,024 evenly spaced images (256 for ``resnet18``), 5 epochs. ``--quick``: 640 images, 3 epochs,
one round, workshop_cnn and patch_cnn only, one quality seed.

Run: ``python benchmarks/bench_precision.py [--quick] [--synthetic] [--arch A ...] [--n N]
[--epochs E] [--rounds R] [--seeds S]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from bench_keras import (BATCH_SIZE, IDC, IMAGE_SIZE, LEARNING_RATE, SEED, epoch_timer, image_files,
                         linked_subset, write_synthetic)
from compute_peak import arithmetic_only, matmul_peak_gflops, step_images_per_s, training_flops, with_policy

#: the 2-D architectures trained from scratch; pretrained backbones are measured by bench_transfer
ARCHITECTURES = ("patch_cnn", "workshop_cnn", "lenet5", "mnist_cnn", "vgg_small", "resnet18", "usf_arch1",
                 "usf_arch2")
TARGETED = {"workshop_cnn", "patch_cnn"}
#: at most this many training images for the networks that cost several GFLOP per image
#: (resnet18 keeps 50x50 inputs at full resolution through its first stage: 8.8 GFLOP per
#: training image, about 17 images/s on 2 cores)
HEAVY = {"resnet18": 256}
SPEED_TARGET, PEAK_TARGET, AUC_TOLERANCE = 2.0, 0.6, 0.005
SIDES = ("keras", "float32", "bfloat16", "xla", "default")
SIDE_PARAMS = {"float32": {"precision": "float32"}, "bfloat16": {"precision": "bfloat16"},
               "xla": {"precision": "float32", "jit_compile": True}, "default": {}}
AS_WORKSHOP = dict(augment=None, lr_schedule=None, optimizer="adam", learning_rate=LEARNING_RATE,
                   batch_size=BATCH_SIZE)


def fit_keras(folder, architecture, epochs):
    """Images/s of each epoch 2.. of the plain Keras fit, float32, cached and prefetched."""
    import keras
    import tensorflow as tf

    from medcnn.registry import architectures

    keras.backend.clear_session()
    keras.config.set_dtype_policy("float32")
    keras.utils.set_random_seed(SEED)
    train = keras.utils.image_dataset_from_directory(
        folder, image_size=(IMAGE_SIZE, IMAGE_SIZE), batch_size=BATCH_SIZE, label_mode="categorical",
        shuffle=True, seed=SEED, verbose=False)
    n_classes, n = len(train.class_names), len(train.file_paths)
    train = train.cache().prefetch(tf.data.AUTOTUNE)
    body = architectures.get(architecture).factory((IMAGE_SIZE, IMAGE_SIZE, 3))
    layers = [keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3)), keras.layers.Rescaling(1 / 255), body]
    if len(body.output_shape) == 4:
        layers.append(keras.layers.GlobalAveragePooling2D())
    model = keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy")
    timer = epoch_timer()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
        model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
    return timer.images_per_s(n)


def fit_medcnn(files, labels, architecture, epochs, **params):
    """``(images/s of each epoch 2.., fitted CNNClassifier)``."""
    from medcnn import CNNClassifier

    timer = epoch_timer()
    clf = CNNClassifier(architecture=architecture, epochs=epochs, random_state=SEED, callbacks=[timer],
                        **AS_WORKSHOP, **params).fit(files, labels)
    clf.set_params(callbacks=None)
    return timer.images_per_s(len(files)), clf


def print_bound(architecture, model, policy, gflop, peak):
    """What bounds the training step: the bare step (one batch over and over, no input
    pipeline) in float32 and in ``policy``, and in ``policy`` with only the layers that have
    multiply-adds (convolutions, dense) and those that set the shapes (pooling)."""
    import keras

    rates = {}
    for name, copy in (("float32", lambda: with_policy(model, "float32")), ("step", lambda: with_policy(model, policy)),
                       ("arithmetic_only", lambda: arithmetic_only(model, policy))):
        keras.backend.clear_session()
        rates[name] = step_images_per_s(copy())
    other = 1 - rates["step"] / rates["arithmetic_only"]
    print(f"precision_bound arch={architecture} policy={policy} batch={BATCH_SIZE} "
          f"float32_step_images_per_s={rates['float32']:.0f} step_images_per_s={rates['step']:.0f} "
          f"arithmetic_only_step_images_per_s={rates['arithmetic_only']:.0f} "
          f"other_ops_share_of_step={other:.3f} "
          f"arithmetic_only_share_of_peak={rates['arithmetic_only'] * gflop / peak:.3f}", flush=True)


def valid_auc(clf, valid_files, valid_labels):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(valid_labels, clf.predict_proba(valid_files)[:, list(clf.classes_).index("1")])


def quality(architecture, files, labels, seeds):
    """``(float32 AUCs, default AUCs)`` on IDC Valid over ``seeds`` seeds."""
    from medcnn import CNNClassifier

    valid = image_files(IDC / "Valid")
    valid_files, valid_labels = [str(p) for p in valid], [int(p.parent.name) for p in valid]
    params = dict(AS_WORKSHOP, epochs=5) if architecture == "workshop_cnn" else {}
    aucs = {"float32": [], "default": []}
    for seed in range(seeds):
        for side, precision in (("float32", "float32"), ("default", "auto")):
            clf = CNNClassifier(architecture=architecture, random_state=seed, precision=precision, **params)
            aucs[side].append(valid_auc(clf.fit(files, labels), valid_files, valid_labels))
            print(f"# quality {architecture} seed={seed} {side}: auc={aucs[side][-1]:.4f}", flush=True)
    return aucs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="640 images, 3 epochs, two architectures")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    parser.add_argument("--arch", nargs="+", help=f"architectures (default: {' '.join(ARCHITECTURES)})")
    parser.add_argument("--n", type=int, help="training images for the throughput fits (default 1024)")
    parser.add_argument("--epochs", type=int, help="epochs of the throughput fits (default 5; 3 with --quick)")
    parser.add_argument("--rounds", type=int, help="fits per side and architecture (default 2; 1 with --quick)")
    parser.add_argument("--seeds", type=int, help="seeds of the quality fits (default 4; 1 with --quick; 0: none)")
    args = parser.parse_args(argv)
    architectures = args.arch or (("workshop_cnn", "patch_cnn") if args.quick else ARCHITECTURES)
    epochs = args.epochs or (3 if args.quick else 5)
    n = args.n or (640 if args.quick else 1024)
    rounds = args.rounds or (1 if args.quick else 2)
    seeds = args.seeds if args.seeds is not None else (1 if args.quick else 4)
    from medcnn._runtime import resolve_precision

    default_policy = resolve_precision("auto")
    peaks = {"float32": matmul_peak_gflops("float32"), "bfloat16": matmul_peak_gflops("bfloat16")}
    print(f"precision_peak fp32_matmul_peak_gflops={peaks['float32']:.0f} "
          f"bf16_matmul_peak_gflops={peaks['bfloat16']:.0f} "
          f"bf16_over_fp32_peak={peaks['bfloat16'] / peaks['float32']:.2f} default_precision={default_policy}",
          flush=True)

    with tempfile.TemporaryDirectory() as workdir:
        idc = not args.synthetic and (IDC / "Train").is_dir()
        source = IDC / "Train" if idc else write_synthetic(Path(workdir) / "Train", n, 0)
        data = "idc" if idc else "synthetic"
        for architecture in architectures:
            size = min(n, HEAVY.get(architecture, n))
            folder = Path(workdir) / f"Subset{size}"
            if not folder.is_dir():
                folder = linked_subset(source, folder, size) if len(image_files(source)) > size else source
            files = [str(p) for p in image_files(folder)]
            labels = [p.parent.name for p in image_files(folder)]
            setting = f"data={data} n={len(files)} epochs={epochs} rounds={rounds}"
            epoch_rates, fitted = {side: [] for side in SIDES}, {}
            for round_ in range(rounds):  # SIDES in order, then in reverse, ...
                for side in SIDES if round_ % 2 == 0 else SIDES[::-1]:
                    start = time.perf_counter()
                    if side == "keras":
                        epoch_rates[side] += fit_keras(folder, architecture, epochs)
                    else:
                        rates, fitted[side] = fit_medcnn(files, labels, architecture, epochs, **SIDE_PARAMS[side])
                        epoch_rates[side] += rates
                    print(f"# {architecture} {side}: {statistics.median(epoch_rates[side][-(epochs - 1):]):.0f} "
                          f"images/s, fit {time.perf_counter() - start:.1f} s", flush=True)
            rates = {side: statistics.median(values) for side, values in epoch_rates.items()}
            ratio = rates["default"] / rates["keras"]
            target = f" target>={SPEED_TARGET} ok={ratio >= SPEED_TARGET}" if architecture in TARGETED else ""
            print(f"precision_train arch={architecture} {setting} "
                  + " ".join(f"{side}_images_per_s={rates[side]:.0f}" for side in SIDES)
                  + f" default_precision={fitted['default'].dtype_policy_} ratio_default_over_keras={ratio:.3f}"
                  + target, flush=True)
            gflop = training_flops(fitted["float32"].model_) / 1e9
            achieved = {side: rates[side] * gflop for side in ("float32", "bfloat16", "default")}
            own_peak = peaks["bfloat16" if "bfloat16" in fitted["default"].dtype_policy_ else "float32"]
            share = achieved["default"] / own_peak
            target = f" target>={PEAK_TARGET} ok={share >= PEAK_TARGET}" if architecture == "patch_cnn" else ""
            print(f"precision_compute arch={architecture} {setting} gflop_per_image={gflop:.4f} "
                  f"float32_gflops={achieved['float32']:.1f} bfloat16_gflops={achieved['bfloat16']:.1f} "
                  f"float32_share_of_fp32_peak={achieved['float32'] / peaks['float32']:.3f} "
                  f"bfloat16_share_of_bf16_peak={achieved['bfloat16'] / peaks['bfloat16']:.3f} "
                  f"default_share_of_peak={share:.3f}{target}", flush=True)
            if architecture in TARGETED:
                print_bound(architecture, fitted["float32"].model_, fitted["default"].dtype_policy_, gflop, own_peak)

        if idc and seeds:
            all_files = image_files(IDC / "Train")
            train_files, train_labels = [str(p) for p in all_files], [p.parent.name for p in all_files]
            for architecture in [a for a in architectures if a in TARGETED]:
                aucs = quality(architecture, train_files, train_labels, seeds)
                paired = np.subtract(aucs["default"], aucs["float32"])  # same seed, same split
                difference = abs(paired.mean())
                standard_error = paired.std(ddof=1) / np.sqrt(seeds) if seeds > 1 else float("nan")
                print(f"precision_quality arch={architecture} data=idc train=Train valid=Valid seeds={seeds} "
                      f"float32_auc={np.mean(aucs['float32']):.4f} default_auc={np.mean(aucs['default']):.4f} "
                      f"float32_seed_spread={np.ptp(aucs['float32']):.4f} "
                      f"paired_difference_standard_error={standard_error:.4f} "
                      f"auc_difference={difference:.4f} target<={AUC_TOLERANCE} ok={difference <= AUC_TOLERANCE}",
                      flush=True)


if __name__ == "__main__":
    main()
