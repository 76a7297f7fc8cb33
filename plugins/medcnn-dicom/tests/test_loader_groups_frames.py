"""The DICOM loader: group fallbacks, frames of multi-frame files, metadata."""

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom", minversion="3")

try:
    import medcnn_dicom  # noqa: F401
except ImportError:  # a source checkout without the plugin installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_dicom  # noqa: F401

from medcnn.datasets import ImageDataset, split_frame  # noqa: E402
from medcnn.exceptions import ImageReadError, SkippedFilesWarning  # noqa: E402
from medcnn_dicom import MissingGroupWarning, load_dicom, read_dicom  # noqa: E402
from dicom_test_files import copy_dataset, pydicom_file  # noqa: E402




def _names(paths):
    return [Path(split_frame(p)[0]).name + ("" if split_frame(p)[1] is None else f"#{split_frame(p)[1]}")
            for p in paths]


# --- groups ------------------------------------------------------------------------------

@pytest.fixture
def anonymous(tmp_path):
    """Four CT copies: with PatientID, with an empty one, without it, without it and the study."""
    ct, root = pydicom_file("CT_small.dcm"), tmp_path / "root"
    copy_dataset(ct, root / "a" / "1_named.dcm", PatientID="P1", PatientName="Doe^Jane")
    copy_dataset(ct, root / "a" / "2_empty.dcm", PatientID="", PatientName="", StudyInstanceUID="1.2.3.4")
    copy_dataset(ct, root / "b" / "3_no_id.dcm", delete=["PatientID", "PatientName"], StudyInstanceUID="1.2.3.4")
    copy_dataset(ct, root / "b" / "4_nothing.dcm", delete=["PatientID", "PatientName", "StudyInstanceUID"])
    return root


def test_groups_fall_back_with_one_warning(anonymous):
    with pytest.warns(MissingGroupWarning) as record:
        data = load_dicom(anonymous)  # on_error="raise": nothing is an error
    warned = [w for w in record if issubclass(w.category, MissingGroupWarning)]
    assert len(warned) == 1 and issubclass(MissingGroupWarning, UserWarning)
    assert warned[0].filename == __file__
    message = str(warned[0].message)
    assert message.startswith(f"3 of 4 DICOM files under {str(anonymous)!r} have no PatientID: "
                              "2 grouped by StudyInstanceUID; 1 as a group of their own (the file path)")
    for name in ("2_empty.dcm", "3_no_id.dcm", "4_nothing.dcm"):
        assert name in message
    assert "1_named.dcm" not in message and "groups=" in message
    assert _names(data.X) == ["1_named.dcm", "2_empty.dcm", "3_no_id.dcm", "4_nothing.dcm"]
    assert data.groups.tolist() == ["P1", "1.2.3.4", "1.2.3.4", str(anonymous / "b" / "4_nothing.dcm")]


def test_groups_from_another_element(anonymous):
    with pytest.warns(MissingGroupWarning, match=r"^3 of 4 DICOM files .* have no PatientName: 2 grouped"):
        data = load_dicom(anonymous, groups="PatientName")
    assert data.groups.tolist()[0] == "Doe^Jane"
    with pytest.warns(MissingGroupWarning, match=r"^1 of 4 .* no StudyInstanceUID: 1 as a group of their own"):
        data = load_dicom(anonymous, groups="StudyInstanceUID")
    study = pydicom.dcmread(pydicom_file("CT_small.dcm")).StudyInstanceUID
    assert data.groups.tolist() == [study, "1.2.3.4", "1.2.3.4", str(anonymous / "b" / "4_nothing.dcm")]


def test_no_warning_when_every_file_has_the_element(anonymous):
    shutil.rmtree(anonymous / "b")
    copy_dataset(pydicom_file("MR_small.dcm"), anonymous / "a" / "2_empty.dcm", PatientID="P2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_dicom(anonymous)
    assert data.groups.tolist() == ["P1", "P2"]


@pytest.mark.parametrize("params, match", [
    ({"groups": "PatientId"}, r"groups must be a DICOM keyword.*got 'PatientId'.*Did you mean 'PatientID'"),
    ({"groups": "patient"}, r"groups must be a DICOM keyword.*got 'patient'"),
    ({"groups": None}, r"groups must be a DICOM keyword.*got None"),
    ({"labels": "csv", "csv": "x.csv", "group_column": "p", "groups": "PatientName"},
     "give group_column= .* or groups= .*, not both"),
    ({"frames": "last"}, r"frames must be one of \('first', 'middle', 'all'\).*got 'last'"),
])
def test_bad_loader_parameters(anonymous, params, match):
    with pytest.raises(ValueError, match=match):
        load_dicom(anonymous, **params)


def test_csv_groups_and_fallback(anonymous):
    (anonymous / "list.csv").write_text("path,label\na/1_named.dcm,x\nb/3_no_id.dcm,y\n")
    with pytest.warns(MissingGroupWarning, match=r"^1 of 2 .* 1 grouped by StudyInstanceUID"):
        data = load_dicom(anonymous / "list.csv", labels="csv")
    assert data.groups.tolist() == ["P1", "1.2.3.4"]
    (anonymous / "list.csv").write_text("path,label,patient\na/1_named.dcm,x,A\nb/3_no_id.dcm,y,B\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_dicom(anonymous / "list.csv", labels="csv", group_column="patient")
    assert data.groups.tolist() == ["A", "B"]


# --- frames ---------------------------------------------------------------------------------

@pytest.fixture
def frames_tree(tmp_path):
    root = tmp_path / "frames"
    copy_dataset(pydicom_file("rtdose.dcm"), root / "dose" / "rtdose.dcm")           # 15 frames of 10x10
    copy_dataset(pydicom_file("SC_rgb_rle_2frame.dcm"), root / "rgb" / "two.dcm")     # 2 frames, RGB
    copy_dataset(pydicom_file("CT_small.dcm"), root / "rgb" / "single.dcm")           # 1 frame
    return root


def test_frames_first_middle_all(frames_tree):
    first = load_dicom(frames_tree)
    assert _names(first.X) == ["rtdose.dcm", "single.dcm", "two.dcm"]  # plain paths read frame 0
    middle = load_dicom(frames_tree, frames="middle")
    assert _names(middle.X) == ["rtdose.dcm#7", "single.dcm", "two.dcm#1"]
    every = load_dicom(frames_tree, frames="all")
    assert _names(every.X) == [f"rtdose.dcm#{i}" for i in range(15)] + ["single.dcm", "two.dcm#0", "two.dcm#1"]
    assert every.y.tolist() == ["dose"] * 15 + ["rgb"] * 3
    assert every.groups.tolist() == ["id11111"] * 15 + ["1CT1", "ID1", "ID1"]
    assert every.metadata["frames"].tolist() == ["15"] * 15 + ["1", "2", "2"]


def test_frame_references_read_their_frame(frames_tree):
    from medcnn.datasets import read_image

    data = load_dicom(frames_tree, frames="all")
    dose = str(frames_tree / "dose" / "rtdose.dcm")
    for path in data.X[[0, 7, 14]]:
        file, frame = split_frame(path)
        np.testing.assert_array_equal(read_image(path), read_dicom(dose, frame=frame))
    assert not np.array_equal(read_image(data.X[0]), read_image(data.X[14]))
    assert read_image(data.X[-1]).shape == (100, 100, 3)


@pytest.mark.filterwarnings("ignore:Invalid value for VR IS")  # pydicom on badVR.dcm
def test_invalid_number_of_frames(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    shutil.copy(pydicom_file("badVR.dcm"), root / "a" / "badVR.dcm")  # NumberOfFrames '1A'
    copy_dataset(pydicom_file("CT_small.dcm"), root / "a" / "good.dcm")
    with pytest.raises(ImageReadError, match=r"badVR.dcm.*invalid NumberOfFrames.*'1A'.*on_error='skip'"):
        load_dicom(root)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file\(s\).*badVR.dcm.*NumberOfFrames"):
        data = load_dicom(root, on_error="skip")
    assert _names(data.X) == ["good.dcm"]


# --- metadata ---------------------------------------------------------------------------------

def test_metadata_for_describe(tmp_path):
    root = tmp_path / "root"
    for name, label in [("CT_small.dcm", "a"), ("MR_small.dcm", "a"), ("rtdose.dcm", "b"),
                        ("liver_1frame.dcm", "b"), ("dicomdirtests/77654033/CR1/6154", "b")]:
        copy_dataset(pydicom_file(name), root / label / Path(name).name)
    data = load_dicom(root)
    assert isinstance(data, ImageDataset)
    assert _names(data.X) == ["CT_small.dcm", "MR_small.dcm", "6154", "liver_1frame.dcm", "rtdose.dcm"]
    metadata = {name: values.tolist() for name, values in data.metadata.items()}
    assert metadata["modality"] == ["CT", "MR", "CR", "SEG", "RTDOSE"]
    assert metadata["frames"] == ["1", "1", "1", "1", "15"]
    # ImagerPixelSpacing for CR; the shared functional groups for the enhanced (SEG) object
    assert metadata["pixel_spacing"] == ["0.6615x0.6615", "0.3125x0.3125", "0.1x0.1", "0.8105x0.8105", "10x10"]
    assert metadata["window"] == ["none", "600/1600", "1600/2800", "none", "none"]
    series = [str(pydicom.dcmread(p, stop_before_pixels=True).SeriesInstanceUID) for p in data.X]
    assert metadata["series"] == series
    text = data.describe(inspect=False)
    assert "modality: 5 distinct; CT (1), MR (1), CR (1), SEG (1), RTDOSE (1)" in text
    assert "window: 3 distinct; none (3), 600/1600 (1), 1600/2800 (1)" in text
    copy_dataset(pydicom_file("CT_small.dcm"), root / "a" / "bare.dcm", delete=["Modality", "PixelSpacing"])
    bare = load_dicom(root)
    at = _names(bare.X).index("bare.dcm")
    assert bare.metadata["modality"][at] == "none" and bare.metadata["pixel_spacing"][at] == "none"


def test_image_header_without_pixel_data(tmp_path):
    root = tmp_path / "root"
    copy_dataset(pydicom_file("CT_small.dcm"), root / "a" / "header_only.dcm", delete=["PixelData"])
    copy_dataset(pydicom_file("CT_small.dcm"), root / "a" / "good.dcm")
    with pytest.raises(ImageReadError, match=r"header_only.dcm' \(CT Image Storage\) has no pixel data"):
        load_dicom(root)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file\(s\).*header_only.dcm"):
        data = load_dicom(root, on_error="skip")
    assert _names(data.X) == ["good.dcm"]
