"""A number per patch: the nuclear area fraction, predicted by a CNN regressor
===========================================================================

This example

1. makes 240 synthetic H&E patches (32 x 32) with
   :func:`medcnn.datasets.make_histology_regression`, whose target is the share of
   each patch covered by nuclei, measured on the rendered nuclei (with 10% noise);
2. cross-validates the default :class:`medcnn.CNNRegressor` (8 epochs) with
   :func:`medcnn.evaluation.evaluate` (3 folds): mean absolute error, root mean
   squared error and R², with bootstrap intervals;
3. prints them beside the error of always predicting the mean (R² of 0), and saves
   the report (predicted against actual values, residuals).

Usage::

    python examples/plot_task_regression.py [REPORT_FOLDER]
"""

import os
import sys
import tempfile

import numpy as np

from medcnn import CNNRegressor
from medcnn.datasets import make_histology_regression
from medcnn.evaluation import evaluate

X, area = make_histology_regression(240, image_size=32, random_state=0)

report = evaluate(CNNRegressor(epochs=8, random_state=0), X, area, cv=3, n_bootstraps=200, random_state=0)

m = report.metrics
print(f"{len(X)} patches; nuclear area fraction from {area.min():.3f} to {area.max():.3f}, mean {area.mean():.3f}")
for name, label in (("mae", "mean absolute error"), ("rmse", "root mean squared error"), ("r2", "R²")):
    print(f"{label}: {m[name]['value']:.4f} ({report.confidence:.0%} CI {m[name]['low']:.4f}-{m[name]['high']:.4f})")
print(f"always predicting the mean: mean absolute error {np.abs(area - area.mean()).mean():.4f}, R² 0")

folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="medcnn-regression-")
print("report:", report.save(os.path.join(folder, "area-fraction"), force=True))
