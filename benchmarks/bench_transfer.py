"""TransferFeatureExtractor against calling the backbone's Keras predict directly.

Prints one comparable line per measurement:

- ``transfer_transform``: images/s of ``TransferFeatureExtractor.transform`` and of
  ``model.predict`` on the same float32 arrays, and their ratio (target >= 0.95);
- ``transfer_memory``: seconds of a first and a second ``transform`` of the same data
  with ``memory=`` (target: the second at least 20x faster), on 50x50 uint8 patches
  brought to the backbone's usual 224x224 input, as for IDC patches and ImageNet
  backbones. The second call costs hashing the input plus loading the cached features.

Run: ``python benchmarks/bench_transfer.py [--quick]``.
"""

import argparse
import tempfile
import time

import numpy as np


def best_of(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images (smoke test)")
    parser.add_argument("--backbone", default="mobilenet_v2")
    parser.add_argument("--size", type=int, default=96)
    args = parser.parse_args(argv)
    n = 256 if args.quick else 2048

    from medcnn import TransferFeatureExtractor
    from medcnn.datasets import make_histology

    X, y = make_histology(n, image_size=args.size, random_state=0)
    X = (X / np.float32(255)).astype(np.float32)  # float32 in [0, 1]: no conversion on either side
    extractor = TransferFeatureExtractor(args.backbone, weights=None, random_state=0).fit(X[:64])
    model = extractor.model_
    extractor.transform(X[:64])
    model.predict(X[:64], batch_size=extractor.batch_size, verbose=0)  # warm both paths up
    repeats = 2 if args.quick else 3
    t_medcnn = best_of(lambda: extractor.transform(X), repeats)
    t_keras = best_of(lambda: model.predict(X, batch_size=extractor.batch_size, verbose=0), repeats)
    ratio = t_keras / t_medcnn
    print(f"transfer_transform backbone={args.backbone} n={n} size={args.size} "
          f"medcnn_images_per_s={n / t_medcnn:.1f} keras_images_per_s={n / t_keras:.1f} "
          f"ratio_medcnn_over_keras={ratio:.3f} target>=0.95 ok={ratio >= 0.95}")

    n_memory = n // 4
    patches, _ = make_histology(n_memory, image_size=50, random_state=1)
    with tempfile.TemporaryDirectory() as folder:
        cached = TransferFeatureExtractor(args.backbone, weights=None, image_size=224, random_state=0,
                                          memory=folder).fit(patches[:16])
        start = time.perf_counter()
        first = cached.transform(patches)
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        second = cached.transform(patches)
        t_second = time.perf_counter() - start
        assert np.array_equal(first, second)
    speedup = t_first / t_second
    print(f"transfer_memory backbone={args.backbone} n={n_memory} input=50x50 uint8 size=224 "
          f"first_s={t_first:.2f} second_s={t_second:.3f} speedup={speedup:.0f}x target>=20 "
          f"ok={speedup >= 20}")


if __name__ == "__main__":
    main()
