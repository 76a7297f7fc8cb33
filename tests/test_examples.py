"""Every script in examples/ runs to the end (the task examples, with their results checked,
in test_tasks_learn.py)."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted(path for path in (Path(__file__).resolve().parents[1] / "examples").glob("*.py")
                  if not path.name.startswith("plot_task_"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, capsys):
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{script.name} printed nothing"
