"""Survival from images: a Cox model on a CNN, its C-index and Kaplan-Meier curves
===============================================================================

This example (needs the ``survival`` extra: ``pip install "medcnn[survival]"``)

1. makes 240 synthetic H&E patches (32 x 32) with
   :func:`medcnn.datasets.make_histology_survival`: one patch per patient, whose
   time to event is drawn from a proportional-hazards model where a larger nuclear
   burden means an earlier event, about 30% of them censored;
2. cross-validates :class:`medcnn.CNNSurvival` (the default network, 8 epochs,
   trained with the Cox partial likelihood) with :func:`medcnn.evaluation.evaluate`
   (3 folds stratified by event): Harrell's C-index and Uno's C with bootstrap
   intervals (random risks score 0.5);
3. prints them and saves the report, whose Kaplan-Meier plot compares the patients
   predicted at high and at low risk (split at each fold's median) with the
   log-rank test.

Usage::

    python examples/plot_task_survival.py [REPORT_FOLDER]
"""

import os
import sys
import tempfile

from medcnn import CNNSurvival
from medcnn.datasets import make_histology_survival
from medcnn.evaluation import evaluate

X, y = make_histology_survival(240, image_size=32, random_state=0)   # y: (event, time), as scikit-survival's

report = evaluate(CNNSurvival(epochs=8, random_state=0), X, y, cv=3, n_bootstraps=200, random_state=0)

m = report.metrics
print(f"{len(X)} patients, {int(y['event'].sum())} events, {int((~y['event']).sum())} censored")
print(f"Harrell's C-index {m['c_index']['value']:.3f} ({report.confidence:.0%} CI "
      f"{m['c_index']['low']:.3f}-{m['c_index']['high']:.3f}); random risks score 0.5")
print(f"Uno's C (to time {report.truncation_time:.1f}) {m['c_index_uno']['value']:.3f} "
      f"({m['c_index_uno']['low']:.3f}-{m['c_index_uno']['high']:.3f})")
print(report.to_frame("folds").round(3).to_string())

folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="medcnn-survival-")
print("report:", report.save(os.path.join(folder, "survival"), force=True))
