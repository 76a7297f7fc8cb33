"""Real-data check on the Breast Histopathology (IDC) patches, when they are present.

The data live outside the repository (../shared/data/idc, patients disjoint between
Train and Valid); the test skips on machines without them.
"""

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from medcnn import CNNClassifier
from medcnn.datasets import load_directory

IDC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "idc"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (IDC / "Train").is_dir(), reason="IDC data (../shared/data/idc) not present"),
]


def test_workshop_cnn_reaches_auc_085_on_idc_valid():
    train = load_directory(IDC / "Train", group_pattern=r"^(\d+)_idx5_")
    valid = load_directory(IDC / "Valid", group_pattern=r"^(\d+)_idx5_")
    assert not set(train.groups) & set(valid.groups), "Train and Valid must not share patients"
    clf = CNNClassifier(architecture="workshop_cnn", epochs=10, image_size=50, random_state=0)
    clf.fit(train.X, train.y)
    proba = clf.predict_proba(valid.X)[:, list(clf.classes_).index("1")]
    auc = roc_auc_score(valid.y == "1", proba)
    print(f"IDC Valid ROC AUC (workshop_cnn, 10 epochs): {auc:.3f}")
    assert auc >= 0.85
    # the odd-sized edge patches (50x1, 50x6 ...) were resized, not dropped
    assert len(proba) == len(valid.X) and np.isfinite(proba).all()
