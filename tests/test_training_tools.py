"""CNNClassifier training conveniences: TensorBoard logs, checkpoints, the LR range test."""

import os

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from medcnn.estimators._lr_find import LRFinderResult


def events_files(folder):
    return [os.path.join(root, name) for root, _, names in os.walk(folder)
            for name in names if name.startswith("events.out.tfevents")]


# ---------------------------------------------------------------- TensorBoard
@pytest.mark.slow
def test_log_dir_writes_a_new_tensorboard_run_per_fit(histology, tmp_path, small_classifier):
    pytest.importorskip("tensorboard")
    X, y = histology
    clf = small_classifier(log_dir=tmp_path / "logs", validation_fraction=0.25)
    clf.fit(X[:64], y[:64])
    clf.set_params(validation_fraction=0.0).fit(X[:64], y[:64])  # e.g. the next fold of a CV loop
    assert clf.get_params()["log_dir"] == tmp_path / "logs"  # stored as given
    runs = sorted(os.listdir(tmp_path / "logs"))
    assert len(runs) == 2 and runs[0] != runs[1]
    for run, parts in zip(runs, [{"train", "validation"}, {"train"}]):
        assert run.split("-")[-1].isdigit()  # <timestamp>-<NNN>
        files = events_files(tmp_path / "logs" / run)
        assert files and all(os.path.getsize(f) > 0 for f in files)
        assert {os.path.basename(os.path.dirname(f)) for f in files} == parts


# ---------------------------------------------------------------- checkpoints
def record_predictions(images):
    """A Keras callback keeping the model's predictions on ``images`` after every epoch."""
    import keras

    class Record(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.predictions = []

        def on_epoch_end(self, epoch, logs=None):
            self.predictions.append(np.asarray(self.model(images, training=False)))

    return Record()


@pytest.mark.slow
@pytest.mark.parametrize("transfer", [None, "finetune"])
def test_checkpoints_hold_every_epoch_and_the_best(histology, tmp_path, transfer, small_classifier):
    import keras

    X, y = histology
    images = X[:6].astype(np.float32) / 255  # uint8 arrays are scaled by 1/255 before the network
    record = record_predictions(images)
    if transfer is None:  # 3 epochs, best by validation loss
        params = dict(epochs=3, validation_fraction=0.25)
    else:  # 2 + 1 epochs in two phases, best by training loss over both
        params = dict(epochs=2, transfer="finetune", finetune_epochs=1)
    clf = small_classifier(**params, learning_rate=3e-3, checkpoint_dir=str(tmp_path / "checkpoints"),
                           callbacks=[record]).fit(X[:96], y[:96])
    assert sorted(os.listdir(tmp_path / "checkpoints")) == [
        "best.keras", "epoch-001.keras", "epoch-002.keras", "epoch-003.keras"]
    for epoch in range(3):
        model = keras.saving.load_model(tmp_path / "checkpoints" / f"epoch-{epoch + 1:03d}.keras")
        np.testing.assert_allclose(model(images, training=False), record.predictions[epoch], atol=1e-6)
    best_epoch = int(np.argmin(clf.history_["val_loss" if transfer is None else "loss"]))
    best = keras.saving.load_model(tmp_path / "checkpoints" / "best.keras")
    proba = np.asarray(best(images, training=False))
    assert proba.shape == (6, 2) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba, record.predictions[best_epoch], atol=1e-6)


@pytest.mark.slow
def test_finetune_phases_log_to_one_run(histology, tmp_path, small_classifier):
    pytest.importorskip("tensorboard")
    X, y = histology
    small_classifier(log_dir=str(tmp_path), transfer="finetune", finetune_epochs=1).fit(X[:48], y[:48])
    (run,) = os.listdir(tmp_path)
    assert len(events_files(tmp_path / run / "train")) == 2  # one writer per phase, same run


@pytest.mark.parametrize("name", ["log_dir", "checkpoint_dir"])
def test_folder_parameters_are_checked(histology, name, small_classifier):
    X, y = histology
    with pytest.raises(ValueError, match=rf"{name}=3 is not valid; give a folder path"):
        small_classifier(**{name: 3}).fit(X[:32], y[:32])


# ------------------------------------------------------------ lr_schedule
class StepRates(keras.callbacks.Callback):
    """Records the optimizer's learning rate at the start of every training step."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(np.asarray(self.model.optimizer.learning_rate)))


def cosine(rate, steps):
    return rate * 0.5 * (1 + np.cos(np.pi * np.arange(steps) / steps))


@pytest.mark.slow
def test_cosine_schedule_decays_over_all_steps_of_the_fit(histology, small_classifier):
    X, y = histology
    recorder = StepRates()
    small_classifier(epochs=3, learning_rate=2e-3, lr_schedule="cosine", callbacks=[recorder]).fit(X[:48], y[:48])
    steps = 3 * 3  # 48 images in batches of 16, three epochs
    np.testing.assert_allclose(recorder.rates, cosine(2e-3, steps), rtol=1e-5, atol=1e-9)


@pytest.mark.slow
def test_cosine_schedule_restarts_for_the_finetune_phase(histology, small_classifier):
    X, y = histology
    recorder = StepRates()
    small_classifier(epochs=2, finetune_epochs=1, transfer="finetune", learning_rate=1e-3, lr_schedule="cosine",
                     callbacks=[recorder]).fit(X[:32], y[:32])
    expected = np.concatenate([cosine(1e-3, 4), cosine(1e-4, 2)])
    np.testing.assert_allclose(recorder.rates, expected, rtol=1e-5, atol=1e-9)


@pytest.mark.slow
def test_constant_rate_without_a_schedule(histology, small_classifier):
    X, y = histology
    recorder = StepRates()
    small_classifier(epochs=2, learning_rate=3e-3, lr_schedule=None, callbacks=[recorder]).fit(X[:32], y[:32])
    np.testing.assert_allclose(recorder.rates, 3e-3, rtol=1e-6)


def test_lr_schedule_is_checked(histology, small_classifier):
    X, y = histology
    with pytest.raises(ValueError, match=r"lr_schedule='linear' is not valid; use one of"):
        small_classifier(lr_schedule="linear").fit(X[:32], y[:32])



@pytest.mark.slow
@pytest.mark.parametrize("make_callback", [
    lambda keras: keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3),
    lambda keras: keras.callbacks.ReduceLROnPlateau(monitor="loss"),
])
def test_rate_callback_with_a_schedule_is_refused(histology, make_callback, small_classifier):
    import keras

    X, y = histology
    callback = make_callback(keras)
    with pytest.raises(ValueError, match=rf"{type(callback).__name__}.*lr_schedule='cosine'.*lr_schedule=None"):
        small_classifier(lr_schedule="cosine", callbacks=[callback]).fit(X[:32], y[:32])
    # with the schedule off, the callback sets the rate
    recorder = StepRates()
    small_classifier(lr_schedule=None, callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3),
                                                  recorder]).fit(X[:32], y[:32])
    np.testing.assert_allclose(recorder.rates, 1e-3, rtol=1e-6)

# ------------------------------------------------------------------ lr_find
@pytest.fixture(scope="module")
def range_test(histology, small_classifier):
    X, y = histology
    clf = small_classifier(learning_rate=1e-3)
    params = clf.get_params()
    result = clf.lr_find(X, y, start_lr=1e-6, end_lr=1.0, num_steps=60)
    return clf, params, result


def test_lr_find_rates_grow_geometrically_from_start_lr(range_test):
    _, _, result = range_test
    rates = result.learning_rates
    assert isinstance(result, LRFinderResult)
    assert 10 < len(rates) <= 60  # 10 mini-batches per epoch: the data repeat
    assert rates[0] == pytest.approx(1e-6)
    np.testing.assert_allclose(rates[1:] / rates[:-1], (1.0 / 1e-6) ** (1 / 59), rtol=1e-9)
    assert len(result.losses) == len(result.smoothed_losses) == len(rates)
    assert np.all(np.isfinite(result.losses[:-1]))


def test_lr_find_suggestion_and_the_shape_of_the_curve(range_test):
    _, _, result = range_test
    assert 1e-6 < result.suggestion < 1.0
    assert result.suggestion == result.suggest("valley")
    assert all(1e-6 < result.suggest(m) < 1.0 for m in ("steep", "minimum"))
    # the suggestion lies on the descent, below the learning rate of the lowest smoothed loss
    assert result.suggestion < result.learning_rates[np.argmin(result.smoothed_losses)]
    low = result.smoothed_losses.min()
    # the loss comes down from its start, and at very large learning rates rises above its minimum
    assert low < result.smoothed_losses[0]
    assert result.losses[-10:].mean() > low and result.smoothed_losses[-1] > low
    smoothed = result.smoothed_losses
    rates = result.learning_rates
    assert np.argmin(smoothed) < np.argmin(np.abs(rates - 0.1))  # the minimum is not at the end


def test_lr_find_leaves_the_estimator_unfitted_and_unchanged(range_test, histology):
    clf, params, _ = range_test
    assert not hasattr(clf, "model_")
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert clf.get_params() == params


def test_lr_find_plot_is_a_figure_with_a_log_axis(range_test):
    from matplotlib.figure import Figure

    _, _, result = range_test
    figure = result.plot()
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_xscale() == "log"
    assert any("suggestion" in line.get_label() for line in ax.get_lines())
    other = Figure()
    ax = other.add_subplot()
    assert result.plot(ax=ax) is other


def test_lr_find_stops_once_the_loss_diverges(histology, small_classifier):
    X, y = histology
    result = small_classifier(optimizer="sgd").lr_find(X[:64], y[:64], start_lr=1e-3, end_lr=1e3, num_steps=40,
                                                       smooth=0.5)
    assert len(result.learning_rates) < 40
    smoothed = result.smoothed_losses
    assert not np.isfinite(smoothed[-1]) or smoothed[-1] > 4 * smoothed[:-1].min()
    assert np.all(smoothed[:-1] <= 4 * np.minimum.accumulate(smoothed[:-1]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(start_lr=1e-2, end_lr=1e-3), r"start_lr=0.01 must be below end_lr=0.001"),
    (dict(start_lr=0.1, end_lr=0.1), r"start_lr=0.1 must be below end_lr=0.1"),
    (dict(start_lr=0), r"start_lr=0 is not valid; give a finite learning rate > 0"),
    (dict(num_steps=1), r"num_steps=1 is not valid; give an integer >= 2"),
    (dict(num_steps=2.5), r"num_steps=2.5 is not valid"),
    (dict(smooth=1.0), r"smooth=1.0 is not valid; give a float in \[0, 1\)"),
])
def test_lr_find_rejects_bad_parameters(histology, kwargs, message, small_classifier):
    X, y = histology
    with pytest.raises(ValueError, match=message):
        small_classifier().lr_find(X, y, **kwargs)


def test_lr_finder_result_suggestions_on_a_known_curve():
    rates = np.geomspace(1e-5, 1, 41)  # 8 steps a decade
    # flat, falls fastest at 1e-3, bottoms out near 0.1, then rises again
    loss = 1 - 0.8 / (1 + np.exp(-4 * (np.log10(rates) + 3))) + 0.5 * rates
    result = LRFinderResult(rates, loss, loss)
    lowest = np.argmin(loss[4:36]) + 4  # suggestions skip the first tenth and the last five steps
    assert result.suggest("steep") == pytest.approx(10 ** -3.125)  # start of the steepest segment
    assert result.suggest("minimum") == pytest.approx(rates[lowest] / 10)
    # valley: halfway along the longest descent, from the first step kept to the minimum
    assert result.suggestion == result.suggest("valley") == pytest.approx(rates[(4 + lowest) // 2])
    with pytest.raises(ValueError, match="method='fast' is not valid"):
        result.suggest("fast")
    with pytest.raises(ValueError, match="lengths 41, 40 and 41"):
        LRFinderResult(rates, loss[:-1], loss)
    diverged = LRFinderResult([1e-3, 1e-2], [np.nan, np.nan], [np.nan, np.nan])
    assert np.isnan(diverged.suggestion) and len(diverged.plot().axes) == 1  # no marker, no error
