"""Windows, presets, the file's own VOI LUT and compressed transfer syntaxes, on pydicom's test files."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom", minversion="3")
from pydicom.dataset import Dataset  # noqa: E402
from pydicom.pixels import apply_modality_lut, apply_voi_lut  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402

PLUGIN = Path(__file__).resolve().parents[1]
try:
    import medcnn_dicom  # noqa: F401
except ImportError:  # a source checkout without the plugin installed
    sys.path.insert(0, str(PLUGIN))
    import medcnn_dicom  # noqa: F401

from medcnn.exceptions import ImageReadError  # noqa: E402
from medcnn_dicom import WINDOW_PRESETS, decoder_problem, read_dicom  # noqa: E402
from dicom_test_files import copy_dataset, pydicom_file  # noqa: E402




def _output_range(ds):
    """pydicom's windowing output range (PS3.3 C.11.2.1.2): stored range, rescaled."""
    if ds.PixelRepresentation == 0:
        low, high = 0, 2 ** ds.BitsStored - 1
    else:
        low, high = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        low, high = low * slope + intercept, high * slope + intercept
    return low, high


def _pydicom_voi(path):
    """The oracle: pydicom's modality LUT then VOI LUT, mapped from its output range to [0, 1]."""
    ds = pydicom.dcmread(path)
    out = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    low, high = _output_range(ds)
    return (out - low) / (high - low)


# --- window="dicom": the file's own VOI --------------------------------------------------

@pytest.mark.parametrize("name", [
    "MR_small.dcm",                          # MR, window 600/1600
    "693_J2KI.dcm",                          # CT in HU, JPEG 2000, window 40/100
    "J2K_pixelrep_mismatch.dcm",             # three windows: the first is used
    "examples_overlay.dcm",                  # two windows
    "dicomdirtests/77654033/CT2/17106",      # no suffix
    "dicomdirtests/77654033/CR1/6154",       # MONOCHROME1
])
def test_file_window_equals_pydicom(name):
    path = pydicom_file(name)
    image = read_dicom(path, window="dicom", invert_monochrome1=False)
    assert image.dtype == np.float32 and 0 <= image.min() and image.max() <= 1
    np.testing.assert_allclose(image, _pydicom_voi(path), atol=1e-6)


@pytest.mark.parametrize("function", ["SIGMOID", "LINEAR_EXACT", "LINEAR"])
@pytest.mark.parametrize("name", ["MR_small.dcm", "693_J2KI.dcm"])
def test_voi_lut_functions(tmp_path, name, function):
    path = copy_dataset(pydicom_file(name), tmp_path / "copy.dcm", VOILUTFunction=function)
    image = read_dicom(path, window="dicom")
    np.testing.assert_allclose(image, _pydicom_voi(path), atol=1e-6)
    ds = pydicom.dcmread(path)
    values = apply_modality_lut(ds.pixel_array, ds)
    center, width = float(ds.WindowCenter), float(ds.WindowWidth)
    if function == "SIGMOID":  # PS3.3 C.11.2.1.3.1, by hand
        np.testing.assert_allclose(image, 1 / (1 + np.exp(-4 * (values - center) / width)), atol=1e-6)
    elif function == "LINEAR_EXACT":  # the same as a given (center, width)
        np.testing.assert_allclose(image, np.clip((values - center) / width + 0.5, 0, 1), atol=1e-6)
        np.testing.assert_allclose(image, read_dicom(path, window=(center, width)), atol=1e-6)


def _voi_lut(first, entries, bits=16):
    item = Dataset()
    item.LUTDescriptor = [len(entries), first, bits]
    item.add_new("LUTData", "US", [int(v) for v in entries])
    return Sequence([item])


def test_voi_lut_sequence(tmp_path):
    mr = pydicom_file("MR_small.dcm")  # values 0..~4000, with a window as well
    stored = pydicom.dcmread(mr).pixel_array
    # A gamma curve over [100, 100 + 2000) that does not use the full 16 bits
    entries = np.round(4000 * (np.arange(2000) / 1999) ** 0.5)
    path = copy_dataset(mr, tmp_path / "lut.dcm", VOILUTSequence=_voi_lut(100, entries))
    image = read_dicom(path, window="dicom")
    # Preferred to the window, as pydicom does; the LUT's lowest entry maps to 0, its highest to 1
    ds = pydicom.dcmread(path)
    expected = apply_voi_lut(ds.pixel_array, ds) / 4000
    np.testing.assert_allclose(image, expected, atol=1e-6)
    by_hand = entries[np.clip(stored.astype(int) - 100, 0, 1999)] / 4000
    np.testing.assert_allclose(image, by_hand, atol=1e-6)
    assert not np.allclose(image, read_dicom(mr, window="dicom"))


def test_file_window_errors(tmp_path):
    with pytest.raises(ImageReadError, match=r"CT_small.dcm.*neither a VOI LUT Sequence .* nor WindowCenter"):
        read_dicom(pydicom_file("CT_small.dcm"), window="dicom")
    narrow = copy_dataset(pydicom_file("MR_small.dcm"), tmp_path / "narrow.dcm", WindowWidth=0.5)
    with pytest.raises(ImageReadError, match=r"narrow.dcm.*Window Width must be greater than or equal to 1"):
        read_dicom(narrow, window="dicom")  # LINEAR needs a width >= 1


# --- given windows, presets and channels ---------------------------------------------------

@pytest.fixture(scope="module")
def ct():
    return pydicom_file("693_J2KI.dcm")  # 512x512 head CT, JPEG 2000, rescaled to HU


def test_given_window_is_linear_in_hu(ct):
    ds = pydicom.dcmread(ct)
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    image = read_dicom(ct, window=(40, 80))  # [0, 80] HU -> [0, 1]
    np.testing.assert_allclose(image, np.clip(hu / 80, 0, 1), atol=1e-6)
    assert 0.05 < np.mean((image > 0) & (image < 1))  # brain tissue inside the window


def test_presets_as_channels(ct):
    assert WINDOW_PRESETS == {"brain": (40, 80), "subdural": (80, 200), "bone": (600, 2800),
                              "lung": (-600, 1500), "mediastinum": (50, 350), "abdomen": (40, 400)}
    image = read_dicom(ct, window="brain,subdural,bone")
    assert image.shape == (512, 512, 3) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1
    for channel, pair in enumerate([(40, 80), (80, 200), (600, 2800)]):
        np.testing.assert_array_equal(image[..., channel], read_dicom(ct, window=pair))
    assert not np.array_equal(image[..., 0], image[..., 2])
    for same in (["brain", "subdural", "bone"], " Brain , SUBDURAL,bone ",
                 [(40, 80), (80, 200), (600, 2800)], ((40, 80), "subdural", [600, 2800])):
        np.testing.assert_array_equal(read_dicom(ct, window=same), image)
    np.testing.assert_array_equal(read_dicom(ct, window="lung"), read_dicom(ct, window=(-600, 1500)))
    np.testing.assert_array_equal(read_dicom(ct, window=["lung"]), read_dicom(ct, window=(-600, 1500)))
    np.testing.assert_array_equal(read_dicom(ct, window="40,80"), read_dicom(ct, window=(40, 80)))
    both = read_dicom(ct, window=["dicom", "bone"])
    np.testing.assert_array_equal(both[..., 0], read_dicom(ct, window="dicom"))


def test_several_windows_monochrome1_and_colour(tmp_path):
    mono1 = pydicom_file("dicomdirtests/77654033/CR1/6154")
    image = read_dicom(mono1, window=[(1600, 2800), (1000, 500)])
    assert image.shape == (16, 16, 2)
    plain = read_dicom(mono1, window=[(1600, 2800), (1000, 500)], invert_monochrome1=False)
    np.testing.assert_array_equal(image, 1 - plain)
    rgb = pydicom_file("SC_rgb_rle.dcm")
    with pytest.raises(ImageReadError, match=r"2 windows.*colour image \(RGB\).*grayscale"):
        read_dicom(rgb, window="brain,bone")
    assert read_dicom(rgb, window=(128, 256)).shape == (100, 100, 3)


@pytest.mark.parametrize("window, match", [
    ("brian", r"unknown window preset 'brian'.*did you mean 'brain'\?.*brain 40/80, subdural 80/200, "
              r"bone 600/2800, lung -600/1500, mediastinum 50/350, abdomen 40/400"),
    ("brain,lungs", r"unknown window preset 'lungs'.*did you mean 'lung'\?"),
    ("xyz", r"unknown window preset 'xyz' \(in window='xyz'\); the presets"),
    ("brain,,bone", "an empty name"),
    ([(40, 0)], r"the width of \(40, 0\) must be > 0"),
    ([(40, 80), (1, 2, 3)], r"\(1, 2, 3\) is not a \(center, width\) pair"),
    ([], "no window given"),
    (40, "not a window"),
])
def test_bad_windows_name_the_problem(window, match):
    with pytest.raises(ValueError, match=f"read_dicom: window.*{match}") as info:
        read_dicom("no/such/file.dcm", window=window)  # checked before the file is opened
    assert not isinstance(info.value, ImageReadError)


# --- compressed transfer syntaxes ------------------------------------------------------------

@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                  "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm"])
def test_lossless_compressions_give_the_uncompressed_image(name):
    reference = read_dicom(pydicom_file("MR_small.dcm"), window="dicom")
    np.testing.assert_array_equal(read_dicom(pydicom_file(name), window="dicom"), reference)


def test_decoders_come_with_the_plugin():
    from importlib.util import find_spec

    for module in ("pylibjpeg", "libjpeg", "openjpeg", "rle"):
        assert find_spec(module) is not None, f"{module} should be installed with medcnn-dicom"
    from pydicom.uid import JPEG2000, JPEGLSLossless, JPEGLosslessSV1, RLELossless

    assert all(decoder_problem(uid) is None for uid in (JPEG2000, JPEGLSLossless, JPEGLosslessSV1, RLELossless))


def test_missing_decoder_names_syntax_and_packages():
    """Without pylibjpeg (blocked in a fresh interpreter) nothing decodes JPEG-LS."""
    code = (
        "import sys; sys.modules['pylibjpeg'] = None; sys.path.insert(0, sys.argv[1])\n"
        "from medcnn_dicom import read_dicom\n"
        "try:\n    read_dicom(sys.argv[2])\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    path = pydicom_file("MR_small_jpeg_ls_lossless.dcm")
    result = subprocess.run([sys.executable, "-c", code, str(PLUGIN), path], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    out = result.stdout
    assert out.startswith("ImageReadError ") and "MR_small_jpeg_ls_lossless.dcm" in out
    assert "No decoder for the transfer syntax JPEG-LS Lossless Image Compression (1.2.840.10008.1.2.4.80)" in out
    assert "pylibjpeg (pip install pylibjpeg pylibjpeg-libjpeg)" in out
    assert "gdcm (pip install python-gdcm)" in out


def test_syntax_without_any_decoder(tmp_path):
    ds = pydicom.dcmread(pydicom_file("JPEG2000.dcm"))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.92"  # JPEG 2000 Part 2 multi-component
    ds.save_as(tmp_path / "part2.dcm")
    with pytest.raises(ImageReadError, match=r"part2.dcm.*pydicom has no decoder for the transfer syntax "
                                             r"JPEG 2000 Part 2 Multi-component.*Convert the file"):
        read_dicom(tmp_path / "part2.dcm")


def test_undecodable_data_names_syntax_and_other_decoders():
    with pytest.raises(ImageReadError, match=r"JPEG-lossy.dcm.*transfer syntax JPEG Extended \(Process 2 and 4\)"
                                             r".*pylibjpeg:.*another pydicom decoder plugin may read it: "
                                             r"gdcm \(pip install python-gdcm\)"):
        read_dicom(pydicom_file("JPEG-lossy.dcm"))
    with pytest.raises(ImageReadError, match=r"meta_missing_tsyntax.dcm.*no Transfer Syntax UID"):
        read_dicom(pydicom_file("meta_missing_tsyntax.dcm"))
