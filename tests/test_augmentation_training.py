"""Augmentation in training: pipeline placement, label mixing, test-time augmentation, offline copies."""

import keras
import numpy as np
import pytest

from medcnn import augment_offline
from medcnn._input import ArrayImages


class AlwaysFlip(keras.layers.Layer):
    """Deterministic 'augmenter': mirrors left-right in training, identity otherwise."""

    def call(self, images, training=False):
        return keras.ops.flip(images, axis=2) if training else images


@pytest.mark.slow
def test_augmenters_are_not_saved_in_the_model(histology, small_classifier):
    X, y = histology
    clf = small_classifier(augment=["flip", "rotate90", ("rotate", {"factor": 0.1})]).fit(X, y)
    names = [type(layer).__name__ for layer in clf.model_._flatten_layers()]
    assert not [n for n in names if n.startswith("Random")], names


@pytest.mark.slow
def test_mixup_mixes_one_hot_labels_in_the_pipeline(histology, small_classifier):
    X, y = histology
    source = ArrayImages(X.astype(np.float32) / 255, X.shape[1:])
    one_hot = np.eye(2, dtype=np.float32)[y]
    weights = np.ones(len(y), np.float32)
    layer = keras.layers.MixUp(alpha=0.4, seed=0)
    ds = source.dataset(np.arange(len(y)), (one_hot, weights), batch_size=32, shuffle_seed=0,
                        augmenters=[layer])
    images, labels, sample_weight = next(iter(ds))
    labels = labels.numpy()
    np.testing.assert_allclose(labels.sum(axis=1), 1, rtol=1e-5)
    assert ((labels > 0.01) & (labels < 0.99)).any(), "labels were not mixed"
    assert images.shape == (32, 28, 28, 3) and sample_weight.shape == (32,)
    # and training with a label-mixing augmenter works end to end
    assert small_classifier(augment=[keras.layers.MixUp(seed=0)]).fit(X, y).predict_proba(X[:3]).shape == (3, 2)


@pytest.mark.slow
def test_tta_averages_the_views(histology, small_classifier):
    X, y = histology
    clf = small_classifier(tta_augment=[AlwaysFlip()]).fit(X, y)
    plain = clf.predict_proba(X[:20])
    mirrored = clf.predict_proba(X[:20, :, ::-1])
    np.testing.assert_allclose(clf.predict_proba(X[:20], tta=2), (plain + mirrored) / 2, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X[:20], tta=1), plain)


@pytest.mark.slow
def test_tta_is_deterministic_given_random_state(histology, histology_files, small_classifier):
    X, y = histology
    clf = small_classifier(augment=["flip", "rotate90"], tta=4).fit(X, y)
    first, second = clf.predict_proba(X[:40]), clf.predict_proba(X[:40])
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, clf.predict_proba(X[:40], tta=1)), "views were not augmented"
    np.testing.assert_allclose(first.sum(axis=1), 1, rtol=1e-5)
    paths, _ = histology_files
    np.testing.assert_allclose(clf.predict_proba(paths), first, atol=1e-5)
    with pytest.raises(ValueError, match=r"tta=0 is not valid; give an integer >= 1"):
        small_classifier(tta=0).fit(X, y)
    with pytest.raises(ValueError, match=r"predict_proba tta=-2 is not valid"):
        clf.predict_proba(X[:2], tta=-2)


def test_augment_offline_expands_with_copies(histology):
    X, y = histology
    X, y = X[:12], y[:12]
    groups = np.repeat(["p1", "p2", "p3"], 4)
    X_big, y_big, g_big = augment_offline(X, y, 3, ["flip", "rotate90"], groups=groups, random_state=0)
    assert X_big.shape == (48, 28, 28, 3) and X_big.dtype == np.uint8
    np.testing.assert_array_equal(X_big[:12], X)  # originals first
    assert y_big.tolist() == y.tolist() * 4 and g_big.tolist() == groups.tolist() * 4
    for copy in range(1, 4):  # every copy is the same image up to a flip/rotation
        block = X_big[12 * copy:12 * (copy + 1)]
        for original, augmented in zip(X, block):
            variants = [np.rot90(im, k) for im in (original, original[:, ::-1]) for k in range(4)]
            assert any(np.array_equal(augmented, v) for v in variants)
    assert not np.array_equal(X_big[12:24], X_big[24:36])
    again = augment_offline(X, y, 3, ["flip", "rotate90"], groups=groups, random_state=0)[0]
    np.testing.assert_array_equal(again, X_big)
    only, _ = augment_offline(X, y, 1, include_original=False, random_state=0)
    assert only.shape == X.shape


def test_augment_offline_keeps_flattened_and_float_forms(histology, histology_files):
    X, y = histology
    flat = X[:6].reshape(6, -1)
    out, _ = augment_offline(flat, y[:6], 2, image_shape=(28, 28, 3), random_state=0)
    assert out.shape == (18, 28 * 28 * 3)
    floats, _ = augment_offline(X[:6] / 255.0, y[:6], 1, random_state=0)
    assert floats.dtype == np.float64 and 0 <= floats.min() and floats.max() <= 1
    paths, labels = histology_files
    decoded, _ = augment_offline(paths[:5], labels[:5], 1, random_state=0)
    assert decoded.shape == (10, 28, 28, 3) and decoded.dtype == np.float32
    np.testing.assert_allclose(decoded[:5], X[:5] / 255, atol=1e-6)


@pytest.mark.parametrize("args, kwargs, match", [
    ((0,), {}, r"n_copies=0 is not valid; give an integer >= 1"),
    ((1, [keras.layers.MixUp()]), {}, r"cannot use label-mixing augmenters \(MixUp\)"),
    ((1,), {"groups": [1, 2]}, r"groups has 2 entries for 6 images"),
])
def test_augment_offline_bad_input(histology, args, kwargs, match):
    X, y = histology
    with pytest.raises(ValueError, match=match):
        augment_offline(X[:6], y[:6], *args, **kwargs)


@pytest.mark.slow
def test_rgb_only_augmenters_are_refused_for_grayscale_before_training(histology, small_classifier):
    X, y = histology
    gray = X.mean(axis=-1).astype(np.uint8)
    for augment in (["stain_jitter"], "histology", [("color_jitter", {"hue": 0.05})]):
        name = augment if isinstance(augment, str) else augment[0] if isinstance(augment[0], str) else augment[0][0]
        with pytest.raises(ValueError, match=rf"Augmenter '{name}' needs RGB images with 3 channels; "
                                             r"these images have 1"):
            small_classifier(augment=augment).fit(gray, y)
    assert small_classifier(augment="radiograph").fit(gray, y).predict(gray[:2]).shape == (2,)


@pytest.mark.slow
def test_registered_presets_and_mixers_train(histology, small_classifier):
    X, y = histology
    clf = small_classifier(augment=["histology", "mixup"], tta=2).fit(X, y)
    assert clf.predict_proba(X[:4]).shape == (4, 2)
    with pytest.raises(ValueError, match=r"Augmenter 'rotate': factor=-0.1 is out of range; give a value in \[0, 0.5\]"):
        small_classifier(augment=[("rotate", {"factor": -0.1})]).fit(X, y)
