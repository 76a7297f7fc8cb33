"""CNNRegressor: a number per image, on the same core as CNNClassifier."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from medcnn import CNNRegressor, TransferFeatureExtractor, load_model


def _brightness(n=120, seed=0, outputs=1):
    """16x16 greyscale images whose target is their mean brightness (times 10, plus 3),
    and for a second output the brightness of the top half."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 16, 16, 1)).astype("float32") * rng.uniform(0.2, 1.0, (n, 1, 1, 1)).astype("float32")
    y = X.mean(axis=(1, 2, 3)) * 10 + 3
    if outputs == 2:
        y = np.c_[y, X[:, :8].mean(axis=(1, 2, 3)) * 100]
    return X, y


def _small(**params):
    return CNNRegressor(**{"architecture": "lenet5", "epochs": 20, "augment": None, "random_state": 0, **params})


@pytest.fixture(scope="module")
def fitted():
    X, y = _brightness()
    return X, y, _small().fit(X, y)


@pytest.mark.slow
def test_learns_the_target_better_than_the_mean_and_undoes_the_standardisation(fitted):
    X, y, reg = fitted
    X_test, y_test = _brightness(80, seed=1)
    pred = reg.predict(X_test)
    assert pred.shape == (80,) and pred.dtype == np.float64
    assert r2_score(y_test, pred) > 0.5  # the mean regressor scores 0
    assert reg.score(X_test, y_test) == pytest.approx(r2_score(y_test, pred))
    assert reg.target_mean_ == pytest.approx([y.mean()]) and reg.target_scale_ == pytest.approx([y.std()])
    assert abs(pred.mean() - y_test.mean()) < 0.5 * y_test.std()  # in the units of y, not standardised
    assert reg.model_.layers[-1].name == "regressor" and reg.model_.output_shape == (None, 1)


@pytest.mark.slow
def test_several_outputs_and_a_constant_target():
    X, Y = _brightness(60, outputs=2)
    reg = _small(epochs=3).fit(X, Y)
    assert reg.predict(X[:5]).shape == (5, 2) and reg.target_mean_.shape == (2,)
    constant = _small(epochs=2).fit(X, np.full(60, 7.0))
    assert constant.target_scale_.tolist() == [1.0]
    assert np.allclose(constant.predict(X[:5]), 7.0, atol=2.0)


@pytest.mark.slow
def test_save_pickle_tta_and_a_transfer_backbone(fitted, tmp_path):
    import pickle

    X, y, reg = fitted
    pred = reg.predict(X)
    reg.save(tmp_path / "size.keras")
    loaded = load_model(tmp_path / "size.keras")
    assert isinstance(loaded, CNNRegressor) and np.allclose(loaded.predict(X), pred, atol=1e-4)
    assert np.allclose(pickle.loads(pickle.dumps(reg)).predict(X), pred, atol=1e-4)
    assert reg.predict(X[:4], tta=3).shape == (4,)
    features = TransferFeatureExtractor(reg).fit(X).transform(X[:4])
    assert features.shape == (4, 84)  # LeNet-5's features before the linear head


@pytest.mark.slow
def test_pipeline_grid_search_and_transformed_target():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import GridSearchCV

    X, y = _brightness(60)
    search = GridSearchCV(_small(epochs=1), {"learning_rate": [1e-3, 1e-2]}, cv=2, scoring="r2").fit(X, y)
    assert set(search.cv_results_["param_learning_rate"]) == {1e-3, 1e-2}
    logged = TransformedTargetRegressor(_small(epochs=1), func=np.log, inverse_func=np.exp).fit(X, y)
    assert logged.predict(X[:3]).shape == (3,) and (logged.predict(X[:3]) > 0).all()


@pytest.mark.parametrize("y, match", [
    (np.array(["small", "large"] * 5), r"CNNRegressor needs numeric targets; y holds \['small', 'large', 'small'\]"),
    (np.r_[np.arange(9.0), np.nan], r"y contains NaN or infinity in 1 of 10 sample\(s\) \(index 9\)"),
    (np.arange(7.0), r"10 samples in X, 7 targets in y"),
], ids=["strings", "nan", "length"])
def test_bad_targets_name_the_problem_and_the_fix(y, match):
    X = np.zeros((10, 16, 16, 1), np.float32)
    with pytest.raises(ValueError, match=match):
        _small(epochs=1).fit(X, y)


def test_a_bad_loss_fails_before_any_file_is_read(tmp_path):
    with pytest.raises(ValueError, match=r"loss='cross_entropy' is not valid; use one of \['absolute_error'"):
        _small(loss="cross_entropy").fit([str(tmp_path / "missing.png")] * 4, np.arange(4.0))


def test_a_classifier_given_continuous_targets_points_to_the_regressor():
    from medcnn import CNNClassifier

    with pytest.raises(ValueError, match=r"Unknown label type: continuous.*\(0.1, 0.2, 0.3, \.\.\.\); CNNClassifier "
                                         r"needs class labels. For a number per image use CNNRegressor"):
        CNNClassifier(architecture="lenet5", epochs=1).fit(np.zeros((4, 16, 16, 1)), [0.1, 0.2, 0.3, 0.4])


# ------------------------------------------------------------------ evaluate()
@pytest.fixture(scope="module")
def ridge_report():
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge

    from medcnn.evaluation import evaluate

    X, y = make_regression(200, 5, noise=20, random_state=0)
    groups = np.repeat(np.arange(50), 4)
    return X, y, groups, evaluate(Ridge(), X, y, groups=groups, cv=5, n_bootstraps=300, random_state=0)


def test_evaluate_a_regressor_reports_mae_rmse_and_r2_as_sklearn(ridge_report):
    from sklearn import metrics as skm

    _, y, groups, report = ridge_report
    assert report.task == "regression" and report.y_score.shape == (200,)
    expected = {"mae": skm.mean_absolute_error(y, report.y_score),
                "rmse": skm.root_mean_squared_error(y, report.y_score), "r2": skm.r2_score(y, report.y_score)}
    for name, value in expected.items():
        m = report.metrics[name]
        assert m["value"] == pytest.approx(value) and m["low"] < value < m["high"], name
    assert report.metrics["r2"]["value"] > 0.9
    folds = report.fold
    for train_groups, test_groups in [(set(groups[folds != k]), set(groups[folds == k])) for k in range(1, 6)]:
        assert not train_groups & test_groups  # patients kept whole
    assert report.patient_metrics is not None and (report.y_pred == report.y_score).all()


def test_vectorised_regression_metrics_equal_sklearn_with_sample_weights():
    from sklearn import metrics as skm

    from medcnn.evaluation._metrics import weighted_regression_metrics

    rng = np.random.default_rng(0)
    y, pred = rng.normal(size=50), rng.normal(size=50)
    weights = rng.integers(0, 3, (4, 50))
    got = weighted_regression_metrics(weights, y, pred)
    for r, w in enumerate(weights):
        assert got["mae"][r] == pytest.approx(skm.mean_absolute_error(y, pred, sample_weight=w))
        assert got["rmse"][r] == pytest.approx(skm.root_mean_squared_error(y, pred, sample_weight=w))
        assert got["r2"][r] == pytest.approx(skm.r2_score(y, pred, sample_weight=w))


def test_regression_report_files_plots_and_refusals(ridge_report, tmp_path):
    import json

    from medcnn.evaluation import compare

    *_, report = ridge_report
    path = report.save(tmp_path / "sizes")
    assert sorted(p.name for p in (tmp_path / "sizes").glob("*.png")) == ["prediction_error.png", "residuals.png"]
    summary = json.loads((tmp_path / "sizes" / "metrics.json").read_text())
    assert summary["task"] == "regression" and set(summary["metrics"]) == {"mae", "rmse", "r2"}
    assert (tmp_path / "sizes" / "predictions.csv").read_text().splitlines()[0] == "index,fold,group,y_true,prediction"
    page = open(path, encoding="utf-8").read()
    assert "MAE <b>" in page and "Root mean squared error" in page
    assert report.plot("residuals").axes[0].get_ylabel().startswith("Residuals")
    with pytest.raises(ValueError, match="kind='roc' is not a plot of a regression report"):
        report.plot("roc")
    with pytest.raises(ValueError, match="compare runs DeLong's test of ROC AUCs"):
        compare(report, report)


@pytest.mark.slow
def test_a_cnn_regressor_evaluated_beats_the_mean():
    from medcnn.evaluation import evaluate

    X, y = _brightness(90)
    report = evaluate(_small(epochs=15), X, y, cv=3, n_bootstraps=100, random_state=0)
    assert report.metrics["r2"]["value"] > 0.3  # the mean regressor has R² <= 0 out of fold
    assert len(report.histories) == 3 and report.plot("history").axes[0].get_xlabel() == "epoch"
