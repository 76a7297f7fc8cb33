"""Cross-validated evaluation of a classifier of two or more classes: :func:`evaluate`."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import is_regressor

from ._bca import check_ci_method
from ._folds import FoldOptions, out_of_fold
from ._groups import aggregate_by_group, default_cv
from ._metrics import binary_metrics
from ._report import EvaluationReport
from ._survival import is_survival_target

__all__ = ["evaluate"]


def _binary_labels(y, pos_label):
    labels = np.unique(y)
    if len(labels) != 2:
        raise ValueError(
            f"y has {len(labels)} distinct label(s): {labels.tolist()[:10]}; evaluating a classifier "
            "needs two or more classes. Check the labels (e.g. the folders of the dataset).")
    if pos_label is None:
        pos_label = labels[1]
    elif pos_label not in labels:
        raise ValueError(f"pos_label={pos_label!r} is not one of the labels in y: {labels.tolist()}.")
    negative = labels[0] if labels[1] == pos_label else labels[1]
    return pos_label, negative


def _check_splits(splits, y01, groups, n_positive):
    for fold, (train, test) in enumerate(splits, 1):
        for part, index in (("test", test), ("training", train)):
            present = np.unique(y01[index])
            if len(present) < 2:
                which = "positive" if present[0] == 1 else "negative"
                where = "" if groups is None else f" ({len(np.unique(groups[index]))} groups)"
                raise ValueError(
                    f"Fold {fold} of {len(splits)} has only {which} samples in its {part} part "
                    f"({len(index)} samples{where}); every fold needs both classes. Use fewer "
                    f"folds (there are {n_positive} positives), or groups that spread the "
                    "positives over more patients.")


def evaluate(estimator, X, y, groups=None, cv=5, *, pos_label=None, threshold=0.5, aggregate="mean",
             ordinal=False, n_bootstraps=1000, confidence=0.95, random_state=None, verbose=0,
             ci_method="percentile", n_jobs=None, scoring=None, check_duplicates=False):
    """Cross-validate a classifier and report what a clinical reader asks for.

    Each fold fits a clone of ``estimator`` on its training part and predicts
    probabilities for its test part; the out-of-fold probabilities of all folds
    are pooled. The report holds, per fold and pooled, ROC AUC, PR AUC, balanced
    accuracy, sensitivity, specificity, PPV, NPV, F1, MCC and the Brier score
    (scikit-learn's functions; threshold metrics at ``threshold``), with bootstrap
    confidence intervals for the pooled values. With ``groups`` (patient IDs) the
    folds keep patients whole, the bootstrap resamples patients, and a
    patient-level table scores one aggregated probability per patient against
    "has any positive sample".

    With three or more classes (tumour grades, tissue types) the report holds the
    overall metrics of one-vs-rest ROC AUC (macro and weighted), accuracy, balanced
    accuracy, macro F1, Cohen's kappa (quadratic weights with ``ordinal=True``) and
    log loss, and per class (against the rest) ROC AUC, PR AUC, sensitivity,
    specificity, PPV, NPV and F1, each with its bootstrap interval; the predicted
    class is the most probable one. Per patient, each class's probabilities are
    aggregated, and a patient's class is its most frequent one (its highest with
    ``ordinal=True``).

    With several labels per sample (a 2-D 0/1 ``y``), each label is scored as a
    binary problem of its own (the ten metrics above at ``threshold``), and overall
    ROC AUC (macro and micro), PR AUC and F1 (macro), subset accuracy and Hamming
    loss; the folds are stratified by the rarest label, and a patient has a label
    when any of its samples has it.

    For a regressor (``CNNRegressor``, any scikit-learn regressor) the report holds
    the mean absolute error, the root mean squared error and R², with bootstrap
    intervals; the folds are plain (grouped) K folds, and per patient the mean
    target is compared with the aggregated prediction.

    For survival times (``y`` scikit-survival's structured array of ``(event,
    time)``; ``CNNSurvival`` or any scikit-survival model) the report holds Harrell's
    C-index and Uno's C-index (truncated at the 90th percentile of the times), with
    bootstrap intervals, and the Kaplan-Meier curves of the predicted high- and
    low-risk halves with the log-rank test. Folds are stratified by event; each
    fold's risks are centred on their median before pooling (risk scores of
    different models have different origins). Per patient, the aggregated risk is
    scored against the patient's outcome (when all its samples share it).

    Parameters
    ----------
    estimator : classifier with predict_proba
        A CNNClassifier, a Pipeline, any scikit-learn classifier. Cloned per fold.
    X : array-like or sequence of paths
        The samples, in any form ``estimator`` accepts.
    y : array-like of shape (n,) or (n, n_labels)
        Two or more classes; or a 0/1 indicator of several labels per sample (the
        columns of a DataFrame name the labels); numbers for a regressor; or
        scikit-survival's structured array of ``(event, time)``.
    groups : array-like of shape (n,), optional
        Patient (or other) group of each sample.
    cv : int or splitter, default=5
        Folds: an int uses :func:`~medcnn.evaluation.default_cv` (grouped and
        stratified when ``groups`` is given), or any scikit-learn splitter.
    pos_label : label, optional
        The positive class of two (default: the larger label, as scikit-learn does).
    threshold : float, default=0.5
        Decision threshold on the positive-class probability (two classes).
    aggregate : {"mean", "max", "median"}, default="mean"
        How sample probabilities become one patient probability.
    ordinal : bool, default=False
        Whether three or more classes are ordered (grades), sorted as ``np.unique``
        sorts them: Cohen's kappa then uses quadratic weights, and a patient's class
        is its highest.
    n_bootstraps : int, default=1000
        Bootstrap resamples for the confidence intervals (0: no intervals).
    confidence : float, default=0.95
        Level of the confidence intervals.
    random_state : int, optional
        Seeds the folds (when ``cv`` is an int) and the bootstrap.
    verbose : int, default=0
        1 prints one line per fold; 2 also scikit-learn's line per fitted fold.
    ci_method : {"percentile", "bca"}, default="percentile"
        The bootstrap intervals: percentiles of the resampled values, or
        bias-corrected and accelerated (BCa), the acceleration from the jackknife
        over patients (over samples without ``groups``); the report's
        ``ci_method`` records the choice.
    n_jobs : int, optional
        Folds fitted in parallel, by scikit-learn's ``cross_validate`` (joblib: with
        ``joblib.parallel_config(backend="dask")`` the folds run on a Dask cluster).
        The report is the same as with one job.
    scoring : str, callable, list or dict, optional
        Extra scores of each fold's test part, as ``cross_validate`` takes them; they
        join ``fold_metrics`` as ``test_<name>`` (``test_score`` for one).
    check_duplicates : bool, default=False
        Decode every image of ``X`` and warn when a fold tests on near-duplicates
        of its training images (:func:`medcnn.datasets.find_duplicates`). With
        ``groups``, every fold is checked for patients on both sides anyway.

    Returns
    -------
    EvaluationReport
        Metrics, intervals, per-fold results, the pooled predictions; ``.to_frame()``,
        ``.to_json()``, ``.plot()``, ``.save(folder)``.

    Raises
    ------
    ValueError
        If y has a single class, a class has fewer samples than there are folds,
        a fold would miss a class, or groups do not match X.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import make_classification
    >>> from medcnn.evaluation import evaluate
    >>> X, y = make_classification(200, random_state=0)
    >>> report = evaluate(LogisticRegression(), X, y, cv=5, n_bootstraps=200, random_state=0)
    >>> round(report.metrics["roc_auc"]["value"], 3) > 0.9
    True
    >>> sorted(report.metrics["roc_auc"])
    ['high', 'low', 'value']
    """
    X = X if hasattr(X, "shape") else np.asarray(X)
    names = [str(c) for c in y.columns] if hasattr(y, "columns") else None
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X and y have different lengths: {len(X)} samples in X, {len(y)} labels in y.")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != len(y):
            raise ValueError(
                f"groups has {len(groups)} entries but X has {len(y)} samples; give one group "
                "(patient ID) per sample, in the order of X.")
    if not (isinstance(threshold, numbers.Real) and 0 <= threshold <= 1):
        raise ValueError(f"threshold={threshold!r} is not valid; give a probability in [0, 1].")
    if not (isinstance(confidence, numbers.Real) and 0 < confidence < 1):
        raise ValueError(f"confidence={confidence!r} is not valid; give a level in (0, 1), e.g. 0.95.")
    ci_method = check_ci_method(ci_method)
    folds = FoldOptions(verbose=verbose, n_jobs=n_jobs, scoring=scoring, check_duplicates=bool(check_duplicates))
    if is_survival_target(y):
        from ._survival import evaluate_survival

        if pos_label is not None:
            raise ValueError(f"pos_label={pos_label!r} applies to two classes; y holds survival times. "
                             "Leave pos_label out.")
        return evaluate_survival(estimator, X, y, groups, cv, aggregate=aggregate, n_bootstraps=n_bootstraps,
                                 confidence=confidence, random_state=random_state, folds=folds, ci_method=ci_method)
    if is_regressor(estimator):
        from ._regression import evaluate_regression

        if pos_label is not None:
            raise ValueError(f"pos_label={pos_label!r} applies to two classes; {type(estimator).__name__} is a "
                             "regressor. Leave pos_label out.")
        return evaluate_regression(estimator, X, y, groups, cv, aggregate=aggregate, n_bootstraps=n_bootstraps,
                                   confidence=confidence, random_state=random_state, folds=folds,
                                   ci_method=ci_method)
    if y.ndim == 2 and y.shape[1] > 1:
        from ._evaluate_multiclass import evaluate_multilabel

        if pos_label is not None:
            raise ValueError(f"pos_label={pos_label!r} applies to two classes, but y has one column per "
                             "label; each label is reported on its own. Leave pos_label out.")
        return evaluate_multilabel(estimator, X, y, names or list(range(y.shape[1])), groups, cv,
                                   threshold=threshold, aggregate=aggregate, n_bootstraps=n_bootstraps,
                                   confidence=confidence, random_state=random_state, folds=folds,
                                   ci_method=ci_method)
    if len(np.unique(y)) > 2:
        from ._evaluate_multiclass import evaluate_multiclass

        if pos_label is not None:
            raise ValueError(f"pos_label={pos_label!r} applies to two classes, but y has "
                             f"{len(np.unique(y))}: {np.unique(y).tolist()[:10]}. Leave pos_label out; "
                             "every class is reported against the rest.")
        return evaluate_multiclass(estimator, X, y, groups, cv, aggregate=aggregate, ordinal=ordinal,
                                   n_bootstraps=n_bootstraps, confidence=confidence,
                                   random_state=random_state, folds=folds, ci_method=ci_method)
    pos_label, neg_label = _binary_labels(y, pos_label)
    y01 = (y == pos_label).astype(int)
    splitter = default_cv(cv, groups, random_state)
    n_splits = splitter.get_n_splits(X, y, groups)
    n_positive, n_negative = int(y01.sum()), int(len(y01) - y01.sum())
    if min(n_positive, n_negative) < n_splits:
        which = "positives" if n_positive < n_negative else "negatives"
        label = str(pos_label if which == "positives" else neg_label)
        raise ValueError(
            f"Evaluating with {min(n_positive, n_negative)} {which} ({label!r}) "
            f"and {n_splits} folds: every test fold needs at least one. Use cv <= "
            f"{min(n_positive, n_negative)}, or collect more {which}.")
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise ValueError(f"groups has {len(np.unique(groups))} distinct groups, fewer than the "
                         f"{n_splits} folds; use cv <= {len(np.unique(groups))}.")
    splits = list(splitter.split(X, y, groups))
    _check_splits(splits, y01, groups, n_positive)

    score, fold_of, fold_metrics, histories = out_of_fold(
        estimator, X, y, splits, 1,
        lambda model, X_test: model.predict_proba(X_test)[:, [list(model.classes_).index(pos_label)]],
        lambda test, s: {"n_positive": int(y01[test].sum()), **binary_metrics(y01[test], s[:, 0], threshold)},
        lambda m: f"ROC AUC {m['roc_auc']:.3f}", groups, folds)
    score = score[:, 0]

    metrics = _with_intervals(y01, score, groups, threshold, n_bootstraps, confidence, random_state, ci_method)
    patient_metrics = None
    if groups is not None:
        patients, patient_score = aggregate_by_group(score, groups, how=aggregate)
        _, patient_truth = aggregate_by_group(y01, groups, how="max")
        if len(np.unique(patient_truth)) == 2:
            patient_metrics = _with_intervals(patient_truth.astype(int), patient_score, None, threshold,
                                              n_bootstraps, confidence, random_state, ci_method)
    return EvaluationReport(
        estimator=repr(estimator), cv=repr(splitter), pos_label=pos_label, neg_label=neg_label,
        threshold=float(threshold), confidence=float(confidence), n_bootstraps=int(n_bootstraps),
        aggregate=aggregate, metrics=metrics, fold_metrics=fold_metrics, patient_metrics=patient_metrics,
        y_true=y, y_score=score, fold=fold_of, groups=groups, histories=histories, ci_method=ci_method)


def _with_intervals(y01, score, groups, threshold, n_bootstraps, confidence, random_state, ci_method):
    """name -> {"value", "low", "high"}: scikit-learn values, bootstrap intervals of ``ci_method``
    (whole groups resampled when given; intervals NaN without bootstraps)."""
    from ._metrics import weighted_binary_metrics
    from ._multiclass import bootstrap_intervals

    metrics, _ = bootstrap_intervals(
        binary_metrics(y01, score, threshold), [],
        lambda w: (weighted_binary_metrics(w, y01, score, threshold), []),
        len(y01), groups, n_bootstraps, confidence, random_state, ci_method)
    return metrics
