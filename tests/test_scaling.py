"""Scaling out: TensorFlow threads per worker, tf.distribute strategies, Dask workers."""

import json
import logging
import os
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_validate

from medcnn import CNNClassifier
from medcnn.datasets import make_histology
from medcnn._runtime import _threads
from medcnn.estimators import configure_tensorflow_threads

SUBPROCESS_TIMEOUT = 400


def _run_python(code, **env):
    """Run ``code`` in a fresh interpreter (TensorFlow not started yet); return its last stdout line."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1", **env}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            timeout=SUBPROCESS_TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def small_histology():
    """48 synthetic H&E patches 28x28, enough for the short fits of this module."""
    return make_histology(48, image_size=28, random_state=0)


# ------------------------------------------------------------------ threads rule
def test_requested_threads_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv(_threads.ENV_VAR, "3")
    assert _threads.requested_threads() == (3, "MEDCNN_NUM_THREADS=3")
    monkeypatch.delenv(_threads.ENV_VAR)
    # the test process is neither a Dask nor a joblib worker: TensorFlow's default stays
    assert _threads.requested_threads()[0] is None


@pytest.mark.parametrize("value", ["zero", "0", "-2", "1.5"])
def test_invalid_environment_variable_is_ignored_with_a_warning(monkeypatch, value):
    monkeypatch.setenv(_threads.ENV_VAR, value)
    with pytest.warns(UserWarning, match=rf"MEDCNN_NUM_THREADS='{value}' is not an integer >= 1"):
        assert _threads.requested_threads()[0] is None


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2"])
def test_configure_rejects_invalid_thread_counts(value):
    with pytest.raises(ValueError, match=r"num_threads=.* is not valid; give an integer >= 1"):
        configure_tensorflow_threads(value)


@pytest.mark.slow
def test_threads_are_left_alone_once_tensorflow_runs(monkeypatch, small_histology):
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # TensorFlow is running in this process now
    current = tf.config.threading.get_intra_op_parallelism_threads()
    assert configure_tensorflow_threads(current or None) == current  # unchanged value: no warning
    requested = current + 3
    with pytest.warns(UserWarning, match=rf"could not set its intra-op and inter-op threads to {requested}"):
        assert configure_tensorflow_threads(requested) == current

    # the estimators' automatic call: warns once per process and never fails a fit
    monkeypatch.setitem(_threads._state, "applied", False)
    monkeypatch.setenv(_threads.ENV_VAR, str(requested))
    X, y = small_histology
    with pytest.warns(UserWarning, match=rf"MEDCNN_NUM_THREADS={requested}"):
        CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X[:32], y[:32])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X[:32], y[:32])
    assert not [w for w in caught if "TensorFlow had already started" in str(w.message)]
    assert clf.predict_proba(X[:2]).shape == (2, 2)
    assert tf.config.threading.get_intra_op_parallelism_threads() == current


@pytest.mark.slow
def test_joblib_loky_workers_use_their_share_of_the_cores():
    # loky sets OMP_NUM_THREADS in the workers it starts (here to inner_max_num_threads;
    # by default to cpu_count() // n_jobs); medcnn gives TensorFlow as many threads.
    # A fresh worker process has not started TensorFlow, so the setting takes.
    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        threads = joblib.Parallel(n_jobs=2)(joblib.delayed(configure_tensorflow_threads)() for _ in range(2))
    assert threads == [1, 1]


# ------------------------------------------------------------- tf.distribute
DISTRIBUTED_FITS = r"""
import json, os, pickle, tempfile
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from medcnn import CNNClassifier, load_model
from medcnn.datasets import make_histology

X, y = make_histology(48, image_size=28, random_state=0)
folder = tempfile.mkdtemp()


def fit(distribute, batch_size=len(X)):
    # batch_size=len(X): one batch per epoch, so every setting trains on the same batches
    # (no augmentation: a strategy shifts the seeded draws by one epoch, see docs/scaling.rst);
    # float32: bfloat16 rounds the replicas' partial sums differently from one device's
    return CNNClassifier(architecture="lenet5", epochs=2, batch_size=batch_size, augment=None,
                         random_state=0, distribute=distribute, precision="float32").fit(X, y)


fitted = {"single": fit(None), "mirrored": fit("mirrored"), "multiworker": fit("multiworker")}
out = {name: {"replicas": est.n_replicas_, "proba": est.predict_proba(X).tolist()}
       for name, est in fitted.items()}
for name in ("mirrored", "multiworker"):
    path = os.path.join(folder, name + ".keras")
    fitted[name].save(path)
    out[name]["loaded"] = load_model(path).predict_proba(X).tolist()
    out[name]["loaded_replicas"] = load_model(path).n_replicas_
    out[name]["pickled"] = pickle.loads(pickle.dumps(fitted[name])).predict_proba(X).tolist()
out["one_image"] = fitted["mirrored"].predict_proba(X[:1]).tolist()
try:
    fit("mirrored", batch_size=47)  # the last batch holds 1 image for 2 replicas
    out["uneven"] = None
except ValueError as exc:
    out["uneven"] = str(exc)
out["threads"] = [tf.config.threading.get_intra_op_parallelism_threads(),
                  tf.config.threading.get_inter_op_parallelism_threads()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def distributed_fits():
    """Fits on a CPU split into 2 logical devices, in a process with MEDCNN_NUM_THREADS=1."""
    return json.loads(_run_python(DISTRIBUTED_FITS, MEDCNN_NUM_THREADS="1"))


@pytest.mark.slow
def test_mirrored_trains_on_two_replicas_like_one_device(distributed_fits):
    single, mirrored = distributed_fits["single"], distributed_fits["mirrored"]
    assert (single["replicas"], mirrored["replicas"]) == (1, 2)
    proba = np.asarray(mirrored["proba"])
    assert proba.shape == (48, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    # each replica computes the mean loss of its half batch, and the averaged gradients
    # are the full batch's: the weights agree to float32 rounding (measured: ~2e-7 in the
    # probabilities), while another initialisation or other batches differ by ~0.1
    np.testing.assert_allclose(proba, single["proba"], atol=1e-5)


@pytest.mark.slow
def test_multiworker_without_tf_config_trains_in_this_process(distributed_fits):
    single, multiworker = distributed_fits["single"], distributed_fits["multiworker"]
    assert multiworker["replicas"] == 1  # one worker; on CPUs, one device per worker
    np.testing.assert_allclose(multiworker["proba"], single["proba"], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mirrored", "multiworker"])
def test_models_trained_under_a_strategy_save_and_pickle(distributed_fits, name):
    fitted = distributed_fits[name]
    np.testing.assert_array_equal(fitted["loaded"], fitted["proba"])
    np.testing.assert_array_equal(fitted["pickled"], fitted["proba"])
    assert fitted["loaded_replicas"] == fitted["replicas"]


@pytest.mark.slow
def test_after_a_distributed_fit_prediction_runs_on_one_device(distributed_fits):
    # one image for two replicas: the model predicts outside the strategy
    np.testing.assert_allclose(distributed_fits["one_image"], distributed_fits["mirrored"]["proba"][:1],
                               atol=1e-6)


@pytest.mark.slow
def test_a_last_batch_smaller_than_the_replicas_is_refused(distributed_fits):
    message = distributed_fits["uneven"]
    assert message is not None and "last training batch holds 1 image(s)" in message
    assert "batch_size" in message


@pytest.mark.slow
def test_environment_variable_sets_the_threads_of_a_fresh_process(distributed_fits):
    assert distributed_fits["threads"] == [1, 1]


MULTIWORKER_FIT = r"""
import json, os
from medcnn import CNNClassifier
from medcnn.datasets import make_histology

X, y = make_histology(48, image_size=28, random_state=0)
clf = CNNClassifier(architecture="lenet5", epochs=2, batch_size=len(X), augment=None, random_state=0,
                    distribute="multiworker", precision="float32").fit(X, y)
print(json.dumps({"replicas": clf.n_replicas_, "proba": clf.predict_proba(X).tolist()}))
"""


def _free_ports(n):
    import socket

    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.mark.slow
def test_multiworker_trains_across_two_worker_processes(distributed_fits):
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
    workers = [subprocess.Popen([sys.executable, "-c", MULTIWORKER_FIT], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={**environment, "TF_CONFIG": json.dumps(
                                    {"cluster": cluster, "task": {"type": "worker", "index": index}})})
               for index in range(2)]
    try:
        outputs = [worker.communicate(timeout=SUBPROCESS_TIMEOUT) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, (stdout, stderr) in zip(workers, outputs):
        assert worker.returncode == 0, stderr[-4000:]
    results = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    assert [r["replicas"] for r in results] == [2, 2]  # one CPU replica per worker
    np.testing.assert_array_equal(results[0]["proba"], results[1]["proba"])  # one network
    # each worker trained on its half of every batch: the fit of one process, to rounding
    np.testing.assert_allclose(results[0]["proba"], distributed_fits["single"]["proba"], atol=1e-5)


def test_n_replicas_is_recorded_and_optional_in_model_files(tmp_path, small_histology):
    from medcnn import load_model

    X, y = small_histology
    clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X[:32], y[:32])
    assert clf.n_replicas_ == 1
    del clf.n_replicas_  # as on an estimator loaded from a file written before the attribute existed
    clf.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert not hasattr(loaded, "n_replicas_")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_invalid_distribute_is_rejected(small_histology):
    X, y = small_histology
    with pytest.raises(ValueError, match=r"distribute='gpu' is not valid; use one of \(None, 'mirrored', "
                                         r"'multiworker'\)"):
        CNNClassifier(architecture="lenet5", epochs=1, distribute="gpu").fit(X, y)


def test_invalid_tf_config_is_named(monkeypatch, small_histology):
    X, y = small_histology
    monkeypatch.setenv("TF_CONFIG", "{cluster: worker}")
    with pytest.raises(ValueError, match=r"TF_CONFIG.*not valid JSON: '\{cluster: worker\}'"):
        CNNClassifier(architecture="lenet5", epochs=1, distribute="multiworker").fit(X, y)


# -------------------------------------------------------------------- Dask
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    environment = dict(os.environ)  # the nannies set OMP_NUM_THREADS & co. in this process too
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        os.environ.clear()
        os.environ.update(environment)


@pytest.mark.slow
def test_dask_backend_gives_the_results_of_a_local_search(dask_client, small_histology):
    import tensorflow as tf

    X, y = small_histology
    clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=16, random_state=0)
    grid = {"learning_rate": [1e-3, 3e-3]}
    with joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(clf, grid, cv=2, refit=False).fit(X, y)
        cv_dask = cross_validate(clf, X, y, cv=2, return_estimator=True)
    workers = dask_client.run(tf.config.threading.get_intra_op_parallelism_threads)
    # the local run of the same search: the first learning rate's folds are cross_validate's
    cv_local = cross_validate(clf, X, y, cv=2, return_estimator=True)
    other = cross_validate(clf.set_params(learning_rate=3e-3), X, y, cv=2)

    # every fit ran on a worker that had TensorFlow use its one thread
    assert list(workers.values()) == [1, 1]
    local_means = [cv_local["test_score"].mean(), other["test_score"].mean()]
    np.testing.assert_array_equal(on_dask.cv_results_["mean_test_score"], local_means)
    np.testing.assert_array_equal(cv_dask["test_score"], cv_local["test_score"])
    # same weights: a seeded fit on a worker starts and trains as it does here
    for remote, here in zip(cv_dask["estimator"], cv_local["estimator"]):
        np.testing.assert_allclose(remote.predict_proba(X), here.predict_proba(X), atol=1e-5)


@pytest.mark.slow
def test_a_mixed_precision_policy_is_kept_and_probabilities_stay_float32():
    import keras

    from medcnn import CNNClassifier
    from medcnn.datasets import make_histology

    X, y = make_histology(32, image_size=28, random_state=0)
    keras.config.set_dtype_policy("mixed_float16")
    try:
        clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=16, random_state=0).fit(X, y)
        assert keras.config.dtype_policy().name == "mixed_float16"  # the fit kept the user's policy
        assert clf.dtype_policy_ == "mixed_float16"  # precision="auto" trained under it
        # the fitted network is a float32 copy (see precision=)
        assert clf.model_.get_layer("lenet5").get_layer("conv1").compute_dtype == "float32"
        assert clf.model_.get_layer("classifier").compute_dtype == "float32"
        proba = clf.predict_proba(X[:4])
        assert proba.dtype == np.float64 and np.allclose(proba.sum(axis=1), 1)
    finally:
        keras.config.set_dtype_policy("float32")
    assert CNNClassifier(architecture="lenet5", epochs=1, random_state=0, precision="float32").fit(
        X, y).dtype_policy_ == "float32"
