"""Opening NIfTI files with nibabel: errors that name the file, header facts, decoding."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import numpy as np

from medcnn.exceptions import ImageReadError

from ._volume import oriented_order, orient

__all__ = ["NIFTI_SUFFIXES", "NIFTI_MAGIC", "VolumeHeader", "open_nifti", "is_nifti_name",
           "nifti_stem", "decode"]

NIFTI_SUFFIXES = ("nii", "nii.gz")
#: NIfTI-1 single files carry "n+1\0" at byte 344, NIfTI-2 files "n+2\0\r\n\x1a\n" at byte 4.
NIFTI_MAGIC = ((344, b"n+1\x00"), (4, b"n+2\x00\r\n\x1a\n"))

_UNITS = {"mm": 1.0, "unknown": 1.0, "meter": 1000.0, "micron": 0.001}
_VOLUME_HINT = ("pass volume=<index> to read one of them (from Python: read_nifti(path, volume=0); "
                "with the estimators: reader_params={{'nii.gz': {{'volume': 0}}, 'nii': {{'volume': 0}}}})")


def is_nifti_name(name) -> bool:
    """Whether a file name ends in ``.nii`` or ``.nii.gz`` (any case)."""
    name = str(name).lower()
    return name.endswith(".nii") or name.endswith(".nii.gz")


def nifti_stem(name) -> str:
    """The file name without ``.nii`` / ``.nii.gz``: ``"case1_seg"`` for ``case1_seg.nii.gz``."""
    name = os.path.basename(str(name))
    cut = 7 if name.lower().endswith(".nii.gz") else 4 if name.lower().endswith(".nii") else 0
    return name[:-cut] if cut else name


@dataclass
class VolumeHeader:
    """What the header of one NIfTI file says, and the nibabel image (data not read yet)."""

    path: str
    image: object
    shape: tuple  # as stored, trailing axes of length 1 dropped (at least 3 axes)
    n_volumes: int  # 1 for a 3-D file, else the length of the 4th axis

    def ras_shape(self):
        """Voxels along R, A, S (the shape after ``nibabel.as_closest_canonical``)."""
        return _ras(self, self.shape[:3])

    def ras_zooms(self):
        """Voxel size in mm along R, A, S."""
        unit = _UNITS.get(self.image.header.get_xyzt_units()[0], 1.0)
        return _ras(self, [float(z) * unit for z in self.image.header.get_zooms()[:3]])

    def oriented_shape(self, axis):
        """``(d, h, w)`` of the volume :func:`read_nifti` returns for ``axis``."""
        shape = self.ras_shape()
        return tuple(int(shape[i]) for i in oriented_order(axis))

    def oriented_spacing(self, axis):
        """Voxel size in mm along ``(d, h, w)`` for ``axis``."""
        zooms = self.ras_zooms()
        return tuple(zooms[i] for i in oriented_order(axis))

    def check_data_size(self):
        """Raise an ImageReadError if the file is shorter than its header says (truncated).

        An uncompressed file is checked by its size; a gzip file by the uncompressed
        size in its trailer and, when that does not match, by decompressing it.
        """
        header = self.image.header
        expected = int(header.get_data_offset()) + int(np.prod(self.image.shape, dtype=np.int64)) \
            * header.get_data_dtype().itemsize
        size = os.path.getsize(self.path)
        if not self.path.lower().endswith(".gz"):
            if size < expected:
                raise ImageReadError(_truncated(self.path, f"{size} bytes where its header needs "
                                                           f"{expected}"))
            return
        with open(self.path, "rb") as f:
            f.seek(max(size - 4, 0))
            trailer = int.from_bytes(f.read(4), "little")
        if trailer == expected % 2 ** 32:
            return
        try:
            with gzip.open(self.path, "rb") as f:
                while f.read(1 << 24):
                    pass
        except (OSError, EOFError, ValueError) as exc:
            raise ImageReadError(_truncated(self.path, f"{type(exc).__name__}: {exc}")) from None


def _ras(header, values):
    from nibabel.orientations import io_orientation

    ornt = io_orientation(header.image.affine)
    out = [0] * 3
    for i, (axis, _flip) in enumerate(ornt):
        out[int(axis)] = values[i]
    return tuple(out)


def _truncated(path, detail):
    return (f"NIfTI file {path!r} is truncated or corrupt ({detail}); replace it with a complete "
            "copy or remove it.")


def _load(path):
    """``nibabel.load``, and for a file whose name does not end in .nii/.nii.gz (which
    nibabel refuses) the image class its magic bytes name."""
    import nibabel as nib

    if is_nifti_name(path):
        return nib.load(path, mmap=False)
    with open(path, "rb") as f:
        head = f.read(348)
    for (offset, magic), klass in zip(NIFTI_MAGIC, (nib.Nifti1Image, nib.Nifti2Image)):
        if head[offset:offset + len(magic)] == magic:
            from nibabel.fileholders import FileHolder

            holders = {"header": FileHolder(filename=path), "image": FileHolder(filename=path)}
            return klass.from_file_map(holders, mmap=False)
    return nib.load(path, mmap=False)  # says what it cannot read


def open_nifti(path, volume=None, four_d_hint=None) -> VolumeHeader:
    """Read the header of a NIfTI-1/NIfTI-2 file (no voxel data) and check its dimensions.

    ``four_d_hint`` replaces the advice given for a 4-D file without ``volume``.

    Raises
    ------
    ImageReadError
        If the file is missing, not NIfTI, unreadable, has other than 3 dimensions
        without ``volume``, or ``volume`` is out of range; names the file.
    """
    import nibabel as nib

    path = str(os.fspath(path))
    if not os.path.exists(path):
        raise ImageReadError(f"NIfTI file not found: {path!r}. Check the path.")
    if os.path.isdir(path):
        raise ImageReadError(f"Expected a NIfTI file but {path!r} is a directory.")
    try:
        image = _load(path)
    except Exception as exc:  # nibabel raises many kinds for a bad header
        raise ImageReadError(
            f"Cannot read NIfTI file {path!r}: {type(exc).__name__}: {exc}. The file is empty, "
            "truncated, corrupt or not NIfTI-1/NIfTI-2; replace or remove it."
        ) from None
    if not isinstance(image, nib.Nifti1Image) or getattr(image, "affine", None) is None:
        raise ImageReadError(
            f"{path!r} is a {type(image).__name__}, not a NIfTI-1/NIfTI-2 volume; medcnn-nifti reads "
            "images with a spatial affine only (convert it, or remove it)."
        )
    shape = tuple(int(s) for s in image.shape)
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    shape = shape + (1,) * (3 - len(shape))
    if len(shape) > 4:
        raise ImageReadError(
            f"NIfTI file {path!r} has {len(shape)} dimensions {shape}; only 3-D volumes and 4-D "
            "series of volumes are read. Split it into 3-D volumes (e.g. with nibabel) first."
        )
    n_volumes = shape[3] if len(shape) == 4 else 1
    if volume is not None:
        if isinstance(volume, bool) or not isinstance(volume, (int, np.integer)) or volume < 0:
            raise ValueError(f"volume must be an integer >= 0 (the index along the 4th axis); got "
                             f"{volume!r} for {path!r}.")
        if volume >= n_volumes:
            raise ImageReadError(
                f"volume={volume} is out of range for {path!r}, which holds {n_volumes} volume(s) "
                f"(shape {shape}); use 0 to {n_volumes - 1}.")
    elif n_volumes > 1:
        raise ImageReadError(
            f"NIfTI file {path!r} is 4-D {shape}: {n_volumes} volumes where one 3-D volume is "
            f"expected; {four_d_hint or _VOLUME_HINT.format()}.")
    return VolumeHeader(path, image, shape, n_volumes)


def decode(header: VolumeHeader, axis, volume=None) -> np.ndarray:
    """The voxels of ``header``'s file as float32 ``(d, h, w)`` along ``axis`` (display
    convention of :mod:`._volume`), after ``nibabel.as_closest_canonical``."""
    import nibabel as nib

    image = header.image
    try:
        if len(image.shape) > 3:  # a 4-D series, or trailing axes of length 1
            extra = [0] * (len(image.shape) - 3)
            if len(header.shape) == 4:
                extra[0] = volume or 0
            image = image.slicer[(slice(None),) * 3 + tuple(extra)]
        elif len(image.shape) < 3:
            image = nib.Nifti1Image(np.asanyarray(image.dataobj).reshape(header.shape), image.affine,
                                    image.header)
        ras = nib.as_closest_canonical(image).get_fdata(dtype=np.float32)
    except ImageReadError:
        raise
    except Exception as exc:
        raise ImageReadError(_truncated(header.path, f"{type(exc).__name__}: {exc}")) from None
    return np.ascontiguousarray(orient(ras.reshape(ras.shape[:3]), axis))
