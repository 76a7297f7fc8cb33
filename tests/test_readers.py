"""Built-in Pillow readers, reader selection (suffix / magic bytes) and to_channels.

Every image is generated with Pillow in ``tmp_path``; no binary fixtures.
"""

import numpy as np
import pytest
from PIL import Image

from medcnn.datasets import read_image, read_with_pillow, reader_for, to_channels
from medcnn.exceptions import ImageReadError, MedCNNError

GRAY = np.array([[0, 1, 127], [128, 254, 255]], np.uint8)
GRAY16 = np.array([[0, 255, 256], [300, 4095, 65535]], np.uint16)
RGB = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                [[10, 20, 30], [200, 100, 50], [255, 255, 255]]], np.uint8)
RGBA = np.concatenate([RGB, np.array([[[0], [64], [128]], [[192], [254], [255]]], np.uint8)],
                      axis=-1)
PALETTE = [(255, 0, 0), (0, 128, 255), (7, 8, 9), (250, 250, 0)]
INDICES = np.array([[0, 1, 2], [3, 2, 1]], np.uint8)


def save(image, path, **kwargs):
    image.save(path, **kwargs)
    return str(path)


def mode_of(path):
    with Image.open(path) as image:
        return image.mode


def palette_image():
    image = Image.new("P", (INDICES.shape[1], INDICES.shape[0]))
    image.putpalette([c for colour in PALETTE for c in colour] + [0] * (768 - 3 * len(PALETTE)))
    image.putdata(INDICES.ravel().tolist())
    return image


def quadrants(colours, block=8):
    """A (2*block, 2*block, 3) uint8 image of four flat blocks (JPEG-friendly)."""
    image = np.zeros((2 * block, 2 * block, 3), np.uint8)
    for (r, c), colour in zip([(0, 0), (0, 1), (1, 0), (1, 1)], colours):
        image[r * block:(r + 1) * block, c * block:(c + 1) * block] = colour
    return image


def check(array, expected):
    assert array.dtype == expected.dtype
    assert array.shape == expected.shape
    np.testing.assert_array_equal(array, expected)


# --------------------------------------------------------------------------- PNG


def test_png_1bit_becomes_8bit_gray(tmp_path):
    bits = np.array([[0, 255, 0], [255, 255, 0]], np.uint8)
    path = save(Image.fromarray(bits).convert("1"), tmp_path / "mask.png")
    assert mode_of(path) == "1"
    check(read_image(path), bits)


def test_png_gray8(tmp_path):
    check(read_image(save(Image.fromarray(GRAY), tmp_path / "g.png")), GRAY)


def test_png_gray16_keeps_values_above_255(tmp_path):
    path = save(Image.fromarray(GRAY16), tmp_path / "g16.png")
    assert mode_of(path).startswith("I")
    image = read_image(path)
    check(image, GRAY16)
    assert image.max() == 65535


def test_png_rgb_and_rgba(tmp_path):
    check(read_image(save(Image.fromarray(RGB), tmp_path / "rgb.png")), RGB)
    check(read_image(save(Image.fromarray(RGBA), tmp_path / "rgba.png")), RGBA)


def test_png_palette_expands_to_palette_colours(tmp_path):
    path = save(palette_image(), tmp_path / "p.png")
    assert mode_of(path) == "P"
    expected = np.array(PALETTE, np.uint8)[INDICES]
    check(read_image(path), expected)


def test_png_palette_with_transparency_becomes_rgba(tmp_path):
    path = save(palette_image(), tmp_path / "pt.png", transparency=2)
    with Image.open(path) as image:
        assert image.mode == "P" and "transparency" in image.info
    expected = np.concatenate(
        [np.array(PALETTE, np.uint8)[INDICES], np.where(INDICES == 2, 0, 255).astype(np.uint8)[..., None]],
        axis=-1)
    check(read_image(path), expected)


def test_png_gray_alpha_becomes_gray(tmp_path):
    la = np.stack([GRAY, 255 - GRAY], axis=-1)
    path = save(Image.fromarray(la, mode="LA"), tmp_path / "la.png")
    assert mode_of(path) == "LA"
    check(read_image(path), GRAY)


# -------------------------------------------------------------------------- TIFF


@pytest.mark.parametrize("array", [GRAY, GRAY16, RGB, RGBA], ids=["L", "I;16", "RGB", "RGBA"])
def test_tiff_lossless_modes(tmp_path, array):
    check(read_image(save(Image.fromarray(array), tmp_path / "scan.tif")), array)


def test_tiff_float32(tmp_path):
    values = np.array([[0.0, -1.25, 0.5], [3.0e5, 1e-7, 255.75]], np.float32)
    path = save(Image.fromarray(values), tmp_path / "f.tiff")
    assert mode_of(path) == "F"
    check(read_image(path), values)


def test_tiff_big_endian_16bit_becomes_native_uint16(tmp_path):
    raw = GRAY16.astype(">u2")
    image = Image.frombytes("I;16B", (raw.shape[1], raw.shape[0]), raw.tobytes())
    path = save(image, tmp_path / "be.tif")
    image = read_image(path)
    assert image.dtype == np.uint16 and image.dtype.byteorder in ("=", "<", "|")
    np.testing.assert_array_equal(image, GRAY16)


def test_tiff_ycbcr_becomes_rgb(tmp_path):
    colour = quadrants([(200, 40, 90), (10, 200, 30), (0, 0, 0), (255, 255, 255)])
    path = save(Image.fromarray(colour).convert("YCbCr"), tmp_path / "ycc.tif")
    if mode_of(path) != "YCbCr":
        pytest.skip(f"this Pillow ({Image.__version__}) writes YCbCr images as {mode_of(path)} TIFF files")
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == colour.shape
    np.testing.assert_allclose(image, colour, atol=3)


# --------------------------------------------------------------------------- BMP


def test_bmp_gray_rgb_palette(tmp_path):
    check(read_image(save(Image.fromarray(GRAY), tmp_path / "g.bmp")), GRAY)
    check(read_image(save(Image.fromarray(RGB), tmp_path / "rgb.bmp")), RGB)
    path = save(palette_image(), tmp_path / "p.bmp")
    assert mode_of(path) == "P"
    check(read_image(path), np.array(PALETTE, np.uint8)[INDICES])


# -------------------------------------------------------------------------- JPEG


def test_jpeg_gray_lossy(tmp_path):
    gray = quadrants([(0,) * 3, (90,) * 3, (180,) * 3, (255,) * 3])[..., 0]
    image = read_image(save(Image.fromarray(gray), tmp_path / "g.jpg", quality=95))
    assert image.dtype == np.uint8 and image.shape == gray.shape
    np.testing.assert_allclose(image, gray, atol=3)


def test_jpeg_rgb_lossy(tmp_path):
    colour = quadrants([(200, 40, 90), (10, 200, 30), (0, 0, 0), (255, 255, 255)])
    path = save(Image.fromarray(colour), tmp_path / "rgb.jpg", quality=95, subsampling=0)
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == colour.shape
    np.testing.assert_allclose(image, colour, atol=4)


def test_jpeg_cmyk_becomes_rgb(tmp_path):
    cmyk = np.zeros((16, 16, 4), np.uint8)
    cmyk[:, 8:, 0] = 255  # right half pure cyan, left half no ink (white)
    path = save(Image.fromarray(cmyk, mode="CMYK"), tmp_path / "cmyk.jpg", quality=100)
    assert mode_of(path) == "CMYK"
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (16, 16, 3)
    np.testing.assert_allclose(image[:, :8], np.full((16, 8, 3), 255), atol=4)
    np.testing.assert_allclose(image[:, 8:], np.broadcast_to([0, 255, 255], (16, 8, 3)), atol=4)


# ------------------------------------------------------------- reader selection


@pytest.mark.parametrize("name, reader", [("a.PNG", "png"), ("b.Tif", "tif"), ("c.JPEG", "jpeg"),
                                          ("d.TIFF", "tiff"), ("e.Bmp", "bmp"), ("f.JpG", "jpg")])
def test_suffix_case_is_ignored(tmp_path, name, reader):
    fmt = {"png": "PNG", "tif": "TIFF", "tiff": "TIFF", "jpeg": "JPEG", "jpg": "JPEG", "bmp": "BMP"}
    path = save(Image.fromarray(GRAY), tmp_path / name, format=fmt[reader])
    assert reader_for(path) == reader
    image = read_image(path)
    assert image.shape == GRAY.shape
    if reader not in ("jpeg", "jpg"):
        check(image, GRAY)


@pytest.mark.parametrize("fmt, reader", [("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif"),
                                         ("BMP", "bmp")])
@pytest.mark.parametrize("name", ["scan", "scan.img"])
def test_magic_bytes_pick_the_reader(tmp_path, fmt, reader, name):
    path = save(Image.fromarray(RGB), tmp_path / name, format=fmt)
    assert reader_for(path) == reader
    assert reader_for(tmp_path / name) == reader  # PathLike accepted
    image = read_image(path)
    assert image.shape == RGB.shape and image.dtype == np.uint8
    if fmt != "JPEG":
        check(image, RGB)


def test_unknown_format_names_file_and_lists_readers(tmp_path):
    path = tmp_path / "notes.img"
    path.write_text("hello, this is not an image\n")
    for call in (reader_for, read_image):
        with pytest.raises(ImageReadError) as info:
            call(str(path))
        message = str(info.value)
        assert "notes.img" in message and ".img" in message
        for suffix in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
            assert suffix in message


def test_no_suffix_text_file(tmp_path):
    path = tmp_path / "README"
    path.write_text("plain text")
    with pytest.raises(ImageReadError, match="README.*suffix \\(none\\)"):
        reader_for(path)


def test_missing_file_with_unknown_suffix(tmp_path):
    with pytest.raises(ImageReadError, match="not found.*") as info:
        reader_for(tmp_path / "gone.img")
    assert "gone.img" in str(info.value)


def test_image_read_error_is_value_error():
    assert issubclass(ImageReadError, ValueError)
    assert issubclass(ImageReadError, MedCNNError)


# ----------------------------------------------------------------- bad files


def _real_png_bytes(tmp_path):
    rng = np.random.default_rng(0)
    path = save(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)),
                tmp_path / "real.png")
    with open(path, "rb") as f:
        return f.read()


def _real_jpeg_bytes(tmp_path):
    rng = np.random.default_rng(1)
    path = save(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)),
                tmp_path / "real.jpg")
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("case", ["empty", "truncated_png", "truncated_jpeg", "text_as_png",
                                  "directory", "missing"])
def test_bad_files_raise_image_read_error_naming_the_file(tmp_path, case):
    name = {"truncated_jpeg": "broken.jpg", "directory": "x.png"}.get(case, "broken.png")
    path = tmp_path / name
    if case == "empty":
        path.write_bytes(b"")
    elif case == "truncated_png":
        path.write_bytes(_real_png_bytes(tmp_path)[:60])
    elif case == "truncated_jpeg":
        data = _real_jpeg_bytes(tmp_path)
        path.write_bytes(data[:len(data) // 2])
    elif case == "text_as_png":
        path.write_text("this is a text file, not a PNG\n")
    elif case == "directory":
        path.mkdir()
    for reader in (read_image, read_with_pillow):
        with pytest.raises(ImageReadError) as info:
            reader(str(path))
        message = str(info.value)
        assert str(path) in message
        if case == "missing":
            assert "not found" in message
        if case == "directory":
            assert "directory" in message


def test_truncated_file_without_suffix_fails_cleanly(tmp_path):
    path = tmp_path / "scan"
    path.write_bytes(_real_png_bytes(tmp_path)[:60])
    assert reader_for(path) == "png"  # signature is intact
    with pytest.raises(ImageReadError, match="scan"):
        read_image(path)


# ----------------------------------------------------------------- to_channels


def luma(rgb):
    return [round(0.299 * r + 0.587 * g + 0.114 * b) for r, g, b in rgb]


def test_to_channels_gray_2d_to_1_and_3():
    one = to_channels(GRAY, 1)
    check(one, GRAY[..., None])
    three = to_channels(GRAY, 3)
    check(three, np.repeat(GRAY[..., None], 3, axis=-1))
    check(to_channels(GRAY[..., None], 3), three)


def test_to_channels_rgb_to_gray_uses_bt601_luma():
    pixels = [(10, 20, 30), (255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 100, 50),
              (255, 255, 255), (0, 0, 0), (1, 2, 3)]
    rgb = np.array([pixels], np.uint8)
    gray = to_channels(rgb, 1)
    assert gray.shape == (1, len(pixels), 1) and gray.dtype == np.uint8
    assert gray[0, :, 0].tolist() == luma(pixels)
    assert gray[0, 0, 0] == 18  # 2.99 + 11.74 + 3.42 = 18.15


def test_to_channels_rgb_to_gray_keeps_uint16_and_float():
    pixels = [(65535, 65535, 65535), (1000, 2000, 3000), (65535, 0, 0)]
    rgb16 = np.array([pixels], np.uint16)
    gray16 = to_channels(rgb16, 1)
    assert gray16.dtype == np.uint16
    assert gray16[0, :, 0].tolist() == luma(pixels)
    rgbf = np.array([[[0.1, 0.2, 0.3]]], np.float32)
    grayf = to_channels(rgbf, 1)
    assert grayf.dtype == np.float32 and grayf.shape == (1, 1, 1)
    assert grayf[0, 0, 0] == pytest.approx(0.299 * 0.1 + 0.587 * 0.2 + 0.114 * 0.3, rel=1e-6)


def test_to_channels_drops_alpha():
    check(to_channels(RGBA, 3), RGB)
    gray_rgba = to_channels(RGBA, 1)
    assert gray_rgba[..., 0].ravel().tolist() == luma(RGB.reshape(-1, 3).tolist())
    la = np.stack([GRAY, 255 - GRAY], axis=-1)
    check(to_channels(la, 1), GRAY[..., None])
    check(to_channels(la, 3), np.repeat(GRAY[..., None], 3, axis=-1))


def test_to_channels_identity():
    check(to_channels(RGB, 3), RGB)
    # an image that already has the wanted channel count is left alone (alpha included)
    check(to_channels(RGBA, 4), RGBA)
    la = np.stack([GRAY, 255 - GRAY], axis=-1)
    check(to_channels(la, 2), la)


@pytest.mark.parametrize("shape, channels", [((2, 2, 5), 3), ((2, 2, 5), 1), ((2, 2, 3), 2),
                                            ((2, 2, 4), 2)])
def test_to_channels_unsupported_raises(shape, channels):
    with pytest.raises(ValueError, match="supported: 1 <-> 3 channels, alpha dropped") as info:
        to_channels(np.zeros(shape, np.uint8), channels)
    assert f"{shape[-1]} channels" in str(info.value)


def test_read_then_to_channels_pipeline(tmp_path):
    """What the estimators do: read any mode, then bring it to 1 or 3 channels."""
    path = save(palette_image(), tmp_path / "pt.png", transparency=2)
    rgb = to_channels(read_image(path), 3)
    check(rgb, np.array(PALETTE, np.uint8)[INDICES])
    gray = to_channels(read_image(path), 1)
    assert gray[..., 0].ravel().tolist() == luma(np.array(PALETTE)[INDICES].reshape(-1, 3).tolist())


# ---------------------------------------------------------------- size quirks


@pytest.mark.parametrize("suffix", ["png", "tif", "bmp", "jpg"])
@pytest.mark.parametrize("size", [(1, 50), (50, 1), (1, 1)])  # (h, w)
def test_thin_and_single_pixel_images(tmp_path, suffix, size):
    gray = np.full(size, 77, np.uint8)
    rgb = np.full(size + (3,), (10, 120, 240), np.uint8)
    gray_read = read_image(save(Image.fromarray(gray), tmp_path / f"g.{suffix}"))
    rgb_read = read_image(save(Image.fromarray(rgb), tmp_path / f"c.{suffix}", **(
        {"quality": 95, "subsampling": 0} if suffix == "jpg" else {})))
    assert gray_read.shape == size and gray_read.dtype == np.uint8
    assert rgb_read.shape == size + (3,) and rgb_read.dtype == np.uint8
    tol = 4 if suffix == "jpg" else 0
    np.testing.assert_allclose(gray_read, gray, atol=tol)
    np.testing.assert_allclose(rgb_read, rgb, atol=tol)
    assert to_channels(gray_read, 3).shape == size + (3,)
    assert to_channels(rgb_read, 1).shape == size + (1,)


# ----------------------------------------------------------------- shape from headers
HEADER_CASES = [  # (Pillow mode of the saved image, suffix)
    ("1", "png"), ("L", "png"), ("I;16", "png"), ("LA", "png"), ("RGB", "png"), ("RGBA", "png"),
    ("P", "png"), ("L", "jpg"), ("RGB", "jpg"), ("CMYK", "jpg"), ("F", "tif"), ("RGB", "bmp"),
]


@pytest.mark.parametrize("mode, suffix", HEADER_CASES, ids=[f"{m}-{s}" for m, s in HEADER_CASES])
def test_header_gives_the_size_and_colour_the_decoder_gives(tmp_path, mode, suffix):
    from medcnn.datasets import has_colour, pillow_header

    path = tmp_path / f"image.{suffix}"
    Image.new(mode, (7, 5)).save(path)
    (height, width), header_mode = pillow_header(path)
    decoded = read_with_pillow(path)
    assert (height, width) == decoded.shape[:2] == (5, 7)
    assert has_colour(header_mode) == (decoded.ndim == 3 and decoded.shape[-1] >= 3)


def test_fit_probes_pillow_files_by_header_without_decoding_them(tmp_path, monkeypatch):
    """The input size and channels of path X come from headers: no Pillow file is decoded to learn them."""
    import medcnn.datasets._readers as readers
    from medcnn._input import PathImages

    paths = []
    for i, (mode, size) in enumerate([("L", (9, 6)), ("RGB", (9, 6)), ("L", (4, 4))]):
        paths.append(tmp_path / f"{i}.png")
        Image.new(mode, size).save(paths[-1])
    decoded = []
    monkeypatch.setattr(readers, "_to_array", lambda image: decoded.append(image) or np.zeros((1, 1)))
    source = PathImages(paths)
    assert source.sample_shape == (6, 9, 3)  # the most common size; colour as one file has it
    assert decoded == []


def test_probe_of_a_broken_file_names_it(tmp_path):
    from medcnn._input import PathImages

    good, broken = tmp_path / "good.png", tmp_path / "broken.png"
    Image.new("L", (4, 4)).save(good)
    broken.write_bytes(good.read_bytes()[:30])
    with pytest.raises(ImageReadError, match="broken.png.*replace or remove it"):
        PathImages([good, broken]).sample_shape
