"""The medcnn command line: plugin listing and the cross-validation demo."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from medcnn.cli import main


def test_plugins_lists_every_kind_with_its_plugin(capsys):
    assert main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)["components"]
    by_name = {(kind, c["name"]): c["plugin"] for kind, items in listing.items() for c in items}
    assert by_name[("architecture", "workshop_cnn")] == "medcnn"
    assert by_name[("augmenter", "rotate90")] == "medcnn"
    assert by_name[("dataset_loader", "directory")] == "medcnn"
    assert by_name[("image_reader", "png")] == "medcnn"
    assert main(["plugins"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^\s+resnet18\s+medcnn\s+\S", text, re.M)


def test_plugins_lists_installed_third_party_plugin(capsys):
    pytest.importorskip("medcnn_example", reason="plugins/medcnn-example is not installed")
    main(["plugins", "--json"])
    listing = json.loads(capsys.readouterr().out)["components"]
    assert {"name": "example_tiny_net", "plugin": "example"}.items() <= next(
        c for c in listing["architecture"] if c["name"] == "example_tiny_net").items()


def _table_rows(text):
    return [line.split() for line in text.splitlines() if re.match(r"^\s+(\d+|mean)\s+\d", line)]


@pytest.mark.slow
def test_demo_prints_cross_validated_report(capsys):
    assert main(["demo", "--samples", "80", "--folds", "2", "--epochs", "1", "--image-size", "28",
                 "--architecture", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "2-fold stratified" in out and "ROC AUC" in out and "sens." in out and "spec." in out
    rows = _table_rows(out)
    assert [r[0] for r in rows] == ["1", "2", "mean"]
    values = np.array([[float(v) for v in r[1:5]] for r in rows])
    assert np.all((values >= 0) & (values <= 1))
    np.testing.assert_allclose(values[2], values[:2].mean(axis=0), atol=1e-3)


@pytest.mark.slow
def test_demo_on_an_image_folder_groups_idc_patients(tmp_path, capsys, histology):
    X, y = histology
    for i, (image, label) in enumerate(zip(X[:48], y[:48])):
        folder = tmp_path / str(label)
        folder.mkdir(exist_ok=True)
        patient = 1000 + i % 8
        Image.fromarray(image).save(folder / f"{patient}_idx5_x{i}_y{i}_class{label}.png")
    assert main(["demo", "--data", str(tmp_path), "--folds", "2", "--epochs", "1",
                 "--architecture", "lenet5", "--image-size", "28"]) == 0
    out = capsys.readouterr().out
    assert "48 images" in out and "8 patients" in out and "grouped by patient" in out
    assert len(_table_rows(out)) == 3


def test_describe_can_skip_problem_files(tmp_path, capsys, histology):
    X, y = histology
    for label in ("0", "1"):
        (tmp_path / label).mkdir()
        for i in range(3):
            Image.fromarray(X[i]).save(tmp_path / label / f"p{i}.png")
    (tmp_path / "0" / "empty.png").write_bytes(b"")
    assert main(["describe", str(tmp_path)]) == 2  # a user error: message, no traceback
    err = capsys.readouterr().err
    assert err.startswith("medcnn describe: error: ") and "empty.png" in err and "Traceback" not in err
    with pytest.warns(UserWarning, match="Skipped 1 problem file.*empty.png"):
        assert main(["describe", str(tmp_path), "--on-error", "skip", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 6


@pytest.fixture
def image_tree(tmp_path, histology):
    X, y = histology
    root = tmp_path / "data"
    for i, (image, label) in enumerate(zip(X[:60], y[:60])):
        folder = root / ("benign", "malignant")[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"P{i % 6}_{i:03d}.png")
    return root


@pytest.mark.slow
def test_train_predict_round_trip_reproduces_the_python_api(image_tree, tmp_path, capsys):
    import csv

    import numpy as np

    from medcnn import CNNClassifier
    from medcnn.datasets import load

    model = tmp_path / "model.keras"
    config = tmp_path / "options.toml"
    config.write_text('architecture = "lenet5"\n[train]\nepochs = 2\nbatch-size = 16\n')
    assert main(["train", str(image_tree), "--config", str(config), "--random-state", "3", "--quiet",
                 "--out", str(model)]) == 0
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(model), str(image_tree), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 60 and set(rows[0]) == {"path", "predicted", "proba_benign", "proba_malignant"}

    dataset = load("directory", image_tree)
    clf = CNNClassifier(architecture="lenet5", epochs=2, batch_size=16, random_state=3).fit(dataset.X, dataset.y)
    expected = clf.predict_proba(np.array([r["path"] for r in rows]))
    got = np.array([[float(r["proba_benign"]), float(r["proba_malignant"])] for r in rows])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert [r["predicted"] for r in rows] == clf.classes_[expected.argmax(axis=1)].tolist()

    # without --out the CSV goes to standard output, and nothing else does
    capsys.readouterr()
    assert main(["predict", str(model), str(image_tree)]) == 0
    assert list(csv.DictReader(capsys.readouterr().out.splitlines())) == rows

    # outputs are not overwritten without --force; errors are messages, not tracebacks
    capsys.readouterr()
    assert main(["predict", str(model), str(image_tree), "--out", str(out)]) == 2
    assert "exists; choose another path or pass --force" in capsys.readouterr().err
    assert main(["predict", str(model), str(image_tree), "--out", str(out), "--force", "--tta", "2"]) == 0


@pytest.mark.slow
def test_evaluate_writes_a_report_folder(image_tree, tmp_path, capsys):
    report = tmp_path / "report"
    assert main(["evaluate", str(image_tree), "--architecture", "lenet5", "--epochs", "1", "--cv", "3",
                 "--n-bootstraps", "200", "--quiet", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out and "Report:" in out
    assert {"report.html", "metrics.json", "roc.png", "confusion.png"} <= {p.name for p in report.iterdir()}
    data = json.loads((report / "metrics.json").read_text())
    assert data["n_samples"] == 60 and data["positive_label"] == "malignant"
    assert main(["evaluate", str(image_tree), "--epochs", "1", "--cv", "3", "--report", str(report)]) == 2
    assert "exists; choose a new folder, or pass --force" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["predict", "{tmp}/missing.keras", "{tmp}", "--out", "{tmp}/p.csv"], "missing.keras"),
    (["predict", "{tmp}/not_a_model.keras", "{tmp}", "--out", "{tmp}/p.csv"], "not_a_model.keras"),
    (["train", "{tmp}", "--out", "{tmp}/model.h5"], "must end in .keras"),
    (["train", "{tmp}", "--config", "{tmp}/bad.toml", "--out", "{tmp}/m.keras"], "unknown option 'epoch'"),
    (["evaluate", "{tmp}/nowhere", "--report", "{tmp}/r"], "nowhere"),
])
def test_user_errors_exit_2_with_a_message(tmp_path, capsys, argv, message):
    (tmp_path / "not_a_model.keras").write_bytes(b"PK\x03\x04 this is not a model")
    (tmp_path / "bad.toml").write_text("epoch = 3\n")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.slow
def test_evaluate_with_group_pattern_and_options_from_the_config(image_tree, tmp_path, capsys):
    report = tmp_path / "grouped"
    config = tmp_path / "shared.toml"
    # top-level 'architecture' is skipped by predict but used by evaluate; 'report' may come from the file
    config.write_text(f'architecture = "lenet5"\n[evaluate]\nepochs = 1\ncv = 3\nn-bootstraps = 100\n'
                      f'report = "{report}"\nquiet = true\n')
    assert main(["evaluate", str(image_tree), "--group-pattern", r"^(P\d)_", "--config", str(config)]) == 0
    data = json.loads((report / "metrics.json").read_text())
    assert data["n_groups"] == 6
    assert main(["train", str(image_tree)]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_loader_and_reader_params_reach_the_loader_and_the_estimator(image_tree, tmp_path, capsys):
    from medcnn.cli import build_parser
    from medcnn.cli._tasks import build_estimator

    assert main(["describe", str(image_tree), "--loader", "directory", "--no-inspect", "--json",
                 "--loader-param", r"group_pattern=^(P\d)_"]) == 0
    assert json.loads(capsys.readouterr().out)["groups"]["n_groups"] == 6
    argv = ["train", str(image_tree), "--out", "m.keras", "--reader-param", "dcm.window=brain,subdural,bone",
            "--reader-param", "dcm.frame=0", "--reader-param", "nii.gz.axis=axial", "--reader-param",
            "png.scale=40,400", "--architecture-param", "width=16", "--image-size", "8,32,32"]
    estimator = build_estimator(build_parser().parse_args(argv), "classification")
    assert estimator.reader_params == {"dcm": {"window": "brain,subdural,bone", "frame": 0},
                                       "nii.gz": {"axis": "axial"}, "png": {"scale": (40, 400)}}
    assert estimator.architecture_params == {"width": 16} and estimator.image_size == (8, 32, 32)
    config = tmp_path / "readers.toml"
    config.write_text('[train.reader-param.dcm]\nwindow = [[40, 80], [600, 2800]]\n')
    args = build_parser().parse_args(["train", str(image_tree), "--config", str(config)])
    from medcnn.cli import _with_config
    args = _with_config(build_parser(), args, ["train", str(image_tree), "--config", str(config)])
    assert build_estimator(args, "classification").reader_params == {"dcm": {"window": [[40, 80], [600, 2800]]}}


@pytest.mark.parametrize("option, message", [
    (["--loader-param", "frames"], "expected KEY=VALUE"),
    (["--loader-param", "no_such_parameter=1"], "no_such_parameter"),
])
def test_bad_loader_params_exit_2_with_a_message(image_tree, capsys, option, message):
    assert main(["describe", str(image_tree), "--loader", "directory", "--no-inspect", *option]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.slow
def test_the_demo_prints_no_tensorflow_log_and_no_retracing_warning():
    """Five cross-validation folds (five models predicting, each traced anew) from a fresh process:
    stderr holds neither TensorFlow's start-up log nor its frequent-retracing warning."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-m", "medcnn", "demo", "--folds", "5", "--epochs", "2",
                             "--samples", "200", "--image-size", "16"],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "fold" in result.stdout and "mean" in result.stdout
    assert not re.search(r"^[IWE]\d{4} |absl::InitializeLog|oneDNN|cuInit", result.stderr, re.M), result.stderr
    assert "retracing" not in result.stderr, result.stderr
    assert result.stderr.strip() == "", result.stderr
