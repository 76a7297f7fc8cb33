"""Global state across many fits: memory, Keras and random globals, reproducibility."""

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from medcnn import CNNClassifier
from medcnn.datasets import make_histology

SUBPROCESS_TIMEOUT = 300
N_FITS = 20

# 20 fits in a fresh interpreter, as a grid search makes them: RSS (after gc.collect()) and
# the number of live traced TensorFlow graphs after each fit and prediction.
MANY_FITS = """
import gc, json, sys
from tensorflow.python.framework.func_graph import FuncGraph
from medcnn import CNNClassifier
from medcnn.datasets import make_histology

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))

X, y = make_histology(32, image_size=16, random_state=0)
rss, graphs = [], []
for i in range(int(sys.argv[1])):
    clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=32, optimizer="sgd",
                        lr_schedule=None, random_state=i).fit(X, y)
    clf.predict_proba(X)
    del clf
    gc.collect()
    rss.append(rss_mb())
    graphs.append(sum(isinstance(o, FuncGraph) for o in gc.get_objects()))
print(json.dumps({"rss_mb": rss, "func_graphs": graphs}))
"""

# One seeded fit with augmentation on arrays and on file paths; the probabilities as JSON
# (floats written with repr precision, so equal text means bit-identical float32 values).
SEEDED_FITS = """
import json, sys
import numpy as np
from medcnn import CNNClassifier
from medcnn.datasets import make_histology

X, y = make_histology(160, image_size=28, weights=(0.5, 0.5), random_state=0)
paths = json.loads(sys.argv[1])
params = dict(architecture="lenet5", epochs=1, batch_size=16, augment=("flip", "rotate90", "brightness"),
              random_state=0)
arrays = CNNClassifier(**params).fit(X[:32], y[:32]).predict_proba(X[64:96])
files = CNNClassifier(**params).fit(paths, y[:40]).predict_proba(paths)
print(json.dumps({"arrays": arrays.astype(float).tolist(), "files": files.astype(float).tolist()}))
"""


def _start_python(code, *args):
    """Start ``code`` in a fresh interpreter (TensorFlow not started yet)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _result(process):
    """Wait for a process of :func:`_start_python`; return the JSON of its last stdout line."""
    try:
        stdout, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, stderr[-4000:]
    return json.loads(stdout.strip().splitlines()[-1])


# ------------------------------------------------------------- global state
@pytest.fixture(scope="module")
def data():
    return make_histology(64, image_size=20, weights=(0.5, 0.5), random_state=0)


ESTIMATOR_A = {"architecture": "lenet5", "learning_rate": 1e-2, "augment": ("flip", "rotate90"), "tta": 2}
ESTIMATOR_B = {"architecture": "mnist_cnn", "learning_rate": 3e-3, "optimizer": "sgd", "lr_schedule": None,
               "augment": ("brightness", "contrast")}


@pytest.mark.slow
def test_estimators_fitted_alternately_predict_as_when_fitted_alone(data):
    X, y = data
    # A, B, A, B: each predicts right after its fit ("alone": nothing else ran between)...
    fitted, alone = [], []
    for params in (ESTIMATOR_A, ESTIMATOR_B, ESTIMATOR_A, ESTIMATOR_B):
        fitted.append(CNNClassifier(epochs=1, batch_size=16, random_state=0, **params).fit(X, y))
        alone.append(fitted[-1].predict_proba(X))
    assert not np.array_equal(alone[0], alone[1])  # the two estimators really differ
    # ...and the same again after all four fits, i.e. after the other estimator was fitted
    np.testing.assert_array_equal(alone[2], alone[0])
    np.testing.assert_array_equal(alone[3], alone[1])
    for clf, expected in zip(fitted, alone):
        np.testing.assert_array_equal(clf.predict_proba(X), expected)


@pytest.mark.slow
def test_fitting_keeps_the_users_keras_and_random_globals(data):
    import keras
    import tensorflow as tf

    X, y = data
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        floatx, data_format = keras.config.floatx(), keras.config.image_data_format()
        random.seed(12345)
        np.random.seed(54321)
        tf.random.set_seed(777)
        tf_first = tf.random.uniform([4]).numpy()
        py_state, np_state = random.getstate(), np.random.get_state()

        clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=16, augment=("flip", "brightness"),
                            random_state=0).fit(X, y)
        assert clf.predict_proba(X[:4]).shape == (4, 2)
        tf_after = tf.random.uniform([4]).numpy()

        assert keras.config.floatx() == floatx
        assert keras.config.image_data_format() == data_format
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        assert random.getstate() == py_state
        after_np = np.random.get_state()
        assert after_np[0] == np_state[0] and after_np[2:] == np_state[2:]
        np.testing.assert_array_equal(after_np[1], np_state[1])
        # TensorFlow's global seed and operation-seed stream continue as without the fit
        tf.random.set_seed(777)
        np.testing.assert_array_equal(tf.random.uniform([4]).numpy(), tf_first)
        np.testing.assert_array_equal(tf.random.uniform([4]).numpy(), tf_after)
    finally:
        keras.config.set_dtype_policy(policy)
        tf.random.set_seed(None)


@pytest.mark.slow
def test_random_state_gives_identical_predictions_across_processes(histology, histology_files):
    """This process (after other fits) and a fresh interpreter give bit-identical probabilities."""
    X, y = histology
    paths, y_files = histology_files
    process = _start_python(SEEDED_FITS, json.dumps([str(p) for p in paths]))  # runs meanwhile
    params = {"architecture": "lenet5", "epochs": 1, "batch_size": 16,
              "augment": ("flip", "rotate90", "brightness"), "random_state": 0}
    arrays = CNNClassifier(**params).fit(X[:32], y[:32]).predict_proba(X[64:96])
    files = CNNClassifier(**params).fit(list(paths), y_files).predict_proba(list(paths))

    other = _result(process)
    np.testing.assert_array_equal(np.asarray(other["arrays"], dtype=arrays.dtype), arrays)
    np.testing.assert_array_equal(np.asarray(other["files"], dtype=files.dtype), files)


# ------------------------------------------------------------------ memory
@pytest.fixture(scope="module", autouse=True)
def many_fits():
    """The 20-fit process, started with the module so that it runs beside the other tests."""
    process = _start_python(MANY_FITS, str(N_FITS))
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.mark.slow
def test_memory_stays_flat_over_many_fits_in_one_process(many_fits):
    result = _result(many_fits)
    rss, graphs = result["rss_mb"], result["func_graphs"]
    print("RSS after each fit (MB):", " ".join(f"{value:.0f}" for value in rss))
    print("live traced graphs after each fit:", " ".join(map(str, graphs)))
    assert len(rss) == N_FITS
    # the first fits warm up TensorFlow and the allocator; from the 3rd on memory must not grow
    assert rss[-1] <= 1.10 * rss[2], f"RSS grew from {rss[2]:.0f} MB (fit 3) to {rss[-1]:.0f} MB (fit 20)"
    # the direct cause of growth: graphs traced in earlier fits kept alive (a tiny network's
    # graph is too small to show in RSS within 20 fits, but every retained graph counts here)
    assert graphs[-1] <= graphs[2], f"traced graphs retained across fits: {graphs}"
