"""Tests of load_dicom_series on synthetic CT series written with pydicom."""

import csv
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("scipy")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid  # noqa: E402

try:
    import medcnn_dicom  # noqa: F401
except ImportError:  # running from a source checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medcnn.exceptions import ImageReadError, SkippedFilesWarning  # noqa: E402
from medcnn_dicom._reader import read_dicom  # noqa: E402
from medcnn_dicom._series import load_dicom_series  # noqa: E402

AXIAL = (1, 0, 0, 0, 1, 0)
SAGITTAL = (0, 1, 0, 0, 0, -1)  # normal = row x column = (-1, 0, 0)
_PYDICOM3 = int(pydicom.__version__.split(".")[0]) >= 3


def _write(path, *, position=None, orientation=AXIAL, series, patient="P1", study=None, instance=None,
           shape=(8, 8), base=900, pixels=True, rgb=False):
    """One CT slice: int16 stored values ``base + 0..h*w`` (HU = stored - 1024)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.SeriesInstanceUID = "CT", series
    if patient:
        ds.PatientID = patient
    if study:
        ds.StudyInstanceUID = study
    if position is not None:
        ds.ImagePositionPatient = [float(v) for v in position]
    if orientation is not None:
        ds.ImageOrientationPatient = [float(v) for v in orientation]
    if instance is not None:
        ds.InstanceNumber = instance
    ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 2.5
    ds.Rows, ds.Columns = shape
    if rgb:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        data = (np.arange(shape[0] * shape[1] * 3) * 5 + base).astype(np.uint8)
    else:
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        data = (np.arange(shape[0] * shape[1]) * 3 + base).astype("<i2")
    if pixels:
        ds.PixelData = data.tobytes()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if _PYDICOM3:
        ds.save_as(path, enforce_file_format=True)
    else:  # pragma: no cover - pydicom 2.4
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(path, write_like_original=False)
    return str(path)


def _series(folder, zs, *, orientation=AXIAL, suffix=".dcm", seed=0, base=900, **kwargs):
    """A series with slice k at ``zs[k]`` along the normal; written in shuffled order under
    names that sort in reverse. Returns ``(uid, paths by ascending position)``."""
    uid = generate_uid()
    normal = np.cross(orientation[:3], orientation[3:])
    order = np.argsort(zs, kind="stable")
    paths = {}
    for k in np.random.default_rng(seed).permutation(len(zs)):
        name = f"IM{len(zs) - int(np.flatnonzero(order == k)[0]):03d}{suffix}"
        paths[k] = _write(Path(folder) / name, position=np.array([3.0, -4.0, 7.0]) + zs[k] * normal,
                          orientation=orientation, series=uid, base=base + 40 * k, **kwargs)
    return uid, [paths[k] for k in order]


def _names(paths):
    return [os.path.basename(p) for p in paths]


def test_slices_are_ordered_along_the_normal(tmp_path):
    uid_a, axial = _series(tmp_path / "tumour" / "s1", [5.0, -2.5, 0.0, 2.5], suffix="")  # DICM marker only
    uid_b, sagittal = _series(tmp_path / "normal" / "pt2" / "s2", [10.0, 30.0, 20.0], orientation=SAGITTAL,
                              patient="P2")
    data = load_dicom_series(tmp_path)
    assert data.X.tolist() == sagittal + axial  # class "normal" sorts first
    assert _names(axial) == ["IM004", "IM003", "IM002", "IM001"]  # names say the reverse
    assert data.y.tolist() == ["normal"] * 3 + ["tumour"] * 4
    assert data.groups.tolist() == ["P2"] * 3 + ["P1"] * 4
    assert data.metadata["series"].tolist() == [uid_b] * 3 + [uid_a] * 4
    assert data.metadata["slice"].tolist() == [0, 1, 2, 0, 1, 2, 3]
    assert data.metadata["n_slices"].tolist() == [3] * 3 + [4] * 4
    assert set(data.metadata["modality"]) == {"CT"}
    assert data.target_names == ["normal", "tumour"]


def test_without_positions_slices_follow_instance_number(tmp_path):
    uid = generate_uid()
    for name, instance in (("a.dcm", 3), ("b.dcm", 1), ("c.dcm", 2)):
        _write(tmp_path / "x" / name, orientation=None, series=uid, instance=instance)
    assert _names(load_dicom_series(tmp_path).X) == ["b.dcm", "c.dcm", "a.dcm"]
    _write(tmp_path / "x" / "d.dcm", orientation=None, series=uid, instance=2)
    with pytest.raises(ValueError, match=r"duplicated slices: 'c.dcm' and 'd.dcm' .*InstanceNumber"):
        load_dicom_series(tmp_path)


def test_volumes_equal_the_stacked_slices(tmp_path):
    _series(tmp_path / "a" / "s1", [0.0, 5.0, 2.5])
    _series(tmp_path / "b" / "s2", [1.0, 2.0, 3.0], patient="P9")
    slices = load_dicom_series(tmp_path)
    data = load_dicom_series(tmp_path, output="volume", reader_params={"window": (40, 400)})
    assert data.X.shape == (2, 3, 8, 8) and data.X.dtype == np.float32
    for i, uid in enumerate(data.metadata["series"]):
        paths = slices.X[slices.metadata["series"] == uid]
        np.testing.assert_array_equal(data.X[i], np.stack([read_dicom(p, window=(40, 400)) for p in paths]))
    assert data.y.tolist() == ["a", "b"] and data.groups.tolist() == ["P1", "P9"]
    assert data.metadata["n_slices"].tolist() == [3, 3] and "slice" not in data.metadata
    assert not np.array_equal(data.X[0][0], data.X[0][1])  # the slices differ


def test_volumes_of_different_shapes_need_volume_shape(tmp_path):
    uid_a, _ = _series(tmp_path / "a" / "s1", [0.0, 1.0, 2.0], shape=(8, 8))
    uid_b, _ = _series(tmp_path / "b" / "s2", [0.0, 1.0], shape=(6, 10))
    with pytest.raises(ValueError, match=rf"{uid_a}.*\(3, 8, 8\).*{uid_b}.*\(2, 6, 10\).*volume_shape="):
        load_dicom_series(tmp_path, output="volume")
    data = load_dicom_series(tmp_path, output="volume", volume_shape=(5, 4, 6), reader_params={"window": (40, 400)})
    assert data.X.shape == (2, 5, 4, 6) and data.X.dtype == np.float32
    assert 0.0 <= data.X.min() and data.X.max() <= 1.0


def test_resampling_interpolates_linearly_between_slices(tmp_path):
    uid = generate_uid()
    for k in range(3):  # constant slices: HU -124, -24, 76 -> 0.09, 0.34, 0.59 in window (40, 400)
        _write(tmp_path / "a" / f"{k}.dcm", position=(0, 0, k), series=uid, base=900 + 100 * k)
    for name in os.listdir(tmp_path / "a"):
        ds = pydicom.dcmread(tmp_path / "a" / name)
        ds.PixelData = np.full(64, ds.pixel_array.flat[0], "<i2").tobytes()
        ds.save_as(tmp_path / "a" / name)
    data = load_dicom_series(tmp_path, output="volume", volume_shape=(5, 8, 8), reader_params={"window": (40, 400)})
    np.testing.assert_allclose(data.X[0, :, 3, 3], np.linspace(0.09, 0.59, 5), atol=1e-5)


def test_channels_from_colour_slices_or_several_windows(tmp_path):
    _series(tmp_path / "a" / "s1", [0.0, 1.0, 2.0], rgb=True, base=10)
    assert load_dicom_series(tmp_path, output="volume").X.shape == (1, 3, 8, 8, 3)
    data = load_dicom_series(tmp_path, output="volume", volume_shape=(2, 4, 4))
    assert data.X.shape == (1, 2, 4, 4, 3)
    _, paths = _series(tmp_path / "b" / "s2", [0.0, 1.0])
    windows = [(40, 400), (-600, 1500)]
    data = load_dicom_series(tmp_path / "b", output="volume", reader_params={"window": windows})
    assert data.X.shape == (1, 2, 8, 8, 2)
    np.testing.assert_array_equal(data.X[0], np.stack([read_dicom(p, window=windows) for p in paths]))


def _good_and(tmp_path, zs, **kwargs):
    _series(tmp_path / "a" / "good", [0.0, 2.5, 5.0])
    return _series(tmp_path / "b" / "bad", zs, **kwargs)


@pytest.mark.parametrize("output", ["slices", "volume"])
def test_missing_slices(tmp_path, output):
    uid, paths = _good_and(tmp_path, [0.0, 2.5, 5.0, 12.5])
    with pytest.raises(ValueError, match=rf"series '{uid}' \(4 files in .*bad'\) has missing slices: a gap of "
                                         r"7.5 mm between 'IM002.dcm' .*'IM001.dcm'.*about 2 slice"):
        load_dicom_series(tmp_path, output=output)
    with pytest.warns(SkippedFilesWarning, match=rf"Skipped 1 problem .*series {uid} .*missing slices"):
        data = load_dicom_series(tmp_path, output=output, on_error="skip")
    assert set(data.y) == {"a"} and len(data) == (3 if output == "slices" else 1)


def test_duplicated_slices(tmp_path):
    uid, _ = _good_and(tmp_path, [0.0, 2.5, 2.5, 5.0])
    with pytest.raises(ValueError, match=rf"{uid}.*duplicated slices: .* both at position"):
        load_dicom_series(tmp_path)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem .*duplicated"):
        assert load_dicom_series(tmp_path, on_error="skip").y.tolist() == ["a"] * 3


def test_mixed_slice_sizes(tmp_path):
    uid, paths = _good_and(tmp_path, [0.0, 2.5, 5.0])
    _write(tmp_path / "b" / "bad" / "odd.dcm", position=(3.0, -4.0, 14.5), series=uid, shape=(8, 6))
    with pytest.raises(ValueError, match=rf"{uid}.*mixed slice sizes .*\(8, 8\).*\(8, 6\) in 'odd.dcm'"):
        load_dicom_series(tmp_path, output="volume")
    with pytest.warns(SkippedFilesWarning, match="Skipped 1 problem"):
        assert load_dicom_series(tmp_path, on_error="skip").y.tolist() == ["a"] * 3


def test_inconsistent_orientation(tmp_path):
    uid, _ = _good_and(tmp_path, [0.0, 2.5, 5.0])
    _write(tmp_path / "b" / "bad" / "tilted.dcm", position=(3.0, -4.0, 14.5), series=uid,
           orientation=(1, 0, 0, 0, 0.8, 0.6))
    with pytest.raises(ValueError, match=rf"{uid}.*inconsistent orientation.*'tilted.dcm'"):
        load_dicom_series(tmp_path)


def test_files_without_pixel_data(tmp_path):
    uid, paths = _good_and(tmp_path, [0.0, 2.5, 5.0, 7.5])
    _write(paths[-1], position=(3.0, -4.0, 14.5), series=uid, pixels=False)
    with pytest.raises(ImageReadError, match="IM001.dcm' has no pixel data: .*remove it"):
        load_dicom_series(tmp_path)
    size = os.path.getsize(paths[0])
    with open(paths[0], "r+b") as f:  # cut off in the middle of the pixel data
        f.truncate(size - 20)
    expected = r"Skipped 2 problem .*IM001.dcm' has no pixel data.*IM004.dcm' has pixel data cut off"
    with pytest.warns(SkippedFilesWarning, match=expected):
        data = load_dicom_series(tmp_path, on_error="skip")
    assert data.X.tolist()[3:] == paths[1:3]


def test_groups_fall_back_to_study_then_series(tmp_path):
    study = generate_uid()
    _series(tmp_path / "a" / "s1", [0.0, 1.0], patient="P1")
    _series(tmp_path / "a" / "s2", [0.0, 1.0], patient="", study=study)
    uid, _ = _series(tmp_path / "a" / "s3", [0.0, 1.0], patient="")
    with pytest.warns(UserWarning, match=r"2 of 3 DICOM series .* no PatientID.*StudyInstanceUID \(1 series\)"
                                         r".*SeriesInstanceUID \(1 series\)") as caught:
        data = load_dicom_series(tmp_path, output="volume")
    assert len(caught) == 1
    assert data.groups.tolist() == ["P1", study, uid]
    with pytest.warns(UserWarning, match=r"2 of 3 .* no StudyInstanceUID: .* the SeriesInstanceUID \(2 series\), "):
        assert load_dicom_series(tmp_path, groups="StudyInstanceUID", output="volume").groups[1] == study


def test_csv_lists_series_folders_and_files(tmp_path):
    _, first = _series(tmp_path / "scans" / "s1", [0.0, 2.5, 5.0])
    _, second = _series(tmp_path / "scans" / "s2", [0.0, 2.5])
    with open(tmp_path / "series.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerows([("path", "diagnosis", "patient"), ("scans/s1", "tumour", "G1"),
                          (os.path.relpath(second[1], tmp_path), "normal", "G2"), ("scans/s9", "normal", "G3")])
    with pytest.raises(FileNotFoundError, match=r"line 4: .*s9' is missing"):
        load_dicom_series(tmp_path / "series.csv", labels="csv", label_column="diagnosis")
    with pytest.warns(SkippedFilesWarning, match="Skipped 1 problem"):
        data = load_dicom_series(tmp_path, labels="csv", csv="series.csv", label_column="diagnosis",
                                 group_column="patient", on_error="skip")
    assert data.X.tolist() == first + second[1:]
    assert data.y.tolist() == ["tumour"] * 3 + ["normal"] and data.groups.tolist() == ["G1"] * 3 + ["G2"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up.csv").write_text("path,label\n../scans/s1,x\n")
    with pytest.raises(ValueError, match="outside"):
        load_dicom_series(tmp_path / "sub" / "up.csv", labels="csv")
    assert len(load_dicom_series(tmp_path / "sub" / "up.csv", labels="csv", allow_outside_root=True)) == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"output": "volumes"}, "output must be"),
    ({"volume_shape": (4, 4, 4)}, "apply with output='volume'"),
    ({"output": "volume", "volume_shape": (4, 0, 4)}, "three integers > 0"),
    ({"output": "volume", "reader_params": {"windw": (40, 400)}}, r"keyword arguments \['window', .*got \{'windw'"),
    ({"output": "volume", "reader_params": (40, 400)}, r"reader_params must be a dict"),
    ({"groups": "Patient"}, "DICOM keyword"),
    ({"group_column": "patient"}, "only apply with labels='csv'"),
    ({"labels": "folders"}, "labels must be"),
    ({"on_error": "ignore"}, "on_error='ignore' is not valid"),
])
def test_invalid_parameters(tmp_path, kwargs, message):
    _series(tmp_path / "a" / "s1", [0.0, 1.0])
    with pytest.raises(ValueError, match=message):
        load_dicom_series(tmp_path, **kwargs)


def test_no_dicom_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r"No DICOM files found .*\['a'\]"):
        load_dicom_series(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dicom_series(tmp_path / "missing")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _series(tmp_path / "a" / "s1", [0.0])
        assert load_dicom_series(tmp_path).metadata["n_slices"].tolist() == [1]
