"""Choosing a learning rate with ``lr_find``, then averaging networks that differ only by seed
===========================================================================================

1. :meth:`medcnn.CNNClassifier.lr_find` trains the network for a few dozen mini-batches
   while raising the learning rate geometrically (Smith's range test, as in fastai)
   and suggests a rate where the loss falls fastest before it diverges. The plot of
   loss against learning rate is saved as ``lr_find.png``.
2. :class:`medcnn.CNNEnsemble` with ``from_seeds`` fits copies of the same classifier
   with different ``random_state`` and averages their probabilities; held-out log loss
   and ROC AUC of each member and of the ensemble are printed.

The output folder is the first command-line argument when the script is run
directly, else ``$MEDCNN_EXAMPLE_OUT``, else a temporary folder. Synthetic patches
and six-epoch networks keep it under a minute on a laptop CPU: the numbers show the
procedure, not what to expect on real images.
"""

import os
import sys
import tempfile
from pathlib import Path

from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from medcnn import CNNClassifier, CNNEnsemble
from medcnn.datasets import make_histology


def output_folder():
    """First argument after this script's path when Python runs this file, else
    $MEDCNN_EXAMPLE_OUT, else a new temporary folder."""
    here = Path(__file__).resolve()
    command = getattr(sys, "orig_argv", sys.argv)
    for i, arg in enumerate(command):
        if arg.endswith(".py") and Path(arg).resolve() == here and i + 1 < len(command):
            return command[i + 1]
    return os.environ.get("MEDCNN_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="medcnn-example-")


X, y = make_histology(240, image_size=28, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33, stratify=y, random_state=0)
folder = output_folder()
os.makedirs(folder, exist_ok=True)

# 1. learning-rate range test
base = CNNClassifier(architecture="workshop_cnn", epochs=6, batch_size=16, random_state=0)
result = base.lr_find(X_train, y_train, start_lr=1e-5, end_lr=1.0, num_steps=40)
print(f"lr_find: {len(result.learning_rates)} steps from {result.learning_rates[0]:.0e} to "
      f"{result.learning_rates[-1]:.2g}; suggested learning rate {result.suggestion:.2g}")
result.plot().savefig(os.path.join(folder, "lr_find.png"), dpi=100)
print(f"  saved {os.path.join(folder, 'lr_find.png')}")

# 2. an ensemble of three seeds at that learning rate
base.set_params(learning_rate=float(result.suggestion))
ensemble = CNNEnsemble.from_seeds(base, seeds=3).fit(X_train, y_train)
print(f"{'model':<12} {'log loss':>9} {'ROC AUC':>8}")
for name, member in ensemble.named_estimators_.items():
    proba = member.predict_proba(X_test)
    print(f"{name:<12} {log_loss(y_test, proba):>9.3f} {roc_auc_score(y_test, proba[:, 1]):>8.3f}")
proba = ensemble.predict_proba(X_test)
print(f"{'ensemble':<12} {log_loss(y_test, proba):>9.3f} {roc_auc_score(y_test, proba[:, 1]):>8.3f}")
