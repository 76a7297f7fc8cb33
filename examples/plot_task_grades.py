"""Tumour grades: three ordered classes, evaluated with patients kept whole
========================================================================

This example

1. makes 240 synthetic H&E patches (32 x 32) of three ordered grades with
   :func:`medcnn.datasets.make_histology` (``n_classes=3``: the nuclei grow larger,
   denser and darker from grade 0 to grade 2) and gives them 60 patient IDs;
2. cross-validates the default :class:`medcnn.CNNClassifier` (8 epochs) with
   :func:`medcnn.evaluation.evaluate` and ``ordinal=True``: 3 folds grouped by
   patient, one-vs-rest ROC AUC per grade, Cohen's kappa with quadratic weights,
   bootstrap intervals with patients resampled;
3. prints the overall metrics against the majority class, each grade against the
   rest, and saves the report (one ROC curve per grade, the 3 x 3 confusion matrix).

Usage::

    python examples/plot_task_grades.py [REPORT_FOLDER]
"""

import os
import sys
import tempfile

import numpy as np

from medcnn import CNNClassifier
from medcnn.datasets import make_histology
from medcnn.evaluation import evaluate

X, grade = make_histology(240, image_size=32, n_classes=3, random_state=0)   # 80 patches per grade
patients = np.repeat([f"P{i:02d}" for i in range(60)], 4)                     # 4 patches per patient

report = evaluate(CNNClassifier(epochs=8, random_state=0), X, grade, groups=patients, cv=3, ordinal=True,
                  n_bootstraps=200, random_state=0)


def show(name, m):
    return f"{name} {m['value']:.3f} ({report.confidence:.0%} CI {m['low']:.3f}-{m['high']:.3f})"


m = report.metrics
print(f"{len(X)} patches, {len(set(patients))} patients, grades {report.classes.tolist()}")
print(show("ROC AUC (one-vs-rest, macro)", m["roc_auc_macro"]))
print(show("balanced accuracy", m["balanced_accuracy"]) + "; the majority class scores 0.333")
print(show("Cohen's kappa (quadratic weights)", m["kappa"]) + "; chance scores 0")
for grade_name, per_grade in zip(report.classes, report.class_metrics):
    print(f"  grade {grade_name} against the rest: " + show("ROC AUC", per_grade["roc_auc"]))

folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="medcnn-grades-")
print("report:", report.save(os.path.join(folder, "grades"), force=True))
