"""Faults during fit and predict: interruptions, resuming from checkpoints, broken files."""

import os
import warnings

import keras
import numpy as np
import pytest
from PIL import Image
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from medcnn.exceptions import ImageReadError, SkippedFilesWarning


class InterruptAt(keras.callbacks.Callback):
    """Raise KeyboardInterrupt (Ctrl-C) when epoch ``epoch`` (0-based) begins."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class TrainingStart(keras.callbacks.Callback):
    """Record the epochs run, and the weights and optimizer step count at the start of training."""

    def __init__(self):
        super().__init__()
        self.epochs, self.weights, self.iterations = [], None, None

    def on_train_begin(self, logs=None):
        if self.weights is None:
            self.weights = [np.array(w) for w in self.model.get_weights()]
            self.iterations = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


# ------------------------------------------------------------- interruption
@pytest.mark.slow
def test_interrupted_fit_leaves_an_unfitted_estimator_unfitted(histology, small_classifier):
    X, y = histology
    clf = small_classifier(augment=None, epochs=3, callbacks=[InterruptAt(1)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X[:64], y[:64])
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    # the process goes on normally: a new fit in the same process works
    assert small_classifier(augment=None).fit(X[:64], y[:64]).predict(X[:4]).shape == (4,)


@pytest.mark.slow
def test_interrupted_refit_keeps_the_previous_fit(histology, small_classifier):
    X, y = histology
    clf = small_classifier(augment=None).fit(X[:64], y[:64])
    before, history = clf.predict_proba(X[:8]), dict(clf.history_)
    clf.set_params(epochs=3, callbacks=[InterruptAt(1)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X[64:128], y[64:128])
    np.testing.assert_array_equal(clf.predict_proba(X[:8]), before)
    assert clf.history_ == history


# ------------------------------------------------------------------- resume
@pytest.mark.slow
def test_checkpoint_dir_resumes_an_interrupted_fit_after_its_last_epoch(histology, tmp_path, small_classifier):
    X, y = histology
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        small_classifier(augment=None, epochs=4, learning_rate=3e-3, checkpoint_dir=str(folder),
                         callbacks=[InterruptAt(2)]).fit(X[:64], y[:64])
    assert sorted(os.listdir(folder)) == ["best.keras", "epoch-001.keras", "epoch-002.keras", "resume.npz"]

    start = TrainingStart()
    clf = small_classifier(augment=None, epochs=4, learning_rate=3e-3, checkpoint_dir=str(folder),
                           callbacks=[start]).fit(X[:64], y[:64])
    assert start.epochs == [2, 3]  # only the epochs the interrupted fit did not finish
    # it starts from the network and optimizer of epoch 2
    saved = keras.saving.load_model(folder / "epoch-002.keras")
    for resumed, at_epoch_2 in zip(start.weights, saved.get_weights()):
        np.testing.assert_array_equal(resumed, at_epoch_2)
    assert start.iterations == int(keras.ops.convert_to_numpy(saved.optimizer.iterations)) == 2 * 4  # 64 images / 16
    assert len(clf.history_["loss"]) == 4 and np.all(np.isfinite(clf.history_["loss"]))
    assert sorted(os.listdir(folder)) == ["best.keras"] + [f"epoch-00{i}.keras" for i in range(1, 5)]
    assert clf.predict(X[:4]).shape == (4,)


@pytest.mark.slow
def test_resumed_history_continues_the_interrupted_one(histology, tmp_path, small_classifier):
    X, y = histology
    folder = tmp_path / "run"
    X, y = X[:64], y[:64]
    uninterrupted = small_classifier(augment=None, epochs=3, learning_rate=3e-3).fit(X, y)
    with pytest.raises(KeyboardInterrupt):
        small_classifier(augment=None, epochs=3, learning_rate=3e-3, checkpoint_dir=str(folder),
                         callbacks=[InterruptAt(2)]).fit(X, y)
    resumed = small_classifier(augment=None, epochs=3, learning_rate=3e-3, checkpoint_dir=str(folder)).fit(X, y)
    # epochs 1-2 ran before the interruption exactly as in an uninterrupted fit
    np.testing.assert_allclose(resumed.history_["loss"][:2], uninterrupted.history_["loss"][:2], rtol=1e-6)
    assert len(resumed.history_["loss"]) == 3


@pytest.mark.slow
def test_resume_in_the_second_phase_of_finetune(histology, tmp_path, small_classifier):
    X, y = histology
    folder = tmp_path / "run"
    params = dict(epochs=2, transfer="finetune", finetune_epochs=2, checkpoint_dir=str(folder))
    with pytest.raises(KeyboardInterrupt):
        small_classifier(augment=None, **params, callbacks=[InterruptAt(3)]).fit(X[:64], y[:64])
    start = TrainingStart()
    clf = small_classifier(augment=None, **params, callbacks=[start]).fit(X[:64], y[:64])
    assert start.epochs == [3]
    assert all(layer.trainable for layer in clf.model_.layers)  # the unfrozen phase
    assert len(clf.history_["loss"]) == 4


@pytest.mark.slow
def test_a_fit_with_other_parameters_starts_afresh(histology, tmp_path, small_classifier):
    X, y = histology
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        small_classifier(augment=None, epochs=3, checkpoint_dir=str(folder),
                         callbacks=[InterruptAt(1)]).fit(X[:64], y[:64])
    start = TrainingStart()
    with pytest.warns(UserWarning, match="other parameters or data; this fit starts afresh"):
        small_classifier(augment=None, epochs=3, learning_rate=5e-3, checkpoint_dir=str(folder),
                         callbacks=[start]).fit(X[:64], y[:64])
    assert start.epochs == [0, 1, 2]
    # other data: also afresh
    with pytest.raises(KeyboardInterrupt):
        small_classifier(augment=None, epochs=3, checkpoint_dir=str(folder),
                         callbacks=[InterruptAt(1)]).fit(X[:64], y[:64])
    start = TrainingStart()
    with pytest.warns(UserWarning, match="other parameters or data"):
        small_classifier(augment=None, epochs=3, checkpoint_dir=str(folder),
                         callbacks=[start]).fit(X[64:128], y[64:128])
    assert start.epochs == [0, 1, 2]


@pytest.mark.slow
def test_a_completed_fit_leaves_no_resume_state(histology, tmp_path, small_classifier):
    X, y = histology
    small_classifier(augment=None, epochs=2, checkpoint_dir=str(tmp_path)).fit(X[:64], y[:64])
    assert "resume.npz" not in os.listdir(tmp_path)
    start = TrainingStart()  # so the same fit again trains from the start
    small_classifier(augment=None, epochs=2, checkpoint_dir=str(tmp_path), callbacks=[start]).fit(X[:64], y[:64])
    assert start.epochs == [0, 1]


def test_an_unreadable_resume_state_is_reported_and_replaced(histology, tmp_path, small_classifier):
    X, y = histology
    (tmp_path / "resume.npz").write_bytes(b"not an npz archive")
    start = TrainingStart()
    with pytest.warns(UserWarning, match=r"resume.npz.*cannot be read.*starts afresh"):
        small_classifier(augment=None, epochs=2, checkpoint_dir=str(tmp_path), callbacks=[start]).fit(X[:64], y[:64])
    assert start.epochs == [0, 1] and "resume.npz" not in os.listdir(tmp_path)


# ------------------------------------------------- predict with broken files
@pytest.fixture()
def files_with_broken_ones(histology, tmp_path):
    X, y = histology
    paths = []
    for i, image in enumerate(X[:12]):
        path = tmp_path / f"patch_{i:02d}.png"
        Image.fromarray(image).save(path)
        paths.append(str(path))
    good = (tmp_path / "patch_05.png").read_bytes()
    (tmp_path / "patch_03.png").write_bytes(good[: len(good) // 3])  # truncated
    (tmp_path / "patch_07.png").write_text("not an image")  # text named .png
    paths.append(str(tmp_path / "missing.png"))  # does not exist
    paths.append(str(tmp_path / "scan.unknownsuffix"))  # no reader, does not exist
    return paths, [3, 7, 12, 13]


def test_predict_names_the_broken_file(histology, files_with_broken_ones, small_classifier):
    X, y = histology
    paths, broken = files_with_broken_ones
    clf = small_classifier(augment=None).fit(X[:64], y[:64])
    with pytest.raises(ImageReadError, match="patch_03.png"):
        clf.predict_proba(paths)


@pytest.mark.slow
def test_predict_skip_keeps_the_other_predictions(histology, files_with_broken_ones, small_classifier):
    X, y = histology
    paths, broken = files_with_broken_ones
    clf = small_classifier(augment=None).fit(X[:64], y[:64])
    with pytest.warns(SkippedFilesWarning) as record:
        proba = clf.predict_proba(paths, on_error="skip")
    message = str(record[0].message)
    assert message.startswith("4 of 14 files could not be read; their rows are NaN")
    for name in ("patch_03.png", "patch_07.png", "missing.png", "scan.unknownsuffix"):
        assert name in message
    assert np.isnan(proba[broken]).all()
    good = [i for i in range(len(paths)) if i not in broken]
    np.testing.assert_allclose(proba[good], clf.predict_proba([paths[i] for i in good]), atol=1e-6)

    with pytest.warns(SkippedFilesWarning):
        labels = clf.predict(paths, on_error="skip")
    assert isinstance(labels, np.ma.MaskedArray)
    assert labels.mask.tolist() == [i in broken for i in range(len(paths))]
    np.testing.assert_array_equal(labels.compressed(), clf.predict([paths[i] for i in good]))


@pytest.mark.slow
def test_predict_skip_without_broken_files_is_plain_predict(histology, histology_files, small_classifier):
    X, y = histology
    paths, _ = histology_files
    clf = small_classifier(augment=None).fit(X[:64], y[:64])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(clf.predict_proba(paths, on_error="skip"), clf.predict_proba(paths))


def test_on_error_is_checked(histology, small_classifier):
    X, y = histology
    clf = small_classifier(augment=None).fit(X[:64], y[:64])
    with pytest.raises(ValueError, match=r"on_error='ignore' is not valid; use one of \('raise', 'skip'\)"):
        clf.predict_proba(X[:2], on_error="ignore")


# ------------------------------------------------------------ atomic save
@pytest.mark.slow
def test_a_crash_while_saving_keeps_the_old_file(histology, tmp_path, monkeypatch, small_classifier):
    import zipfile

    from medcnn import load_model

    X, y = histology
    path = tmp_path / "model.keras"
    old = small_classifier(augment=None).fit(X[:64], y[:64])
    old.save(path)
    new = small_classifier(augment=None, random_state=1).fit(X[:64], y[:64])

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)  # fails after the network is written
    with pytest.raises(OSError, match="No space left"):
        new.save(path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.keras"]  # no temporary file left behind
    np.testing.assert_array_equal(load_model(path).predict_proba(X[:8]), old.predict_proba(X[:8]))
