"""Cost of training-time augmentation: epoch time with ``augment="histology"`` vs none.

Prints one comparable line per setting:

- ``augment_epoch``: median seconds per training epoch of
  ``CNNClassifier(architecture="workshop_cnn", batch_size=32, optimizer="adam",
  lr_schedule=None)`` (the workshop script's settings) on the same images without
  augmentation and with the ``histology`` preset (flips, quarter turns, H&E stain
  jitter, small blur), and their ratio (target <= 1.3). Augmentation runs in the
  tf.data pipeline, overlapped with training by prefetch; with ``random_state`` set
  the augmentation map runs sequentially (so draws are reproducible), without it in
  parallel. Both are measured.

Epoch 1 (graph tracing) is left out of the median. Data: the IDC Train patches
(``../shared/data/idc/Train``, 4,460 50x50 RGB) decoded into one uint8 array when
present, else as many synthetic ``make_histology`` patches (``--synthetic`` forces
these).

Run: ``python benchmarks/bench_augment.py [--quick] [--synthetic]``.
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

IDC_TRAIN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "idc" / "Train"


def load_images(n, synthetic):
    if not synthetic and IDC_TRAIN.is_dir():
        from PIL import Image

        paths = sorted(IDC_TRAIN.glob("*/*.png"))
        if n:  # the first n // 2 of each class
            paths = [p for label in ("0", "1") for p in sorted(IDC_TRAIN.glob(f"{label}/*.png"))[:n // 2]]
        X = np.stack([np.asarray(Image.open(p).convert("RGB").resize((50, 50))) for p in paths])
        y = np.array([int(p.parent.name) for p in paths])
        return X, y, "idc"
    from medcnn.datasets import make_histology

    X, y = make_histology(n or 4460, image_size=50, random_state=0)
    return X, y, "synthetic"


def epoch_seconds(X, y, augment, random_state, epochs):
    import keras

    from medcnn import CNNClassifier

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    times = []
    CNNClassifier(architecture="workshop_cnn", epochs=epochs, batch_size=32, optimizer="adam", lr_schedule=None,
                  augment=augment, random_state=random_state, callbacks=[Timer()]).fit(X, y)
    return statistics.median(times[1:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and epochs (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic patches even if IDC is present")
    args = parser.parse_args(argv)
    X, y, data = load_images(640 if args.quick else None, args.synthetic)
    epochs = 3 if args.quick else 4
    for label, random_state in (("seeded", 0), ("unseeded", None)):
        plain = epoch_seconds(X, y, None, random_state, epochs)
        augmented = epoch_seconds(X, y, "histology", random_state, epochs)
        ratio = augmented / plain
        print(f"augment_epoch data={data} n={len(X)} size=50 map={label} none_s={plain:.2f} "
              f"histology_s={augmented:.2f} ratio_histology_over_none={ratio:.3f} target<=1.3 "
              f"ok={ratio <= 1.3}", flush=True)


if __name__ == "__main__":
    main()
