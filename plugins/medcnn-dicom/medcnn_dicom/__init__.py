"""medcnn-dicom: DICOM support for medcnn.

It registers, through the ``medcnn`` entry point group,

``dcm`` and ``dicom`` (image readers)
    :func:`read_dicom`: one frame decoded by pydicom (compressed transfer
    syntaxes through the pylibjpeg decoders), modality LUT, then one or several
    windows (``(center, width)``, presets such as ``"brain"``, or the file's own
    VOI LUT with ``"dicom"``) or min-max scaling, float32 in [0, 1],
    MONOCHROME1 inverted. ``dcm`` also claims files that carry the DICOM
    "DICM" marker at byte 128, whatever their name.
``dicom`` (dataset loader)
    :func:`load_dicom`: class folders or a CSV of paths and labels; groups from
    PatientID (or another element) with fallbacks; the first, middle or every
    frame of multi-frame files; metadata for ``describe``.
``dicom_series`` (dataset loader)
    :func:`load_dicom_series`: files grouped into series by SeriesInstanceUID and
    ordered along the slice normal; the slices as 2-D samples, or one volume per
    series for the 3-D architectures.

pydicom is imported inside the functions, so that loading the plugin (for
instance to list the installed plugins) stays fast.

Examples
--------
>>> from pydicom.data import get_testdata_file
>>> from medcnn_dicom import read_dicom
>>> read_dicom(get_testdata_file("MR_small.dcm"), window="dicom").shape
(64, 64)
>>> sorted(WINDOW_PRESETS)
['abdomen', 'bone', 'brain', 'lung', 'mediastinum', 'subdural']
"""

from medcnn.hookspecs import hookimpl

from ._headers import MissingGroupWarning
from ._loader import load_dicom
from ._pixels import decoder_problem
from ._reader import DICOM_MAGIC, DICOM_SUFFIXES, has_dicom_magic, read_dataset, read_dicom
from ._series import load_dicom_series
from ._windows import WINDOW_PRESETS

__all__ = ["read_dicom", "load_dicom", "load_dicom_series", "read_dataset", "has_dicom_magic", "decoder_problem",
           "WINDOW_PRESETS", "MissingGroupWarning", "DICOM_SUFFIXES", "DICOM_MAGIC",
           "register_image_readers", "register_dataset_loaders"]
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
    register("dcm", read_dicom, description=".dcm files via pydicom: modality LUT, windows or "
             "presets as channels, float32 in [0, 1]", magic=DICOM_MAGIC)
    register("dicom", read_dicom, description=".dicom files via pydicom (same reader as .dcm)")


@hookimpl
def register_dataset_loaders(register):
    """Register :func:`load_dicom` as ``"dicom"`` and :func:`load_dicom_series` as ``"dicom_series"``.

    Parameters
    ----------
    register : callable
        ``register(name, factory, description="", **metadata)`` from medcnn.

    Examples
    --------
    >>> seen = []
    >>> register_dataset_loaders(lambda name, factory, description="", **meta: seen.append(name))
    >>> seen
    ['dicom', 'dicom_series']
    """
    register("dicom", load_dicom, description="DICOM files: root/<class>/**/*.dcm or a CSV of "
             "paths and labels; groups = PatientID (fallbacks), frames first/middle/all")
    register("dicom_series", load_dicom_series, description="DICOM series grouped by SeriesInstanceUID: "
             "slices in position order, or one (resampled) volume per series; groups = PatientID")
