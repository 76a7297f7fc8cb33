"""The built-in TIFF reader (tifffile): bit depths, pages as frames, header probing, broken files.

Every file is written with tifffile in ``tmp_path``; no binary fixtures.
"""

import numpy as np
import pytest
import tifffile
from PIL import Image

from medcnn.datasets import frame_reference, inspect_image, read_image, read_tiff, reader_for
from medcnn.datasets._readers import pillow_header
from medcnn.exceptions import ImageReadError

RGB16 = (np.arange(5 * 6 * 3).reshape(5, 6, 3) * 1021 % 65536).astype(np.uint16)


def write_pages(path, pages, **kwargs):
    with tifffile.TiffWriter(path) as tif:
        for page in pages:
            tif.write(page, **kwargs)
    return str(path)


def test_16bit_rgb_round_trip_keeps_every_value(tmp_path):
    path = tmp_path / "rgb16.tif"
    tifffile.imwrite(path, RGB16, photometric="rgb", compression="zlib")
    image = read_image(path)
    assert image.dtype == np.uint16 and image.shape == (5, 6, 3)
    np.testing.assert_array_equal(image, RGB16)
    assert pillow_header(path) == ((5, 6), "RGB;uint16")


@pytest.mark.parametrize("array, photometric, mode", [
    (np.array([[0, 7], [200, 255]], np.uint8), "minisblack", "L"),
    (np.array([[0, 300], [4095, 65535]], np.uint16), "minisblack", "I;16"),
    (np.array([[0.5, -2.0], [1e6, 3.25]], np.float32), "minisblack", "F"),
    (np.arange(2 * 2 * 4, dtype=np.uint8).reshape(2, 2, 4), "rgb", "RGBA"),
], ids=["L", "I;16", "F", "RGBA"])
def test_grey_float_and_rgba_pages_read_as_stored(tmp_path, array, photometric, mode):
    path = tmp_path / "page.tiff"
    tifffile.imwrite(path, array, photometric=photometric)
    np.testing.assert_array_equal(read_image(path), array)
    assert pillow_header(path) == ((2, 2), mode)


def test_planar_separate_rgb_comes_back_channels_last(tmp_path):
    path = tmp_path / "planar.tif"
    tifffile.imwrite(path, np.moveaxis(RGB16, -1, 0), photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_image(path), RGB16)


def test_pages_are_frames_first_page_by_default(tmp_path):
    pages = [np.full((4, 5), 10 * k, np.uint8) for k in range(3)]
    path = write_pages(tmp_path / "stack.tif", pages)
    assert read_image(path)[0, 0] == 0
    for k in range(3):
        reference = frame_reference(path, k)
        assert reference.endswith(f"stack.tif#frame={k}")
        np.testing.assert_array_equal(read_image(reference), pages[k])
    with pytest.raises(ImageReadError, match=r"stack\.tif.*3 page\(s\), frames 0\.\.2; frame 3 does not exist"):
        read_image(frame_reference(path, 3))


def test_header_probe_reads_the_page_a_reference_names(tmp_path):
    path = write_pages(tmp_path / "mixed.tif", [np.zeros((4, 5), np.uint8), np.zeros((7, 3, 3), np.uint8)],
                       photometric=None)
    assert inspect_image(frame_reference(path, 1)) == ((7, 3), "RGB")
    assert inspect_image(path) == ((4, 5), "L")


def test_ome_and_imagej_planes_are_frames(tmp_path):
    stack = np.arange(2 * 3 * 4 * 5, dtype=np.uint16).reshape(2, 3, 4, 5)
    ome = tmp_path / "cells.ome.tif"
    tifffile.imwrite(ome, stack, ome=True, metadata={"axes": "TZYX"})
    imagej = tmp_path / "hyper.tif"
    tifffile.imwrite(imagej, stack, imagej=True, metadata={"axes": "TZYX"})
    for path in (ome, imagej):
        np.testing.assert_array_equal(read_image(path), stack[0, 0])
        np.testing.assert_array_equal(read_image(frame_reference(path, 4)), stack[1, 1])


def test_multichannel_pages_are_refused_with_what_to_do(tmp_path):
    path = tmp_path / "spectral.tif"
    tifffile.imwrite(path, np.zeros((4, 4, 6), np.uint8), photometric="minisblack", planarconfig="contig")
    with pytest.raises(ImageReadError, match=r"spectral\.tif.*6 samples per pixel.*own page"):
        read_image(path)


def test_truncated_or_corrupt_tiff_names_the_file(tmp_path):
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, np.arange(64 * 64, dtype=np.uint16).reshape(64, 64))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for read in (read_image, pillow_header):
        with pytest.raises(ImageReadError, match=r"cut\.tif.*truncated"):
            read(path)
    garbage = tmp_path / "garbage.tiff"
    garbage.write_bytes(b"II*\x00" + b"\xff" * 20)
    with pytest.raises(ImageReadError, match=r"garbage\.tiff.*not a TIFF image; replace or remove it"):
        read_image(garbage)


def test_pixel_limit_applies_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "big.tif"
    tifffile.imwrite(path, np.zeros((40, 50), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for read in (read_image, pillow_header):
        with pytest.raises(ImageReadError, match=r"big\.tif.*2000 pixels.*decompression bomb"):
            read(path)


def test_lzw_without_imagecodecs_falls_back_to_pillow(tmp_path):
    path = tmp_path / "lzw.tif"
    pages = [np.full((3, 4), 40 * k + 1, np.uint8) for k in range(2)]
    first, *rest = [Image.fromarray(page) for page in pages]
    first.save(path, compression="tiff_lzw", save_all=True, append_images=rest)
    np.testing.assert_array_equal(read_tiff(path, frame=1), pages[1])


def test_bigtiff_without_suffix_is_recognised(tmp_path):
    path = tmp_path / "scan_0042"
    tifffile.imwrite(path, RGB16, photometric="rgb", bigtiff=True)
    assert reader_for(path) == "tif"
    np.testing.assert_array_equal(read_image(path), RGB16)


@pytest.mark.slow
def test_classifier_fits_on_page_frame_references(tmp_path):
    from medcnn import CNNClassifier

    rng = np.random.default_rng(0)
    refs, y = [], []
    for f in range(4):
        pages = [rng.integers(0, 60, (12, 12, 3), dtype=np.uint16) * (1 + 1000 * (k % 2))
                 for k in range(4)]
        path = write_pages(tmp_path / f"slide{f}.tif", pages, photometric="rgb")
        refs += [frame_reference(path, k) for k in range(4)]
        y += [k % 2 for k in range(4)]
    clf = CNNClassifier(architecture="lenet5", epochs=1, batch_size=8, random_state=0).fit(refs, y)
    proba = clf.predict_proba(refs)
    assert proba.shape == (16, 2) and np.allclose(proba.sum(axis=1), 1)
    assert list(clf.classes_) == [0, 1]
