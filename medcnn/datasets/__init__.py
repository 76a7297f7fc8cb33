"""Datasets: loaders, image readers and the synthetic histology generators (two classes, grades,
several findings, a measured quantity, survival times).

Examples
--------
>>> from medcnn.datasets import make_histology
>>> X, y = make_histology(10, image_size=32, random_state=0)
>>> X.shape, X.dtype
((10, 32, 32, 3), dtype('uint8'))
"""

from ._dataset import ImageDataset, inspect_image
from ._duplicates import DEFAULT_MAX_DISTANCE, find_duplicates, perceptual_hash
from ._images import read_image, reader_for, to_channels
from ._references import frame_reference, split_frame, split_reference
from ._images import read_with, suffix_names  # noqa: F401 - for the input pipeline, not public API
from ._loaders import ON_ERROR  # noqa: F401 - shared with the estimators, not public API
from ._leakage import DuplicatePair, LeakageReport, check_leakage
from ._loaders import (IDC_PATIENT_PATTERN, ErrorPolicy, guess_loader, load, load_arrays, load_csv,
                       load_directory, load_idc)
from ._readers import (PILLOW_SUFFIXES, TIFF_MAGIC, TIFF_SUFFIXES, has_colour,  # noqa: F401 - for the input
                       max_image_pixels, pillow_header)  # pipeline and the built-in plugin, not public API
from ._readers import read_with_pillow
from ._tiff import read_tiff
from ._synthetic import make_histology
from ._synthetic_tasks import (HISTOLOGY_FINDINGS, make_histology_multilabel, make_histology_regression,
                               make_histology_survival)

__all__ = ["DEFAULT_MAX_DISTANCE", "DuplicatePair", "ErrorPolicy", "HISTOLOGY_FINDINGS", "ImageDataset",
           "IDC_PATIENT_PATTERN", "LeakageReport", "check_leakage", "find_duplicates", "frame_reference", "guess_loader",
           "inspect_image", "load", "load_arrays", "load_csv", "load_directory", "load_idc", "make_histology",
           "make_histology_multilabel", "make_histology_regression", "make_histology_survival", "perceptual_hash",
           "read_image", "read_tiff", "read_with_pillow", "reader_for", "split_frame", "split_reference",
           "to_channels"]
