"""Datasets: loaders, image readers and the synthetic histology generator.

Examples
--------
>>> from medcnn.datasets import make_histology
>>> X, y = make_histology(10, image_size=32, random_state=0)
>>> X.shape, X.dtype
((10, 32, 32, 3), dtype('uint8'))
"""

from ._images import read_image, reader_for, to_channels
from ._loaders import ImageDataset, load, load_directory
from ._readers import read_with_pillow
from ._synthetic import make_histology

__all__ = ["ImageDataset", "load", "load_directory", "make_histology", "read_image", "reader_for",
           "read_with_pillow", "to_channels"]
