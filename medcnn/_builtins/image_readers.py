"""Built-in image readers: Pillow for PNG, JPEG, BMP and TIFF."""

from medcnn.datasets import PILLOW_SUFFIXES, read_with_pillow
from medcnn.hookspecs import hookimpl

__all__ = ["register_image_readers", "MAGIC"]

#: First bytes of each format, for files whose suffix does not say what they are.
MAGIC = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "bmp": (b"BM",),
    "tif": (b"II*\x00", b"MM\x00*"),
}


@hookimpl
def register_image_readers(register):
    """Register :func:`medcnn.datasets.read_with_pillow` for each suffix Pillow reads."""
    for suffix in PILLOW_SUFFIXES:
        register(suffix, read_with_pillow, description=f".{suffix} files via Pillow",
                 magic=MAGIC.get(suffix, ()))
