"""The fold loop of :func:`evaluate`, on scikit-learn's ``cross_validate``: each fold's clone
is fitted (in parallel with ``n_jobs``, on any joblib backend such as Dask's), then
predicts its test part; the folds are checked for patients and near-duplicate images on
both sides."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["FoldOptions", "out_of_fold"]


@dataclass(frozen=True)
class FoldOptions:
    """How :func:`evaluate` runs its folds (see its parameters)."""

    verbose: int = 0
    n_jobs: int | None = None
    scoring: object = None
    check_duplicates: bool = False


def _no_score(estimator, X, y):
    """A scorer that predicts nothing: the folds' predictions are made once, afterwards."""
    return 0.0


def _warn_shared_patients(splits, groups):
    shared = {fold: np.intersect1d(groups[train], groups[test]) for fold, (train, test) in enumerate(splits, 1)}
    shared = {fold: patients for fold, patients in shared.items() if len(patients)}
    if shared:
        fold, patients = next(iter(shared.items()))
        warnings.warn(
            f"{len(shared)} of {len(splits)} folds have patients in both their training and test parts (fold "
            f"{fold}: {len(patients)}, e.g. {patients[:3].tolist()}): the splitter ignores the groups, and the "
            "results are optimistic. Use cv=<int> (patient-grouped folds) or a group-aware splitter "
            "(GroupKFold, StratifiedGroupKFold).", UserWarning, stacklevel=4)


def _warn_duplicates(X, splits):
    from medcnn.datasets import find_duplicates

    duplicate_groups = find_duplicates(X)
    member_of = {index: k for k, members in enumerate(duplicate_groups) for index in members}
    crossing = []
    for fold, (train, test) in enumerate(splits, 1):
        in_train = {member_of[i] for i in train.tolist() if i in member_of}
        n_test = sum(1 for i in test.tolist() if member_of.get(i, -1) in in_train)
        if n_test:
            crossing.append((fold, n_test))
    if crossing:
        warnings.warn(
            f"{len(crossing)} of {len(splits)} folds test on near-duplicates of training images (fold "
            f"{crossing[0][0]}: {crossing[0][1]} test image(s)); {len(duplicate_groups)} group(s) of near-duplicates "
            "in X. Give the copies one group (patient) ID, or remove them (medcnn.datasets.find_duplicates).",
            UserWarning, stacklevel=4)


def out_of_fold(estimator, X, y, splits, n_columns, predictions, fold_metrics_of, headline, groups=None,
                options=FoldOptions()):
    """``(predicted, fold_of, fold_metrics, histories)``: each fold's clone fitted on its training
    part by ``cross_validate``, ``predictions(model, X_test)`` of its test part (``n_columns``
    per sample), ``fold_metrics_of(test, predicted)``; ``headline(metrics)`` is what ``verbose``
    prints of a fold. The scores of ``options.scoring`` join each fold's metrics as ``test_*``."""
    from sklearn.model_selection import cross_validate

    if groups is not None:
        _warn_shared_patients(splits, groups)
    if options.check_duplicates:
        _warn_duplicates(X, splits)
    # the splits are made already: groups are not passed on (cross_validate refuses them under metadata routing)
    result = cross_validate(estimator, X, y, cv=splits, scoring=options.scoring or _no_score,
                            n_jobs=options.n_jobs, verbose=max(int(options.verbose) - 1, 0), return_estimator=True,
                            return_indices=True, error_score="raise")
    scores = {key: values for key, values in result.items() if key.startswith("test_") and options.scoring}
    predicted = np.full((len(y), n_columns), np.nan)
    fold_of = np.zeros(len(y), dtype=int)
    fold_metrics, histories = [], []
    for fold, (model, test) in enumerate(zip(result["estimator"], result["indices"]["test"]), 1):
        predicted[test] = predictions(model, X[test])
        fold_of[test] = fold
        fold_metrics.append({"fold": fold, "n_test": len(test), **fold_metrics_of(test, predicted[test]),
                             **{key: float(values[fold - 1]) for key, values in scores.items()}})
        histories.append(dict(getattr(model, "history_", None) or {}))
        if options.verbose:
            print(f"fold {fold}/{len(splits)}: {headline(fold_metrics[-1])} ({len(test)} test samples)", flush=True)
    return predicted, fold_of, fold_metrics, histories
