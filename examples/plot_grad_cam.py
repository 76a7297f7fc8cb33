"""Grad-CAM: where a CNN looks when it classifies histology patches
================================================================

A small network (``workshop_cnn``) is trained for a few epochs on synthetic H&E
patches from :func:`medcnn.datasets.make_histology`, whose malignant patches hold
more, larger and darker nuclei than benign ones. :func:`medcnn.explain.plot_grad_cam`
then overlays the Grad-CAM heatmap of the predicted class on eight held-out
patches: red where the last feature map of the network held evidence for that
class, blue where it held none. The heatmap has the resolution of that feature map
(6 x 6 here), so it marks regions, not single nuclei.

Nuclei are the only thing that tells the classes apart, so the evidence for
"malignant" should sit on nuclei, and the evidence for "benign" on stroma without
nuclei (few nuclei is what makes a patch benign). The script checks this on all
held-out patches by comparing the mean heat on their darkest pixels (nuclei) with
the mean heat elsewhere, per predicted class.

The data and the training are kept small so that the script runs in well under a
minute on a laptop CPU; the accuracy it prints shows the procedure, not what to
expect on real slides.

Usage::

    python examples/plot_grad_cam.py [OUTPUT_FOLDER]

The figure is written as ``grad_cam.png`` into OUTPUT_FOLDER, else into the folder
in the ``MEDCNN_EXAMPLE_OUT`` environment variable, else into a new temporary
folder; the script prints its path and the predicted labels.
"""

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from medcnn import CNNClassifier
from medcnn.datasets import make_histology
from medcnn.explain import grad_cam, plot_grad_cam

N_SHOWN = 8
NAMES = np.array(["benign", "malignant"])


def own_arguments():
    """The command-line arguments after this script's path when Python was started on
    this file; none when another program (a test runner, say) executes it."""
    here = Path(__file__).resolve()
    command = getattr(sys, "orig_argv", sys.argv)
    for i, arg in enumerate(command):
        if arg.endswith(".py") and Path(arg).resolve() == here:
            return command[i + 1:]
    return []


arguments = own_arguments()
out_dir = Path(arguments[0] if arguments else os.environ.get("MEDCNN_EXAMPLE_OUT")
               or tempfile.mkdtemp(prefix="medcnn-"))
out_dir.mkdir(parents=True, exist_ok=True)

X, y = make_histology(400, image_size=32, weights=(0.5, 0.5), random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, NAMES[y], test_size=0.2, stratify=y,
                                                    random_state=0)
clf = CNNClassifier(architecture="workshop_cnn", epochs=6, batch_size=16, augment=["flip", "rotate90"],
                    random_state=0)
clf.fit(X_train, y_train)
print(f"held-out accuracy: {clf.score(X_test, y_test):.3f} ({len(y_test)} patches)")

shown = X_test[:N_SHOWN]
predicted = clf.predict(shown)
titles = [f"{p} (true {t})" for p, t in zip(predicted, y_test[:N_SHOWN])]
figure = plot_grad_cam(clf, shown, titles=titles, ncols=4)   # the predicted class of each patch
figure.suptitle("Grad-CAM of the predicted class (workshop_cnn, last feature map)", fontsize=10)
path = out_dir / "grad_cam.png"
figure.savefig(path, dpi=90)

# Is the evidence on nuclei? Mean heat on the darkest 15% of the pixels of each patch
# (nuclei stain dark purple) against the mean heat on the rest, for the patches
# predicted malignant, whose evidence should be nuclei, and those predicted benign.
test_predicted = clf.predict(X_test)
maps = grad_cam(clf, X_test)                                 # (n, 32, 32), each scaled to [0, 1]
grey = X_test.mean(axis=-1)
dark = grey <= np.percentile(grey.reshape(len(grey), -1), 15, axis=1)[:, None, None]
for label in NAMES:
    chosen = test_predicted == label
    on_dark = np.mean([m[d].mean() for m, d in zip(maps[chosen], dark[chosen])])
    elsewhere = np.mean([m[~d].mean() for m, d in zip(maps[chosen], dark[chosen])])
    print(f"predicted {label:<9} ({chosen.sum():2d} patches): mean heat on the darkest pixels "
          f"{on_dark:.2f}, elsewhere {elsewhere:.2f}")
print(f"predicted labels of the plotted patches: {predicted.tolist()}")
print(f"wrote {path}")
