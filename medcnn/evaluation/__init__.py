"""Evaluation helpers for patient-level results.

Examples
--------
>>> from medcnn.evaluation import aggregate_by_group
>>> aggregate_by_group([0.1, 0.3], ["a", "a"])[1].tolist()
[0.2]
"""

from ._groups import aggregate_by_group, default_cv

__all__ = ["aggregate_by_group", "default_cv"]
