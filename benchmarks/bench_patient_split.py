"""How much a validation split by patch overstates the ROC AUC, against a split by patient.

On the IDC patches (``../shared/data/idc``, patient IDs in the file names), the Train
patches are split two ways, 80% / 20%: by patch (stratified by class, patients on
both sides) and by patient (``StratifiedGroupKFold``, whole patients held out). The
default CNNClassifier is trained on each 80% part; each model is scored on its own
20% (the "validation" ROC AUC a user would report) and on the Valid split, 28
patients neither model saw (what the model really does on new patients).
``check_leakage`` is run on both splits.

Prints one ``key=value`` line per split and a verdict: the patch split's validation
AUC minus its AUC on new patients (the overstatement) against the same gap of the
patient split.

Usage::

    python benchmarks/bench_patient_split.py [--patients N] [--seed S]
"""

import argparse
import os
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from medcnn import CNNClassifier
from medcnn.datasets import check_leakage, load

IDC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "idc")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=0, help="use this many Train patients (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not os.path.isdir(IDC):
        print(f"skipped: the IDC patches are not at {os.path.normpath(IDC)}")
        return 0
    train = load("idc", IDC, split="Train")
    valid = load("idc", IDC, split="Valid")
    X, y, patient = np.asarray(train.X), np.asarray(train.y), np.asarray(train.groups)
    if args.patients:
        keep = np.isin(patient, np.random.default_rng(args.seed).permutation(np.unique(patient))[:args.patients])
        X, y, patient = X[keep], y[keep], patient[keep]
    indices = np.arange(len(y))
    splits = {
        "by_patch": train_test_split(indices, test_size=0.2, stratify=y, random_state=args.seed),
        "by_patient": next(StratifiedGroupKFold(5, shuffle=True, random_state=args.seed).split(X, y, patient)),
    }
    truth_new = (np.asarray(valid.y) == "1").astype(int)
    gaps = {}
    for name, (fit_part, held_out) in splits.items():
        leakage = check_leakage(X[fit_part], X[held_out], groups_train=patient[fit_part],
                                groups_test=patient[held_out], duplicates=False)
        start = time.perf_counter()
        model = CNNClassifier(random_state=args.seed).fit(X[fit_part], y[fit_part])
        seconds = time.perf_counter() - start
        auc_held_out = roc_auc_score((y[held_out] == "1").astype(int), model.predict_proba(X[held_out])[:, 1])
        auc_new = roc_auc_score(truth_new, model.predict_proba(np.asarray(valid.X))[:, 1])
        gaps[name] = auc_held_out - auc_new
        print(f"split={name} train_images={len(fit_part)} held_out_images={len(held_out)} "
              f"shared_patients={len(leakage.shared_patients)} held_out_roc_auc={auc_held_out:.3f} "
              f"new_patients_roc_auc={auc_new:.3f} overstatement={gaps[name]:+.3f} fit_s={seconds:.0f}", flush=True)
    print(f"verdict: the split by patch overstates the ROC AUC on new patients by {gaps['by_patch']:+.3f}, "
          f"the split by patient by {gaps['by_patient']:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
