"""Handcrafted image features to use beside (or instead of) learned CNN features.

:class:`TextureFeatures` computes radiomics-style intensity, GLCM, LBP and shape
features with scikit-image, as a scikit-learn transformer. Importing this module
does not import TensorFlow.

Examples
--------
>>> from medcnn.datasets import make_histology
>>> from medcnn.features import TextureFeatures
>>> X, y = make_histology(10, image_size=32, random_state=0)
>>> TextureFeatures(groups=("intensity", "lbp")).fit_transform(X).shape
(10, 22)
"""

from ._texture import TextureFeatures

__all__ = ["TextureFeatures"]
