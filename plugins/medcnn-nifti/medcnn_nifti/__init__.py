"""medcnn-nifti: NIfTI support for medcnn.

It registers, through the ``medcnn`` entry point group,

``nii`` and ``nii.gz`` (image readers)
    :func:`read_nifti`: a slice, a stack of neighbouring slices as channels, or the
    whole volume of a NIfTI-1/NIfTI-2 file, oriented to RAS and normalised per
    volume, as float32. ``nii`` also claims files carrying the NIfTI magic
    (``n+1`` at byte 344 for NIfTI-1, ``n+2`` at byte 4 for NIfTI-2), whatever
    their name, as far as medcnn reads that many bytes of a file.
``nifti`` (dataset loader)
    :func:`load_nifti`: class folders or a CSV of volumes, cut into slice samples
    by a slice policy (middle, largest mask area, all, stack, whole volume).

nibabel is imported inside the functions, so that loading the plugin (for
instance to list the installed plugins) stays fast.

Examples
--------
>>> import os
>>> from nibabel.testing import data_path
>>> from medcnn_nifti import read_nifti
>>> read_nifti(os.path.join(data_path, "anatomical.nii"), frame=12).shape
(41, 33)
"""

from medcnn.hookspecs import hookimpl

from ._cache import cache_info, clear_cache, set_cache_size
from ._header import NIFTI_MAGIC, NIFTI_SUFFIXES
from ._loader import load_nifti
from ._pairing import MASK_TAGS
from ._reader import read_nifti
from ._volume import AXES, NORMALIZATIONS, normalize_volume

__all__ = ["read_nifti", "load_nifti", "normalize_volume", "cache_info", "clear_cache", "set_cache_size",
           "AXES", "NORMALIZATIONS", "MASK_TAGS", "NIFTI_SUFFIXES", "NIFTI_MAGIC",
           "register_image_readers", "register_dataset_loaders"]
__version__ = "0.1.0"


@hookimpl
def register_image_readers(register):
    """Register :func:`read_nifti` for ``.nii`` (with the NIfTI magic bytes) and ``.nii.gz``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)`` from medcnn.

    Examples
    --------
    >>> seen = {}
    >>> register_image_readers(lambda name, factory, description="", **meta: seen.update({name: meta}))
    >>> sorted(seen), seen["nii"]["magic"][0]
    (['nii', 'nii.gz'], (344, b'n+1\\x00'))
    """
    # The magic bytes go with "nii" only: an uncompressed file is what they can identify.
    register("nii", read_nifti, description=".nii files via nibabel: RAS slices, stacks or volumes, "
             "float32 normalised per volume", magic=NIFTI_MAGIC)
    register("nii.gz", read_nifti, description=".nii.gz files via nibabel (same reader as .nii; "
             "decoded volumes are cached)")


@hookimpl
def register_dataset_loaders(register):
    """Register :func:`load_nifti` as the dataset loader ``"nifti"``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)`` from medcnn.

    Examples
    --------
    >>> seen = []
    >>> register_dataset_loaders(lambda name, factory, description="", **meta: seen.append(name))
    >>> seen
    ['nifti']
    """
    register("nifti", load_nifti, description="NIfTI volumes: root/<class>/**/*.nii[.gz] or a CSV; "
             "slice policies middle/largest/all/stack/volume; groups = volume or patient")
