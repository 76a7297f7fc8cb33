"""The streaming input pipeline for file-path X: formats, cache, errors, CV on paths."""

import numpy as np
import pytest
from PIL import Image
from sklearn.model_selection import StratifiedGroupKFold, cross_validate

from medcnn.exceptions import ImageReadError


def write(images, folder, suffix):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = folder / f"img_{i:03d}.{suffix}"
        Image.fromarray(image).save(path)
        paths.append(str(path))
    return np.asarray(paths)


@pytest.mark.slow
def test_native_and_python_readers_give_the_same_model(histology, tmp_path, small_classifier):
    X, y = histology
    png = write(X[:40], tmp_path / "png", "png")     # decoded natively by TensorFlow
    tif = write(X[:40], tmp_path / "tif", "tif")     # decoded by the Pillow reader in parallel
    np.testing.assert_allclose(small_classifier(epochs=2).fit(png, y[:40]).predict_proba(png),
                               small_classifier(epochs=2).fit(tif, y[:40]).predict_proba(tif), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("cache", ["memory", "disk"])
def test_cache_does_not_change_training(histology_files, tmp_path, cache, small_classifier):
    paths, y = histology_files
    expected = small_classifier(epochs=2).fit(paths, y).predict_proba(paths)
    folder = tmp_path / "cache"
    folder.mkdir()
    cached = small_classifier(epochs=2, cache="memory" if cache == "memory" else str(folder)).fit(paths, y)
    np.testing.assert_allclose(cached.predict_proba(paths), expected, atol=1e-5)
    if cache == "disk":
        assert any(folder.iterdir()), "the disk cache wrote no files"
        # a second fit on other images with the same folder must not read the first cache
        other = small_classifier(epochs=2, cache=str(folder)).fit(paths[::-1][:30], y[::-1][:30]).predict_proba(paths)
        fresh = small_classifier(epochs=2).fit(paths[::-1][:30], y[::-1][:30]).predict_proba(paths)
        np.testing.assert_allclose(other, fresh, atol=1e-5)


@pytest.mark.slow
def test_mixed_sizes_and_channels_from_files(histology, tmp_path, small_classifier):
    X, y = histology
    folder = tmp_path / "mixed"
    folder.mkdir()
    paths = []
    for i, image in enumerate(X[:24]):
        if i % 6 == 0:
            image = image[:1]                                   # a 1 x 28 edge strip
        path = folder / f"{i}.png"
        mode_image = Image.fromarray(image).convert("L") if i % 4 == 1 else Image.fromarray(image)
        mode_image.save(path)
        paths.append(str(path))
    clf = small_classifier().fit(np.asarray(paths), y[:24])
    assert clf.input_shape_ == (28, 28, 3)  # most common size, colour because some files are RGB
    proba = clf.predict_proba(np.asarray(paths))
    assert proba.shape == (24, 2) and np.isfinite(proba).all()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["png", "tif"])
def test_a_broken_file_in_the_stream_is_named(histology_files, tmp_path, suffix, small_classifier):
    paths, y = histology_files
    good = Image.open(paths[0])
    broken = tmp_path / f"broken.{suffix}"
    good.save(broken)
    broken.write_bytes(broken.read_bytes()[:80])
    X = paths.astype(object)
    X[30] = str(broken)
    with pytest.raises(ImageReadError, match=f"broken.{suffix}"):
        small_classifier().fit(X, y)
    clf = small_classifier().fit(paths, y)
    with pytest.raises(ImageReadError, match=f"broken.{suffix}"):
        clf.predict(X)


def test_reader_params_reach_the_reader(histology_files, small_classifier):
    paths, y = histology_files
    with pytest.raises(ValueError, match="rejected parameters"):
        small_classifier(epochs=2, reader_params={"png": {"window": (40, 400)}}).fit(paths, y)


@pytest.mark.slow
def test_cross_validate_on_paths_with_patient_groups(histology_files, small_classifier):
    paths, y = histology_files
    groups = np.repeat(np.arange(10), 4)
    scores = cross_validate(small_classifier(), paths, y, groups=groups, cv=StratifiedGroupKFold(3),
                            scoring="roc_auc")
    assert scores["test_score"].shape == (3,)
    assert np.all((scores["test_score"] >= 0) & (scores["test_score"] <= 1))
