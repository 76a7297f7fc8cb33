"""Defaults that follow the data: ``epochs="auto"``, the capped input size, class weights."""

import numpy as np
import pytest
from PIL import Image

from medcnn import CNNClassifier, load_model
from medcnn._defaults import (AUTO_MAX_EPOCHS, AUTO_MIN_EPOCHS, AUTO_MIN_STEPS, DEFAULT_MAX_SIDE,
                              EARLY_STOPPING_FACTOR, auto_epochs, default_input_size)
from medcnn.cli import main
from medcnn.datasets import load, make_histology


def test_auto_epochs_reaches_the_minimum_steps_between_the_epoch_bounds():
    assert auto_epochs(1) == AUTO_MAX_EPOCHS  # tiny data: capped
    assert auto_epochs(32) == AUTO_MAX_EPOCHS  # 2,000 images: capped below 1,000 steps
    for steps_per_epoch in (34, 40, 50):  # mid-sized data: at least AUTO_MIN_STEPS steps, not many more
        epochs = auto_epochs(steps_per_epoch)
        assert AUTO_MIN_STEPS <= epochs * steps_per_epoch < AUTO_MIN_STEPS + steps_per_epoch
    assert auto_epochs(70) == AUTO_MIN_EPOCHS  # IDC Train, 4,460 images in batches of 64
    assert auto_epochs(500) == AUTO_MIN_EPOCHS  # 32,000 images: the same 15 passes as before
    assert auto_epochs(16, early_stopping=True) == EARLY_STOPPING_FACTOR * auto_epochs(16)
    assert auto_epochs(0) == AUTO_MAX_EPOCHS


def test_default_input_size_caps_the_longest_side_and_keeps_the_aspect_ratio():
    assert default_input_size((50, 50)) == (50, 50)
    assert default_input_size((DEFAULT_MAX_SIDE, 20)) == (DEFAULT_MAX_SIDE, 20)
    assert default_input_size((512, 512)) == (DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE)
    height, width = default_input_size((450, 160))
    assert height == DEFAULT_MAX_SIDE and width == round(160 * DEFAULT_MAX_SIDE / 450)
    assert default_input_size((512, 512), max_side=None) == (512, 512)


class _StopAfterFirstEpoch:
    """A Keras callback (built lazily) that ends training after one epoch."""

    def __new__(cls):
        import keras

        class Stop(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                self.model.stop_training = True

        return Stop()


@pytest.mark.slow
def test_tiny_data_gets_the_auto_budget_and_the_schedule_spans_it():
    X, y = make_histology(60, image_size=16, random_state=0)
    clf = CNNClassifier(architecture="lenet5", random_state=0, callbacks=[_StopAfterFirstEpoch()]).fit(X, y)
    # 60 images are one batch of 64: the epoch cap binds, AUTO_MAX_EPOCHS steps instead of 15 with epochs=15
    assert clf.n_epochs_ == AUTO_MAX_EPOCHS and clf.n_steps_ == AUTO_MAX_EPOCHS
    assert len(clf.history_["loss"]) == 1  # stopped by the callback, not by the budget
    schedule = clf.model_.optimizer.learning_rate
    assert clf.model_.optimizer._learning_rate.decay_steps == clf.n_steps_
    assert float(schedule) < clf.learning_rate  # the cosine has started decaying over the whole budget

    fixed = CNNClassifier(architecture="lenet5", epochs=2, random_state=0).fit(X, y)
    assert (fixed.n_epochs_, fixed.n_steps_, len(fixed.history_["loss"])) == (2, 2, 2)

    batched = CNNClassifier(architecture="lenet5", batch_size=4, early_stopping=3, random_state=0,
                            callbacks=[_StopAfterFirstEpoch()]).fit(X, y)
    assert batched.n_steps_ == 15 * batched.n_epochs_
    assert batched.n_epochs_ == EARLY_STOPPING_FACTOR * min(-(-AUTO_MIN_STEPS // 15), AUTO_MAX_EPOCHS)


@pytest.mark.slow
def test_verbose_fit_says_the_budget_and_the_input(capsys):
    X, y = make_histology(40, image_size=16, random_state=0)
    CNNClassifier(architecture="lenet5", epochs=1, verbose=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "40 training images, input 16x16x3; 1 epochs x 1 steps = 1 optimizer steps (epochs=1)" in out


@pytest.mark.parametrize("epochs", ["Auto", "15", 0, -3, 2.5, True, None])
def test_invalid_epochs_name_the_value_and_the_choices(epochs):
    X, y = make_histology(8, image_size=16, random_state=0)
    with pytest.raises(ValueError, match=r"epochs=.* is not valid; give an integer >= 1 or 'auto'"):
        CNNClassifier(epochs=epochs).fit(X, y)


def _radiograph(kind, height, width, rng):
    """A synthetic grey radiograph: 'chest' has two dark lung fields, 'abdomen' one bright spine."""
    rows, cols = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    image = 0.55 + 0.1 * rng.standard_normal((height, width))
    if kind == "chest":
        for centre in (0.3, 0.7):
            image -= 0.4 * (((cols - centre) / 0.15) ** 2 + ((rows - 0.45) / 0.3) ** 2 < 1)
    else:
        image += 0.35 * (np.abs(cols - 0.5) < 0.07)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def radiograph_folder(tmp_path):
    """36 radiographs of mixed sizes (18 of 512x512, the rest 160-450 px) in <root>/<class>/,
    and 10 held-out ones."""
    rng = np.random.default_rng(0)
    sizes = [(512, 512)] * 18 + [tuple(rng.integers(160, 451, size=2)) for _ in range(28)]
    rng.shuffle(sizes)
    for i, (height, width) in enumerate(sizes):
        kind = ("chest", "abdomen")[i % 2]
        split = "train" if i < 36 else "valid"
        folder = tmp_path / split / kind
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(_radiograph(kind, int(height), int(width), rng)).save(folder / f"r{i:02d}.png")
    return tmp_path


@pytest.mark.slow
def test_mixed_size_radiographs_train_at_a_capped_input_from_the_command_line(radiograph_folder, capsys):
    train, model_file = radiograph_folder / "train", radiograph_folder / "model.keras"
    assert main(["describe", str(train)]) == 0
    assert f"network input by default: {DEFAULT_MAX_SIDE}x{DEFAULT_MAX_SIDE}: images resized" in \
        capsys.readouterr().out
    assert main(["train", str(train), "--out", str(model_file), "--quiet"]) == 0
    clf = load_model(model_file)
    assert clf.sample_shape_ == (512, 512, 1)
    assert clf.input_shape_ == (DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE, 1)
    assert (clf.n_epochs_, clf.n_steps_) == (AUTO_MAX_EPOCHS, AUTO_MAX_EPOCHS)  # 36 images: one batch
    valid = load("directory", radiograph_folder / "valid")
    assert (clf.predict(valid.X) == valid.y).mean() >= 0.9


@pytest.mark.slow
def test_networks_from_scratch_are_capped_and_pretrained_backbones_are_not():
    X, y = make_histology(8, image_size=80, random_state=0)
    small = dict(epochs=1, batch_size=8, augment=None, random_state=0)
    clf = CNNClassifier(architecture="lenet5", **small).fit(X, y)
    assert clf.input_shape_ == (DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE, 3)
    clf = CNNClassifier(architecture="lenet5", image_size=80, **small).fit(X, y)
    assert clf.input_shape_ == (80, 80, 3)  # an explicit image_size is kept
    # a pretrained backbone (an architecture registered with pretrained=True) takes the image size
    import types

    import medcnn

    def tiny_backbone(input_shape, **params):
        import keras

        inputs = keras.Input(input_shape)
        return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3)(inputs)))

    plugin = types.SimpleNamespace(register_architectures=medcnn.hookimpl(
        lambda register: register("tiny_pretrained", tiny_backbone, pretrained=True, min_size=8)))
    medcnn.plugins.register(plugin, name="tiny-pretrained-plugin")
    try:
        clf = CNNClassifier(architecture="tiny_pretrained", **small).fit(X, y)
    finally:
        medcnn.plugins.unregister("tiny-pretrained-plugin")
    assert clf.input_shape_ == (80, 80, 3)


@pytest.mark.slow
def test_class_weight_is_balanced_by_default_and_the_cli_can_turn_it_off():
    from medcnn.cli import build_parser
    from medcnn.cli._model import _classifier

    assert CNNClassifier().class_weight == "balanced"
    parse = build_parser().parse_args
    assert _classifier(parse(["train", "folder"])).get_params()["class_weight"] == "balanced"
    assert _classifier(parse(["train", "folder", "--class-weight", "none"])).class_weight is None
    assert _classifier(parse(["train", "folder"])).epochs == "auto"
    assert _classifier(parse(["train", "folder", "--epochs", "7"])).epochs == 7
    with pytest.raises(SystemExit):
        parse(["train", "folder", "--epochs", "0"])
    X, y = make_histology(48, image_size=16, random_state=0)
    y[:40] = 0  # 8 of 48 malignant
    plain = CNNClassifier(architecture="lenet5", epochs=1, class_weight=None, random_state=0).fit(X, y)
    balanced = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
    assert plain.history_["loss"] != balanced.history_["loss"]


@pytest.mark.slow
def test_balanced_class_weight_steps_aside_for_sampling_and_focal_alpha():
    X, y = make_histology(48, image_size=16, random_state=0)
    y[:40] = 0
    small = dict(architecture="lenet5", epochs=1, random_state=0)

    def loss(**params):
        return CNNClassifier(**small, **params).fit(X, y).history_["loss"]

    assert loss(sampling="oversample") == loss(sampling="oversample", class_weight=None)
    assert loss(loss="focal", focal_alpha=0.8) == loss(loss="focal", focal_alpha=0.8, class_weight=None)
    assert loss(loss="focal") == loss(loss="focal", class_weight=None)  # focal_alpha="balanced" corrects
    assert loss(loss="focal", focal_alpha=None) != loss(loss="focal", focal_alpha=None, class_weight=None)
    assert loss(sampling="oversample", class_weight={0: 1, 1: 3}) != loss(sampling="oversample", class_weight=None)
