"""Class-imbalance options of CNNClassifier on a skewed IDC training set, scored on new patients.

Training set: the IDC Train patches (``../shared/data/idc/Train``, 50x50 RGB) with every
benign patch (class ``0``) kept and the malignant ones (class ``1``) subsampled at random
(seed 0) to one for nine benign, 10% of the training set. Test set: IDC Valid, whose
patients are not in Train (checked), with its own, balanced, class ratio.

Every option trains the same network with the same budget:
``CNNClassifier(architecture="workshop_cnn", image_size=32, epochs=3, batch_size=32,
optimizer="adam", learning_rate=1e-3, lr_schedule=None, random_state=0)`` (augmentation
at its default, flips and quarter turns), and only the imbalance parameters change:

- ``no_handling``: ``class_weight=None``;
- ``class_weight_balanced``: ``class_weight="balanced"`` (the default);
- ``oversample``, ``undersample``: ``sampling="oversample"`` / ``"undersample"``;
- ``ros_0.5``: ``sampling=RandomOverSampler(sampling_strategy=0.5)``;
- ``focal``: ``loss="focal"``, ``class_weight=None``, ``focal_alpha`` at its default
  ``"balanced"``;
- ``focal_no_alpha``: ``loss="focal"``, ``class_weight=None``, ``focal_alpha=None``
  (focusing only);
- ``features_smote_rf``, ``features_balanced_rf``: the frozen features of the
  ``no_handling`` network (``TransferFeatureExtractor(FrozenEstimator(cnn))``, 512 per
  image) followed by ``SMOTE`` and ``RandomForestClassifier(n_estimators=300)``, or by
  ``BalancedRandomForestClassifier(n_estimators=300)``, in an ``imblearn`` pipeline.

Prints one line per option, e.g.::

    imbalance option=no_handling data=idc n_train=2477 malignant=247 n_valid=560 epochs=3 size=32 steps=234 fit_s=... sensitivity=... specificity=... roc_auc=... balanced_accuracy=...

``balanced_accuracy``, ``sensitivity`` and ``specificity`` are at the default threshold
(``predict``), ``roc_auc`` on ``predict_proba``; ``steps`` is the number of training
steps of the network (``n_steps_``; sampling changes the epoch length), ``fit_s`` the
seconds of ``fit`` (for the feature heads: the head's fit, the network already trained).
One seed and a short training: the scores show whether an option corrects the class
balance, not a ranking of the options. Skipped (exit code 0) when the IDC patches are absent.

Run: ``python benchmarks/bench_imbalance.py [--quick]`` (``--quick``: 600 benign
patches, 1 epoch, forests of 50 trees; a smoke test, its numbers mean nothing).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

IDC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "idc"


def read(paths):
    from PIL import Image

    return np.stack([np.asarray(Image.open(p).convert("RGB").resize((50, 50))) for p in paths])


def skewed_idc(n_benign=None, seed=0):
    """The 10%-malignant training subsample of IDC Train and the whole of IDC Valid."""
    from medcnn.datasets import load

    train, valid = load("idc", IDC / "Train"), load("idc", IDC / "Valid")
    shared = set(np.asarray(train.groups)) & set(np.asarray(valid.groups))
    assert not shared, f"patients in both Train and Valid: {sorted(shared)}"
    y_all = np.asarray(train.y)
    benign, malignant = np.flatnonzero(y_all == "0"), np.flatnonzero(y_all == "1")
    if n_benign:
        benign = benign[np.linspace(0, len(benign) - 1, n_benign).astype(int)]
    malignant = np.random.RandomState(seed).choice(malignant, len(benign) // 9, replace=False)
    keep = np.sort(np.concatenate([benign, malignant]))
    X, y = read(np.asarray(train.X)[keep]), y_all[keep]
    assert 0.09 < np.mean(y == "1") < 0.11
    return X, y, read(valid.X), np.asarray(valid.y)


def scores(model, X_valid, y_valid):
    from sklearn.metrics import balanced_accuracy_score, recall_score, roc_auc_score

    proba = model.predict_proba(X_valid)[:, list(model.classes_).index("1")]
    pred = model.predict(X_valid)
    return {"sensitivity": recall_score(y_valid, pred, pos_label="1"),
            "specificity": recall_score(y_valid, pred, pos_label="0"),
            "roc_auc": roc_auc_score(y_valid == "1", proba),
            "balanced_accuracy": balanced_accuracy_score(y_valid, pred)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="600 benign patches, 1 epoch (smoke test)")
    args = parser.parse_args(argv)
    if not (IDC / "Train").is_dir() or not (IDC / "Valid").is_dir():
        print(f"skipped: the IDC patches are not at {IDC}")
        return 0

    from imblearn.ensemble import BalancedRandomForestClassifier
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import make_pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.frozen import FrozenEstimator

    from medcnn import CNNClassifier, TransferFeatureExtractor

    start = time.perf_counter()
    X, y, X_valid, y_valid = skewed_idc(n_benign=600 if args.quick else None)
    epochs, trees = (1, 50) if args.quick else (3, 300)
    network = dict(architecture="workshop_cnn", image_size=32, epochs=epochs, batch_size=32, optimizer="adam",
                   learning_rate=1e-3, lr_schedule=None, random_state=0)
    setting = (f"data=idc n_train={len(y)} malignant={int(np.sum(y == '1'))} n_valid={len(y_valid)} "
               f"epochs={epochs} size=32")
    print(f"# workshop_cnn, image_size=32, {epochs} epochs, batch 32, Adam 1e-3, random_state=0; "
          f"Valid: {int(np.sum(y_valid == '0'))} benign, {int(np.sum(y_valid == '1'))} malignant", flush=True)

    def report(option, model, seconds, steps=""):
        fields = " ".join(f"{k}={v:.3f}" for k, v in scores(model, X_valid, y_valid).items())
        steps = f" steps={steps}" if steps != "" else ""
        print(f"imbalance option={option} {setting}{steps} fit_s={seconds:.0f} {fields}", flush=True)

    options = {
        "no_handling": dict(class_weight=None),
        "class_weight_balanced": dict(class_weight="balanced"),
        "oversample": dict(sampling="oversample"),
        "undersample": dict(sampling="undersample"),
        "ros_0.5": dict(sampling=RandomOverSampler(sampling_strategy=0.5)),
        "focal": dict(class_weight=None, loss="focal"),
        "focal_no_alpha": dict(class_weight=None, loss="focal", focal_alpha=None),
    }
    uncorrected = None
    for option, params in options.items():
        t0 = time.perf_counter()
        clf = CNNClassifier(**network, **params).fit(X, y)
        report(option, clf, time.perf_counter() - t0, clf.n_steps_)
        if option == "no_handling":
            uncorrected = clf

    heads = {
        "features_smote_rf": [SMOTE(random_state=0), RandomForestClassifier(n_estimators=trees, random_state=0)],
        "features_balanced_rf": [BalancedRandomForestClassifier(n_estimators=trees, random_state=0)],
    }
    for option, steps in heads.items():
        t0 = time.perf_counter()
        model = make_pipeline(TransferFeatureExtractor(FrozenEstimator(uncorrected)), *steps).fit(X, y)
        report(option, model, time.perf_counter() - t0)
    print(f"# total {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
