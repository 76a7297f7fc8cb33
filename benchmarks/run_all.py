"""Run every benchmark in this folder, each in its own process, and tabulate what they print.

Every benchmark script prints result lines of the form ``name key=value key=value ...``
(other output, TensorFlow's log on stderr and lines starting with ``#``, is not
parsed). This runner starts each ``bench_*.py`` with the same Python interpreter,
passes ``--quick`` and ``--synthetic`` on to the scripts that accept them, echoes
their result lines as they come, and at the end prints one table of all of them,
with the columns

- ``benchmark``: the script;
- ``measure``: the line's name and the keys that describe the setting (``data=``,
  ``n=``...);
- ``medcnn`` and ``reference``: the two values a ``ratio_A_over_B=`` key compares
  (keys ``A_x`` and ``B_x`` with the same ending, else the keys starting with ``A_``
  and ``B_``); on a line with a target but no ratio,
  ``medcnn`` is the last value, the one the target applies to;
- ``ratio``: the ``ratio_*`` (or ``speedup``) value; ``target``: the ``target<=x`` or
  ``target>=x`` token; ``ok``: the ``ok=`` value.

A script that exits with a non-zero code (or runs past ``--timeout``) is a row marked
``failed``; the runner goes on with the next one and exits with code 1 at the end.

The table is also written as reStructuredText (environment, then a ``list-table``)
to ``docs/_generated/benchmark_results.inc``, which ``docs/performance.rst``
includes. With ``--only`` nothing is written unless ``--output`` is given.

Run: ``python benchmarks/run_all.py [--quick] [--synthetic] [--only bench_keras ...]``
(``make bench`` runs it in the project's virtual environment).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUTPUT = REPO / "docs" / "_generated" / "benchmark_results.inc"
#: Benchmarks in the order they run; other ``bench_*.py`` files in this folder follow, sorted.
ORDER = ("bench_import", "bench_predict_memory", "bench_transfer", "bench_augment", "bench_input_path",
         "bench_keras", "bench_precision", "bench_gridsearch", "bench_defaults", "bench_memory", "bench_imbalance")
PASSED_FLAGS = ("--quick", "--synthetic")
COLUMNS = ("benchmark", "measure", "medcnn", "reference", "ratio", "target", "ok")
RESULT_LINE = re.compile(r"^[a-z][a-z0-9_]*\s+\S+=")
TRAILING_COMMENT = re.compile(r"\s+\([^=]*\)\s*$")
RATIO_NAME = re.compile(r"^ratio_(.+?)_over_(.+)$")


# --------------------------------------------------------------------- running
def discover(only=None):
    """``(scripts to run, names asked for but absent)``, in ORDER then alphabetical order."""
    present = {p.stem: p for p in HERE.glob("bench_*.py")}
    names = list(ORDER) + sorted(set(present) - set(ORDER))
    if only:
        wanted = [Path(n).stem for n in only]
        unknown = [n for n in wanted if n not in present and n not in ORDER]
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; available: "
                             f"{', '.join(sorted(present))}")
        names = [n for n in names if n in wanted]
    return [present[n] for n in names if n in present], [n for n in names if n not in present]


def accepted_flags(script: Path, flags):
    """The flags among ``flags`` that the script's argument parser defines."""
    source = script.read_text()
    return [f for f in flags if re.search(rf"""["']{re.escape(f)}["']""", source)]


def run_script(script: Path, flags, timeout):
    """Run one benchmark; return ``(result lines, exit code or None on timeout, seconds, stderr tail)``."""
    command = [sys.executable, str(script), *flags]
    print(f"# {script.name} {' '.join(flags)}".rstrip(), flush=True)
    start = time.perf_counter()
    lines = []
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   bufsize=1, start_new_session=True)
        timed_out = threading.Event()

        def stop():
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the benchmark and the children it started

        timer = threading.Timer(timeout, stop) if timeout else None
        if timer:
            timer.start()
        for line in process.stdout:
            line = line.rstrip("\n")
            if RESULT_LINE.match(line):
                lines.append(line)
                print(line, flush=True)
            elif line.startswith("#"):  # the benchmark's own notes: shown, not tabulated
                print(f"  {line}", flush=True)
        code = process.wait()
        if timer:
            timer.cancel()
        stderr.seek(0)
        tail = stderr.read().splitlines()[-15:]
    seconds = time.perf_counter() - start
    return lines, (None if timed_out.is_set() else code), seconds, tail


# --------------------------------------------------------------------- parsing
def parse_line(line: str):
    """``(name, fields, target)`` of a result line; tokens without ``=`` continue the previous value."""
    tokens = TRAILING_COMMENT.sub("", line).split()
    name, fields, target, last = tokens[0], {}, "", None
    for token in tokens[1:]:
        if token.startswith("target") and token[len("target"):][:1] in "<>=!":
            target = token[len("target"):]
        elif "=" in token:
            last, value = token.split("=", 1)
            fields[last] = value
        elif last is not None:
            fields[last] += " " + token
        else:
            name += " " + token
    return name, fields, target


def _prefixes(side):
    """``side`` of a ratio name and its shorter forms, as key prefixes, longest first."""
    parts = side.split("_")
    return ["_".join(parts[:end]) + "_" for end in range(len(parts), 0, -1)]


def _compared_keys(fields, a, b):
    """The keys of ``fields`` that ``ratio_<a>_over_<b>`` compares: preferably a pair
    ``<a>_x``, ``<b>_x`` with the same ending x (the last such pair), else the last key
    starting with each side; None where there is none."""
    for prefix_a in _prefixes(a):
        for prefix_b in _prefixes(b):
            pairs = [(k, prefix_b + k[len(prefix_a):]) for k in fields
                     if k.startswith(prefix_a) and prefix_b + k[len(prefix_a):] in fields]
            if pairs:
                return pairs[-1]
    last = [next((k for p in _prefixes(side) for k in reversed(list(fields)) if k.startswith(p)), None)
            for side in (a, b)]
    return tuple(last)


def table_row(benchmark: str, line: str) -> dict:
    """A table row (COLUMNS) from one result line."""
    name, fields, target = parse_line(line)
    row = dict.fromkeys(COLUMNS, "")
    row.update(benchmark=benchmark, target=target, ok=fields.pop("ok", ""))
    ratio_key = next((k for k in fields if k.startswith("ratio") or k == "speedup"), None)
    if ratio_key is not None:
        row["ratio"] = fields.pop(ratio_key)
        match = RATIO_NAME.match(ratio_key)
        if match:
            for column, key in zip(("medcnn", "reference"), _compared_keys(fields, *match.groups())):
                if key is not None:
                    row[column] = f"{key}={fields.pop(key)}"
    elif target and fields:  # no ratio: the value checked against the target is the last one
        key = list(fields)[-1]
        row["medcnn"] = f"{key}={fields.pop(key)}"
    row["measure"] = " ".join([name] + [f"{k}={v}" for k, v in fields.items()])
    return row


def failure_row(benchmark: str, code, timeout) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    reason = f"timed out after {timeout:.0f} s" if code is None else f"exit code {code}"
    row.update(benchmark=benchmark, measure=f"failed: {reason}", ok="failed")
    return row


# --------------------------------------------------------------------- output
def text_table(rows) -> str:
    widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip(),
             "  ".join("-" * widths[c] for c in COLUMNS)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    return "\n".join(lines)


def environment(quick: bool, synthetic: bool, seconds: float) -> dict:
    def version(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpu = "no GPU found"
    if shutil.which("nvidia-smi"):
        try:
            names = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                                   capture_output=True, text=True, timeout=30).stdout.split("\n")
            gpu = ", ".join(n.strip() for n in names if n.strip()) or gpu
        except (OSError, subprocess.SubprocessError):
            pass
    mode = ("quick run (``--quick``: fewer images, epochs and repeats; smoke-test numbers)" if quick
            else "full run")
    if synthetic:
        mode += ", synthetic images (``--synthetic``)"
    return {
        "Measured": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "Mode": f"{mode}; {seconds / 60:.0f} minutes in all",
        "Machine": f"{platform.system()} {platform.machine()}, {cpu}, {cores} CPU cores available, {gpu}",
        "Software": (f"Python {platform.python_version()}, TensorFlow {version('tensorflow')}, "
                     f"Keras {version('keras')}, scikit-learn {version('scikit-learn')}, "
                     f"medcnn {version('medcnn')}"),
    }


def _cell(text: str) -> str:
    return f"``{text.replace('`', chr(39))}``" if text else ""


def rst_table(rows, env: dict) -> str:
    out = [".. Written by benchmarks/run_all.py (make bench); run it again rather than editing this file.",
           ""]
    out += [f":{key}: {value}" for key, value in env.items()]
    out += ["", ".. list-table::", "   :header-rows: 1", "   :widths: 12 40 22 22 8 8 6", ""]
    header = ["Benchmark", "Measure", "medcnn", "Reference", "Ratio", "Target", "OK"]
    for cells in [header] + [[_cell(r[c]) if c not in ("ratio", "ok") else r[c] for c in COLUMNS]
                             for r in rows]:
        out.append(f"   * - {cells[0]}".rstrip())
        out += [f"     - {cell}".rstrip() for cell in cells[1:]]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick on (smoke test: minutes, not an hour)")
    parser.add_argument("--synthetic", action="store_true", help="pass --synthetic on (generated images)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (e.g. bench_keras)")
    parser.add_argument("--output", type=Path,
                        help=f"reStructuredText file to write (default {DEFAULT_OUTPUT.relative_to(REPO)}; "
                             "with --only, nothing is written unless given)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per benchmark (default 7200)")
    args = parser.parse_args(argv)

    scripts, absent = discover(args.only)
    for name in absent:
        print(f"# {name}.py: not present, skipped", flush=True)
    asked = [f for f, on in zip(PASSED_FLAGS, (args.quick, args.synthetic)) if on]
    rows, failed, start = [], [], time.perf_counter()
    for script in scripts:
        lines, code, seconds, tail = run_script(script, accepted_flags(script, asked), args.timeout)
        rows += [table_row(script.stem, line) for line in lines]
        if code != 0:
            failed.append(script.name)
            rows.append(failure_row(script.stem, code, args.timeout))
            print(f"# {script.name} FAILED ({'timed out' if code is None else f'exit code {code}'}); "
                  "last lines of its stderr:", flush=True)
            print("\n".join("#   " + line for line in tail), flush=True)
        elif not lines:
            rows.append(dict(dict.fromkeys(COLUMNS, ""), benchmark=script.stem, measure="no result lines"))
        print(f"# {script.name}: {seconds:.0f} s", flush=True)

    print()
    print(text_table(rows))
    output = args.output or (None if args.only else DEFAULT_OUTPUT)
    if output is not None and not args.no_write:
        env = environment(args.quick, args.synthetic, time.perf_counter() - start)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rst_table(rows, env))
        print(f"\n# written to {output}")
    if failed:
        print(f"# failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
