"""Peak memory of ``CNNClassifier.predict_proba`` on file paths: 2,000 vs 20,000 files.

Each measurement runs in a FRESH Python process, so that one run's memory (TensorFlow
runtime, caches, freed-but-kept heap) does not leak into the next. In each child:

1. fit ``CNNClassifier(architecture="lenet5", epochs=1, image_size=50, random_state=0)``
   on the same 200 file paths (100 per class);
2. record the resident set size (RSS) now -- the baseline after fitting, before
   predicting -- and the peak so far;
3. call ``predict_proba`` on N file paths (the streaming tf.data pipeline);
4. record the peak RSS of the process, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.

``predict_increment_mb`` is the final peak minus the baseline: what predicting adds on
top of a fitted model. It is an upper bound: if fitting peaked higher than predicting,
the final peak is fitting's (``fit_peak_rss_mb`` shows it).

For comparison, one more child does what one would do without the pipeline: read all
N large files with Pillow into one float32 array and call the Keras ``model.predict``
of the same fitted network on it (``predict_memory_naive`` line, and the ratio of the
two predict increments).

Files: the PNG patches under ``../shared/data/idc/Train`` (relative to the repository
root) when that folder exists, else 2,000 synthetic 50x50 RGB patches from
``medcnn.datasets.make_histology`` written to a temporary folder. Either way the
paths are repeated cyclically up to N; repeated files do not change the memory
measurement (every path is read and decoded again), and the output says how many
distinct files there were.

Usage::

    python benchmarks/bench_predict_memory.py            # n = 2,000 vs 20,000 (about 2-3 minutes)
    python benchmarks/bench_predict_memory.py --quick    # n = 200 vs 2,000, smoke test
    python benchmarks/bench_predict_memory.py --synthetic  # generated files even if the IDC patches exist

Target: the peak RSS at 20,000 files exceeds the one at 2,000 by at most 300 MB
(``ok=True``). The exit code is 0 whether or not the target is met; it is non-zero
only when a child fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IDC_TRAIN = REPO.parent / "shared" / "data" / "idc" / "Train"
TARGET_MB = 300.0
N_FIT = 200            # files the model is fitted on (half per class), the same in every child
N_SYNTHETIC = 2000     # distinct files generated when the IDC patches are absent
IMAGE_SIZE = 50
RESULT_TAG = "BENCH_RESULT "


# --------------------------------------------------------------------------- memory
def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def current_rss_mb() -> float:
    """Resident set size now, in MB (the peak so far where /proc is unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    return peak_rss_mb()


# ----------------------------------------------------------------------------- files
def write_synthetic(folder: Path, n: int) -> list[tuple[str, str]]:
    """``n`` distinct 50x50 RGB PNG patches under ``folder/<label>/``; (path, label) pairs."""
    from PIL import Image

    from medcnn.datasets import make_histology

    X, y = make_histology(n, image_size=IMAGE_SIZE, random_state=0)
    files = []
    for i, (image, label) in enumerate(zip(X, y)):
        target = folder / str(int(label)) / f"patch_{i:05d}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(target)
        files.append((str(target), str(int(label))))
    return files


def idc_files() -> list[tuple[str, str]]:
    return [(str(p), p.parent.name) for label in ("0", "1")
            for p in sorted((IDC_TRAIN / label).glob("*.png"))]


def fit_files(files):
    """N_FIT files, half of each class, spread evenly over the file list."""
    chosen = []
    for label in sorted({lab for _, lab in files}):
        of_class = [f for f in files if f[1] == label]
        step = max(len(of_class) // (N_FIT // 2), 1)
        chosen += of_class[::step][: N_FIT // 2]
    return chosen


# ----------------------------------------------------------------------------- child
def child(manifest: str, n: int, mode: str) -> None:
    """Fit, then predict on ``n`` paths (``mode`` "stream" or "naive"); print one JSON line."""
    import numpy as np

    from medcnn import CNNClassifier

    with open(manifest) as f:
        files = json.load(f)
    fit = fit_files(files)
    paths = [files[i % len(files)][0] for i in range(n)]

    clf = CNNClassifier(architecture="lenet5", epochs=1, image_size=IMAGE_SIZE, random_state=0)
    clf.fit([p for p, _ in fit], [lab for _, lab in fit])
    gc.collect()
    fit_peak, baseline = peak_rss_mb(), current_rss_mb()

    start = time.perf_counter()
    if mode == "stream":
        proba = clf.predict_proba(paths)
    else:  # the naive way: every decoded image in one array, then Keras predict
        from PIL import Image

        images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float32)
        for i, path in enumerate(paths):
            with Image.open(path) as image:
                image = image.convert("RGB")
                if image.size != (IMAGE_SIZE, IMAGE_SIZE):
                    image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
                images[i] = np.asarray(image, dtype=np.float32) / 255.0
        proba = clf.model_.predict(images, batch_size=clf.batch_size, verbose=0)
    seconds = time.perf_counter() - start
    assert proba.shape == (n, 2) and np.isfinite(proba).all()

    print(RESULT_TAG + json.dumps({"n": n, "mode": mode, "peak_rss_mb": peak_rss_mb(),
                                   "baseline_rss_mb": baseline, "fit_peak_rss_mb": fit_peak,
                                   "seconds": seconds}), flush=True)


def run_child(manifest: str, n: int, mode: str) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    proc = subprocess.run([sys.executable, __file__, "--child", manifest, "--n", str(n), "--mode", mode],
                          capture_output=True, text=True, env=env, cwd=REPO)
    results = [line[len(RESULT_TAG):] for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not results:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"bench_predict_memory: the child for n={n} ({mode}) failed "
                         f"(exit code {proc.returncode}); its output is above.")
    result = json.loads(results[-1])
    result["predict_increment_mb"] = result["peak_rss_mb"] - result["baseline_rss_mb"]
    return result


def line(prefix: str, r: dict) -> str:
    return (f"{prefix} n={r['n']} peak_rss_mb={r['peak_rss_mb']:.0f} "
            f"baseline_rss_mb={r['baseline_rss_mb']:.0f} fit_peak_rss_mb={r['fit_peak_rss_mb']:.0f} "
            f"predict_increment_mb={r['predict_increment_mb']:.0f} seconds={r['seconds']:.1f}")


# ------------------------------------------------------------------------------ main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 200 vs 2,000 (smoke test)")
    parser.add_argument("--synthetic", action="store_true",
                        help="use generated files even where the IDC patches exist")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the comparison with Keras predict on one in-memory array")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.mode)
        return 0

    small, large = (200, 2000) if args.quick else (2000, 20000)
    total = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="medcnn-bench-") as tmp:
        if not args.synthetic and IDC_TRAIN.is_dir() and any(IDC_TRAIN.glob("*/*.png")):
            files = idc_files()
            origin = f"IDC patches from {IDC_TRAIN}"
        else:
            files = write_synthetic(Path(tmp) / "images", min(N_SYNTHETIC, large))
            origin = "synthetic 50x50 RGB PNGs from make_histology"
        manifest = str(Path(tmp) / "files.json")
        with open(manifest, "w") as f:
            json.dump(files, f)
        print(f"# files: {origin}: {len(files)} distinct files, repeated cyclically to n "
              f"(duplicates are read and decoded again, so they do not change the memory measured)")
        print(f"# each line is a fresh process: fit lenet5 on {N_FIT} paths (1 epoch), then predict "
              f"on n paths; python {sys.version.split()[0]}, {os.cpu_count()} CPU cores")

        runs = {}
        for n in (small, large):
            runs[n] = run_child(manifest, n, "stream")
            print(line("predict_memory", runs[n]), flush=True)
        naive = None if args.no_naive else run_child(manifest, large, "naive")
        if naive is not None:
            print(line("predict_memory_naive", naive) + "  (Pillow -> one float32 array -> keras "
                  "model.predict)", flush=True)

    diff = runs[large]["peak_rss_mb"] - runs[small]["peak_rss_mb"]
    if naive is not None:
        increment = max(runs[large]["predict_increment_mb"], 1.0)
        print(f"predict_memory ratio_naive_over_streaming_increment_n{large}="
              f"{naive['predict_increment_mb'] / increment:.1f} "
              f"naive_increment_mb={naive['predict_increment_mb']:.0f} "
              f"streaming_increment_mb={runs[large]['predict_increment_mb']:.0f}")
    label = f"{large // 1000}k_minus_{small // 1000}k" if small >= 1000 else f"{large}_minus_{small}"
    print(f"predict_memory diff_{label}_mb={diff:.0f} target<={TARGET_MB:.0f} ok={diff <= TARGET_MB}")
    print(f"# total {time.perf_counter() - total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
