"""Evaluation reports record the software they were made with (object, metrics.json, report.html)."""

import json
import platform
from importlib import metadata

import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from medcnn.evaluation import evaluate

PACKAGES = {"medcnn": "medcnn", "tensorflow": "tensorflow", "keras": "keras", "scikit-learn": "scikit-learn",
            "numpy": "numpy"}


@pytest.fixture(scope="module")
def report():
    X, y = make_classification(60, n_features=4, random_state=0)
    return evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)


def test_report_records_the_installed_versions(report):
    for key, distribution in PACKAGES.items():
        assert report.versions[key] == metadata.version(distribution), key
    assert report.versions["python"] == platform.python_version()
    assert report.versions["platform"] == platform.platform()


def test_metrics_json_and_html_carry_the_versions(report, tmp_path):
    page = (tmp_path / "report.html")
    report.save(tmp_path, force=True)
    written = json.loads((tmp_path / "metrics.json").read_text())["versions"]
    assert written == report.versions
    html = page.read_text()
    for key, label in [("tensorflow", "TensorFlow"), ("keras", "Keras"), ("scikit-learn", "scikit-learn"),
                       ("numpy", "NumPy"), ("medcnn", "medcnn"), ("python", "Python")]:
        assert f"{label} {report.versions[key]}" in html, key


def test_a_report_without_versions_still_summarises_and_renders(report):
    """Reports pickled before versions were recorded lack the attribute."""
    from medcnn.evaluation._html import render_html

    old = object.__new__(type(report))
    old.__dict__.update({k: v for k, v in report.__dict__.items() if k != "versions"})
    assert old.summary()["versions"] is None
    assert 'id="versions"' not in render_html(old, {}) and "Per fold" in render_html(old, {})
