"""medcnn-dicom: DICOM support for medcnn.

It registers, through the ``medcnn`` entry point group,

``dcm`` and ``dicom`` (image readers)
    :func:`read_dicom`: pixel data with the modality LUT applied, windowed or
    min-max scaled to float32 in [0, 1], MONOCHROME1 inverted, one frame of a
    multi-frame file. ``dcm`` also claims files that carry the DICOM "DICM"
    marker at byte 128, whatever their name.
``dicom`` (dataset loader)
    :func:`load_dicom`: class folders or a CSV of paths and labels; the groups
    are the files' PatientID.

pydicom is imported inside the functions, so that loading the plugin (for
instance to list the installed plugins) stays fast.

Examples
--------
>>> from pydicom.data import get_testdata_file
>>> from medcnn_dicom import read_dicom
>>> read_dicom(get_testdata_file("MR_small.dcm"), window="dicom").shape
(64, 64)
"""

from medcnn.hookspecs import hookimpl

from ._loader import load_dicom
from ._reader import DICOM_MAGIC, DICOM_SUFFIXES, has_dicom_magic, read_dataset, read_dicom

__all__ = ["read_dicom", "load_dicom", "read_dataset", "has_dicom_magic", "DICOM_SUFFIXES",
           "DICOM_MAGIC", "register_image_readers", "register_dataset_loaders"]
__version__ = "0.1.0"


@hookimpl
def register_image_readers(register):
    """Register :func:`read_dicom` for ``.dcm`` (with the DICOM magic bytes) and ``.dicom``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)`` from medcnn.

    Examples
    --------
    >>> seen = {}
    >>> register_image_readers(lambda name, factory, description="", **meta: seen.update({name: meta}))
    >>> seen
    {'dcm': {'magic': ((128, b'DICM'),)}, 'dicom': {}}
    """
    # The magic bytes go with "dcm" only: one reader claims suffix-less DICOM files.
    register("dcm", read_dicom, description=".dcm files via pydicom: modality LUT, window, "
             "float32 in [0, 1]", magic=DICOM_MAGIC)
    register("dicom", read_dicom, description=".dicom files via pydicom (same reader as .dcm)")


@hookimpl
def register_dataset_loaders(register):
    """Register :func:`load_dicom` as the dataset loader ``"dicom"``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)`` from medcnn.

    Examples
    --------
    >>> seen = []
    >>> register_dataset_loaders(lambda name, factory, description="", **meta: seen.append(name))
    >>> seen
    ['dicom']
    """
    register("dicom", load_dicom, description="DICOM files: root/<class>/**/*.dcm or a CSV of "
             "paths and labels; groups = PatientID")
