"""Security: no network use unless asked for, safe loading of model files."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from medcnn import CNNClassifier, load_model
from medcnn.exceptions import ModelFileError

#: Run in a fresh interpreter: every socket operation that could reach another machine
#: is replaced before medcnn is imported; attempts are recorded and refused.
NO_NETWORK_PRELUDE = """
import socket, json, sys
attempts = []

def refuse(name):
    def blocked(*args, **kwargs):
        attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
        raise OSError(f"network disabled for this test: {name}")
    return blocked

socket.socket.connect = refuse("socket.connect")
socket.socket.connect_ex = refuse("socket.connect_ex")
socket.socket.sendto = refuse("socket.sendto")
socket.create_connection = refuse("create_connection")
socket.getaddrinfo = refuse("getaddrinfo")
"""

CORE_PATHS = """
import os, pickle, tempfile, warnings
import numpy as np
import medcnn
from medcnn import CNNClassifier, TransferFeatureExtractor, load_model
from medcnn.datasets import make_histology, load_directory
from medcnn.evaluation import evaluate
from sklearn.model_selection import StratifiedGroupKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from PIL import Image

X, y = make_histology(64, image_size=24, random_state=0)
groups = np.repeat(np.arange(16), 4)
folder = tempfile.mkdtemp()
for label in (0, 1):
    os.makedirs(os.path.join(folder, str(label)))
for i, (image, label) in enumerate(zip(X, y)):
    Image.fromarray(image).save(os.path.join(folder, str(label), f"p{i:02d}.png"))
dataset = load_directory(folder)

clf = CNNClassifier(epochs=1, random_state=0).fit(X, y)          # default network, arrays
paths_clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(dataset.X, dataset.y)
proba = paths_clf.predict_proba(dataset.X)
path = os.path.join(folder, "model.keras")
clf.save(path)
assert (load_model(path).predict(X) == clf.predict(X)).all()
assert (pickle.loads(pickle.dumps(clf)).predict(X) == clf.predict(X)).all()
features = TransferFeatureExtractor(backbone="mobilenet_v2", weights=None, image_size=32).fit(X).transform(X)
pipe = Pipeline([("cnn", TransferFeatureExtractor(backbone=clf)), ("lr", LogisticRegression(max_iter=200))])
scores = cross_validate(pipe, X, y, groups=groups, cv=StratifiedGroupKFold(2), scoring="roc_auc")
report = evaluate(CNNClassifier(architecture="lenet5", epochs=1, random_state=0), X, y, groups=groups, cv=2,
                  n_bootstraps=50, random_state=0)
print("CORE_PATHS_DONE", features.shape, scores["test_score"].shape)
"""


def run_without_network(code):
    script = NO_NETWORK_PRELUDE + textwrap.dedent(code) + (
        "\nprint('ATTEMPTS ' + json.dumps(attempts))\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MEDCNN_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)


def attempts_of(result):
    line = [line for line in result.stdout.splitlines() if line.startswith("ATTEMPTS ")][-1]
    return json.loads(line[len("ATTEMPTS "):])


@pytest.mark.slow
def test_core_paths_run_with_the_network_disabled():
    """import, fit (arrays and files), predict, save/load, pickle, transfer features,
    patient-grouped cross-validation and bootstrap AUC never open a connection."""
    result = run_without_network(CORE_PATHS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CORE_PATHS_DONE" in result.stdout
    assert attempts_of(result) == []


@pytest.mark.slow
def test_pretrained_weights_by_name_are_the_one_network_use(tmp_path):
    """weights="imagenet" is the one path that reaches for the network; without it (or
    without a cached file) it fails with an error that names the file to place."""
    code = f"""
    import os
    os.environ["KERAS_HOME"] = {str(tmp_path)!r}
    from medcnn import TransferFeatureExtractor
    from medcnn.exceptions import WeightsUnavailableError
    import numpy as np
    try:
        TransferFeatureExtractor(backbone="mobilenet_v2", weights="imagenet", image_size=32).fit(
            np.zeros((2, 32, 32, 3), np.uint8))
    except WeightsUnavailableError as exc:
        print("REFUSED", str(exc).replace(chr(10), " "))
    """
    result = run_without_network(code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REFUSED" in result.stdout and "mobilenet" in result.stdout.lower()
    assert attempts_of(result), "the imagenet path should have tried the network"


# ------------------------------------------------------------- safe loading
def _with_lambda(input_shape, **params):
    inputs = keras.Input(input_shape)
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))


@pytest.mark.slow
def test_a_model_file_with_a_lambda_layer_is_refused_unless_safe_mode_is_off(histology, tmp_path):
    X, y = histology
    clf = CNNClassifier(architecture=_with_lambda, epochs=1, random_state=0).fit(X[:32], y[:32])
    path = tmp_path / "lambda.keras"
    with pytest.warns(UserWarning, match="architecture"):  # a callable is not written to the file
        clf.save(path)
    with pytest.raises(ModelFileError, match=r"lambda\.keras.*safe_mode=False"):
        load_model(path)
    loaded = load_model(path, safe_mode=False)  # the user trusts this file
    np.testing.assert_allclose(loaded.predict_proba(X[:4]), clf.predict_proba(X[:4]), atol=1e-6)
