"""``CNNClassifier()`` with its defaults against the IDC workshop network in plain Keras.

Both are trained on the same training files and scored on the held-out patients of
the Valid folder, in one process:

- the reference is the workshop script of ``bench_keras.py`` (``image_dataset_from_directory``,
  the workshop network, Adam, 10 epochs);
- medcnn is ``CNNClassifier(random_state=0)`` with every other parameter at its
  default, fitted on the list of the same files with their labels.

Prints two comparable lines:

- ``defaults_time``: wall seconds of the whole fit of each (loading included) and
  the ratio medcnn / Keras (target <= 3.0);
- ``defaults_roc_auc`` and ``defaults_balanced_accuracy`` (threshold 0.5): the score
  on Valid of each; the target applies to medcnn's score (ROC AUC >= 0.93, balanced
  accuracy >= 0.86).

Data: the IDC patches under ``../shared/data/idc`` (relative to the repository root)
when present, else synthetic ``make_histology`` patches written as PNG files to a
temporary folder (``--synthetic`` forces these; the quality targets are meant for
IDC). ``--quick`` trains on 640 files for 2 epochs each (smoke test; the verdicts
then mean nothing).

Run: ``python benchmarks/bench_defaults.py [--quick] [--synthetic]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_keras import SEED, fit_keras, folders, image_files, keras_dataset

TIME_TARGET = 3.0
AUC_TARGET = 0.93
BALANCED_ACCURACY_TARGET = 0.86
KERAS_EPOCHS = 10


def scores(y_true, proba):
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    return roc_auc_score(y_true, proba), balanced_accuracy_score(y_true, proba >= 0.5)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="640 files, 2 epochs each (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    args = parser.parse_args(argv)
    args.n = 640 if args.quick else None
    keras_epochs = 2 if args.quick else KERAS_EPOCHS

    from medcnn import CNNClassifier

    with tempfile.TemporaryDirectory() as workdir:
        train_folder, valid_folder, data = folders(args, Path(workdir))
        model, _, keras_s, files, labels = fit_keras(train_folder, keras_epochs)
        valid = keras_dataset(valid_folder, shuffle=False)
        y_valid = np.concatenate([batch.numpy() for _, batch in valid])[:, 1]
        keras_auc, keras_bacc = scores(y_valid, model.predict(valid, verbose=0)[:, 1])

        clf = CNNClassifier(random_state=SEED, **({"epochs": 2} if args.quick else {}))
        start = time.perf_counter()
        clf.fit(files, [int(label) for label in labels])
        medcnn_s = time.perf_counter() - start
        paths = [str(p) for p in image_files(valid_folder)]
        y_paths = np.array([int(Path(p).parent.name) for p in paths])
        proba = clf.predict_proba(paths)[:, list(clf.classes_).index(1)]
        medcnn_auc, medcnn_bacc = scores(y_paths, proba)

    ratio = medcnn_s / keras_s
    setting = f"data={data} n_train={len(files)} n_valid={len(paths)}"
    print(f"defaults_time {setting} keras_epochs={keras_epochs} medcnn_epochs={clf.epochs} "
          f"medcnn_s={medcnn_s:.1f} keras_s={keras_s:.1f} ratio_medcnn_over_keras={ratio:.3f} "
          f"target<={TIME_TARGET} ok={ratio <= TIME_TARGET}", flush=True)
    for name, medcnn, keras, target in (("roc_auc", medcnn_auc, keras_auc, AUC_TARGET),
                                        ("balanced_accuracy", medcnn_bacc, keras_bacc,
                                         BALANCED_ACCURACY_TARGET)):
        # no ratio: the target applies to medcnn's score, the last value of the line
        print(f"defaults_{name} {setting} keras_{name}={keras:.4f} medcnn_{name}={medcnn:.4f} "
              f"target>={target} ok={medcnn >= target}", flush=True)


if __name__ == "__main__":
    main()
