"""TextureFeatures: handcrafted radiomics-style image features as a scikit-learn transformer."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from medcnn._input import ImageSpec, PathImages, array_images, is_path_array
from medcnn._validation import ImageShape, Int, Real, StrOptions, validate_parameters

from ._descriptors import GROUPS, NAMED_CHANNELS, describe_images, feature_names, image_plane, validate_settings

__all__ = ["TextureFeatures"]

#: Largest number of images one joblib task describes when ``n_jobs`` asks for workers.
_MAX_CHUNK = 64


class TextureFeatures(TransformerMixin, BaseEstimator):
    """Handcrafted radiomics-style texture features of images.

    Describes each image by first-order intensity statistics, grey-level
    co-occurrence (GLCM) properties, a local binary pattern (LBP) histogram and,
    given masks, the shape of the masked region, all computed with scikit-image.
    ``fit`` learns no statistics (only the input size and the feature names), so
    the transformer combines freely with learned features, e.g. in
    ``FeatureUnion([("deep", <deep feature extractor>), ("texture", TextureFeatures())])``.

    Parameters
    ----------
    groups : str or tuple of str, default=("intensity", "glcm", "lbp")
        Feature groups, in output order, among ``"intensity"``, ``"glcm"``,
        ``"lbp"`` and ``"shape"`` (the last needs ``masks=``, see
        :meth:`transform`).
    channel : {"gray", "hematoxylin"} or int, default="gray"
        Plane the features describe: ``"gray"`` converts RGB(A) images by
        ``skimage.color.rgb2gray`` (gray images are used as they are);
        ``"hematoxylin"`` is the haematoxylin stain of H&E images
        (``skimage.color.rgb2hed`` channel 0 of the RGB values floored at 1/255,
        divided by its value for black: white is 0, black 1, and stained tissue
        lies in [0, 1]); an int picks that channel.
    levels : int, default=32
        Grey levels of the GLCM, in [2, 256]: the plane, clipped to [0, 1], is
        cut into ``levels`` equal-width bins.
    distances : tuple of int, default=(1, 2)
        GLCM pixel-pair distances; each gives its own features (``_d1``, ...).
    angles : tuple of float, default=(0, pi/4, pi/2, 3*pi/4)
        GLCM angles in radians; the properties are averaged over them.
    lbp_points : int, default=8
        Neighbours P of the uniform LBP; its histogram has ``P + 2`` bins.
    lbp_radius : float, default=1
        Radius of the LBP circle in pixels.
    image_shape : tuple of int, optional
        ``(h, w)`` or ``(h, w, c)`` of the rows of a 2-D X (flattened images), as
        in :class:`medcnn.CNNClassifier`; without it a row is read as a
        one-pixel-high strip ``(1, n_features, 1)``.
    n_jobs : int, optional
        Workers describing images in parallel with joblib; None means 1 unless
        in a ``joblib.parallel_config`` context, -1 means all processors.

    Attributes
    ----------
    n_features_in_ : int
        Pixels (times channels) per image of the X given to fit, as for the CNN
        estimators; for file paths, of the most common size among the first files.
    feature_names_out_ : numpy.ndarray of str
        Names of the output features, see :meth:`get_feature_names_out`.

    See Also
    --------
    medcnn.CNNClassifier : Learned (deep) image features and classification.

    Notes
    -----
    Features (default 34, with shape 41):

    - ``intensity_``: ``mean``, ``std``, ``min``, ``max``, percentiles ``p10``,
      ``p25``, ``p50``, ``p75``, ``p90``, ``skewness`` and (excess) ``kurtosis``
      (``scipy.stats``), ``entropy`` (bits) of a 32-bin histogram of [0, 1];
    - ``glcm_<prop>_d<distance>`` for ``contrast``, ``dissimilarity``,
      ``homogeneity``, ``asm``, ``energy`` and ``correlation``
      (``skimage.feature.graycomatrix``, symmetric, normalised; ``graycoprops``);
    - ``lbp_u0`` ... ``lbp_u<P+1>``: fractions of pixels per rotation-invariant
      uniform LBP code (``skimage.feature.local_binary_pattern``; the image is
      padded by its edge values so border pixels count too);
    - ``shape_``: ``area``, ``perimeter``, ``eccentricity``, ``solidity``,
      ``extent``, ``major_axis_length``, ``minor_axis_length`` of the largest
      connected region of the mask (``skimage.measure.regionprops``).

    Input scaling follows the CNN estimators: uint8 images are divided by 255,
    uint16 by 65535, floats are used as given and should lie in [0, 1]; the
    histogram entropy, GLCM and LBP clip values outside [0, 1]. Intensity,
    GLCM and LBP features describe the whole image, also when masks are given.

    Degenerate images give 0, not an error: a GLCM angle that leaves no pixel
    pair in the image at a distance is left out of the average, and a distance
    without pairs at any angle gives 0 for its GLCM features (so a 1 x 1 image
    has GLCM features 0); skewness and kurtosis of a constant image are 0, and
    shape features of an empty mask are 0. NaN or infinite pixels raise.

    File paths are read one at a time (through :func:`medcnn.datasets.read_image`,
    brought to RGB if the file has colour, else to gray), so large sets need not
    fit in memory.

    Examples
    --------
    >>> from medcnn.datasets import make_histology
    >>> from medcnn.features import TextureFeatures
    >>> X, y = make_histology(20, image_size=32, random_state=0)
    >>> texture = TextureFeatures()
    >>> features = texture.fit_transform(X)
    >>> features.shape
    (20, 34)
    >>> texture.get_feature_names_out()[[0, 12, 24]]
    array(['intensity_mean', 'glcm_contrast_d1', 'lbp_u0'], dtype=object)

    A constant image has no texture:

    >>> import numpy as np
    >>> glcm = TextureFeatures(groups="glcm")
    >>> flat = glcm.fit_transform(np.full((1, 8, 8), 0.5))
    >>> names = list(glcm.get_feature_names_out())
    >>> [float(flat[0, names.index(f"glcm_{p}_d1")]) for p in ("contrast", "homogeneity", "energy")]
    [0.0, 1.0, 1.0]

    Shape features of masked regions (here: the dark, nuclear pixels):

    >>> masks = X.mean(axis=-1) < 120
    >>> TextureFeatures(groups=("intensity", "shape")).fit_transform(X, masks=masks).shape
    (20, 19)

    Deep and classic features side by side (``FunctionTransformer`` stands in for a
    deep feature extractor):

    >>> from sklearn.pipeline import FeatureUnion
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> union = FeatureUnion([("deep", FunctionTransformer(lambda X: X.mean(axis=(1, 2)))),
    ...                       ("texture", TextureFeatures(groups="lbp"))])
    >>> union.fit_transform(X).shape
    (20, 13)
    """

    def __init__(self, *, groups=("intensity", "glcm", "lbp"), channel="gray", levels=32,
                 distances=(1, 2), angles=(0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
                 lbp_points=8, lbp_radius=1, image_shape=None, n_jobs=None):
        self.groups = groups
        self.channel = channel
        self.levels = levels
        self.distances = distances
        self.angles = angles
        self.lbp_points = lbp_points
        self.lbp_radius = lbp_radius
        self.image_shape = image_shape
        self.n_jobs = n_jobs

    _parameter_constraints = {
        "groups": [str, list, tuple],
        "channel": [Int(None, None, closed="neither"), StrOptions(set(NAMED_CHANNELS))],
        "levels": [Int(2, 256)],
        "distances": ["array-like"],
        "angles": ["array-like"],
        "lbp_points": [Int(1, 32)],
        "lbp_radius": [Real(0, None, closed="neither")],
        "image_shape": [ImageShape(), None],
        "n_jobs": [Int(None, None, closed="neither"), None],
    }
    _parameter_hints = {
        "groups": f"give one or several of {GROUPS}",
        "channel": f"use one of {', '.join(map(repr, NAMED_CHANNELS))} or an int channel index",
        "levels": "give an int in [2, 256]",
        "distances": "give distinct ints >= 1 (pixels)",
        "angles": "give finite angles in radians",
        "lbp_points": "give an int in [1, 32]",
        "lbp_radius": "give a number > 0 (pixels)",
    }

    def _settings(self):
        return validate_settings(self.groups, self.channel, self.levels, self.distances,
                                 self.angles, self.lbp_points, self.lbp_radius)

    def _array_images(self, X, n_features=None):
        """Validated float32 images ``(n, h, w, c)`` of an array X."""
        spec = None
        if n_features is not None and _ndim(X) == 2:
            shape = (1, n_features, 1)  # what array_images makes of the rows: check their length
            if self.image_shape is not None:
                shape = tuple(int(s) for s in np.atleast_1d(self.image_shape))
                shape += (1,) if len(shape) == 2 else ()
            spec = ImageSpec(shape, shape)
        images, _ = array_images(X, spec, image_shape=self.image_shape,
                                 estimator_name=type(self).__name__)
        if images.shape[1] == 0 or images.shape[2] == 0:
            raise ValueError(f"X holds images of shape {images.shape[1:]}; images need at least "
                             "one pixel.")
        return images

    def fit(self, X, y=None):
        """Check the parameters and X; learn the input size and the feature names.

        Parameters
        ----------
        X : array-like of shape (n, h, w), (n, h, w, c) or (n, features), or 1-D of paths
            Images, flattened images (see ``image_shape``) or image file paths.
        y : None
            Ignored.

        Returns
        -------
        self : TextureFeatures
            Fitted transformer.
        """
        validate_parameters(self)
        settings = self._settings()  # what the values of the sequences may be
        if is_path_array(X):

            sample_shape = PathImages(X).sample_shape  # the CNN estimators' rule
        else:
            images = self._array_images(X)
            image_plane(images[0], settings.channel)  # raises if the channel does not fit
            sample_shape = images.shape[1:]
        self.n_features_in_ = int(np.prod(sample_shape))
        self.feature_names_out_ = np.asarray(feature_names(settings), dtype=object)
        return self

    def transform(self, X, *, masks=None):
        """Compute the features of each image.

        Parameters
        ----------
        X : array-like of shape (n, h, w), (n, h, w, c) or (n, features), or 1-D of paths
            Images (uint8, uint16 or float in [0, 1]), flattened images, or image
            file paths (read one at a time).
        masks : array-like of shape (n, h, w), sequence of 2-D arrays, or 1-D of paths, optional
            One mask per image (nonzero = region), needed by the ``"shape"``
            group and ignored otherwise. Inside a Pipeline, pass it with
            metadata routing: ``sklearn.set_config(enable_metadata_routing=True)``
            and ``TextureFeatures(...).set_transform_request(masks=True)``, then
            ``pipe.fit(X, y, masks=masks)`` and ``pipe.predict(X, masks=masks)``
            (without routing, ``pipe.fit(X, y, <step>__masks=masks)`` reaches
            ``fit_transform`` but predict cannot pass masks).

        Returns
        -------
        features : numpy.ndarray of float64, shape (n, n_features)
            Columns named by :meth:`get_feature_names_out`.

        Raises
        ------
        ValueError
            If X is not valid (wrong dimensions, NaN or infinite values, a row
            length other than in fit), the channel does not exist in the images,
            or ``"shape"`` is in ``groups`` and no fitting masks are given.
        """
        check_is_fitted(self)
        settings = self._settings()
        if list(feature_names(settings)) != list(self.feature_names_out_):
            raise ValueError("The parameters changed since fit, and with them the features; "
                             "call fit again.")
        if is_path_array(X):
            images = list(X)
        else:
            images = self._array_images(X, self.n_features_in_)
        n = len(images)
        if "shape" not in settings.groups:
            masks = None
        elif masks is None:
            raise ValueError("groups includes 'shape', which needs a mask per image: pass "
                             "masks= to transform or fit_transform (in a Pipeline, route it "
                             "with set_transform_request(masks=True)).")
        else:
            if not is_path_array(masks) and not isinstance(masks, np.ndarray):
                masks = list(masks)
            if len(masks) != n:
                raise ValueError(f"Got {len(masks)} masks for {n} images; give one mask per image.")

        from joblib import Parallel, delayed, effective_n_jobs

        n_jobs = effective_n_jobs(self.n_jobs)
        if n_jobs == 1:
            features = describe_images(images, masks, settings, 0)
        else:
            size = max(1, min(_MAX_CHUNK, math.ceil(n / (4 * n_jobs))))
            chunks = [slice(i, i + size) for i in range(0, n, size)]
            parts = Parallel(n_jobs=n_jobs)(
                delayed(describe_images)(images[c], None if masks is None else masks[c], settings, c.start)
                for c in chunks)
            features = np.vstack(parts)
        return features.astype(np.float64, copy=False)

    def fit_transform(self, X, y=None, *, masks=None):
        """Fit, then compute the features of X (``masks`` as in :meth:`transform`).

        Parameters
        ----------
        X : array-like or 1-D of paths
            As in :meth:`fit`.
        y : None
            Ignored.
        masks : array-like, sequence of 2-D arrays or 1-D of paths, optional
            As in :meth:`transform`.

        Returns
        -------
        features : numpy.ndarray of float64, shape (n, n_features)
            Columns named by :meth:`get_feature_names_out`.
        """
        return self.fit(X, y).transform(X, masks=masks)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output features.

        Parameters
        ----------
        input_features : array-like of str, optional
            Not used in the names (features describe whole images); if given, its
            length must be ``n_features_in_``.

        Returns
        -------
        feature_names_out : numpy.ndarray of str
            For example ``intensity_mean``, ``glcm_contrast_d1``, ``lbp_u3``,
            ``shape_area``.
        """
        check_is_fitted(self)
        if input_features is not None and len(input_features) != self.n_features_in_:
            raise ValueError(f"input_features has {len(input_features)} names, but "
                             f"{type(self).__name__} was fitted on {self.n_features_in_} features.")
        return np.asarray(self.feature_names_out_, dtype=object)


def _ndim(X):
    """Dimensions of X, or None when X is not a regular array (the shared checks report it)."""
    if hasattr(X, "ndim"):
        return X.ndim
    try:
        return np.asarray(X).ndim
    except ValueError:
        return None
