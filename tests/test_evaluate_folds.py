"""evaluate()'s folds on scikit-learn's cross_validate: parallel folds, extra scores, and the
checks for patients and near-duplicate images on both sides of a fold."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from medcnn.evaluation import evaluate


def _data(n=120):
    X, y = make_classification(n, n_features=6, random_state=0)
    return X, y, np.repeat(np.arange(n // 4), 4)


def test_parallel_folds_give_the_same_report():
    X, y, groups = _data()
    reports = [evaluate(LogisticRegression(), X, y, groups=groups, cv=4, n_bootstraps=100, random_state=0,
                        n_jobs=n_jobs) for n_jobs in (1, 2)]
    assert reports[0].metrics == reports[1].metrics
    assert reports[0].patient_metrics == reports[1].patient_metrics
    assert reports[0].fold_metrics == reports[1].fold_metrics
    np.testing.assert_array_equal(reports[0].y_score, reports[1].y_score)
    np.testing.assert_array_equal(reports[0].fold, reports[1].fold)


def test_evaluate_with_groups_under_metadata_routing():
    import sklearn

    X, y, groups = _data()
    plain = evaluate(LogisticRegression(), X, y, groups=groups, cv=3, n_bootstraps=50, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = evaluate(LogisticRegression(), X, y, groups=groups, cv=3, n_bootstraps=50, random_state=0)
    assert routed.metrics == plain.metrics and routed.patient_metrics == plain.patient_metrics


def test_scoring_joins_the_fold_metrics_and_verbose_prints_each_fold(capsys):
    from sklearn.metrics import roc_auc_score

    X, y, _ = _data()
    report = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0,
                      scoring={"auc": "roc_auc", "accuracy": "accuracy"}, verbose=1)
    for fold, metrics in enumerate(report.fold_metrics, 1):
        test = report.fold == fold
        assert metrics["test_auc"] == pytest.approx(roc_auc_score(y[test], report.y_score[test]))
        assert 0 <= metrics["test_accuracy"] <= 1
    assert capsys.readouterr().out.count("ROC AUC") == 3
    plain = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)
    assert not any(key.startswith("test_") for key in plain.fold_metrics[0])


def test_a_splitter_that_ignores_patients_is_named_in_a_warning():
    X, y, groups = _data()
    with pytest.warns(UserWarning, match=r"3 of 3 folds have patients in both.*GroupKFold, StratifiedGroupKFold"):
        evaluate(LogisticRegression(), X, y, groups=groups, cv=KFold(3, shuffle=True, random_state=0),
                 n_bootstraps=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*patients in both.*")
        evaluate(LogisticRegression(), X, y, groups=groups, cv=3, n_bootstraps=0, random_state=0)


def test_near_duplicate_images_across_folds_are_named_when_asked():
    from medcnn.datasets import make_histology

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    images, y = make_histology(40, image_size=32, weights=(0.5, 0.5), random_state=0)
    X = np.concatenate([images, images[:6]])          # six exact copies, that KFold sends to other folds
    y = np.concatenate([y, y[:6]])
    model = make_pipeline(FunctionTransformer(lambda batch: batch.reshape(len(batch), -1) / 255.0),
                          LogisticRegression(max_iter=200))
    with pytest.warns(UserWarning, match=r"folds test on near-duplicates of training images.*6 group\(s\)"):
        evaluate(model, X, y, cv=KFold(2, shuffle=True, random_state=0), n_bootstraps=0, check_duplicates=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*near-duplicates.*")
        evaluate(model, X[:40], y[:40], cv=2, n_bootstraps=0, random_state=0, check_duplicates=True)
