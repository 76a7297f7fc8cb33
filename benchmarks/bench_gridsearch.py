"""Parallel grid search: ``GridSearchCV`` over ``CNNClassifier`` with ``n_jobs=1`` and ``n_jobs=2``.

Prints one line:

- ``gridsearch``: seconds of ``GridSearchCV(CNNClassifier(architecture="workshop_cnn"),
  {"learning_rate": [1e-3, 3e-3]}, cv=2, refit=False)`` (4 fits) run sequentially
  (``n_jobs=1``) and by two joblib worker processes (``n_jobs=2``, the default
  ``loky`` backend), both in this process run, and their ratio (target >= 1.0). The
  ``n_jobs=2`` time includes starting the two workers and TensorFlow in each.
  ``worker_tf_threads`` is the intra-op thread setting TensorFlow had in the workers
  afterwards: joblib gives each worker ``OMP_NUM_THREADS = cpu_count() // n_jobs``
  (unless ``OMP_NUM_THREADS`` is set already) and medcnn gives TensorFlow as many
  threads, so the workers do not oversubscribe the cores. ``same_scores`` says whether both runs gave the same cross-validation scores
  (seeded fits are reproducible across processes).

Data: 1,000 IDC Train patches (500 per class, 50x50 RGB, ``../shared/data/idc/Train``)
decoded into one uint8 array when present, else as many synthetic ``make_histology``
patches (``--synthetic`` forces these). ``--quick``: 240 images and 2 epochs.

Run: ``python benchmarks/bench_gridsearch.py [--quick] [--synthetic]``.
"""

import argparse
import time
from pathlib import Path

import numpy as np

IDC_TRAIN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "idc" / "Train"
GRID = {"learning_rate": [1e-3, 3e-3]}
CV = 2


def load_images(n, synthetic):
    """``n`` images, half of each class, as ``(X, y, data_name)``."""
    if not synthetic and IDC_TRAIN.is_dir():
        from PIL import Image

        paths = []
        for label in ("0", "1"):
            paths += sorted((IDC_TRAIN / label).glob("*.png"))[: n // 2]
        X = np.stack([np.asarray(Image.open(p).convert("RGB").resize((50, 50))) for p in paths])
        y = np.array([int(p.parent.name) for p in paths])
        return X, y, "idc"
    from medcnn.datasets import make_histology

    X, y = make_histology(n, image_size=50, weights=(0.5, 0.5), random_state=0)
    return X, y, "synthetic"


def search_seconds(X, y, epochs, n_jobs):
    from sklearn.model_selection import GridSearchCV

    from medcnn import CNNClassifier

    clf = CNNClassifier(architecture="workshop_cnn", epochs=epochs, random_state=0)
    search = GridSearchCV(clf, GRID, cv=CV, refit=False, n_jobs=n_jobs)
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, search.cv_results_["mean_test_score"]


def worker_tf_threads(n_jobs):
    """TensorFlow's intra-op thread setting in the (reused) joblib workers."""
    import joblib
    import tensorflow as tf

    values = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(tf.config.threading.get_intra_op_parallelism_threads)() for _ in range(2 * n_jobs))
    return ",".join(str(v) for v in sorted(set(values)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and epochs (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    args = parser.parse_args(argv)
    X, y, data = load_images(240 if args.quick else 1000, args.synthetic)
    epochs = 2 if args.quick else 3
    n_fits = len(GRID["learning_rate"]) * CV
    sequential, scores_1 = search_seconds(X, y, epochs, n_jobs=1)
    parallel, scores_2 = search_seconds(X, y, epochs, n_jobs=2)
    threads = worker_tf_threads(2)
    speedup = sequential / parallel
    print(f"gridsearch data={data} n={len(X)} size=50 architecture=workshop_cnn epochs={epochs} "
          f"n_fits={n_fits} n_jobs1_s={sequential:.2f} n_jobs2_s={parallel:.2f} speedup={speedup:.2f} "
          f"worker_tf_threads={threads} same_scores={bool(np.array_equal(scores_1, scores_2))} "
          f"target>=1.0 ok={speedup >= 1.0}", flush=True)


if __name__ == "__main__":
    main()
