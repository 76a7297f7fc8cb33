"""Evaluation: cross-validated reports, confidence intervals, DeLong's test, patient-level results.

Examples
--------
>>> from medcnn.evaluation import aggregate_by_group
>>> aggregate_by_group([0.1, 0.3], ["a", "a"])[1].tolist()
[0.2]
"""

from ._bootstrap import bootstrap_ci, bootstrap_metrics, bootstrap_roc_band
from ._compare import BootstrapDifference, bootstrap_difference, compare
from ._delong import DeLongResult, delong_test
from ._evaluate import evaluate
from ._groups import aggregate_by_group, default_cv
from ._metrics import binary_metrics
from ._multiclass import class_metrics, multiclass_metrics
from ._plots import plot_embedding
from ._report import EvaluationReport
from ._report import check_report_folder  # noqa: F401 - for the CLI, not public API

__all__ = ["evaluate", "EvaluationReport", "compare", "delong_test", "DeLongResult", "bootstrap_difference",
           "BootstrapDifference", "bootstrap_ci",
           "bootstrap_metrics", "bootstrap_roc_band", "binary_metrics", "multiclass_metrics", "class_metrics",
           "plot_embedding",
           "aggregate_by_group", "default_cv"]
