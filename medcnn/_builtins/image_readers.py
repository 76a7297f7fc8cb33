"""Built-in image readers: Pillow for PNG, JPEG and BMP; tifffile for TIFF."""

from medcnn.datasets import PILLOW_SUFFIXES, TIFF_MAGIC, TIFF_SUFFIXES, read_tiff, read_with_pillow
from medcnn.hookspecs import hookimpl

__all__ = ["register_image_readers", "MAGIC"]

#: First bytes of each format, for files whose suffix does not say what they are.
MAGIC = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "bmp": (b"BM",),
    "tif": TIFF_MAGIC,
}


@hookimpl
def register_image_readers(register):
    """Register :func:`medcnn.datasets.read_with_pillow` for PNG, JPEG and BMP and
    :func:`medcnn.datasets.read_tiff` for TIFF."""
    for suffix in PILLOW_SUFFIXES:
        if suffix in TIFF_SUFFIXES:
            register(suffix, read_tiff, description=f".{suffix} files via tifffile (pages as frames)",
                     magic=MAGIC.get(suffix, ()))
        else:
            register(suffix, read_with_pillow, description=f".{suffix} files via Pillow", magic=MAGIC.get(suffix, ()))
