"""Tests of the medcnn-nifti dataset loader on volumes and masks built in each test."""

import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
from nibabel.testing import data_path  # noqa: E402

try:
    import medcnn_nifti
except ImportError:  # running from a source checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_nifti

import medcnn  # noqa: E402
from medcnn.datasets import load, read_image, split_reference  # noqa: E402
from medcnn.exceptions import ImageReadError, SkippedFilesWarning  # noqa: E402
from medcnn.testing import registered_plugin  # noqa: E402
from medcnn_nifti import load_nifti, read_nifti  # noqa: E402

SHAPE = (10, 12, 9)  # R, A, S: axial slices are 12 x 10, 9 of them


def _save(path, data, affine=None):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(np.asarray(data), np.eye(4) if affine is None else affine), str(path))
    return str(path)


def _image(seed=0):
    return np.random.default_rng(seed).random(SHAPE).astype(np.float32)


def _mask(areas, value=1):
    """A mask with ``areas[k]`` voxels of ``value`` in axial slice k."""
    mask = np.zeros(SHAPE, np.uint8)
    for k, area in areas.items():
        mask.reshape(-1, SHAPE[2])[:area, k] = value
    return mask


@pytest.fixture
def registered():
    with registered_plugin(medcnn_nifti, "nifti-test") as name:
        yield name

@pytest.fixture
def brats(tmp_path):
    """BraTS-like tree: root/<class>/<case>/<case>_{t1,flair,seg}.nii.gz; the largest mask
    slice is 6 for case A, 2 for case B."""
    root = tmp_path / "data"
    for label, case, areas in (("glioma", "A", {3: 5, 6: 30, 7: 10}), ("meningioma", "B", {2: 40, 5: 3})):
        for contrast in ("t1", "flair"):
            _save(root / label / case / f"{case}_{contrast}.nii.gz", _image())
        _save(root / label / case / f"{case}_seg.nii.gz", _mask(areas))
    return root


def _frames(data):
    return [split_reference(x)[1].get("frame") for x in data.X]


def test_largest_picks_the_slice_with_most_mask_voxels(brats):
    data = load_nifti(brats, slices="largest")
    assert [Path(split_reference(x)[0]).name for x in data.X] == [
        "A_flair.nii.gz", "A_t1.nii.gz", "B_flair.nii.gz", "B_t1.nii.gz"]  # masks are not images
    assert _frames(data) == [6, 6, 2, 2]
    assert data.y.tolist() == ["glioma"] * 2 + ["meningioma"] * 2
    assert data.metadata["slice"].tolist() == [6, 6, 2, 2]
    assert set(data.metadata["shape"].tolist()) == {"9x12x10"}
    assert set(data.metadata["spacing"].tolist()) == {"1 x 1 x 1 mm"}
    # one group per case: its contrasts share the case's mask
    assert [Path(g).name for g in data.groups] == ["A_seg.nii.gz"] * 2 + ["B_seg.nii.gz"] * 2


def test_mask_labels_choose_the_counted_values(tmp_path):
    mask = _mask({1: 30}, value=2) + _mask({4: 20}, value=1)
    _save(tmp_path / "c" / "x.nii", _image())
    _save(tmp_path / "c" / "x_seg.nii", mask)
    assert _frames(load_nifti(tmp_path, slices="largest")) == [1]
    assert _frames(load_nifti(tmp_path, slices="largest", mask_labels=1)) == [4]
    assert _frames(load_nifti(tmp_path, slices="largest", mask_labels=[1, 2])) == [1]


def test_mirrored_mask_folder(tmp_path):
    _save(tmp_path / "img" / "a" / "s1" / "vol.nii.gz", _image())
    _save(tmp_path / "img" / "b" / "vol.nii", _image(1))
    _save(tmp_path / "masks" / "a" / "s1" / "vol.nii.gz", _mask({8: 9}))
    _save(tmp_path / "masks" / "b" / "vol.nii.gz", _mask({0: 9}))  # the other NIfTI suffix
    data = load_nifti(tmp_path / "img", slices="largest", masks=tmp_path / "masks")
    assert _frames(data) == [8, 0]


def test_masks_folder_inside_the_root_is_not_a_class(tmp_path):
    _save(tmp_path / "a" / "vol.nii", _image())
    _save(tmp_path / "masks" / "a" / "vol.nii", _mask({3: 4}))
    data = load_nifti(tmp_path, slices="stack", masks=tmp_path / "masks")
    assert data.target_names == ["a"] and _frames(data) == [3]


def test_middle_all_stack_and_volume(brats, registered):
    middle = load_nifti(brats)
    assert _frames(middle) == [4] * 4 and middle.metadata["slice"].tolist() == [4] * 4
    assert read_image(middle.X[0]).shape == (12, 10)

    every = load_nifti(brats, slices="all")  # masks present: the slices holding mask voxels
    a_t1 = [x for x in every.X if "A_t1" in x]
    assert [split_reference(x)[1]["frame"] for x in a_t1] == [3, 6, 7]
    assert len(load_nifti(brats, slices="all", keep_empty_slices=True)) == 4 * 9

    stacked = load_nifti(brats, slices="stack", stack=2)
    assert split_reference(stacked.X[0])[1] == {"frame": 6, "stack": 2, "axis": "axial"}
    image = read_image(stacked.X[0])
    assert image.shape == (12, 10, 5)
    np.testing.assert_array_equal(image[..., 2], read_nifti(split_reference(stacked.X[0])[0], frame=6))

    volumes = load_nifti(brats, slices="volume")
    assert volumes.X[0].endswith("A_flair.nii.gz") and volumes.metadata["slice"].tolist() == [-1] * 4
    assert read_image(volumes.X[0]).shape == (9, 12, 10)


def test_all_without_masks_and_another_axis(tmp_path, registered):
    _save(tmp_path / "x" / "p1.nii", _image(), affine=np.diag([0.5, 0.5, 3.0, 1.0]))
    data = load_nifti(tmp_path, slices="all", axis="coronal")
    assert _frames(data) == list(range(12)) and len(set(data.groups.tolist())) == 1
    assert split_reference(data.X[0])[1]["axis"] == "coronal"
    assert data.metadata["shape"][0] == "12x9x10" and data.metadata["spacing"][0] == "0.5 x 3 x 0.5 mm"
    assert read_image(data.X[0]).shape == (9, 10)


def test_csv_with_groups_and_mask_column(tmp_path):
    for case in ("a", "b", "c"):
        _save(tmp_path / "vols" / f"{case}.nii.gz", _image())
    _save(tmp_path / "masks" / "a_lesion.nii.gz", _mask({5: 7}))
    _save(tmp_path / "masks" / "b_lesion.nii.gz", _mask({1: 7}))
    (tmp_path / "list.csv").write_text("path,label,patient,roi\nvols/a.nii.gz,1,P1,masks/a_lesion.nii.gz\n"
                                       "vols/b.nii.gz,0,P1,masks/b_lesion.nii.gz\nvols/c.nii.gz,0,P2,\n")
    data = load_nifti(tmp_path / "list.csv", labels="csv", group_column="patient", mask_column="roi",
                      slices="stack")
    assert _frames(data) == [5, 1, 4]  # c has no mask: its middle slice
    assert data.groups.tolist() == ["P1", "P1", "P2"] and data.y.tolist() == ["1", "0", "0"]
    with pytest.raises(ValueError, match="c.nii.gz.*has no mask"):
        load_nifti(tmp_path, labels="csv", csv="list.csv", mask_column="roi", slices="largest")


def test_real_nibabel_volumes(tmp_path):
    for label, name in (("anat", "anatomical.nii"), ("moved", "reoriented_anat_moved.nii")):
        (tmp_path / label).mkdir()
        shutil.copy(os.path.join(data_path, name), tmp_path / label)
    data = load_nifti(tmp_path)
    assert data.metadata["shape"].tolist() == ["25x41x33", "22x26x21"]
    assert data.metadata["spacing"].tolist() == ["2 x 2 x 2 mm", "4 x 4 x 4 mm"]
    assert _frames(data) == [12, 11]
    (tmp_path / "series").mkdir()
    shutil.copy(os.path.join(data_path, "example4d.nii.gz"), tmp_path / "series")
    with pytest.raises(ImageReadError, match=r"example4d\.nii\.gz.*4-D.*split the series"):
        load_nifti(tmp_path)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file.*example4d"):
        assert len(load_nifti(tmp_path, on_error="skip")) == 2


def test_mask_problems_raise_or_skip(brats):
    case_a = brats / "glioma" / "A"
    _save(case_a / "A_seg.nii.gz", np.ones((10, 12, 8), np.uint8))  # one slice short
    with pytest.raises(ImageReadError, match=r"Mask .*A_seg\.nii\.gz' has shape 8x12x10 .*A_flair.*9x12x10"):
        load_nifti(brats, slices="largest")
    with pytest.warns(SkippedFilesWarning, match="Skipped 2 problem file"):
        assert _frames(load_nifti(brats, slices="largest", on_error="skip")) == [2, 2]
    _save(case_a / "A_seg.nii.gz", np.zeros(SHAPE, np.uint8))
    with pytest.raises(ValueError, match=r"Mask .*A_seg\.nii\.gz' of .*A_flair.* has no non-zero voxels"):
        load_nifti(brats, slices="largest")
    with pytest.raises(ValueError, match=r"A_seg\.nii\.gz.* has no voxels of label 3 or 4"):
        load_nifti(brats, slices="largest", mask_labels=[3, 4])
    (case_a / "A_seg.nii.gz").write_bytes(b"garbage" * 100)
    with pytest.raises(ImageReadError, match=r"Mask of .*A_flair.*A_seg\.nii\.gz"):
        load_nifti(brats, slices="all")


def test_missing_masks(tmp_path):
    _save(tmp_path / "img" / "a" / "v1.nii", _image())
    _save(tmp_path / "img" / "a" / "v2.nii", _image())
    _save(tmp_path / "masks" / "a" / "v1.nii", _mask({2: 3}))
    with pytest.raises(FileNotFoundError, match=r"Mask file .*masks/a/v2\.nii.* of .*img/a/v2\.nii.* not found"):
        load_nifti(tmp_path / "img", slices="largest", masks=tmp_path / "masks")
    with pytest.warns(SkippedFilesWarning, match="Skipped 1"):
        data = load_nifti(tmp_path / "img", slices="largest", masks=tmp_path / "masks", on_error="skip")
    assert _frames(data) == [2]
    with pytest.raises(ValueError, match="slices='largest' needs masks"):
        load_nifti(tmp_path / "img", slices="largest")


def test_bad_images_go_through_the_error_policy(brats):
    flair = brats / "glioma" / "A" / "A_flair.nii.gz"
    blob = flair.read_bytes()
    flair.write_bytes(blob[: len(blob) // 2])
    (brats / "glioma" / "A" / "notes.nii").write_text("not a volume\n")
    with pytest.raises(ImageReadError, match=r"A_flair\.nii\.gz.*truncated"):
        load_nifti(brats)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_nifti(brats, on_error="skip")
    assert len(data) == 3
    assert len(caught) == 1 and "Skipped 2 problem file" in str(caught[0].message)


def test_parameter_errors(brats, tmp_path):
    with pytest.raises(ValueError, match="slices='best'"):
        load_nifti(brats, slices="best")
    with pytest.raises(ValueError, match="masks only apply with slices in"):
        load_nifti(brats, masks=brats)
    with pytest.raises(ValueError, match="group_column='p' only apply with labels='csv'"):
        load_nifti(brats, group_column="p")
    with pytest.raises(FileNotFoundError, match="Mask folder"):
        load_nifti(brats, slices="largest", masks=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="mask_labels"):
        load_nifti(brats, slices="largest", mask_labels="tumour")
    with pytest.raises(ValueError, match="No NIfTI images found"):
        load_nifti(tmp_path / "data" / "glioma" / "A")


def test_load_through_the_registry_and_describe(brats, registered):
    data = load("nifti", brats, slices="largest")
    assert _frames(data) == [6, 6, 2, 2]
    text = data.describe()
    assert "slice: 2 distinct" in text and "image sizes (h x w): 12x10 (4)" in text


@pytest.mark.slow
def test_classifier_fits_slice_references(tmp_path, registered):
    rng = np.random.default_rng(0)
    for label, level in (("bright", 0.8), ("dark", 0.2)):
        for case in range(4):
            volume = rng.random((16, 16, 6)).astype(np.float32) * 0.2 + level
            volume[0, 0, 0], volume[-1, -1, -1] = 0.0, 1.0  # same intensity range for every volume
            _save(tmp_path / label / f"case{case}.nii.gz", volume)
    data = load_nifti(tmp_path, slices="stack", stack=1)
    clf = medcnn.CNNClassifier(architecture="workshop_cnn", epochs=2, image_size=16, random_state=0)
    clf.fit(data.X, data.y)
    predicted = clf.predict(data.X)
    assert predicted.shape == (8,) and set(predicted) <= {"bright", "dark"}
