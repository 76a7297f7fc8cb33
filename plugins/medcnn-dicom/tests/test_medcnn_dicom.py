"""Tests of the medcnn-dicom plugin on real DICOM files shipped with pydicom."""

import os
import shutil
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

try:
    import medcnn_dicom
except ImportError:  # running from a source checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_dicom

import medcnn  # noqa: E402
from medcnn.exceptions import ImageReadError, SkippedFilesWarning  # noqa: E402
from medcnn.testing import registered_plugin  # noqa: E402
from medcnn_dicom import load_dicom, read_dicom  # noqa: E402
from dicom_test_files import copy_dataset, pydicom_file  # noqa: E402



@pytest.fixture(scope="module")
def ct():
    return pydicom_file("CT_small.dcm")  # 128x128 int16, RescaleSlope 1, Intercept -1024


@pytest.fixture(scope="module")
def mr():
    return pydicom_file("MR_small.dcm")  # 64x64, WindowCenter 600, WindowWidth 1600


@pytest.fixture(scope="module")
def multiframe():
    return pydicom_file("rtdose.dcm")  # 15 frames of 10x10, uint32


def _installed():
    return any(ep.name == "dicom" for ep in metadata.entry_points(group="medcnn"))


@pytest.fixture
def registered():
    """The plugin's name in the registry: 'dicom' when installed, else registered by hand."""
    with registered_plugin(medcnn_dicom, "dicom-test") as name:
        yield name


def _hu(path):
    ds = pydicom.dcmread(path)
    return ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def _linear(values, center, width):
    """DICOM's LINEAR window (PS3.3 C.11.2.1.2.1) onto [0, 1], written out by hand."""
    low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
    out = ((np.asarray(values, np.float64) - (center - 0.5)) / (width - 1) + 0.5)
    return np.where(values <= low, 0.0, np.where(values > high, 1.0, out))


def _minmax(values):
    values = np.asarray(values, np.float64)
    return ((values - values.min()) / (values.max() - values.min())).astype(np.float32)


# --- the reader: values --------------------------------------------------------------

def test_default_is_min_max_float32_in_unit_range(ct):
    image = read_dicom(ct)
    assert image.shape == (128, 128) and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == 1.0
    np.testing.assert_allclose(image, _minmax(_hu(ct)), atol=1e-6)


def test_rescale_slope_and_intercept_are_applied(ct, tmp_path):
    ds = pydicom.dcmread(ct)
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    expected = (np.clip(hu, -160, 240) + 160) / 400  # window (40, 400) in HU
    np.testing.assert_allclose(read_dicom(ct, window=(40, 400)), expected, atol=1e-6)
    raw = (np.clip(ds.pixel_array.astype(float), -160, 240) + 160) / 400
    np.testing.assert_allclose(read_dicom(ct, window=(40, 400), rescale=False), raw, atol=1e-6)
    assert not np.allclose(expected, raw)
    # A slope other than 1
    scaled = copy_dataset(ct, tmp_path / "slope.dcm", RescaleSlope=2, RescaleIntercept=-2000)
    values = ds.pixel_array * 2.0 - 2000
    np.testing.assert_allclose(read_dicom(scaled, window=(1000, 2000)),
                               np.clip(values, 0, 2000) / 2000, atol=1e-6)


def test_window_clips_known_values(ct):
    hu = _hu(ct)
    image = read_dicom(ct, window=(0, 200))  # [-100, 100] -> [0, 1]
    assert np.all(image[hu <= -100] == 0.0) and np.all(image[hu >= 100] == 1.0)
    inside = (hu > -100) & (hu < 100)
    assert inside.any()
    np.testing.assert_allclose(image[inside], (hu[inside] + 100) / 200, atol=1e-6)
    # One pixel by hand
    i, j = np.argwhere(inside)[0]
    assert image[i, j] == pytest.approx((hu[i, j] + 100) / 200, abs=1e-6)


def test_window_from_the_file(mr, tmp_path):
    values = pydicom.dcmread(mr).pixel_array.astype(np.float64)  # no rescale in MR_small
    # The file's window is LINEAR (no VOI LUT Function): DICOM's definition, not (600, 1600) exactly
    np.testing.assert_allclose(read_dicom(mr, window="dicom"), _linear(values, 600, 1600), atol=1e-6)
    np.testing.assert_allclose(read_dicom(mr, window="dicom"), read_dicom(mr, window=(599.5, 1599)),
                               atol=1e-6)
    several = copy_dataset(mr, tmp_path / "two_windows.dcm", WindowCenter=[600, 100], WindowWidth=[1600, 50])
    np.testing.assert_array_equal(read_dicom(several, window="dicom"), read_dicom(mr, window="dicom"))


def test_window_from_the_file_missing(ct):
    with pytest.raises(ImageReadError, match="CT_small.dcm.*WindowCenter"):
        read_dicom(ct, window="dicom")


def test_percentiles(ct):
    hu = _hu(ct)
    low, high = np.percentile(hu, [5, 95])
    image = read_dicom(ct, percentiles=(5, 95))
    np.testing.assert_allclose(image, (np.clip(hu, low, high) - low) / (high - low), atol=1e-6)
    assert image.dtype == np.float32 and image.min() == 0.0 and image.max() == 1.0
    assert np.mean(image == 0.0) >= 0.05 and np.mean(image == 1.0) >= 0.05


def test_constant_image_gives_zeros(mr, tmp_path):
    ds = pydicom.dcmread(mr)
    flat = copy_dataset(mr, tmp_path / "flat.dcm",
                 PixelData=np.full(ds.pixel_array.shape, 300, ds.pixel_array.dtype).tobytes())
    for params in ({}, {"percentiles": (1, 99)}):
        image = read_dicom(flat, **params)
        assert image.dtype == np.float32 and image.shape == (64, 64)
        np.testing.assert_array_equal(image, 0.0)


def test_monochrome1_is_inverted(ct, tmp_path):
    mono1 = copy_dataset(ct, tmp_path / "mono1.dcm", PhotometricInterpretation="MONOCHROME1")
    for params in ({}, {"window": (40, 400)}, {"percentiles": (2, 98)}):
        plain = read_dicom(mono1, invert_monochrome1=False, **params)
        np.testing.assert_array_equal(plain, read_dicom(ct, **params))
        inverted = read_dicom(mono1, **params)
        assert inverted.dtype == np.float32
        np.testing.assert_array_equal(inverted, 1 - plain)


def test_frame_selection(multiframe):
    ds = pydicom.dcmread(multiframe)
    assert int(ds.NumberOfFrames) == 15
    first, last = read_dicom(multiframe), read_dicom(multiframe, frame=14)
    assert first.shape == last.shape == (10, 10) and first.dtype == np.float32
    assert not np.array_equal(first, last)
    for i in (0, 7, 14):
        np.testing.assert_allclose(read_dicom(multiframe, frame=i), _minmax(ds.pixel_array[i]),
                                   atol=1e-6)


def test_frame_out_of_range(multiframe, ct):
    with pytest.raises(ImageReadError, match=r"frame=15.*rtdose.dcm.*15 frames.*0 and 14"):
        read_dicom(multiframe, frame=15)
    with pytest.raises(ImageReadError, match=r"frame=1.*CT_small.dcm.*single-frame"):
        read_dicom(ct, frame=1)


def test_enhanced_functional_groups(multiframe, tmp_path):
    """Rescale and window of enhanced multi-frame objects live in functional groups."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds = pydicom.dcmread(multiframe)
    transform = Dataset()
    transform.RescaleSlope, transform.RescaleIntercept = 2, -5
    shared = Dataset()
    shared.PixelValueTransformationSequence = Sequence([transform])
    per_frame = []
    for i in range(15):
        voi = Dataset()
        voi.WindowCenter, voi.WindowWidth = 2_000_000 + 10_000 * i, 400_000
        item = Dataset()
        item.FrameVOILUTSequence = Sequence([voi])
        per_frame.append(item)
    path = copy_dataset(multiframe, tmp_path / "enhanced.dcm",
                 SharedFunctionalGroupsSequence=Sequence([shared]),
                 PerFrameFunctionalGroupsSequence=Sequence(per_frame))
    for i in (0, 9):
        values = ds.pixel_array[i] * 2.0 - 5
        expected = _linear(values, 2_000_000 + 10_000 * i, 400_000)
        np.testing.assert_allclose(read_dicom(path, frame=i, window="dicom"), expected, atol=1e-6)


def test_rgb(tmp_path):
    path = pydicom_file("SC_rgb_rle_2frame.dcm")  # RLE, 2 frames of 100x100 RGB
    pixels = pydicom.dcmread(path).pixel_array
    for i in (0, 1):
        image = read_dicom(path, frame=i)
        assert image.shape == (100, 100, 3) and image.dtype == np.float32
        np.testing.assert_allclose(image, _minmax(pixels[i]), atol=1e-6)


def test_palette_colour_becomes_rgb():
    image = read_dicom(pydicom_file("examples_palette.dcm"))
    assert image.shape == (350, 800, 3) and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == 1.0


# --- the reader: errors --------------------------------------------------------------

def test_truncated_pixel_data():
    path = pydicom_file("MR_truncated.dcm")
    with pytest.raises(ImageReadError, match="MR_truncated.dcm.*truncated or corrupt"):
        read_dicom(path)


def test_no_pixel_data(ct, tmp_path):
    path = copy_dataset(ct, tmp_path / "header_only.dcm", delete=["PixelData"])
    with pytest.raises(ImageReadError, match="header_only.dcm.*no pixel data"):
        read_dicom(path)


def test_text_file_named_dcm(tmp_path):
    path = tmp_path / "notes.dcm"
    path.write_text("this is not DICOM\n" * 20)
    with pytest.raises(ImageReadError, match="notes.dcm.*is not a DICOM file"):
        read_dicom(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="not found.*gone.dcm"):
        read_dicom(tmp_path / "gone.dcm")


@pytest.mark.parametrize("params, name", [
    ({"window": (40, 0)}, "window"),
    ({"window": (40,)}, "window"),
    ({"window": "auto"}, "window"),
    ({"window": (np.nan, 400)}, "window"),
    ({"percentiles": (99, 1)}, "percentiles"),
    ({"percentiles": (0, 101)}, "percentiles"),
    ({"window": (40, 400), "percentiles": (1, 99)}, "give window= or percentiles=, not both"),
    ({"frame": -1}, "frame"),
    ({"frame": 1.5}, "frame"),
    ({"frame": True}, "frame"),
    ({"rescale": "yes"}, "rescale"),
    ({"invert_monochrome1": None}, "invert_monochrome1"),
])
def test_bad_parameters_name_the_parameter(ct, params, name):
    with pytest.raises(ValueError, match=f"read_dicom: {name}") as info:
        read_dicom(ct, **params)
    assert not isinstance(info.value, ImageReadError)
    with pytest.raises(ValueError, match=f"read_dicom: {name}"):  # checked before the file
        read_dicom("no/such/file.dcm", **params)


# --- through medcnn's registry -------------------------------------------------------

def test_hooks_register_components():
    def collect(hook):
        registered = {}

        def register(name, factory, description="", **metadata):
            registered[name] = (factory, description, metadata)

        hook(register)
        return registered

    readers = collect(medcnn_dicom.register_image_readers)
    assert set(readers) == {"dcm", "dicom"}
    assert readers["dcm"][0] is read_dicom and readers["dicom"][0] is read_dicom
    assert readers["dcm"][2] == {"magic": ((128, b"DICM"),)} and readers["dicom"][2] == {}
    assert readers["dcm"][1] and readers["dicom"][1]
    loaders = collect(medcnn_dicom.register_dataset_loaders)
    assert set(loaders) == {"dicom", "dicom_series"} and loaders["dicom"][0] is load_dicom
    assert loaders["dicom_series"][0] is medcnn_dicom.load_dicom_series


def test_registry_reports_plugin(registered):
    from medcnn.registry import dataset_loaders, image_readers

    assert image_readers.get("dcm").plugin == registered
    assert image_readers.get("dcm").factory is read_dicom
    assert dataset_loaders.get("dicom").factory is load_dicom
    assert registered == ("dicom" if _installed() else "dicom-test")


def test_read_image_through_registry(registered, ct, tmp_path):
    from medcnn.datasets import read_image, reader_for

    np.testing.assert_array_equal(read_image(ct), read_dicom(ct))
    np.testing.assert_array_equal(read_image(ct, window=(40, 400)), read_dicom(ct, window=(40, 400)))
    no_suffix = tmp_path / "1.2.840.113619.2.55"  # UID-like name, suffix ".55"
    shutil.copy(ct, no_suffix)
    bare = tmp_path / "IM0001"
    shutil.copy(ct, bare)
    upper = tmp_path / "scan.DICOM"
    shutil.copy(ct, upper)
    assert reader_for(no_suffix) == reader_for(bare) == "dcm"
    assert reader_for(upper) == "dicom"
    for path in (no_suffix, bare, upper):
        np.testing.assert_array_equal(read_image(path), read_dicom(ct))
    with pytest.raises(ImageReadError, match="MR_truncated.dcm"):
        read_image(pydicom_file("MR_truncated.dcm"))


@pytest.mark.slow
def test_classifier_trains_on_dicom_paths(registered, ct, mr, multiframe, tmp_path):
    paths, y = [], []
    for i in range(4):
        paths.append(copy_dataset(ct, tmp_path / f"ct_{i}.dcm", PatientID=f"CT{i}"))
        paths.append(copy_dataset(mr, tmp_path / f"mr_{i}.dcm", PatientID=f"MR{i}"))
        y += ["ct", "mr"]
    paths[-2:] = [f"{multiframe}#frame=3", f"{multiframe}#frame=9"]  # frame references
    windows = {"dcm": {"window": "brain,subdural,bone"}}  # three windows: three channels
    clf = medcnn.CNNClassifier(architecture="lenet5", epochs=1, image_size=32, random_state=0,
                               reader_params=windows)
    clf.fit(paths, y)
    predicted = clf.predict(paths)
    assert predicted.shape == (8,) and set(predicted) <= {"ct", "mr"}
    assert clf.predict_proba(paths).shape == (8, 2)


# --- the loader ----------------------------------------------------------------------

@pytest.fixture
def tree(ct, mr, tmp_path):
    """root/ct/<patient>/... and root/mr/..., with different PatientIDs per copy."""
    root = tmp_path / "tree"
    files = {
        "ct/p1/a.dcm": (ct, "P1"),
        "ct/p2/series/IM0002": (ct, "P2"),       # no suffix: found by the DICM marker
        "ct/p2/series/1.2.840.55": (ct, "P2"),   # UID name: found by the marker
        "mr/b.DCM": (mr, "P3"),
        "mr/deep/er/c.dicom": (mr, "P4"),
    }
    for relative, (src, patient) in files.items():
        copy_dataset(src, root / relative, PatientID=patient)
    (root / "mr" / "readme.txt").write_text("not an image")                  # not a candidate
    (root / "mr" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 200)  # not a candidate
    copy_dataset(mr, root / "mr" / ".cache" / "hidden.dcm", PatientID="P9")          # hidden: not a candidate
    copy_dataset(mr, root / ".trash" / "x.dcm", PatientID="P9")                      # hidden class folder
    shutil.copy(ct, root / "top_level.dcm")                                   # no class folder
    return root


def test_load_folder(tree):
    data = load_dicom(tree)
    relative = [str(Path(p).relative_to(tree)).replace(os.sep, "/") for p in data.X]
    assert relative == ["ct/p1/a.dcm", "ct/p2/series/1.2.840.55", "ct/p2/series/IM0002",
                        "mr/b.DCM", "mr/deep/er/c.dicom"]
    assert data.y.tolist() == ["ct", "ct", "ct", "mr", "mr"]
    assert data.groups.tolist() == ["P1", "P2", "P2", "P3", "P4"]
    assert data.target_names == ["ct", "mr"] and data.source == str(tree)
    assert all(read_dicom(p).dtype == np.float32 for p in data.X)


def test_load_through_medcnn(registered, tree):
    from medcnn.datasets import load

    data = load("dicom", tree)
    assert len(data) == 5 and data.groups.tolist()[-1] == "P4"


def test_load_csv(tree, tmp_path):
    (tree / "labels.csv").write_text(
        "path,label,patient\n"
        "ct/p1/a.dcm,abnormal,X1\n"
        f"{tree / 'mr' / 'b.DCM'},normal,X2\n"  # absolute path
        "mr/deep/er/c.dicom,normal,X2\n")
    data = load_dicom(tree / "labels.csv", labels="csv")
    assert [Path(p).name for p in data.X] == ["a.dcm", "b.DCM", "c.dicom"]
    assert data.y.tolist() == ["abnormal", "normal", "normal"]
    assert data.groups.tolist() == ["P1", "P3", "P4"]  # from PatientID
    assert data.target_names == ["abnormal", "normal"]
    assert data.source == str(tree / "labels.csv")
    grouped = load_dicom(tree, labels="csv", csv="labels.csv", group_column="patient")
    assert grouped.groups.tolist() == ["X1", "X2", "X2"]
    np.testing.assert_array_equal(grouped.X, data.X)


def test_load_csv_other_columns(tree):
    (tree / "list.csv").write_text("file;diagnosis\nct/p1/a.dcm;b\n".replace(";", ","))
    data = load_dicom(tree / "list.csv", labels="csv", path_column="file", label_column="diagnosis")
    assert data.y.tolist() == ["b"]
    with pytest.raises(ValueError,
                       match=r"list.csv.*no column\(s\) \['path', 'label'\].*\['file', 'diagnosis'\]"):
        load_dicom(tree / "list.csv", labels="csv")


def test_csv_paths_outside_its_folder(tree, ct, tmp_path):
    outside = copy_dataset(ct, tmp_path / "elsewhere" / "x.dcm", PatientID="P8")
    (tree / "labels.csv").write_text(f"path,label\n../elsewhere/x.dcm,a\n{outside},b\nct/p1/a.dcm,c\n")
    with pytest.raises(ValueError, match=r"labels.csv' line 2 points outside .*allow_outside_root=True"):
        load_dicom(tree / "labels.csv", labels="csv")
    data = load_dicom(tree, labels="csv", csv="labels.csv", allow_outside_root=True)
    assert data.X.tolist() == [outside, outside, str((tree / "ct" / "p1" / "a.dcm").resolve())]
    assert data.y.tolist() == ["a", "b", "c"] and data.groups.tolist() == ["P8", "P8", "P1"]


def test_on_error_raise_names_the_file(tree):
    (tree / "ct" / "p1" / "broken.dcm").write_text("not DICOM")
    with pytest.raises(ImageReadError, match="broken.dcm.*not a DICOM file.*on_error='skip'"):
        load_dicom(tree)
    (tree / "labels.csv").write_text("path,label\nct/p1/a.dcm,x\nct/p1/broken.dcm,x\n")
    with pytest.raises(ImageReadError, match=r"broken.dcm.*not a DICOM file.*listed in .*labels.csv"):
        load_dicom(tree / "labels.csv", labels="csv")


def test_on_error_skip_warns_once_with_count_and_names(tree):
    (tree / "ct" / "p1" / "broken.dcm").write_text("not DICOM")
    shutil.copy(pydicom_file("rtplan.dcm"), tree / "mr" / "plan.dcm")  # DICOM, but no image
    (tree / "mr" / "empty.dcm").write_bytes(b"")
    with pytest.warns(SkippedFilesWarning) as record:
        data = load_dicom(tree, on_error="skip")
    skipped = [w for w in record if issubclass(w.category, SkippedFilesWarning)]
    assert len(skipped) == 1 and issubclass(SkippedFilesWarning, UserWarning)
    assert skipped[0].filename == __file__  # points at the caller
    message = str(skipped[0].message)
    assert message.startswith(f"Skipped 3 problem file(s) under {str(tree)!r}: ")
    for name in ("broken.dcm", "plan.dcm", "empty.dcm"):
        assert name in message
    assert "not a DICOM file" in message and "holds no image" in message
    assert len(data) == 5 and "broken.dcm" not in " ".join(data.X)


def test_dicom_without_image_raises(tree):
    shutil.copy(pydicom_file("rtplan.dcm"), tree / "ct" / "plan.dcm")
    with pytest.raises(ImageReadError, match=r"plan.dcm.*RT Plan Storage.*no image"):
        load_dicom(tree)


def test_csv_problems_raise_and_skip(tree):
    (tree / "missing.csv").write_text("path,label\nct/p1/a.dcm,x\nct/gone.dcm,x\n")
    with pytest.raises(FileNotFoundError, match=r"missing.csv' line 3.*gone.dcm.*not found.*'skip'"):
        load_dicom(tree / "missing.csv", labels="csv")
    (tree / "incomplete.csv").write_text("path,label\nct/p1/a.dcm,x\nmr/b.DCM,\n")
    with pytest.raises(ValueError, match=r"incomplete.csv' line 3 has an empty path or label"):
        load_dicom(tree / "incomplete.csv", labels="csv")
    (tree / "nogroup.csv").write_text("path,label,patient\nct/p1/a.dcm,x,X1\nmr/b.DCM,y,\n")
    with pytest.raises(ValueError, match=r"b.DCM.*nogroup.csv.*empty 'patient' value.*on_error='skip'"):
        load_dicom(tree / "nogroup.csv", labels="csv", group_column="patient")
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file\(s\).*b.DCM.*empty 'patient'"):
        data = load_dicom(tree / "nogroup.csv", labels="csv", group_column="patient", on_error="skip")
    assert data.groups.tolist() == ["X1"]
    csv = tree / "labels.csv"
    csv.write_text("path,label\nct/p1/a.dcm,x\nct/gone.dcm,x\nmr/b.DCM,\nmr/deep/er/c.dicom,y\n")
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 2 problem file\(s\)") as record:
        data = load_dicom(csv, labels="csv", on_error="skip")
    messages = [str(w.message) for w in record if issubclass(w.category, SkippedFilesWarning)]
    assert len(messages) == 1
    assert "gone.dcm' not found" in messages[0] and "labels.csv' line 4 has an empty" in messages[0]
    assert [Path(p).name for p in data.X] == ["a.dcm", "c.dicom"]
    # Rows the CSV reader skips and files failing the DICOM checks: one warning each
    (tree / "ct" / "p1" / "broken.dcm").write_text("not DICOM")
    csv.write_text("path,label\nct/p1/a.dcm,x\nct/gone.dcm,x\nct/p1/broken.dcm,x\n")
    with pytest.warns(SkippedFilesWarning) as record:
        data = load_dicom(csv, labels="csv", on_error="skip")
    messages = [str(w.message) for w in record if issubclass(w.category, SkippedFilesWarning)]
    assert len(messages) == 2 and all(m.startswith("Skipped 1 problem file(s)") for m in messages)
    assert "gone.dcm" in messages[0] and "broken.dcm" in messages[1]
    assert "not a DICOM file" in messages[1]
    assert [Path(p).name for p in data.X] == ["a.dcm"]


def test_warning_names_at_most_ten(tmp_path, ct):
    copy_dataset(ct, tmp_path / "root" / "a" / "good.dcm")
    for i in range(12):
        (tmp_path / "root" / "a" / f"bad{i:02d}.dcm").write_text("x")
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 12 problem file\(s\)") as record:
        data = load_dicom(tmp_path / "root", on_error="skip")
    message = str(record[0].message)
    assert "bad09.dcm" in message and "bad10.dcm" not in message and message.endswith("; ...")
    assert [Path(p).name for p in data.X] == ["good.dcm"]


def test_empty_results_name_the_source(tmp_path):
    root = tmp_path / "empty"
    (root / "cls").mkdir(parents=True)
    (root / "cls" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"No DICOM files found under .*empty.*\['cls'\]"):
        load_dicom(root)
    (root / "cls" / "bad.dcm").write_text("x")
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file\(s\)"):
        with pytest.raises(ValueError, match=r"No DICOM images were loaded from .*empty.*all 1 files"):
            load_dicom(root, on_error="skip")
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_dicom(tmp_path / "nowhere")
    (tmp_path / "header.csv").write_text("path,label\n")
    with pytest.raises(ValueError, match="No usable image files under .*header.csv"):
        load_dicom(tmp_path / "header.csv", labels="csv")


@pytest.mark.parametrize("params, match", [
    ({"labels": "filename"}, "labels must be 'folder' or 'csv'"),
    ({"on_error": "ignore"}, r"on_error='ignore' is not valid"),
    ({"labels": "csv", "csv": "labels.csv", "on_error": "ignore"}, r"on_error='ignore' is not valid"),
    ({"csv": "labels.csv"}, "csv='labels.csv' only apply with labels='csv'"),
    ({"group_column": "patient"}, "group_column='patient' only apply with labels='csv'"),
    ({"allow_outside_root": True}, "allow_outside_root=True only apply with labels='csv'"),
    ({"labels": "csv"}, "needs a CSV file"),
    ({"labels": "csv", "csv": "missing.csv"}, "missing.csv' not found"),
])
def test_loader_bad_parameters(tree, params, match):
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        load_dicom(tree, **params)
