"""Evaluation report: a CNN against a texture-feature baseline, with patient-level results
=======================================================================================

This example

1. makes 200 synthetic H&E patches (28 x 28) with
   :func:`medcnn.datasets.make_histology` and gives them 20 patient IDs: patients
   P01-P10 have benign patches only, P11-P20 benign and malignant ones;
2. evaluates a small CNN (``lenet5``, 3 epochs) with
   :func:`medcnn.evaluation.evaluate`: 3-fold cross-validation grouped by patient,
   pooled out-of-fold probabilities, ten metrics with bootstrap confidence
   intervals (patients resampled), and the patient-level table;
3. evaluates a baseline of handcrafted texture features
   (:class:`medcnn.features.TextureFeatures`) and logistic regression with the same
   ``cv``, groups and ``random_state``, so that both models are scored on the same
   folds and the same samples;
4. prints the main metrics of both with their confidence intervals, and compares
   the two pooled ROC AUCs with DeLong's test for paired AUCs
   (:func:`medcnn.evaluation.compare`);
5. saves the CNN's report (``report.html``, ``metrics.json``,
   ``predictions.csv`` and the plots as PNG) and prints the path of ``report.html``.

The data and the training are kept tiny so that the script runs in well under a
minute on a laptop CPU; the scores show the procedure, not what either model
reaches with enough images and epochs, nor which of the two is better.

Usage::

    python examples/plot_evaluation_report.py [REPORT_FOLDER]

The report is written into REPORT_FOLDER, else into the sub-folder
``evaluation_report`` of the folder in the ``MEDCNN_EXAMPLE_OUT`` environment
variable, else into a new temporary folder. Report files already in that folder
are replaced.
"""

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from medcnn import CNNClassifier
from medcnn.datasets import make_histology
from medcnn.evaluation import compare, evaluate
from medcnn.features import TextureFeatures

N_PATIENTS = 20
SHOWN = ["roc_auc", "balanced_accuracy", "sensitivity", "specificity"]


def own_arguments():
    """The command-line arguments after this script's path when Python was started on
    this file; none when another program (a test runner, say) executes it."""
    here = Path(__file__).resolve()
    command = getattr(sys, "orig_argv", sys.argv)
    for i, arg in enumerate(command):
        if arg.endswith(".py") and Path(arg).resolve() == here:
            return command[i + 1:]
    return []


def report_folder():
    arguments = own_arguments()
    if arguments:
        return Path(arguments[0])
    if os.environ.get("MEDCNN_EXAMPLE_OUT"):
        return Path(os.environ["MEDCNN_EXAMPLE_OUT"]) / "evaluation_report"
    return Path(tempfile.mkdtemp(prefix="medcnn-report-"))


def show(name, report):
    """The main pooled metrics with their intervals, and the patient-level ROC AUC."""
    frame = report.to_frame()          # rows: metrics; columns value, low, high, fold_mean, fold_std
    print(f"{name}: pooled out-of-fold metrics, {report.confidence:.0%} bootstrap CI "
          "(patients resampled)")
    print(frame.loc[SHOWN, ["value", "low", "high", "fold_mean", "fold_std"]].round(3).to_string())
    patient = report.to_frame("patient").loc["roc_auc"]
    print(f"patient-level ROC AUC ({report.aggregate} probability per patient): "
          f"{patient['value']:.3f} [{patient['low']:.3f}, {patient['high']:.3f}]\n")


X, y = make_histology(200, image_size=28, random_state=0)   # 140 benign (0), 60 malignant (1)
labels = np.array(["benign", "malignant"])[y]

# Patients P01-P10 get benign patches only; P11-P20 get benign patches and all malignant ones.
benign, malignant = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
patient = np.empty(len(y), dtype=object)
patient[benign] = [f"P{1 + i % N_PATIENTS:02d}" for i in range(len(benign))]
patient[malignant] = [f"P{11 + i % (N_PATIENTS // 2):02d}" for i in range(len(malignant))]
patient = patient.astype(str)
print(f"{len(y)} patches of {len(np.unique(patient))} patients, {len(malignant)} malignant\n")

# Same X, y, groups, cv and random_state for both models: the same folds, paired predictions.
# A patient counts as positive if any patch is malignant, so its probability is that of its
# most suspicious patch (aggregate="max"); the mean would dilute a few malignant patches.
settings = dict(groups=patient, cv=3, aggregate="max", n_bootstraps=1000, random_state=0)

cnn = CNNClassifier(architecture="lenet5", epochs=3, class_weight="balanced", random_state=0)
print("CNN (lenet5, 3 epochs), 3-fold cross-validation grouped by patient:")
cnn_report = evaluate(cnn, X, labels, verbose=1, **settings)
print()
show("CNN", cnn_report)

texture = make_pipeline(TextureFeatures(), LogisticRegression(max_iter=1000))
texture_report = evaluate(texture, X, labels, **settings)
show("Texture features + logistic regression", texture_report)

# DeLong's test of the paired ROC AUCs. It treats the 200 patches as independent cases;
# patches of one patient are alike, so with many patches per patient its p-value is too
# small (docs/evaluation.rst shows a patient-resampled interval of the difference).
result = compare(cnn_report, texture_report)
low, high = result.confidence_interval(0.95)
print("DeLong's test, pooled out-of-fold ROC AUC:")
print(f"  CNN {result.auc_a:.3f}, texture baseline {result.auc_b:.3f}, difference "
      f"{result.difference:+.3f} (95% CI {low:+.3f} to {high:+.3f}), z = {result.z:.2f}, "
      f"p = {result.p_value:.3g}")

folder = report_folder()
path = cnn_report.save(folder, force=True)
print(f"\nCNN report: {path}")
