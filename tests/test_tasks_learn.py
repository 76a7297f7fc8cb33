"""Each task learns something real from synthetic patches: the task examples (default network,
cross-validated) beat the task's trivial baseline (majority class, constant scores, the mean,
random risks), with the lower end of the confidence interval."""

import runpy
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.argv", [name, str(tmp_path)])
    return runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def _grades(result):
    report = result["report"]
    assert report.task == "multiclass" and report.ordinal and len(report.classes) == 3
    assert report.metrics["balanced_accuracy"]["low"] > 1 / 3 + 0.2  # the majority class scores 1/3
    assert report.metrics["kappa"]["low"] > 0.5  # chance scores 0
    assert all(per_grade["roc_auc"]["low"] > 0.6 for per_grade in report.class_metrics)


def _findings(result):
    report, Y = result["report"], result["Y"]
    assert report.task == "multilabel" and list(report.classes) == list(Y.columns)
    assert all(per_label["roc_auc"]["low"] > 0.75 for per_label in report.class_metrics)  # constant scores: 0.5
    np.testing.assert_allclose([m["roc_auc"]["value"] for m in report.class_metrics],
                               roc_auc_score(Y.to_numpy(), report.y_score, average=None))


def _regression(result):
    report, area = result["report"], result["area"]
    assert report.task == "regression"
    assert report.metrics["r2"]["low"] > 0.2  # the mean scores 0
    assert report.metrics["mae"]["high"] < np.abs(area - area.mean()).mean()


def _survival(result):
    pytest.importorskip("sksurv")
    report = result["report"]
    assert report.task == "survival"
    assert report.metrics["c_index"]["low"] > 0.55  # random risks score 0.5
    assert report.metrics["c_index_uno"]["low"] > 0.55


TASKS = {"plot_task_grades.py": _grades, "plot_task_findings.py": _findings,
         "plot_task_regression.py": _regression, "plot_task_survival.py": _survival}


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(TASKS))
def test_task_example_beats_its_trivial_baseline(example, tmp_path, monkeypatch, capsys):
    if example == "plot_task_survival.py":
        pytest.importorskip("sksurv")
    result = _run(example, tmp_path, monkeypatch)
    TASKS[example](result)
    out = capsys.readouterr().out
    assert "report: " in out and Path(out.split("report: ")[-1].strip()).is_file()
