"""The bad-file corpus: every kind of bad input, built in ``tmp_path``, and what users see.

Each case goes through the public entry points (``CNNClassifier.fit`` and
``predict_proba`` on file paths, the loaders, ``medcnn.load_model``, pickle) and
asserts the documented behaviour: either the file is handled (and how), or an
error names the file and says what to do.

======================  =====================================================================
case                    behaviour
======================  =====================================================================
zero-byte .png          ImageReadError naming the file ("empty, truncated ... replace or remove")
truncated PNG / JPEG    ImageReadError naming the file, in fit and predict
text named .png         ImageReadError naming the file
50x1 and 1x1 images     handled: resized to the network input
16-bit gray PNG         handled: values scaled by 1/65535 (a uint8 image v and v*257 agree)
RGBA PNG                handled: alpha dropped
palette PNG             handled: expanded to its RGB colours
CMYK JPEG               handled: converted to RGB (and to luma for a grayscale network)
decompression bomb      ImageReadError naming the file and PIL.Image.MAX_IMAGE_PIXELS, no decoding
duplicate paths         allowed: each listed path is a row, a file listed twice gets two equal rows
truncated DICOM         ImageReadError naming the file ("truncated or corrupt")
DICOM without pixels    ImageReadError naming the file ("no pixel data")
not a medcnn .keras     ModelFileError naming the file (random bytes, other zip, plain Keras model)
pickle, other version   InconsistentVersionWarning naming both versions; broken state: ModelFileError
CSV manifest            missing columns / symlink out of the root: ValueError naming the fix
missing file            ImageReadError naming it, in fit and predict
loaders, on_error=skip  one SkippedFilesWarning counting and naming the bad files; good files kept
======================  =====================================================================
"""

import io
import os
import pickle
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import medcnn
from medcnn import CNNClassifier
from medcnn.datasets import load_csv, load_directory, read_image
from medcnn.exceptions import ImageReadError, InconsistentVersionWarning, ModelFileError, SkippedFilesWarning

SIZE = 28
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def quadrants(colours, size=SIZE):
    """A (size, size, 3) uint8 image of four flat blocks (exact under JPEG, smooth to resize)."""
    image = np.zeros((size, size, 3), np.uint8)
    half = size // 2
    for (r, c), colour in zip([(0, 0), (0, 1), (1, 0), (1, 1)], colours):
        image[r * half:(r + 1) * half, c * half:(c + 1) * half] = colour
    return image


RGB = quadrants([(200, 40, 90), (30, 160, 220), (250, 250, 10), (90, 90, 90)])
NOISE = np.random.RandomState(0).randint(0, 256, (SIZE, SIZE, 3)).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width, height, real_rows=False):
    """An 8-bit grayscale PNG whose IHDR claims ``width`` x ``height``. With ``real_rows`` its
    data really decodes to that size (all zeros: compresses ~1000:1); else a tiny IDAT."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if real_rows:
        packer = zlib.compressobj(9)
        row = b"\x00" * (width + 1)
        data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    else:
        data = zlib.compress(b"\x00" * 64)
    return PNG_SIGNATURE + ihdr + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_bytes(image, **kwargs):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


def half(data):
    return data[: len(data) // 2]


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the corpus
#: Files that cannot be read: name -> bytes, and the words the error must hold.
UNREADABLE = {
    "zero_byte.png": (lambda: b"", r"empty, truncated or not a PNG.*replace or remove"),
    "truncated.png": (lambda: half(png_bytes(Image.fromarray(NOISE))), r"replace or remove"),
    "truncated.jpg": (lambda: half(jpeg_bytes(Image.fromarray(NOISE), quality=95)), r"replace or remove"),
    "text.png": (lambda: b"patient,label\nP1,benign\n", r"not a PNG/JPEG/BMP/TIFF image"),
    "header_bomb.png": (lambda: png_bomb(100_000, 100_000),
                        r"10000000000 pixels.*MAX_IMAGE_PIXELS.*decompression bomb"),
}


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    """40 PNG patches (28x28 RGB) and their labels."""
    from medcnn.datasets import make_histology

    X, y = make_histology(40, image_size=SIZE, weights=(0.5, 0.5), random_state=0)
    folder = tmp_path_factory.mktemp("good")
    paths = []
    for i, image in enumerate(X):
        paths.append(str(folder / f"patch_{i:02d}.png"))
        Image.fromarray(image).save(paths[-1])
    return paths, y


@pytest.fixture(scope="module")
def clf(good_files, small_classifier):
    """One small RGB classifier fitted on PNG paths, shared by the predict cases."""
    paths, y = good_files
    return small_classifier(augment=None).fit(paths, y)


def write(folder, name, data):
    path = Path(folder) / name
    path.write_bytes(data)
    return str(path)


# ------------------------------------------------------------------ unreadable image files
@pytest.mark.parametrize("name", list(UNREADABLE), ids=[n.replace(".", "_") for n in UNREADABLE])
def test_unreadable_file_is_named_in_predict_and_fit(clf, good_files, tmp_path, name, small_classifier):
    make, words = UNREADABLE[name]
    bad = write(tmp_path, name, make())
    paths, y = good_files
    with pytest.raises(ImageReadError, match=rf"{name}.*{words}"):
        clf.predict_proba([paths[0], bad, paths[1]])
    with pytest.raises(ImageReadError, match=rf"{name}.*{words}"):
        small_classifier(augment=None).fit(paths[:9] + [bad], y[:10])


@pytest.mark.parametrize("real_rows", [False, True], ids=["header_only", "real_data"])
def test_decompression_bomb_is_refused_before_decoding(clf, good_files, tmp_path, real_rows):
    # real_data decodes for real: 9500 x 9500 = 90.25 M pixels, just above PIL's limit
    # (89.5 M) and small enough for TensorFlow's decoder, which reads it unless refused
    side = 9500 if real_rows else 100_000
    bomb = write(tmp_path, "bomb.png", png_bomb(side, side, real_rows))
    assert os.path.getsize(bomb) < 200_000
    words = rf"bomb\.png' is {side}x{side} = {side * side} pixels" if real_rows else r"bomb\.png' is"
    limit = rf"above the limit of {Image.MAX_IMAGE_PIXELS} pixels \(PIL.Image.MAX_IMAGE_PIXELS\)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageReadError, match=rf"{words}.*{limit}.*raise PIL.Image.MAX_IMAGE_PIXELS"):
            read_image(bomb)
        with pytest.raises(ImageReadError, match=rf"{words}.*{limit}"):
            clf.predict_proba([good_files[0][0], bomb])
        with pytest.warns(SkippedFilesWarning, match=r"1 of 2 files.*bomb\.png.*decompression bomb"):
            proba = clf.predict_proba([good_files[0][0], bomb], on_error="skip")
    assert np.isnan(proba[1]).all() and np.isfinite(proba[0]).all()


def test_missing_file_is_named_in_fit_and_predict(clf, good_files, tmp_path, small_classifier):
    paths, y = good_files
    missing = str(tmp_path / "scan_404.png")
    with pytest.raises(ImageReadError, match=r"not found: .*scan_404\.png.*Check the path"):
        clf.predict_proba([paths[0], missing])
    with pytest.raises(ImageReadError, match=r"not found: .*scan_404\.png.*Check the path"):
        small_classifier(augment=None).fit(paths[:9] + [missing], y[:10])


# --------------------------------------------------------------------- handled image files
@pytest.mark.parametrize("shape", [(50, 1), (1, 50), (1, 1)], ids=["50x1", "1x50", "1x1"])
def test_thin_and_single_pixel_images_are_resized_to_the_input(clf, tmp_path, shape):
    colour = np.array([180, 60, 120], np.uint8)
    path = str(tmp_path / "thin.png")
    Image.fromarray(np.broadcast_to(colour, (*shape, 3)).copy()).save(path)
    proba = clf.predict_proba([path])
    # a flat image resized to 28x28 is the flat 28x28 image
    flat = np.broadcast_to(colour, (1, SIZE, SIZE, 3)).copy()
    np.testing.assert_allclose(proba, clf.predict_proba(flat), atol=1e-6)
    assert clf.predict([path]).shape == (1,)


def test_gray16_png_values_are_scaled_not_clipped(clf, tmp_path):
    gray8 = np.linspace(0, 255, SIZE * SIZE).reshape(SIZE, SIZE).astype(np.uint8)
    p8, p16 = str(tmp_path / "g8.png"), str(tmp_path / "g16.png")
    Image.fromarray(gray8).save(p8)
    Image.fromarray(gray8.astype(np.uint16) * 257).save(p16)  # same values on the 16-bit scale
    assert read_image(p16).dtype == np.uint16 and read_image(p16).max() == 65535
    np.testing.assert_allclose(clf.predict_proba([p16]), clf.predict_proba([p8]), atol=1e-6)
    # the array form is scaled the same way (uint16 / 65535)
    as_array = np.repeat((gray8.astype(np.uint16) * 257)[None, ..., None], 3, axis=-1)
    np.testing.assert_allclose(clf.predict_proba([p16]), clf.predict_proba(as_array), atol=1e-6)


def test_rgba_png_drops_alpha(clf, tmp_path):
    alpha = np.linspace(0, 255, SIZE * SIZE).reshape(SIZE, SIZE, 1).astype(np.uint8)
    rgba, rgb = str(tmp_path / "rgba.png"), str(tmp_path / "rgb.png")
    Image.fromarray(np.concatenate([RGB, alpha], axis=-1)).save(rgba)
    Image.fromarray(RGB).save(rgb)
    np.testing.assert_allclose(clf.predict_proba([rgba]), clf.predict_proba([rgb]), atol=1e-6)


def test_palette_png_expands_to_its_colours(clf, tmp_path):
    palette_image = Image.fromarray(RGB).convert("P", palette=Image.ADAPTIVE, colors=4)
    palette, rgb = str(tmp_path / "palette.png"), str(tmp_path / "expanded.png")
    palette_image.save(palette)
    palette_image.convert("RGB").save(rgb)
    assert Image.open(palette).mode == "P"
    np.testing.assert_allclose(clf.predict_proba([palette]), clf.predict_proba([rgb]), atol=1e-6)


@pytest.mark.slow
def test_cmyk_jpeg_becomes_rgb_and_luma(clf, good_files, tmp_path, small_classifier):
    cmyk = write(tmp_path, "cmyk.jpg", jpeg_bytes(Image.fromarray(RGB).convert("CMYK"), quality=100))
    assert Image.open(cmyk).mode == "CMYK"
    assert np.abs(read_image(cmyk).astype(int) - RGB).max() <= 3
    np.testing.assert_allclose(clf.predict_proba([cmyk]), clf.predict_proba(RGB[None]), atol=0.01)
    # a grayscale network: TensorFlow cannot decode CMYK to one channel, the luma is taken
    paths, y = good_files
    gray_paths = []
    for i, path in enumerate(paths[:16]):
        gray_paths.append(str(tmp_path / f"gray_{i}.png"))
        Image.open(path).convert("L").save(gray_paths[-1])
    gray = small_classifier(augment=None).fit(gray_paths, y[:16])
    assert gray.input_shape_[-1] == 1
    luma = np.round(RGB.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.uint8)
    np.testing.assert_allclose(gray.predict_proba([cmyk]), gray.predict_proba(luma[None, ..., None]), atol=0.01)


def test_duplicate_paths_are_allowed_one_row_each(clf, good_files):
    paths, _ = good_files
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba([paths[0], paths[1], paths[0]])
    assert proba.shape == (3, 2)
    np.testing.assert_array_equal(proba[0], proba[2])
    np.testing.assert_allclose(proba[[0]], clf.predict_proba([paths[0]]), atol=1e-6)


# ----------------------------------------------------------------------------------- DICOM
@pytest.fixture()
def dicom_files(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    pytest.importorskip("medcnn_dicom")
    from pydicom.data import get_testdata_file

    ct = get_testdata_file("CT_small.dcm")
    data = Path(ct).read_bytes()
    files = {"good": write(tmp_path, "ct.dcm", data),
             "truncated": write(tmp_path, "ct_truncated.dcm", data[: len(data) * 2 // 3]),
             "pydicom_truncated": write(tmp_path, "mr_truncated.dcm",
                                        Path(get_testdata_file("MR_truncated.dcm")).read_bytes())}
    dataset = pydicom.dcmread(ct)
    del dataset.PixelData
    files["no_pixels"] = str(tmp_path / "no_pixels.dcm")
    dataset.save_as(files["no_pixels"])
    return files


@pytest.mark.parametrize("case, words", [
    ("truncated", r"ct_truncated\.dcm.*truncated or corrupt.*replace or remove"),
    ("pydicom_truncated", r"mr_truncated\.dcm.*truncated or corrupt.*replace or remove"),
    ("no_pixels", r"no_pixels\.dcm.*has no pixel data.*Remove it"),
], ids=["truncated", "pydicom_truncated", "no_pixel_data"])
def test_broken_dicom_is_named(clf, dicom_files, case, words):
    with pytest.raises(ImageReadError, match=words):
        read_image(dicom_files[case])
    with pytest.raises(ImageReadError, match=words):
        clf.predict_proba([dicom_files["good"], dicom_files[case]])
    # the intact file next to it predicts
    assert np.isfinite(clf.predict_proba([dicom_files["good"]])).all()


# ------------------------------------------------------------------------------ model files
def plain_keras_model(path):
    import keras

    inputs = keras.Input((4,))
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(path)


@pytest.mark.parametrize("case, words", [
    ("random_bytes", r"not a \.keras model archive \(not a zip file\).*CNNClassifier\.save"),
    ("other_zip", r"is a zip file but not a \.keras model archive.*CNNClassifier\.save"),
    ("plain_keras", r"Keras archive without medcnn metadata.*keras\.saving\.load_model"),
    ("bad_metadata", r"damaged \.keras archive.*JSONDecodeError.*CNNClassifier\.save"),
], ids=["random_bytes", "zip_not_keras", "plain_keras_model", "bad_medcnn_metadata"])
def test_load_model_refuses_files_that_are_not_medcnn_models(tmp_path, case, words):
    path = tmp_path / "model.keras"
    if case == "random_bytes":
        path.write_bytes(np.random.RandomState(0).bytes(4096))
    elif case == "other_zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "not a model")
    elif case == "plain_keras":
        plain_keras_model(str(path))
    else:
        plain_keras_model(str(path))
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("medcnn.json", "{not json")
    with pytest.raises(ModelFileError, match=rf"model\.keras.*{words}"):
        medcnn.load_model(path)


# ----------------------------------------------------------------------------------- pickle
def pickle_of_state(state):
    """Pickle bytes that unpickle through ``CNNClassifier.__setstate__(state)``."""
    class State:
        def __reduce__(self):
            return CNNClassifier.__new__, (CNNClassifier,), state

    return pickle.dumps(State())


def test_pickle_records_the_version_and_round_trips_silently(clf, good_files):
    assert clf.__getstate__()["_medcnn_version"] == medcnn.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        restored = pickle.loads(pickle.dumps(clf))
    assert not hasattr(restored, "_medcnn_version")
    np.testing.assert_allclose(restored.predict_proba(good_files[0][:4]), clf.predict_proba(good_files[0][:4]),
                               atol=1e-6)


@pytest.mark.parametrize("version", ["0.0.1", None], ids=["older_version", "unrecorded_version"])
def test_pickle_from_another_version_warns_naming_both(clf, good_files, version):
    state = clf.__getstate__()
    if version is None:
        del state["_medcnn_version"]
    else:
        state["_medcnn_version"] = version
    written = rf"version {version}" if version else r"an unknown medcnn version"
    with pytest.warns(InconsistentVersionWarning,
                      match=rf"CNNClassifier written by .*{written}.*medcnn version {medcnn.__version__}.*"
                            r"Refit.*save\(\).*medcnn\.load_model\(\)") as record:
        restored = pickle.loads(pickle_of_state(state))
    warning = next(w.message for w in record if isinstance(w.message, InconsistentVersionWarning))
    assert (warning.original_version, warning.current_version) == (version, medcnn.__version__)
    # the layout still fits: the restored estimator predicts as before
    np.testing.assert_allclose(restored.predict_proba(good_files[0][:4]), clf.predict_proba(good_files[0][:4]),
                               atol=1e-6)


@pytest.mark.parametrize("payload, words", [
    ("a network", r"'model_' is a str, not the bytes of a \.keras archive"),
    (b"not a keras archive", r"Cannot restore the network of the pickled CNNClassifier"),
], ids=["wrong_type", "corrupt_bytes"])
def test_pickle_whose_network_cannot_be_restored_raises(clf, payload, words):
    state = clf.__getstate__()
    state["_medcnn_version"] = "0.0.1"
    state["model_"] = payload
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        with pytest.raises(ModelFileError, match=rf"{words}.*Refit.*save\(\).*load_model"):
            pickle.loads(pickle_of_state(state))


# ---------------------------------------------------------------------------------- loaders
def bad_tree(root):
    """``root/{a,b}/`` with 2 good PNGs each and, in ``a``, one file of each unreadable kind."""
    good = []
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(2):
            good.append(str(root / label / f"good_{i}.png"))
            Image.fromarray(RGB).save(good[-1])
    for name, (make, _) in UNREADABLE.items():
        write(root / "a", name, make())
    return good


def test_loaders_skip_policy_counts_and_names_the_bad_files(tmp_path):
    good = bad_tree(tmp_path)
    with pytest.raises(ImageReadError, match=r"header_bomb\.png.*on_error='skip'"):
        load_directory(tmp_path, verify=True)
    with pytest.warns(SkippedFilesWarning, match=rf"Skipped {len(UNREADABLE)} problem file\(s\)") as record:
        dataset = load_directory(tmp_path, verify=True, on_error="skip")
    assert len(record) == 1
    for name in UNREADABLE:
        assert name in str(record[0].message)
    assert sorted(dataset.X.tolist()) == sorted(good)
    # without verify only the zero-byte file is found; the others fail when read
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file\(s\).*zero_byte\.png"):
        assert len(load_directory(tmp_path, on_error="skip")) == len(good) + len(UNREADABLE) - 1


def test_csv_skip_policy_and_missing_rows(tmp_path):
    good = bad_tree(tmp_path / "images")
    rows = [os.path.relpath(p, tmp_path) for p in good]
    rows += [f"images/a/{name}" for name in UNREADABLE] + ["images/a/missing.png"]
    (tmp_path / "labels.csv").write_text("path,label\n" + "".join(f"{r},x\n" for r in rows))
    with pytest.warns(SkippedFilesWarning, match=rf"Skipped {len(UNREADABLE) + 1} problem file") as record:
        dataset = load_csv(tmp_path / "labels.csv", verify=True, on_error="skip")
    assert "missing.png" in str(record[0].message)
    assert sorted(dataset.X.tolist()) == sorted(str(Path(p).resolve()) for p in good)


def test_csv_missing_columns_names_them_and_the_parameters(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "a.png")
    (tmp_path / "manifest.csv").write_text("file,diagnosis\na.png,benign\n")
    with pytest.raises(ValueError, match=r"manifest\.csv.*no column\(s\) \['path', 'label'\].*"
                                         r"\['file', 'diagnosis'\].*path_column=, label_column="):
        load_csv(tmp_path / "manifest.csv")
    assert load_csv(tmp_path / "manifest.csv", path_column="file", label_column="diagnosis").y.tolist() == ["benign"]


def test_csv_symlink_out_of_the_root_is_refused_unless_allowed(tmp_path):
    outside, root = tmp_path / "outside", tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    Image.fromarray(RGB).save(outside / "secret.png")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "linked.png").symlink_to(outside / "secret.png")
    for row in ("linked/secret.png", "linked.png"):
        (root / "labels.csv").write_text(f"path,label\n{row},benign\n")
        with pytest.raises(ValueError, match=rf"points outside .*root.*{row}.*allow_outside_root=True"):
            load_csv(root / "labels.csv")
        dataset = load_csv(root / "labels.csv", allow_outside_root=True)
        assert dataset.X.tolist() == [str((outside / "secret.png").resolve())]


def test_inspecting_a_decompression_bomb_names_the_file_and_the_limit(tmp_path):
    from medcnn.datasets._dataset import inspect_image

    bomb = write(tmp_path, "bomb.png", png_bomb(100_000, 100_000))
    with pytest.raises(ImageReadError, match=r"bomb\.png.*decompression bomb.*MAX_IMAGE_PIXELS"):
        inspect_image(bomb)
