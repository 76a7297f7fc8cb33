"""The set-up: the Makefile's Python check and installs, and Python 3.10 support (tomli)."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAKEFILE = REPO / "Makefile"

needs_make = pytest.mark.skipif(shutil.which("make") is None or not MAKEFILE.is_file(),
                                reason="needs make and the repository's Makefile")


def _load_toml(path):
    try:
        import tomllib
    except ImportError:
        import tomli as tomllib
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _make(*args, cwd=REPO):
    """``make ARGS`` in the repository root, without the variables of a make that runs pytest."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHON", "VENV")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def _dry_run(goal, venv, python=sys.executable):
    result = _make("-n", goal, f"VENV={venv}", f"PYTHON={python}")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _index(lines, pattern, start=0):
    """Index of the first line from ``start`` matching the regular expression ``pattern``."""
    for i in range(start, len(lines)):
        if re.search(pattern, lines[i]):
            return i
    raise AssertionError(f"no line matches {pattern!r} in:\n" + "\n".join(lines))


# -- Python 3.10: tomli for TOML config files ---------------------------------------------------------

def test_tomli_is_a_dependency_below_python_3_11():
    from packaging.requirements import Requirement

    project = _load_toml(REPO / "pyproject.toml")["project"]
    tomli = [Requirement(dep) for dep in project["dependencies"] if Requirement(dep).name == "tomli"]
    assert len(tomli) == 1 and tomli[0].marker is not None
    assert tomli[0].marker.evaluate({"python_version": "3.10"})
    assert not tomli[0].marker.evaluate({"python_version": "3.11"})


def test_config_reader_uses_tomli_without_tomllib(tmp_path):
    """Python 3.10 has no ``tomllib``: the reader falls back to ``tomli`` (blocked here on 3.11+)."""
    if sys.version_info >= (3, 11):
        pytest.importorskip("tomli", reason="tomli is installed on Python 3.10 only (pip install tomli)")
    config = tmp_path / "options.toml"
    config.write_text('architecture = "lenet5"\n[train]\nepochs = 2\n')
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = = 2\n")
    code = textwrap.dedent(f"""
        import sys
        sys.modules["tomllib"] = None          # import tomllib raises ImportError, as on Python 3.10
        from medcnn.cli._config import read_config
        print(read_config({str(config)!r}, "train", {{"architecture", "epochs"}}))
        try:
            read_config({str(bad)!r}, "train", {{"epochs"}})
        except ValueError as exc:
            print("error:", exc)
        print("tomli" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "'architecture': 'lenet5'" in lines[0] and "'epochs': 2" in lines[0]
    assert lines[1].startswith("error:") and "is not valid TOML" in lines[1]
    assert lines[2] == "True"


# -- the Makefile ------------------------------------------------------------------------------------

@needs_make
def test_makefile_python_range_matches_requires_python():
    requires = _load_toml(REPO / "pyproject.toml")["project"]["requires-python"]
    low = re.fullmatch(r">=\s*(\d+\.\d+)", requires.strip())
    assert low, requires
    text = MAKEFILE.read_text()
    assert re.search(rf"^PY_MIN\s*:?=\s*{re.escape(low.group(1))}\s*$", text, re.M)
    assert re.search(r"^PYTHON\s*\?=\s*python3\s*$", text, re.M)  # `make test PYTHON=python3.12`


@needs_make
@pytest.mark.parametrize("goal", ["demo", "test"])
def test_dry_run_checks_python_before_creating_the_venv(goal, tmp_path):
    venv = tmp_path / "venv"
    lines = _dry_run(goal, venv)
    check = _index(lines, r"py='" + re.escape(sys.executable) + "'")
    assert check == 0, lines[:3]
    create = _index(lines, re.escape(sys.executable) + r" -m venv " + re.escape(str(venv)))
    assert check < create
    install = _index(lines, re.escape(f"{venv}/bin/python -m pip install -e "), create)
    assert "--quiet" not in lines[install]                 # pip shows its progress
    note = _index(lines, r"echo .*Installing medcnn.*about \d+ MB to download", create)
    assert note < install
    if goal == "demo":
        assert "[test]" not in lines[install] and "plugins/" not in lines[install]
        assert re.search(r"pip install -e \.\s*$", lines[install])
        _index(lines, re.escape(f"{venv}/bin/medcnn demo"), install)
    else:
        assert '".[test]"' in lines[install]
        _index(lines, re.escape(f"{venv}/bin/python -m pytest"), install)
    assert not venv.exists()                                # a dry run creates nothing


@needs_make
def test_test_after_demo_installs_the_test_extra(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    future = time.time() + 3600
    for stamp in (".created", ".installed-demo"):           # what `make demo` leaves behind
        (venv / stamp).touch()
        os.utime(venv / stamp, (future, future))
    demo = _dry_run("demo", venv)
    assert not any("pip install" in line or "-m venv" in line for line in demo), demo
    test = _dry_run("test", venv)
    assert not any("-m venv" in line for line in test), test
    _index(test, r'pip install -e "\.\[test\]" -e plugins/medcnn-example')


def _fake_python(tmp_path, version):
    """An interpreter that reports ``version`` (a tuple) as its ``sys.version_info``."""
    fake = tmp_path / f"python{version[0]}.{version[1]}"
    fake.write_text(f'#!/bin/sh\n[ "$1" = "-c" ] || exit 3\n'
                    f'exec "{sys.executable}" -c "import sys; sys.version_info = {version + (0, "final", 0)!r}; '
                    f'exec(sys.argv[1])" "$2"\n')
    fake.chmod(0o755)
    return fake


@needs_make
@pytest.mark.parametrize("python, message", [
    ("old", r"needs Python 3\.10 to 3\.\d+; '.*python3\.9' is Python 3\.9"),
    ("missing", r"needs Python 3\.10 to 3\.\d+; '.*no-such-python3' was not found"),
], ids=["too-old", "missing"])
def test_too_old_or_missing_python_is_named_before_any_venv(python, message, tmp_path):
    interpreter = _fake_python(tmp_path, (3, 9)) if python == "old" else tmp_path / "no-such-python3"
    venv = tmp_path / "venv"
    result = _make("demo", f"VENV={venv}", f"PYTHON={interpreter}")
    assert result.returncode != 0
    assert re.search(message, result.stderr), result.stderr
    assert "Install Python 3.10" in result.stderr and "make demo PYTHON=python3.12" in result.stderr
    assert not venv.exists()


@needs_make
def test_check_python_accepts_this_interpreter():
    result = _make("check-python", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]}" in result.stdout
