"""Resident memory over 20 consecutive fits in one process: CNNClassifier against plain Keras.

Cross-validation and grid searches fit the same estimator class many times in one
process. This benchmark does what such a loop does, in a FRESH Python process per
side (so that the two sides do not share memory):

- ``medcnn``: ``CNNClassifier(random_state=i, epochs=E)`` with every other parameter at
  its default (the ``patch_cnn`` network, AdamW with a cosine schedule, flip and
  quarter-turn augmentation), ``fit(X, y)``, then ``predict_proba(X)``, then the
  estimator is dropped, as ``GridSearchCV`` drops the clones it has scored;
- ``keras``: the same network written in plain Keras (``Rescaling(1/255)``,
  ``RandomFlip``, the ``patch_cnn`` blocks ``Conv2D - BatchNorm - ReLU``, global
  average pooling, dropout, ``Dense`` softmax; AdamW with ``CosineDecay``),
  ``keras.backend.clear_session()`` before each fit as a careful user does,
  ``keras.utils.set_random_seed(i)``, ``model.fit``, ``model.predict``.

After each fit and prediction the process runs ``gc.collect()`` and reads its
resident set size (RSS, ``VmRSS`` of ``/proc/self/status``). The first fits warm up
TensorFlow and the allocator, so growth is measured from fit 3 to the last fit.

Data: ``N`` patches (half of each class, evenly spaced) of the IDC ``Train`` folder
under ``../shared/data/idc`` (relative to the repository root), decoded into one uint8
array, when that folder exists; else as many synthetic 50x50 patches from
``medcnn.datasets.make_histology`` (``--synthetic`` forces these).

Usage::

    python benchmarks/bench_memory.py            # 20 fits per side, 512 patches, 2 epochs
    python benchmarks/bench_memory.py --quick    # 5 fits per side, 128 patches, 1 epoch

Target: medcnn's RSS after the last fit at most 10% above its RSS after fit 3
(``ok=True``). The exit code is 0 whether or not the target is met; it is non-zero
only when a child process fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IDC_TRAIN = REPO.parent / "shared" / "data" / "idc" / "Train"
TARGET_PCT = 10.0
SIZE = 50
BATCH_SIZE = 64
RESULT_TAG = "BENCH_RESULT "


def rss_mb() -> float:
    """Resident set size of this process now, in MB (``VmRSS`` of /proc/self/status)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**10
    raise OSError("no VmRSS line in /proc/self/status")


def has_idc() -> bool:
    return IDC_TRAIN.is_dir() and any(IDC_TRAIN.glob("*/*.png"))


def load_data(n: int, synthetic: bool):
    """``(X uint8 (n, 50, 50, 3), y, name)``: IDC Train patches or synthetic ones."""
    import numpy as np

    if synthetic or not has_idc():
        from medcnn.datasets import make_histology

        X, y = make_histology(n, image_size=SIZE, weights=(0.5, 0.5), random_state=0)
        return X, y, "synthetic"
    from PIL import Image

    images, labels = [], []
    for label in ("0", "1"):
        files = sorted((IDC_TRAIN / label).glob("*.png"))
        step = max(len(files) // (n // 2), 1)
        for path in files[::step][: n // 2]:
            with Image.open(path) as image:
                image = image.convert("RGB")
                if image.size != (SIZE, SIZE):
                    image = image.resize((SIZE, SIZE), Image.BILINEAR)
                images.append(np.asarray(image, dtype=np.uint8))
            labels.append(int(label))
    return np.stack(images), np.asarray(labels), "idc"


# ----------------------------------------------------------------------------- fits
def medcnn_fit(X, y, seed, epochs):
    from medcnn import CNNClassifier

    clf = CNNClassifier(epochs=epochs, random_state=seed).fit(X, y)
    proba = clf.predict_proba(X)
    del clf
    return proba


def keras_fit(X, y, seed, epochs):
    """The same network and training in plain Keras, with clear_session() before it."""
    import keras
    from keras import layers

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(X.shape[1:]), layers.Rescaling(1 / 255),
                              layers.RandomFlip("horizontal_and_vertical")])
    filters, convs = (16, 32, 64, 128), (1, 2, 2, 1)
    for stage, (width, count) in enumerate(zip(filters, convs)):
        for _ in range(count):
            model.add(layers.Conv2D(width, 3, padding="same", use_bias=False))
            model.add(layers.BatchNormalization())
            model.add(layers.ReLU())
        if stage < len(filters) - 1:
            model.add(layers.MaxPooling2D(2))
    model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dropout(0.3))
    model.add(layers.Dense(2, activation="softmax"))
    steps = epochs * -(-len(X) // BATCH_SIZE)
    model.compile(optimizer=keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, keras.utils.to_categorical(y, 2), batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
    proba = model.predict(X, batch_size=BATCH_SIZE, verbose=0)
    del model
    return proba


def child(side: str, fits: int, n: int, epochs: int, synthetic: bool) -> None:
    """Run ``fits`` fits of one side; print one JSON line with the RSS after each."""
    import numpy as np

    X, y, data = load_data(n, synthetic)
    fit = medcnn_fit if side == "medcnn" else keras_fit
    rss, seconds = [], []
    for i in range(fits):
        start = time.perf_counter()
        proba = fit(X, y, i, epochs)
        assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
        del proba
        gc.collect()
        seconds.append(time.perf_counter() - start)
        rss.append(rss_mb())
    print(RESULT_TAG + json.dumps({"side": side, "data": data, "n": len(X), "rss_mb": rss,
                                   "seconds": seconds}), flush=True)


def run_child(side: str, fits: int, n: int, epochs: int, synthetic: bool) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    command = [sys.executable, __file__, "--child", side, "--fits", str(fits), "--n", str(n),
               "--epochs", str(epochs)] + (["--synthetic"] if synthetic else [])
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    results = [line[len(RESULT_TAG):] for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not results:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"bench_memory: the {side} child failed (exit code {proc.returncode}); "
                         "its output is above.")
    return json.loads(results[-1])


# ------------------------------------------------------------------------------ main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 fits, 128 patches, 1 epoch (smoke test)")
    parser.add_argument("--synthetic", action="store_true",
                        help="use make_histology patches even where the IDC patches exist")
    parser.add_argument("--fits", type=int, help="fits per side (default 20; 5 with --quick)")
    parser.add_argument("--n", type=int, help="training patches (default 512; 128 with --quick)")
    parser.add_argument("--epochs", type=int, help="epochs per fit (default 2; 1 with --quick)")
    parser.add_argument("--child", choices=("medcnn", "keras"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    fits = args.fits or (5 if args.quick else 20)
    n = args.n or (128 if args.quick else 512)
    epochs = args.epochs or (1 if args.quick else 2)
    if args.child:
        child(args.child, fits, n, epochs, args.synthetic)
        return 0
    if fits < 3:
        raise SystemExit("--fits must be at least 3 (growth is measured from fit 3)")

    total = time.perf_counter()
    print(f"# {fits} fits per side, each side in a fresh process; RSS after gc.collect() following "
          f"each fit + predict_proba; python {sys.version.split()[0]}, {os.cpu_count()} CPU cores")
    runs = {}
    for side in ("medcnn", "keras"):
        runs[side] = r = run_child(side, fits, n, epochs, args.synthetic)
        rss = r["rss_mb"]
        r["growth_mb"] = rss[-1] - rss[2]
        r["growth_pct"] = 100 * r["growth_mb"] / rss[2]
        print(f"# {side} RSS after each fit (MB): {' '.join(f'{v:.0f}' for v in rss)}")
        print(f"# {side} seconds per fit: {' '.join(f'{s:.1f}' for s in r['seconds'])}", flush=True)
        setting = (f"data={r['data']} n={r['n']} size={SIZE} epochs={epochs} fits={fits}"
                   + (" architecture=patch_cnn" if side == "medcnn" else " clear_session=True"))
        verdict = (f" target<={TARGET_PCT:.0f} ok={r['growth_pct'] <= TARGET_PCT}" if side == "medcnn"
                   else "")
        print(f"memory_fits{'' if side == 'medcnn' else '_keras'} {setting} rss_fit1_mb={rss[0]:.0f} "
              f"rss_fit3_mb={rss[2]:.0f} rss_fit{fits}_mb={rss[-1]:.0f} "
              f"growth_mb={r['growth_mb']:.0f} growth_pct={r['growth_pct']:.1f}{verdict}", flush=True)
    medcnn, keras = runs["medcnn"], runs["keras"]
    growth_ratio = (f"{medcnn['growth_mb'] / keras['growth_mb']:.2f}" if keras["growth_mb"] >= 1 else "nan")
    print(f"memory_fits_vs_keras data={medcnn['data']} n={medcnn['n']} fits={fits} "
          f"medcnn_growth_mb={medcnn['growth_mb']:.0f} keras_growth_mb={keras['growth_mb']:.0f} "
          f"ratio_medcnn_over_keras={growth_ratio}  (RSS growth from fit 3 to fit {fits})")
    print(f"memory_fits_vs_keras_final data={medcnn['data']} n={medcnn['n']} fits={fits} "
          f"medcnn_rss_mb={medcnn['rss_mb'][-1]:.0f} keras_rss_mb={keras['rss_mb'][-1]:.0f} "
          f"ratio_medcnn_over_keras={medcnn['rss_mb'][-1] / keras['rss_mb'][-1]:.2f}  "
          f"(RSS after fit {fits})")
    print(f"# total {time.perf_counter() - total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
