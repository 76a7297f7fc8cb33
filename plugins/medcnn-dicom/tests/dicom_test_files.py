"""Test files for the DICOM plugin's tests: pydicom's own, and copies with elements changed."""

import warnings
from pathlib import Path

import pytest


def pydicom_file(name):
    """The path of pydicom's test file ``name``; the test is skipped when it is not on disk."""
    from pydicom.data import get_testdata_file

    with warnings.catch_warnings():  # a missing file makes pydicom try (and fail) a download
        warnings.simplefilter("ignore")
        path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom test file {name} is not available")
    return path


def copy_dataset(src, dst, delete=(), **attributes):
    """Copy a DICOM file with some elements set (``attributes``) or deleted, via pydicom."""
    import pydicom

    ds = pydicom.dcmread(src)
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    for keyword in delete:
        delattr(ds, keyword)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(dst)
    return str(dst)
