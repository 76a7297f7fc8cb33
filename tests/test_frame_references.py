"""Frame references: one image inside a multi-image file, read through the plugin path."""

import os
import types

import numpy as np
import pytest

import medcnn
from medcnn import CNNClassifier
from medcnn.datasets import frame_reference, read_image, reader_for, split_frame, split_reference
from medcnn.exceptions import ImageReadError
from medcnn.testing import registered_plugin


def _read_stack(path, frame=0, scale=1, two_channels=False):
    """A reader for ``.stk.npy`` files: an (n, h, w) stack of which it returns one frame
    (as two channels, the frame and its half, with ``two_channels``)."""
    stack = np.load(path)
    if frame >= len(stack):
        raise ImageReadError(f"{path!r} has {len(stack)} frames; frame={frame} is out of range.")
    image = stack[frame] * scale
    return np.stack([image, image / 2], axis=-1) if two_channels else image


@pytest.fixture
def stack_reader():
    plugin = types.SimpleNamespace(register_image_readers=medcnn.hookimpl(
        lambda register: register("stk.npy", _read_stack, description="test stacks")))
    with registered_plugin(plugin, "test-stack-reader"):
        yield

@pytest.fixture
def stacks(tmp_path):
    """Two stack files of 6 frames each: bright frames are class 1, dark class 0."""
    rng = np.random.default_rng(0)
    paths = []
    for k in range(2):
        frames = rng.uniform(0, 0.3, (6, 16, 16)).astype(np.float32)
        frames[::2] += 0.6  # even frames bright
        path = tmp_path / f"volume{k}.stk.npy"
        with open(path, "wb") as f:
            np.save(f, frames)
        paths.append(str(path))
    return paths


def test_reference_round_trip_and_plain_paths():
    ref = frame_reference(os.path.join("a b", "scan.dcm"), 4, stack=2, axis="axial")
    assert split_reference(ref) == (os.path.join("a b", "scan.dcm"), {"frame": 4, "stack": 2, "axis": "axial"})
    assert split_frame(ref) == (os.path.join("a b", "scan.dcm"), 4)
    for plain in ("x#y.png", "x#frame=a.png", "x#frame=-1", "x#stack=1"):
        assert split_reference(plain) == (plain, {})
    with pytest.raises(ValueError, match="integer >= 0"):
        frame_reference("x.dcm", -1)
    with pytest.raises(ValueError, match="window=.*cannot|Cannot write"):
        frame_reference("x.dcm", 0, window="40 80")


def test_double_suffix_picks_the_longer_reader_name(stack_reader, stacks):
    assert reader_for(stacks[0]) == "stk.npy"
    assert reader_for(frame_reference(stacks[0], 3)) == "stk.npy"
    np.testing.assert_array_equal(read_image(frame_reference(stacks[0], 3)), np.load(stacks[0])[3])
    np.testing.assert_array_equal(read_image(frame_reference(stacks[0], 3, scale=2)), np.load(stacks[0])[3] * 2)


def test_reader_errors_name_the_reference(stack_reader, stacks, tmp_path):
    with pytest.raises(ImageReadError, match="frame=9 is out of range"):
        read_image(frame_reference(stacks[0], 9))
    png = tmp_path / "patch.png"
    from PIL import Image
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(png)
    with pytest.raises(ImageReadError, match=r"patch.png#frame=1.*takes no such parameter.*plain file path"):
        read_image(frame_reference(png, 1))


def test_estimator_trains_and_predicts_on_frame_references(stack_reader, stacks):
    X = np.array([frame_reference(p, i) for p in stacks for i in range(6)])
    y = np.array([1 - i % 2 for _ in stacks for i in range(6)])
    clf = CNNClassifier(architecture="workshop_cnn", epochs=12, batch_size=4, augment=None,
                        image_size=16, random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0


def test_a_readers_channel_count_other_than_grey_or_colour_is_kept(stack_reader, stacks):
    X = np.array([frame_reference(p, i) for p in stacks for i in range(6)])
    y = np.array([1 - i % 2 for _ in stacks for i in range(6)])
    clf = CNNClassifier(architecture="patch_cnn", epochs=1, batch_size=4, augment=None, random_state=0,
                        reader_params={"stk.npy": {"two_channels": True}}).fit(X, y)
    assert clf.input_shape_ == (16, 16, 2)  # two windows stay two channels, not grey and alpha
    assert clf.predict_proba(X).shape == (12, 2)
