"""Cost of ``import medcnn``: seconds, and whether TensorFlow or Keras got imported.

Prints one comparable line:

- ``import_medcnn``: the median wall time of ``import medcnn`` (plus listing the
  registered architectures, which loads the built-in plugins) over fresh Python
  processes, next to ``import tensorflow`` in the same way, and whether the medcnn
  import pulled in TensorFlow or Keras (it must not).

Run: ``python benchmarks/bench_import.py [--repeats N]``.
"""

import argparse
import json
import statistics
import subprocess
import sys

MEDCNN = ("import time; t = time.perf_counter(); import medcnn; medcnn.registry.architectures.names(); "
          "t = time.perf_counter() - t; import sys, json; "
          "print(json.dumps({'seconds': t, 'heavy': sorted(m for m in sys.modules "
          "if m.split('.')[0] in ('tensorflow', 'keras'))}))")
TENSORFLOW = ("import time; t = time.perf_counter(); import tensorflow; t = time.perf_counter() - t; "
              "import json; print(json.dumps({'seconds': t, 'heavy': []}))")


def measure(code, repeats):
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return statistics.median(r["seconds"] for r in runs), runs[-1]["heavy"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    medcnn_s, heavy = measure(MEDCNN, args.repeats)
    tensorflow_s, _ = measure(TENSORFLOW, max(1, args.repeats // 2))
    print(f"import_medcnn repeats={args.repeats} medcnn_s={medcnn_s:.3f} tensorflow_s={tensorflow_s:.3f} "
          f"ratio_medcnn_over_tensorflow={medcnn_s / tensorflow_s:.3f} tensorflow_imported={bool(heavy)} "
          f"ok={not heavy}")


if __name__ == "__main__":
    main()
