"""Tasks beyond one class label per image: the CSV manifest's columns for several labels,
numeric targets and survival times (``load_csv``), the datasets they give, and
``medcnn train/predict/evaluate/describe --task`` on them, with tiny PNGs in tmp_path."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

import medcnn
from medcnn.cli import build_parser, main
from medcnn.datasets import ImageDataset, load_arrays, load_csv
from medcnn.exceptions import SkippedFilesWarning

N_IMAGES = 32
COLUMNS = "path,patient,diagnosis,effusion,nodule,age,months,died"
#: the options of a small, fast network
TINY = ["--architecture", "lenet5", "--epochs", "1", "--batch-size", "16", "--augment", "none", "--quiet"]


def _row(i):
    """One manifest row: two labels that vary independently, a numeric target and a survival time."""
    effusion, nodule = ("1", "0")[i % 2], ("true", "false", "yes", "no")[(i // 2) % 4]
    return (f"img/{i:02d}.png,P{i % 8},{('benign', 'malignant')[i % 2]},{effusion},{nodule},{40 + i},"
            f"{1 + 0.7 * i:.1f},{int(i % 3 != 0)}")


@pytest.fixture
def manifest(tmp_path):
    """``tmp_path/study.csv`` listing 32 PNGs (16x16 RGB) under ``tmp_path/img``."""
    rng = np.random.default_rng(0)
    (tmp_path / "img").mkdir()
    for i in range(N_IMAGES):
        image = rng.integers(0, 120, size=(16, 16, 3), dtype=np.uint8)
        image[..., 0] += np.uint8(3 * i)  # brightness follows the numeric target
        Image.fromarray(image).save(tmp_path / "img" / f"{i:02d}.png")
    path = tmp_path / "study.csv"
    path.write_text("\n".join([COLUMNS] + [_row(i) for i in range(N_IMAGES)]) + "\n")
    return path


def _edit(manifest, line, column, value):
    """A copy of ``manifest`` whose cell at (1-based file ``line``, ``column``) reads ``value``."""
    rows = manifest.read_text().splitlines()
    cells = rows[line - 1].split(",")
    cells[COLUMNS.split(",").index(column)] = value
    rows[line - 1] = ",".join(cells)
    edited = manifest.with_name("edited.csv")
    edited.write_text("\n".join(rows) + "\n")
    return edited


def _read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))



# ---------------------------------------------------------------------------- load_csv

def test_several_label_columns_give_a_0_1_indicator_matrix(manifest):
    ds = load_csv(manifest, label_column=["effusion", "nodule"], group_column="patient")
    assert ds.task == "multilabel" and ds.target_names == ["effusion", "nodule"]
    assert ds.y.shape == (N_IMAGES, 2) and ds.y.dtype.kind == "i"
    assert ds.y[:4].tolist() == [[1, 1], [0, 1], [1, 0], [0, 0]]  # 1/0, true/false, yes/no
    info = ds.summary(inspect=False)
    assert info["task"] == "multilabel" and info["labels"] == {"effusion": 16, "nodule": 16}
    assert info["no_label"] == 8 and info["groups"]["groups_per_label"] == {"effusion": 4, "nodule": 4}
    json.dumps(info)
    text = ds.describe(inspect=False)
    assert text.splitlines()[0] == "32 images, 2 labels (several per image)"
    assert "label effusion: 16 (50.0%)" in text and "with label nodule: 4 groups" in text
    # the same with task given, and a list of one column is one label per image
    assert load_csv(manifest, label_column=["effusion", "nodule"], task="multilabel").y.tolist() == ds.y.tolist()
    single = load_csv(manifest, label_column=["diagnosis"])
    assert single.task == "classification" and single.target_names == ["benign", "malignant"]


def test_numeric_targets_for_regression(manifest):
    ds = load_csv(manifest, label_column="age", task="regression")
    assert ds.task == "regression" and ds.target_names == ["age"]
    assert ds.y.dtype == np.float64 and ds.y.shape == (N_IMAGES,) and ds.y[:3].tolist() == [40.0, 41.0, 42.0]
    target = ds.summary(inspect=False)["targets"]["age"]
    assert target["min"] == 40 and target["max"] == 71 and target["mean"] == pytest.approx(55.5)
    assert "target age: min 40, max 71, mean 55.5" in ds.describe(inspect=False)
    two = load_csv(manifest, label_column="age,months".split(","), task="regression")
    assert two.y.shape == (N_IMAGES, 2) and two.target_names == ["age", "months"]
    assert two.describe(inspect=False).splitlines()[0] == "32 images, 2 numeric targets"
    # without task= the column is read as text: class labels, as before
    assert load_csv(manifest, label_column="age").task == "classification"


def test_time_and_event_columns_give_the_survival_structured_array(manifest):
    ds = load_csv(manifest, time_column="months", event_column="died", group_column="patient")
    assert ds.task == "survival" and ds.target_names == ["died", "months"]
    assert ds.y.dtype == np.dtype([("event", "?"), ("time", "<f8")])
    assert ds.y["event"][:4].tolist() == [False, True, True, False]
    assert ds.y["time"][:2].tolist() == [1.0, 1.7]
    info = ds.summary(inspect=False)["survival"]
    assert info["events"] == 21 and info["censored"] == 11 and info["time"]["min"] == 1.0
    text = ds.describe(inspect=False)
    assert "events: 21 (65.6%), censored: 11" in text and "with an event:" in text
    assert load_csv(manifest, task="survival", time_column="months", event_column="died").y.tolist() == ds.y.tolist()


@pytest.mark.parametrize("column, value, options, message", [
    ("nodule", "2", dict(label_column=["effusion", "nodule"]), r"column 'nodule': '2' is not 0 or 1"),
    ("age", "n/a", dict(label_column="age", task="regression"), r"column 'age': 'n/a' is not a finite number"),
    ("age", "inf", dict(label_column="age", task="regression"), r"'inf' is not a finite number"),
    ("died", "maybe", dict(time_column="months", event_column="died"), r"column 'died': 'maybe' is not 0 or 1"),
    ("months", "soon", dict(time_column="months", event_column="died"), r"'soon' is not a number"),
    ("months", "-3", dict(time_column="months", event_column="died"), r"time '-3' is not a finite number >= 0"),
], ids=["label-not-0-1", "regression-text", "regression-infinite", "event", "time-text", "time-negative"])
def test_a_bad_cell_is_an_error_naming_file_line_column_and_value(manifest, column, value, options, message):
    edited = _edit(manifest, 4, column, value)
    with pytest.raises(ValueError, match=message) as info:
        load_csv(edited, **options)
    assert "edited.csv" in str(info.value) and "line 4" in str(info.value)
    assert "fix" in str(info.value).lower()


def test_a_negative_time_or_an_empty_cell_follows_on_error(manifest):
    edited = _edit(_edit(manifest, 4, "months", "-0.5"), 6, "died", "")
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 2 problem file.*line 4.*line 6"):
        ds = load_csv(edited, time_column="months", event_column="died", on_error="skip")
    assert len(ds) == N_IMAGES - 2
    with pytest.raises(ValueError, match=r"line 4.*'-0.5' is not a finite number >= 0.*on_error='skip'"):
        load_csv(edited, time_column="months", event_column="died")
    # a bad form is an error even with on_error="skip": every row would be dropped alike
    with pytest.raises(ValueError, match="'x' is not 0 or 1"):
        load_csv(_edit(manifest, 3, "effusion", "x"), label_column=["effusion", "nodule"], on_error="skip")
    empty = _edit(manifest, 5, "nodule", "")
    with pytest.raises(ValueError, match=r"line 5 has an empty cell in column\(s\) 'nodule'"):
        load_csv(empty, label_column=["effusion", "nodule"])


@pytest.mark.parametrize("options, message", [
    (dict(time_column="weeks", event_column="died"), r"no column\(s\) \['weeks'\].*time_column="),
    (dict(label_column=["effusion", "pneumonia"]), r"no column\(s\) \['pneumonia'\].*'nodule'"),
    (dict(time_column="months"), "needs event_column="),
    (dict(label_column=["effusion", "nodule"], task="classification"), "task='multilabel'"),
    (dict(label_column="effusion", task="multilabel"), "two or more label columns"),
    (dict(label_column="age", task="regression", time_column="months"), "time_column= apply to survival"),
    (dict(task="ordinal"), "task='ordinal' is not valid"),
    (dict(label_column=[]), "label_column=.* is not valid"),
])
def test_columns_that_do_not_fit_the_task_are_named(manifest, options, message):
    with pytest.raises(ValueError, match=message):
        load_csv(manifest, **options)


def test_classification_manifests_and_arrays_are_unchanged(manifest):
    ds = load_csv(manifest, label_column="diagnosis", group_column="patient")
    assert ds.task == "classification" and ds.y.dtype.kind == "U" and ds.target_names == ["benign", "malignant"]
    assert ds.summary(inspect=False)["classes"] == {"benign": 16, "malignant": 16}
    X = np.zeros((4, 8, 8), np.uint8)
    indicator = load_arrays(X, [[0, 1], [1, 0], [1, 1], [0, 0]], groups=["a", "a", "b", "b"])
    assert indicator.task == "multilabel" and indicator.target_names == [0, 1]
    assert indicator.summary()["groups"]["groups_per_label"] == {"0": 2, "1": 2}
    numbers = load_arrays(X, [0.5, 1.25, 2.0, 3.5])
    assert numbers.task == "regression" and "numeric target" in numbers.describe()
    times = np.array([(True, 3.0), (False, 5.0), (True, 1.0), (True, 2.0)], dtype=[("event", "?"), ("time", "<f8")])
    assert load_arrays(X, times).summary()["survival"]["events"] == 3
    assert ImageDataset(X, np.array([0, 1, 0, 1])).task == "classification"
    with pytest.raises(ValueError, match="task='ranking' is not valid"):
        ImageDataset(X, np.array([0, 1, 0, 1]), task="ranking")


# ---------------------------------------------------------------------------- command line

def test_describe_reads_the_task_columns(manifest, capsys):
    assert main(["describe", str(manifest), "--label-column", "effusion", "--label-column", "nodule",
                 "--group-column", "patient", "--json", "--no-inspect"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["task"] == "multilabel" and info["labels"] == {"effusion": 16, "nodule": 16}
    assert info["groups"]["n_groups"] == 8
    assert main(["describe", str(manifest), "--time-column", "months", "--event-column", "died"]) == 0
    assert "survival times" in capsys.readouterr().out


def test_label_columns_on_the_command_line_replace_those_of_the_config(tmp_path):
    config = tmp_path / "options.toml"
    config.write_text('label-column = ["effusion", "nodule"]\n')
    parser = build_parser()
    argv = ["train", "m.csv", "--config", str(config), "--out", "m.keras"]
    from medcnn.cli import _with_config

    assert _with_config(parser, parser.parse_args(argv), argv).label_column == ["effusion", "nodule"]
    argv += ["--label-column", "age,months", "--label-column", "died"]
    assert _with_config(parser, parser.parse_args(argv), argv).label_column == ["age", "months", "died"]


@pytest.mark.parametrize("argv, message", [
    (["train", "{tmp}/img", "--label-column", "a", "--out", "{tmp}/m.keras"],
     "--label-column applies to CSV manifests"),
    (["train", "{csv}", "--task", "survival", "--out", "{tmp}/m.keras"], "need --time-column and --event-column"),
    (["train", "{csv}", "--task", "multilabel", "--label-column", "effusion", "--out", "{tmp}/m.keras"],
     "two or more label columns"),
    (["train", "{csv}", "--task", "regression", "--label-column", "age", "--class-weight", "balanced",
      "--out", "{tmp}/m.keras"], "--class-weight applies to class labels; the task is regression"),
    (["train", "{csv}", "--task", "regression", "--label-column", "age", "--loss", "focal", "--out", "{tmp}/m.keras"],
     "--loss focal is not a loss for regression; use one of squared_error, absolute_error, huber"),
    (["train", "{csv}", "--label-column", "diagnosis", "--loss", "huber", "--out", "{tmp}/m.keras"],
     "--loss huber is not a loss for classification"),
    (["train", "{csv}", "--time-column", "months", "--event-column", "died", "--loss", "huber",
      "--out", "{tmp}/m.keras"], "takes no --loss"),
    (["evaluate", "{csv}", "--task", "regression", "--label-column", "age", "--threshold", "0.3",
      "--report", "{tmp}/r"], "--threshold applies to class labels"),
    (["evaluate", "{csv}", "--label-column", "effusion,nodule", "--ordinal", "--report", "{tmp}/r"],
     "--ordinal applies to three or more ordered classes"),
    (["train", "{tmp}/tree", "--task", "regression", "--out", "{tmp}/m.keras"],
     "the directory loader gives classification targets"),
    (["train", "{csv}", "--task", "regression", "--label-column", "diagnosis", "--out", "{tmp}/m.keras"],
     "'benign' is not a finite number"),
    (["evaluate", "{csv}", "--task", "regression", "--label-column", "age,months", "--report", "{tmp}/r"],
     "medcnn evaluate reports one numeric target; got 2"),
    (["describe", "{csv}"], "has no column(s) ['label']"),
    (["describe", "{csv}"], "On the command line: --path-column, --label-column, --group-column"),
])
def test_task_options_that_do_not_fit_exit_2_before_training(manifest, capsys, argv, message):
    tmp = manifest.parent
    for label in ("a", "b"):
        (tmp / "tree" / label).mkdir(parents=True)
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(tmp / "tree" / label / "x.png")
    argv = [a.format(tmp=tmp, csv=manifest) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp / "m.keras").exists()


@pytest.mark.slow
def test_multilabel_train_predict_evaluate(manifest, tmp_path, capsys):
    model, predictions, report = tmp_path / "m.keras", tmp_path / "p.csv", tmp_path / "report"
    columns = ["--label-column", "effusion,nodule", "--group-column", "patient"]
    assert main(["train", str(manifest), *columns, *TINY, "--out", str(model)]) == 0
    assert "labels ['effusion', 'nodule']" in capsys.readouterr().out
    assert main(["predict", str(model), str(manifest), *columns, "--out", str(predictions)]) == 0
    rows = _read_csv(predictions)
    assert list(rows[0]) == ["path", "proba_effusion", "proba_nodule", "predicted_effusion", "predicted_nodule",
                             "label_effusion", "label_nodule"]
    assert len(rows) == N_IMAGES and rows[1]["label_effusion"] == "0" and rows[0]["label_nodule"] == "1"
    for row in rows:
        for name in ("effusion", "nodule"):
            assert 0 <= float(row[f"proba_{name}"]) <= 1
            assert row[f"predicted_{name}"] == str(int(float(row[f"proba_{name}"]) >= 0.5))
    # a folder of images: the labels are numbered as in the model
    assert main(["predict", str(model), str(tmp_path / "img"), "--out", str(tmp_path / "q.csv")]) == 0
    assert list(_read_csv(tmp_path / "q.csv")[0]) == ["path", "proba_0", "proba_1", "predicted_0", "predicted_1"]
    assert main(["predict", str(model), str(manifest), "--out", str(tmp_path / "r.csv")]) == 2
    assert "name the manifest's label columns" in capsys.readouterr().err

    assert main(["evaluate", str(manifest), *columns, *TINY, "--cv", "2", "--n-bootstraps", "20",
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "8 patients: 2-fold" in out and "ROC AUC (macro over labels)" in out and "Hamming loss" in out
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["n_samples"] == N_IMAGES and metrics["task"] == "multilabel"
    assert metrics["classes"] == ["effusion", "nodule"] and metrics["n_groups"] == 8
    assert (report / "report.html").is_file() and (report / "predictions.csv").is_file()


@pytest.mark.slow
def test_regression_train_predict_evaluate(manifest, tmp_path, capsys):
    model, predictions, report = tmp_path / "m.keras", tmp_path / "p.csv", tmp_path / "report"
    columns = ["--task", "regression", "--label-column", "age"]
    assert main(["train", str(manifest), *columns, *TINY, "--loss", "huber", "--out", str(model)]) == 0
    assert "lenet5 (CNNRegressor)" in capsys.readouterr().out
    loaded = medcnn.load_model(model)
    assert type(loaded).__name__ == "CNNRegressor" and loaded.loss == "huber"
    assert main(["predict", str(model), str(manifest), "--label-column", "age", "--out", str(predictions)]) == 0
    rows = _read_csv(predictions)
    assert list(rows[0]) == ["path", "predicted", "label"] and len(rows) == N_IMAGES
    assert [float(r["label"]) for r in rows[:2]] == [40.0, 41.0]
    predicted = np.array([float(r["predicted"]) for r in rows])
    assert np.isfinite(predicted).all()
    np.testing.assert_allclose(predicted, loaded.predict(np.array([r["path"] for r in rows])), rtol=1e-5)

    assert main(["evaluate", str(manifest), *columns, "--group-column", "patient", *TINY, "--cv", "2",
                 "--n-bootstraps", "20", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "(CNNRegressor)" in out and "MAE " in out and "RMSE " in out and "R² " in out and "95% CI" in out
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["task"] == "regression" and {"mae", "rmse", "r2"} <= set(metrics["metrics"])


@pytest.mark.slow
def test_survival_train_predict_evaluate(manifest, tmp_path, capsys):
    pytest.importorskip("sksurv", reason="survival models need scikit-survival")
    model, predictions, report = tmp_path / "m.keras", tmp_path / "p.csv", tmp_path / "report"
    columns = ["--time-column", "months", "--event-column", "died"]
    assert main(["train", str(manifest), *columns, *TINY, "--out", str(model)]) == 0
    assert "survival times: 21 events, 11 censored" in capsys.readouterr().out
    assert main(["predict", str(model), str(manifest), *columns, "--out", str(predictions)]) == 0
    rows = _read_csv(predictions)
    assert list(rows[0]) == ["path", "risk", "event", "time"] and len(rows) == N_IMAGES
    assert np.isfinite([float(r["risk"]) for r in rows]).all()
    assert [r["event"] for r in rows[:2]] == ["0", "1"]
    assert main(["predict", str(model), str(tmp_path / "img"), "--out", str(tmp_path / "q.csv")]) == 0
    assert list(_read_csv(tmp_path / "q.csv")[0]) == ["path", "risk"]

    assert main(["evaluate", str(manifest), *columns, "--group-column", "patient", *TINY, "--cv", "2",
                 "--n-bootstraps", "20", "--report", str(report)]) == 0
    assert "C-index" in capsys.readouterr().out
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["task"] == "survival" and "c_index" in metrics["metrics"]
