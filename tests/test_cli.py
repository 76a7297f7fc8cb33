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
    assert by_name[("architecture", "workshop_cnn")] == "medcnn.architectures"
    assert by_name[("augmenter", "rotate90")] == "medcnn.augmenters"
    assert by_name[("dataset_loader", "directory")] == "medcnn.datasets._loaders"
    assert by_name[("image_reader", "png")] == "medcnn.datasets._readers"
    assert main(["plugins"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^\s+resnet18\s+medcnn\.architectures\s+\S", text, re.M)


def test_plugins_lists_installed_third_party_plugin(capsys):
    pytest.importorskip("medcnn_example", reason="plugins/medcnn-example is not installed")
    main(["plugins", "--json"])
    listing = json.loads(capsys.readouterr().out)["components"]
    assert {"name": "example_tiny_net", "plugin": "example"}.items() <= next(
        c for c in listing["architecture"] if c["name"] == "example_tiny_net").items()


def _table_rows(text):
    return [line.split() for line in text.splitlines() if re.match(r"^\s+(\d+|mean)\s+\d", line)]


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
    with pytest.raises(Exception, match="empty.png"):
        main(["describe", str(tmp_path)])
    with pytest.warns(UserWarning, match="Skipped 1 problem file.*empty.png"):
        assert main(["describe", str(tmp_path), "--on-error", "skip", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 6
