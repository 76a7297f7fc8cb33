import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medcnn.datasets import make_histology  # noqa: E402


@pytest.fixture(scope="session")
def histology():
    """Small synthetic H&E set: 160 patches 28x28 (uint8 RGB), labels 0/1."""
    return make_histology(160, image_size=28, weights=(0.5, 0.5), random_state=0)


@pytest.fixture(scope="session")
def histology_files(histology, tmp_path_factory):
    """The first 40 histology patches written as PNG files."""
    from PIL import Image

    X, y = histology
    folder = tmp_path_factory.mktemp("patches")
    paths = []
    for i, image in enumerate(X[:40]):
        path = folder / f"patch_{i:03d}.png"
        Image.fromarray(image).save(path)
        paths.append(str(path))
    return np.asarray(paths), y[:40]
