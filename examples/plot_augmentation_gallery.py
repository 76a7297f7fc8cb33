"""A gallery of the built-in augmenters on one histology patch
===========================================================

Each row shows one augmenter: the first column is the original patch, the other
columns are augmented copies of it, drawn with :func:`medcnn.augment_offline` exactly
as ``CNNClassifier(augment=[name])`` draws them for training batches. The rows are the
geometric augmenters that suit histology (``flip``, ``rotate90``, ``shear``,
``elastic``, ``resized_crop``), the colour augmenters (``stain_jitter``, which varies
the haematoxylin and eosin stains in optical-density space, and ``color_jitter``),
``blur``, ``erasing`` and the ``histology`` preset (flips, quarter turns, stain jitter
and light blur together). Looking at such a grid is the quickest way to check that
an augmentation keeps what the classes differ by (here: nuclei size, shape and
density) while varying what they should not (orientation, staining, focus).

The patch is a real breast histopathology patch (IDC, 50x50 pixels) when the data
are found next to the repository (``../shared/data/idc``), otherwise a synthetic H&E
patch from :func:`medcnn.datasets.make_histology`; ``--synthetic`` forces the
synthetic one.

Usage::

    python examples/plot_augmentation_gallery.py [--synthetic] [OUTPUT_FOLDER]

The figure is written as ``augmentation_gallery.png`` into OUTPUT_FOLDER, else into
the folder in the ``MEDCNN_EXAMPLE_OUT`` environment variable, else into a new
temporary folder; the script prints its path.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from medcnn import augment_offline  # noqa: E402
from medcnn.datasets import make_histology  # noqa: E402

ROWS = ["flip", "rotate90", "stain_jitter", "color_jitter", "blur", "elastic", "resized_crop",
        "erasing", "shear", "histology"]
N_COPIES = 5
IDC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "idc"


def idc_patch():
    """A malignant (class 1) IDC patch as uint8 RGB and its description, or None."""
    for split in ("Valid", "Train"):
        files = sorted((IDC / split / "1").glob("*.png"))
        if files:
            file = files[len(files) // 2]
            return np.asarray(Image.open(file).convert("RGB")), f"IDC patch {split}/1/{file.name}"
    return None


def synthetic_patch():
    """A malignant synthetic H&E patch (50x50 RGB) and its description."""
    X, y = make_histology(8, image_size=50, random_state=3)
    return X[np.flatnonzero(y == 1)[0]], "synthetic H&E patch (make_histology, malignant)"


def own_arguments():
    """The command-line arguments after this script's path when Python was started on
    this file; none when another program (a test runner, say) executes it."""
    here = Path(__file__).resolve()
    command = getattr(sys, "orig_argv", sys.argv)
    for i, arg in enumerate(command):
        if arg.endswith(".py") and Path(arg).resolve() == here:
            return command[i + 1:]
    return []


parser = argparse.ArgumentParser(description="Plot a gallery of the built-in augmenters.")
parser.add_argument("out_dir", nargs="?", help="folder for augmentation_gallery.png")
parser.add_argument("--synthetic", action="store_true",
                    help="use a synthetic patch even if the IDC data are found")
options = parser.parse_args(own_arguments())

patch, data = (None if options.synthetic else idc_patch()) or synthetic_patch()
out_dir = Path(options.out_dir or os.environ.get("MEDCNN_EXAMPLE_OUT")
               or tempfile.mkdtemp(prefix="medcnn-"))
out_dir.mkdir(parents=True, exist_ok=True)

X1, y1 = patch[np.newaxis], np.array([1])
fig, axes = plt.subplots(len(ROWS), N_COPIES + 1,
                         figsize=(1.05 * (N_COPIES + 1) + 1.0, 1.05 * len(ROWS) + 0.4))
for row, name in zip(axes, ROWS):
    copies, _ = augment_offline(X1, y1, n_copies=N_COPIES, augment=[name], include_original=False,
                                random_state=0)
    for col, (ax, image) in enumerate(zip(row, [patch, *copies])):
        ax.imshow(image, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if col == 0:
            ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
axes[0, 0].set_title("original", fontsize=9)
for col in range(1, N_COPIES + 1):
    axes[0, col].set_title(f"copy {col}", fontsize=9)
fig.suptitle("medcnn augmenters (augment_offline, one patch)", fontsize=10)
fig.tight_layout(rect=(0, 0, 1, 0.98))
path = out_dir / "augmentation_gallery.png"
fig.savefig(path, dpi=80)
plt.close(fig)
# an adaptive 256-colour palette keeps the file small (a fraction of full RGB)
palette = Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
palette.save(path, optimize=True)
print(f"data: {data}")
print(f"wrote {path}")
