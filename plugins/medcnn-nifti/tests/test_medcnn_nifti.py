"""Tests of the medcnn-nifti reader on nibabel's test files and volumes built here."""

import gzip
import os
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
from nibabel.orientations import aff2axcodes, axcodes2ornt, ornt_transform  # noqa: E402
from nibabel.testing import data_path  # noqa: E402

try:
    import medcnn_nifti
except ImportError:  # running from a source checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_nifti

import medcnn  # noqa: E402
from medcnn.datasets import frame_reference, read_image, reader_for  # noqa: E402
from medcnn.exceptions import ImageReadError  # noqa: E402
from medcnn.testing import registered_plugin  # noqa: E402
from medcnn_nifti import cache_info, clear_cache, read_nifti, set_cache_size  # noqa: E402


def _data(name):
    path = os.path.join(data_path, name)
    if not os.path.isfile(path):
        pytest.skip(f"nibabel test file {name} is not available")
    return path


def _save(path, data, affine=None, klass=None):
    klass = klass or nib.Nifti1Image
    image = klass(np.asarray(data), np.eye(4) if affine is None else affine)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nib.save(image, str(path))
    return str(path)


@pytest.fixture
def registered():
    """The plugin's name in the registry: 'nifti' when installed, else registered by hand."""
    with registered_plugin(medcnn_nifti, "nifti-test") as name:
        yield name

def test_entry_point_is_declared():
    if not any(ep.name == "nifti" for ep in metadata.entry_points(group="medcnn")):
        pytest.skip("medcnn-nifti is not installed (pip install -e plugins/medcnn-nifti)")
    assert medcnn.plugins.get_plugin_manager().is_registered(medcnn_nifti)


def test_nibabel_anatomical_reads_as_normalised_slices():
    path = _data("anatomical.nii")  # 33 x 41 x 25, big-endian int16, stored LAS
    volume = read_nifti(path)
    assert volume.shape == (25, 41, 33) and volume.dtype == np.float32
    assert 0.0 <= volume.min() and volume.max() <= 1.0 and volume.max() > 0.5
    np.testing.assert_array_equal(read_nifti(path, frame=12), volume[12])
    raw = read_nifti(path, normalize=None)
    stored = np.asanyarray(nib.as_closest_canonical(nib.load(path)).dataobj).astype(np.float32)
    assert raw.max() == stored.max() and raw.sum() == pytest.approx(stored.sum())


@pytest.mark.parametrize("name, volume, shape", [("example4d.nii.gz", 0, (24, 96, 128)),
                                                 ("example_nifti2.nii.gz", 1, (12, 20, 32))])
def test_4d_files_need_volume(name, volume, shape, registered):
    path = _data(name)
    with pytest.raises(ImageReadError, match=rf"{name}.*4-D.*volume=<index>.*reader_params"):
        read_nifti(path, frame=0)
    assert read_nifti(path, volume=volume).shape == shape
    np.testing.assert_array_equal(read_image(frame_reference(path, 3), volume=volume),
                                  read_nifti(path, volume=volume)[3])
    with pytest.raises(ImageReadError, match=rf"volume=5 is out of range for .*{name}.*0 to"):
        read_nifti(path, volume=5)


def test_other_nibabel_files():
    assert read_nifti(_data("reoriented_anat_moved.nii"), frame=3, axis="sagittal").shape == (22, 26)
    standard = read_nifti(_data("standard.nii.gz"), normalize=None)  # RAS, 4 x 5 x 7
    np.testing.assert_array_equal(
        standard, np.asanyarray(nib.load(_data("standard.nii.gz")).dataobj).transpose(2, 1, 0)[:, ::-1, ::-1])


def _ras_volume():
    return np.random.default_rng(0).random((6, 7, 8)).astype(np.float32) * 100


@pytest.mark.parametrize("codes", [("L", "P", "S"), ("P", "I", "L"), ("S", "R", "A")])
def test_orientation_does_not_change_slices(tmp_path, codes):
    ras = nib.Nifti1Image(_ras_volume(), np.diag([2.0, 3.0, 4.0, 1.0]))
    turned = ras.as_reoriented(ornt_transform(axcodes2ornt("RAS"), axcodes2ornt(codes)))
    assert aff2axcodes(turned.affine) == codes
    nib.save(ras, tmp_path / "ras.nii")
    nib.save(turned, tmp_path / "turned.nii.gz")
    for axis in ("axial", "coronal", "sagittal"):
        expected = read_nifti(tmp_path / "ras.nii", axis=axis)
        np.testing.assert_array_equal(read_nifti(tmp_path / "turned.nii.gz", axis=axis), expected)


def test_display_convention(tmp_path):
    data = np.zeros((6, 7, 8), np.float32)  # R, A, S
    data[5, 6, 7] = 1.0  # the most right, anterior, superior voxel
    path = _save(tmp_path / "corner.nii", data)
    axial, coronal, sagittal = (read_nifti(path, axis=a, normalize=None) for a in ("axial", "coronal", "sagittal"))
    assert (axial.shape, coronal.shape, sagittal.shape) == ((8, 7, 6), (7, 8, 6), (6, 8, 7))
    # last slice (superior / anterior / right), top row, first column (patient right / anterior)
    assert axial[7, 0, 0] == coronal[6, 0, 0] == sagittal[5, 0, 0] == 1.0
    assert axial.sum() == coronal.sum() == sagittal.sum() == 1.0


def test_stack_channels_are_clamped_at_the_edges(tmp_path):
    data = np.broadcast_to(np.arange(5, dtype=np.float32), (3, 4, 5)).copy()  # axial slice k holds k
    path = _save(tmp_path / "ramp.nii.gz", data)
    for frame, expected in ((0, [0, 0, 1]), (2, [1, 2, 3]), (4, [3, 4, 4])):
        image = read_nifti(path, frame=frame, stack=1, normalize=None)
        assert image.shape == (4, 3, 3)
        assert image[0, 0].tolist() == expected
    assert read_nifti(path, frame=0, stack=2, normalize=None)[0, 0].tolist() == [0, 0, 0, 1, 2]


def test_normalisations_use_the_whole_volume(tmp_path):
    data = _ras_volume()
    data[:, :, :2] = 0  # background
    path = _save(tmp_path / "v.nii", data)
    minmax = read_nifti(path, normalize="minmax")
    assert minmax.min() == 0.0 and minmax.max() == pytest.approx(1.0)
    # one scale for all slices: a slice keeps its values whatever slice is read
    np.testing.assert_array_equal(read_nifti(path, frame=7, normalize="minmax"), minmax[7])
    expected = (data[:, :, 3] - data.min()) / (data.max() - data.min())  # axial slice 3, volume scale
    np.testing.assert_allclose(read_nifti(path, frame=3, normalize="minmax"), expected.T[::-1, ::-1], rtol=1e-5)
    z = read_nifti(path, normalize="zscore")
    foreground = read_nifti(path, normalize=None) != 0
    assert z[foreground].mean() == pytest.approx(0, abs=1e-5) and z[foreground].std() == pytest.approx(1, abs=1e-4)
    clipped = read_nifti(path, percentiles=(10, 90))
    assert clipped.min() == 0 and clipped.max() == 1
    assert (clipped == 1).mean() == pytest.approx(0.1, abs=0.02)


def test_raw_values_apply_the_scaling_slope(tmp_path):
    image = nib.Nifti1Image(np.full((2, 3, 4), 5, np.int16), np.eye(4))
    image.header.set_slope_inter(2.0, 1.0)
    nib.save(image, tmp_path / "scaled.nii")
    raw = read_nifti(tmp_path / "scaled.nii", normalize=None)
    assert raw.dtype == np.float32 and np.all(raw == 11.0)
    assert np.all(read_nifti(tmp_path / "scaled.nii") == 0)  # a constant volume gives zeros


def test_nan_voxels_become_zero(tmp_path):
    data = _ras_volume()
    data[0, 0, 0] = np.nan
    out = read_nifti(_save(tmp_path / "nan.nii", data), normalize="percentile")
    assert np.isfinite(out).all() and out[0, 6, 5] == 0  # RAS (0, 0, 0): first slice, last row and column


def test_dimension_rules(tmp_path):
    assert read_nifti(_save(tmp_path / "t1.nii", np.ones((3, 4, 5, 1), np.float32))).shape == (5, 4, 3)
    path = _save(tmp_path / "5d.nii", np.ones((3, 4, 5, 2, 2), np.float32))
    with pytest.raises(ImageReadError, match=r"5d\.nii.*5 dimensions"):
        read_nifti(path)


def test_parameter_errors(tmp_path):
    path = _save(tmp_path / "v.nii", _ras_volume())
    with pytest.raises(ImageReadError, match=r"frame=8 is out of range for .*v\.nii.*8 axial slices; use 0 to 7"):
        read_nifti(path, frame=8)
    with pytest.raises(ValueError, match="axis='top'"):
        read_nifti(path, axis="top")
    with pytest.raises(ValueError, match="normalize='max'"):
        read_nifti(path, normalize="max")
    with pytest.raises(ValueError, match="percentiles"):
        read_nifti(path, percentiles=(90, 10))
    with pytest.raises(ValueError, match="stack=1 needs frame="):
        read_nifti(path, stack=1)
    with pytest.raises(ValueError, match="stack must be an integer"):
        read_nifti(path, frame=1, stack=-1)


def test_bad_files_name_the_file(tmp_path):
    good = _save(tmp_path / "good.nii.gz", _ras_volume())
    blob = Path(good).read_bytes()
    (tmp_path / "cut.nii.gz").write_bytes(blob[: len(blob) // 2])
    plain = Path(_save(tmp_path / "good.nii", _ras_volume())).read_bytes()
    (tmp_path / "cut.nii").write_bytes(plain[: len(plain) // 2])
    (tmp_path / "text.nii").write_bytes(b"not a volume\n" * 50)
    (tmp_path / "empty.nii.gz").write_bytes(b"")
    (tmp_path / "zipped_text.nii.gz").write_bytes(gzip.compress(b"x" * 1000))
    for name in ("cut.nii.gz", "cut.nii", "text.nii", "empty.nii.gz", "zipped_text.nii.gz", "missing.nii"):
        with pytest.raises(ImageReadError, match=name.replace(".", r"\.")) as caught:
            read_nifti(tmp_path / name, frame=0)
        assert any(word in str(caught.value) for word in ("replace", "Check the path"))


def test_cache_decodes_a_volume_once(tmp_path):
    path = _save(tmp_path / "v.nii.gz", _ras_volume())
    clear_cache()
    first = read_nifti(path, frame=0)
    for frame in range(1, 8):
        read_nifti(path, frame=frame)
    assert cache_info()["misses"] == 1 and cache_info()["hits"] == 7
    first[:] = -1  # callers get copies
    assert read_nifti(path, frame=0).min() >= 0
    read_nifti(path, frame=0, axis="coronal")  # other parameters: another entry
    assert cache_info()["misses"] == 2 and cache_info()["volumes"] == 2
    time.sleep(0.01)
    _save(path, np.zeros((6, 7, 8), np.float32))  # the file changes: read again
    assert read_nifti(path, frame=0).max() == 0
    set_cache_size(0)
    try:
        read_nifti(path, frame=0)
        assert cache_info()["volumes"] == 0
    finally:
        set_cache_size()


def test_read_through_the_registry(tmp_path, registered):
    path = _save(tmp_path / "brain.nii.gz", _ras_volume())
    assert reader_for(path) == "nii.gz" and reader_for(tmp_path / "x.nii") == "nii"
    image = read_image(frame_reference(path, 3, stack=1, axis="coronal"))
    np.testing.assert_array_equal(image, read_nifti(path, frame=3, stack=1, axis="coronal"))
    assert image.shape == (8, 6, 3)
    assert read_image(frame_reference(path, 2)).shape == (7, 6)
    with pytest.raises(ImageReadError, match="frame=9 is out of range"):
        read_image(frame_reference(path, 9))


def test_magic_bytes_match_saved_files(tmp_path):
    for klass, (offset, magic) in zip((nib.Nifti1Image, nib.Nifti2Image), medcnn_nifti.NIFTI_MAGIC):
        head = Path(_save(tmp_path / f"{klass.__name__}.nii", _ras_volume(), klass=klass)).read_bytes()[:348]
        assert head[offset:offset + len(magic)] == magic


def test_suffixless_nifti2_is_recognised_by_its_magic(tmp_path, registered):
    path = _save(tmp_path / "scan.nii", _ras_volume(), klass=nib.Nifti2Image)
    shutil.copy(path, tmp_path / "scan")
    assert reader_for(tmp_path / "scan") == "nii"
    np.testing.assert_array_equal(read_image(tmp_path / "scan"), read_nifti(path))
