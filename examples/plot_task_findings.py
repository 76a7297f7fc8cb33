"""Several findings per patch: a multi-label classifier and its per-label report
=============================================================================

This example

1. makes 240 synthetic H&E patches (32 x 32) with
   :func:`medcnn.datasets.make_histology_multilabel`: each patch may show atypia,
   inflammation and necrosis, each on about 30% of the patches, independently;
2. cross-validates the default :class:`medcnn.CNNClassifier` (8 epochs) on the 0/1
   indicator ``Y`` (one sigmoid output per finding, each finding's positives and
   negatives weighted alike) with :func:`medcnn.evaluation.evaluate`;
3. prints each finding's ROC AUC and sensitivity/specificity with intervals (a
   constant score has ROC AUC 0.5), the macro ROC AUC and the subset accuracy, and
   saves the report (one ROC curve per finding).

Usage::

    python examples/plot_task_findings.py [REPORT_FOLDER]
"""

import os
import sys
import tempfile

import pandas as pd

from medcnn import CNNClassifier
from medcnn.datasets import HISTOLOGY_FINDINGS, make_histology_multilabel
from medcnn.evaluation import evaluate

X, Y = make_histology_multilabel(240, image_size=32, random_state=0)
Y = pd.DataFrame(Y, columns=HISTOLOGY_FINDINGS)          # the column names name the labels in the report

report = evaluate(CNNClassifier(epochs=8, random_state=0), X, Y, cv=3, n_bootstraps=200, random_state=0)

m = report.metrics
print(f"{len(X)} patches; patches with each finding: {Y.sum().to_dict()}")
print(f"macro ROC AUC {m['roc_auc_macro']['value']:.3f} ({report.confidence:.0%} CI "
      f"{m['roc_auc_macro']['low']:.3f}-{m['roc_auc_macro']['high']:.3f}); constant scores give 0.5")
print(f"subset accuracy (every finding right) {m['subset_accuracy']['value']:.3f}, "
      f"Hamming loss {m['hamming_loss']['value']:.3f}")
print(report.to_frame("classes")[["roc_auc", "roc_auc_low", "roc_auc_high", "sensitivity", "specificity"]]
      .round(3).to_string())

folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="medcnn-findings-")
print("report:", report.save(os.path.join(folder, "findings"), force=True))
