import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medcnn.datasets import make_histology  # noqa: E402

import _helpers  # noqa: E402


# Doctests in the package that train networks, by the name of the documented object (the end
# of the doctest's name); doctests cannot carry marks, so they are marked slow here.
SLOW_DOCTESTS = (
    "CNNClassifier", "BaseCNN.save", "CNNClassifier.predict_proba", "CNNEnsemble",
    "LRFinderMixin.lr_find", "TransferFeatureExtractor", "grad_cam", "load_model", "medcnn",
    "plot_grad_cam",
)


def _is_slow_doctest(name):
    return any(name == slow or name.endswith("." + slow) for slow in SLOW_DOCTESTS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark slow the cases that cannot carry ``pytest.mark.slow`` where they are written.

    These are the package doctests named in ``SLOW_DOCTESTS`` and the scikit-learn estimator
    checks that a test module lists in ``SLOW_CHECKS`` (estimator class -> check ids).
    """
    for item in items:
        if type(item).__name__ == "DoctestItem":
            if _is_slow_doctest(item.name):
                item.add_marker(pytest.mark.slow)
            continue
        slow_checks = getattr(getattr(item, "module", None), "SLOW_CHECKS", None)
        callspec = getattr(item, "callspec", None)
        if slow_checks and callspec is not None and "check" in callspec.params:
            estimator = type(callspec.params["estimator"]).__name__
            check = callspec.id.rsplit("-", 1)[-1]  # the id is "<estimator>-<check>"
            if check in slow_checks.get(estimator, ()):
                item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def small_classifier():
    """Factory ``make(**params) -> CNNClassifier``: LeNet-5, 1 epoch, batch 16, ``random_state=0``.

    Keyword arguments override those defaults (see ``_helpers.small_classifier``).
    """
    return _helpers.small_classifier


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
