"""H&E stain augmentation in optical-density space, and Macenko stain estimation.

Light passing through a stained slide follows Beer-Lambert: the optical density
``OD = -log(I)`` (``I`` the transmitted intensity in [0, 1]) of a pixel is a sum of
stain vectors weighted by concentrations, ``OD = C @ M`` with ``M`` the 3 x 3
matrix of stain OD vectors (rows: haematoxylin, eosin, residual). Stain jitter
(Tellez et al. 2018, "HED" augmentation) perturbs the concentrations of H and E
per image and maps back to RGB.
"""

import keras
import numpy as np
from keras import ops

from ._checks import check_number, check_seed, check_value_range, rgb_error

__all__ = ["RUIFROK_STAIN_MATRIX", "RandomStainJitter", "macenko_stain_matrix", "stain_matrix_from"]

#: Ruifrok & Johnston (2001) stain OD vectors, rows haematoxylin, eosin, DAB (used
#: as the residual channel), normalised to unit length. ``skimage.color.rgb_from_hed``
#: holds the same rows before normalisation (their norms are within 0.3 % of 1).
RUIFROK_STAIN_MATRIX = np.array([[0.65, 0.70, 0.29],
                                 [0.07, 0.99, 0.11],
                                 [0.27, 0.57, 0.78]])
RUIFROK_STAIN_MATRIX = RUIFROK_STAIN_MATRIX / np.linalg.norm(RUIFROK_STAIN_MATRIX, axis=1, keepdims=True)

#: Smallest intensity used in ``-log(I)`` (a black pixel has OD -log(EPS)).
EPS = 1e-6


def stain_matrix_from(stain_matrix, augmenter="stain_jitter"):
    """Resolve ``"ruifrok"`` or a 3 x 3 array to a row-normalised stain matrix.

    Parameters
    ----------
    stain_matrix : {"ruifrok"} or array-like of shape (3, 3)
        Rows are the OD vectors of haematoxylin, eosin and a residual stain.
    augmenter : str, default="stain_jitter"
        Name used in error messages.

    Returns
    -------
    numpy.ndarray of shape (3, 3)
        The matrix with each row scaled to unit length.

    Raises
    ------
    ValueError
        If ``stain_matrix`` is an unknown name, not 3 x 3, not finite, has a zero row
        or is (nearly) singular.

    Examples
    --------
    >>> stain_matrix_from("ruifrok").shape
    (3, 3)
    """
    fix = ("give 'ruifrok' or a 3x3 array of stain optical-density vectors (rows haematoxylin, "
           "eosin, residual), e.g. macenko_stain_matrix(images).")
    if isinstance(stain_matrix, str):
        if stain_matrix.lower() != "ruifrok":
            raise ValueError(f"Augmenter {augmenter!r}: stain_matrix={stain_matrix!r} is not known; {fix}")
        return RUIFROK_STAIN_MATRIX.copy()
    try:
        matrix = np.asarray(stain_matrix, dtype=np.float64)
    except (TypeError, ValueError):
        matrix = np.zeros(0)
    if matrix.shape != (3, 3) or not np.all(np.isfinite(matrix)):
        raise ValueError(f"Augmenter {augmenter!r}: stain_matrix of shape {matrix.shape} is not "
                         f"valid; {fix}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"Augmenter {augmenter!r}: stain_matrix has a zero row; {fix}")
    matrix = matrix / norms
    if np.linalg.cond(matrix) > 1e6:
        raise ValueError(f"Augmenter {augmenter!r}: stain_matrix is singular (its rows are linearly "
                         f"dependent); {fix}")
    return matrix


@keras.saving.register_keras_serializable(package="medcnn")
class RandomStainJitter(keras.layers.Layer):
    """Random H&E stain jitter in optical-density space (Tellez et al., 2018).

    Each image ``I`` (scaled to [0, 1] from ``value_range``) is converted to optical
    density ``OD = -log(max(I, 1e-6))`` and unmixed into stain concentrations
    ``C = OD @ inv(M)``. The haematoxylin and eosin concentrations are perturbed per
    image, ``C' = alpha C + beta`` with ``alpha ~ U(1 - sigma, 1 + sigma)`` and
    ``beta ~ U(-bias, bias)`` drawn per image and stain; the residual stain is left
    untouched. The result ``exp(-C' @ M)`` is clipped to [0, 1] and mapped back to
    ``value_range``. Identity when ``training`` is False.

    Parameters
    ----------
    sigma : float, default=0.05
        Largest relative change of a stain concentration, in [0, 1].
    bias : float, default=0.05
        Largest additive change of a stain concentration (OD units), in [0, 1].
    stain_matrix : {"ruifrok"} or array-like of shape (3, 3), default="ruifrok"
        Stain OD vectors, rows haematoxylin, eosin, residual (see
        :data:`RUIFROK_STAIN_MATRIX` and :func:`macenko_stain_matrix`).
    value_range : tuple of float, default=(0, 1)
        Range of the pixel values.
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Base layer keyword arguments (``name``, ``dtype``).

    Attributes
    ----------
    required_channels : int
        3: the layer needs RGB images and raises ``ValueError`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.full((2, 4, 4, 3), 0.5, dtype="float32")
    >>> layer = RandomStainJitter(sigma=0.1, seed=0)
    >>> bool(np.array_equal(np.asarray(layer(x, training=False)), x))
    True
    >>> float(np.asarray(layer(x, training=True)).max()) <= 1.0
    True
    """

    #: Channel count the layer needs.
    required_channels = 3

    def __init__(self, sigma=0.05, bias=0.05, stain_matrix="ruifrok", value_range=(0, 1),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.sigma = check_number("stain_jitter", "sigma", sigma, 0, 1)
        self.bias = check_number("stain_jitter", "bias", bias, 0, 1)
        matrix = stain_matrix_from(stain_matrix)
        # kept as given (a list for the config); the layer uses the normalised matrix
        self.stain_matrix = (stain_matrix if isinstance(stain_matrix, str)
                             else np.asarray(stain_matrix, dtype=float).tolist())
        self.value_range = check_value_range("stain_jitter", value_range)
        self.seed = check_seed("stain_jitter", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._matrix = matrix.astype("float32")
        self._inverse = np.linalg.inv(matrix).astype("float32")

    def _check_channels(self, channels):
        if channels is not None and channels != self.required_channels:
            raise rgb_error("stain_jitter", channels)

    def build(self, input_shape):
        self._check_channels(tuple(input_shape)[-1] if input_shape else None)
        super().build(input_shape)

    def call(self, images, training=True):
        if not training:
            return images
        self._check_channels(images.shape[-1])
        low, high = self.value_range
        x = ops.cast(images, "float32")
        x = (x - low) / (high - low)
        od = -ops.log(ops.maximum(x, EPS))
        concentrations = ops.matmul(od, ops.convert_to_tensor(self._inverse))
        batch = ops.shape(images)[0]
        alpha = keras.random.uniform((batch, 1, 1, 2), 1.0 - self.sigma, 1.0 + self.sigma,
                                     seed=self.seed_generator)
        beta = keras.random.uniform((batch, 1, 1, 2), -self.bias, self.bias, seed=self.seed_generator)
        # the residual channel keeps alpha = 1, beta = 0
        alpha = ops.concatenate([alpha, ops.ones_like(alpha[..., :1])], axis=-1)
        beta = ops.concatenate([beta, ops.zeros_like(beta[..., :1])], axis=-1)
        od = ops.matmul(concentrations * alpha + beta, ops.convert_to_tensor(self._matrix))
        out = ops.clip(ops.exp(-od), 0.0, 1.0) * (high - low) + low
        return ops.cast(out, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma, "bias": self.bias,
                "stain_matrix": self.stain_matrix, "value_range": self.value_range,
                "seed": self.seed}


def macenko_stain_matrix(images, alpha=1.0, beta=0.15, value_range=None):
    """Estimate the H&E stain matrix of images with Macenko's method.

    Following Macenko et al. (2009): pixels are converted to optical density
    ``OD = -log(I)``; pixels with an OD below ``beta`` in any channel (background)
    are dropped; the OD vectors are projected on the plane of the two main
    directions (the two eigenvectors of their covariance with the largest
    eigenvalues); the stain vectors are the directions at the ``alpha`` and
    ``100 - alpha`` percentiles of the angle in that plane. Haematoxylin is the one
    with the larger red OD component (it absorbs red light, eosin hardly does: the
    rule of Macenko's reference implementation). The third row is the normalised
    cross product of the two, a residual direction orthogonal to both.

    Parameters
    ----------
    images : array-like of shape (..., 3)
        RGB images or pixels, e.g. ``(n, height, width, 3)``. Integer images are
        scaled by their dtype's maximum (255 for uint8), float images must be in
        ``value_range``.
    alpha : float, default=1.0
        Percentile (in (0, 50)) of the angle used for the extreme stain directions;
        robust to outliers.
    beta : float, default=0.15
        OD threshold below which a pixel counts as background, in [0, 2).
    value_range : tuple of float, optional
        Range of the pixel values of float images; default (0, 1) for float images
        and (0, dtype max) for integer images.

    Returns
    -------
    numpy.ndarray of shape (3, 3)
        Unit rows haematoxylin, eosin, residual; usable as
        ``stain_jitter(stain_matrix=...)``.

    Raises
    ------
    ValueError
        If the images are not RGB, the parameters are out of range, or fewer than
        10 pixels are stained (OD above ``beta``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> share = rng.random((2000, 1))
    >>> conc = rng.uniform(0.3, 1.5, (2000, 1)) * np.hstack([share, 1 - share])
    >>> pixels = np.exp(-conc @ RUIFROK_STAIN_MATRIX[:2])
    >>> matrix = macenko_stain_matrix(pixels)
    >>> bool(matrix[0] @ RUIFROK_STAIN_MATRIX[0] > 0.99)
    True
    """
    x = np.asarray(images)
    if x.ndim < 1 or x.shape[-1] != 3:
        channels = x.shape[-1] if x.ndim else None
        raise ValueError(f"macenko_stain_matrix needs RGB images (last axis of 3 channels); got shape "
                         f"{x.shape} ({channels} channels). Give H&E images as (..., height, width, 3).")
    if not 0 < float(alpha) < 50:
        raise ValueError(f"macenko_stain_matrix: alpha={alpha!r} is out of range; give a percentile "
                         "in (0, 50), e.g. 1.")
    if not 0 <= float(beta) < 2:
        raise ValueError(f"macenko_stain_matrix: beta={beta!r} is out of range; give an optical "
                         "density threshold in [0, 2), e.g. 0.15.")
    if value_range is None:
        value_range = (0, np.iinfo(x.dtype).max) if np.issubdtype(x.dtype, np.integer) else (0, 1)
    low, high = check_value_range("macenko_stain_matrix", value_range)
    x = (x.astype(np.float64) - low) / (high - low)
    od = -np.log(np.clip(x, 1 / 255, 1)).reshape(-1, 3)
    od = od[np.all(od >= beta, axis=1)]
    if len(od) < 10:
        raise ValueError(f"macenko_stain_matrix: only {len(od)} pixels have an optical density of at "
                         f"least beta={beta} in every channel. Give stained tissue (not background) "
                         "or lower beta.")
    _, vectors = np.linalg.eigh(np.cov(od, rowvar=False))
    plane = vectors[:, [2, 1]]  # largest eigenvalue first
    if od.mean(axis=0) @ plane[:, 0] < 0:  # orient so the angles centre on 0, away from +-pi
        plane[:, 0] = -plane[:, 0]
    projected = od @ plane
    phi = np.arctan2(projected[:, 1], projected[:, 0])
    low_phi, high_phi = np.percentile(phi, [alpha, 100 - alpha])
    first = plane @ np.array([np.cos(low_phi), np.sin(low_phi)])
    second = plane @ np.array([np.cos(high_phi), np.sin(high_phi)])
    h, e = (first, second) if first[0] > second[0] else (second, first)
    rows = []
    for v in (h, e, np.cross(h, e)):
        v = v / np.linalg.norm(v)
        rows.append(-v if v.sum() < 0 else v)
    return np.array(rows)
