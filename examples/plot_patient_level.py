"""Patient-level evaluation: grouped cross-validation on image files, patch -> patient scores
==========================================================================================

Several patches come from each patient, so patches of one patient must never be on
both sides of a split (the model would be scored on the patient it learned), and the
clinically relevant result is often per patient, not per patch. This example

1. writes 120 synthetic H&E patches as PNG files ``<class>/<patient>_<i>.png`` for 12
   patients (6 with benign tissue only, 6 with some malignant patches);
2. loads them with the ``directory`` loader, taking the patient ID from the file name;
3. cross-validates a CNN on the file paths with patient-grouped folds
   (:func:`medcnn.evaluation.default_cv` -> ``StratifiedGroupKFold``);
4. reports ROC AUC per patch and per patient (mean patch probability of a patient
   against "has any malignant patch").

The data and the training (80 patches per fold, 3 epochs) are kept tiny so that the
script runs in well under a minute on a laptop CPU; the scores show the procedure,
not what a CNN reaches with enough images and epochs.
"""

import os
import tempfile

import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from medcnn import CNNClassifier
from medcnn.datasets import load, make_histology
from medcnn.evaluation import aggregate_by_group, default_cv

N_PATIENTS = 12
X, y = make_histology(120, image_size=32, random_state=0)   # 84 benign (0), 36 malignant (1)

# Patients P01-P06 get benign patches only; P07-P12 get benign and all the malignant ones.
benign, malignant = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
patient = np.empty(len(y), dtype=object)
patient[benign] = [f"P{1 + i % N_PATIENTS:02d}" for i in range(len(benign))]
patient[malignant] = [f"P{1 + N_PATIENTS // 2 + i % (N_PATIENTS // 2):02d}" for i in range(len(malignant))]

with tempfile.TemporaryDirectory() as root:
    for i, (image, label, pid) in enumerate(zip(X, y, patient)):
        folder = os.path.join(root, ("benign", "malignant")[label])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(image).save(os.path.join(folder, f"{pid}_{i:03d}.png"))

    ds = load("directory", root, group_pattern=r"^(P\d+)_")
    print(ds.describe())
    print()

    clf = CNNClassifier(architecture="lenet5", epochs=3, random_state=0)
    cv = default_cv(3, ds.groups, random_state=0)        # StratifiedGroupKFold: patients kept whole
    proba = cross_val_predict(clf, ds.X, ds.y, cv=cv, groups=ds.groups, method="predict_proba")

is_malignant = (ds.y == "malignant").astype(int)          # proba columns follow classes_: benign, malignant
patients, patient_score = aggregate_by_group(proba[:, 1], ds.groups, how="mean")
_, patient_truth = aggregate_by_group(is_malignant, ds.groups, how="max")   # any malignant patch

print(f"cross-validation: {type(cv).__name__}({cv.n_splits} folds), grouped by patient")
print(f"patch-level   ROC AUC: {roc_auc_score(is_malignant, proba[:, 1]):.3f}  "
      f"({len(ds)} patches)")
print(f"patient-level ROC AUC: {roc_auc_score(patient_truth, patient_score):.3f}  "
      f"({len(patients)} patients, mean malignant probability per patient)")
for pid, score, truth in zip(patients, patient_score, patient_truth):
    print(f"  {pid}: mean p(malignant) = {score:.2f}  truth: {'malignant' if truth else 'benign'}")
