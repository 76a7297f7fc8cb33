"""Per-image descriptors behind :class:`~medcnn.features.TextureFeatures`.

Every function here works on one image: an ``(h, w, c)`` float array (as
:func:`medcnn._input.array_images` returns them) reduced to one 2-D
plane by :func:`image_plane`, and returns a 1-D float64 vector whose entries are
named by :func:`feature_names`; :func:`describe_images` stacks them for a chunk of
images, reading file paths one at a time.

Grey-level rule: the histogram entropy, the GLCM and the LBP read the plane as
intensities in [0, 1] (values outside are clipped); the intensity statistics use
the values as given.

Degenerate-image rule: texture features that an image is too small to define are
0 rather than an error. A GLCM angle whose offset at a distance leaves no pixel
pair inside the image is left out of the average over angles, and a distance
with no pairs at any angle gives 0 for all its GLCM features (a 1 x 1 image has
GLCM features 0). LBP pads the image by repeating its edge, so every pixel, even
of a 1 x 1 image, gets a code. Skewness and kurtosis of a constant image are 0,
and shape features of an empty mask are 0.
"""

from __future__ import annotations

import functools
import numbers
import os
import warnings
from typing import NamedTuple

import numpy as np

from medcnn._input import scaled_float
from medcnn.datasets import read_image, to_channels
from medcnn.exceptions import ImageReadError

__all__ = ["GROUPS", "NAMED_CHANNELS", "GLCM_PROPS", "INTENSITY_FEATURES", "SHAPE_FEATURES",
           "Settings", "validate_settings", "feature_names", "image_plane", "image_features",
           "describe_images"]

#: Feature groups, in the order their names are listed in the error messages.
GROUPS = ("intensity", "glcm", "lbp", "shape")
#: Channel names accepted besides an int channel index.
NAMED_CHANNELS = ("gray", "hematoxylin")
#: skimage.feature.graycoprops properties, with the name used in the feature names.
GLCM_PROPS = {"contrast": "contrast", "dissimilarity": "dissimilarity",
              "homogeneity": "homogeneity", "ASM": "asm", "energy": "energy",
              "correlation": "correlation"}
INTENSITY_PERCENTILES = (10, 25, 50, 75, 90)
INTENSITY_FEATURES = (("mean", "std", "min", "max")
                      + tuple(f"p{q}" for q in INTENSITY_PERCENTILES)
                      + ("skewness", "kurtosis", "entropy"))
#: skimage.measure.regionprops properties, with the name used in the feature names.
SHAPE_FEATURES = {"area": "area", "perimeter": "perimeter", "eccentricity": "eccentricity",
                  "solidity": "solidity", "extent": "extent",
                  "axis_major_length": "major_axis_length",
                  "axis_minor_length": "minor_axis_length"}
#: Bins of the intensity histogram whose entropy is a feature.
ENTROPY_BINS = 32
#: Floor of the RGB values before colour deconvolution: the darkest 8-bit step, as
#: optical density is unbounded at 0.
_RGB_FLOOR = 1 / 255
#: Levels of the LBP input (comparisons are made on integers, which avoids the
#: floating-point ties skimage warns about).
_LBP_LEVELS = 65535


@functools.lru_cache(maxsize=1)
def _hematoxylin_scale():
    """Haematoxylin (``rgb2hed`` channel 0) of black, with RGB floored at 1/255."""
    from skimage.color import rgb2hed

    return float(rgb2hed(np.full((1, 1, 3), _RGB_FLOOR))[0, 0, 0])


class Settings(NamedTuple):
    """Validated parameters of a TextureFeatures."""

    groups: tuple
    channel: object
    levels: int
    distances: tuple
    angles: tuple
    lbp_points: int
    lbp_radius: float


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _sequence(value, name, example):
    try:
        values = (value,) if np.isscalar(value) else tuple(np.asarray(value).ravel().tolist())
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not valid; e.g. {name}={example}.") from None
    if not values:
        raise ValueError(f"{name} must not be empty; e.g. {name}={example}.")
    return values


def validate_settings(groups, channel, levels, distances, angles, lbp_points, lbp_radius):
    """Check the parameters of a TextureFeatures; return them as :class:`Settings`."""
    groups = (groups,) if isinstance(groups, str) else tuple(groups) if groups is not None else ()
    unknown = [g for g in groups if g not in GROUPS]
    if not groups or unknown or len(set(groups)) != len(groups):
        raise ValueError(
            f"groups={groups!r} is not valid; give one or more distinct names among "
            f"{', '.join(map(repr, GROUPS))} (unknown: {unknown!r})."
        )
    if not (_is_int(channel) or (isinstance(channel, str) and channel in NAMED_CHANNELS)):
        raise ValueError(
            f"channel={channel!r} is not valid; use one of {', '.join(map(repr, NAMED_CHANNELS))} "
            "or an int channel index."
        )
    if not _is_int(levels) or not 2 <= levels <= 256:
        raise ValueError(f"levels={levels!r} is not valid; give an int in [2, 256].")
    distances = _sequence(distances, "distances", "(1, 2)")
    if not all(_is_int(d) and d >= 1 for d in distances) or len(set(distances)) != len(distances):
        raise ValueError(f"distances={distances!r} is not valid; give distinct ints >= 1 (pixels).")
    angles = _sequence(angles, "angles", "(0, np.pi / 2)")
    if not all(isinstance(a, numbers.Real) and np.isfinite(a) for a in angles):
        raise ValueError(f"angles={angles!r} is not valid; give finite angles in radians.")
    if not _is_int(lbp_points) or not 1 <= lbp_points <= 32:
        raise ValueError(f"lbp_points={lbp_points!r} is not valid; give an int in [1, 32].")
    if (not isinstance(lbp_radius, numbers.Real) or isinstance(lbp_radius, bool)
            or not np.isfinite(lbp_radius) or lbp_radius <= 0):
        raise ValueError(f"lbp_radius={lbp_radius!r} is not valid; give a number > 0 (pixels).")
    return Settings(groups, channel, int(levels), tuple(int(d) for d in distances),
                    tuple(float(a) for a in angles), int(lbp_points), float(lbp_radius))


def feature_names(settings: Settings) -> list:
    """Names of the features, group by group in the order of ``settings.groups``."""
    names = []
    for group in settings.groups:
        if group == "intensity":
            names += [f"intensity_{n}" for n in INTENSITY_FEATURES]
        elif group == "glcm":
            names += [f"glcm_{n}_d{d}" for n in GLCM_PROPS.values() for d in settings.distances]
        elif group == "lbp":
            names += [f"lbp_u{k}" for k in range(settings.lbp_points + 2)]
        else:
            names += [f"shape_{n}" for n in SHAPE_FEATURES.values()]
    return names


def image_plane(image: np.ndarray, channel) -> np.ndarray:
    """The 2-D float64 plane of an ``(h, w, c)`` image that the features describe.

    ``"gray"``: a 1-channel image as is, gray+alpha without alpha, RGB(A) by
    ``skimage.color.rgb2gray``; ``"hematoxylin"``: channel 0 of
    ``skimage.color.rgb2hed`` of the RGB values floored at 1/255, divided by its
    value for black (so white is 0, black 1, and H&E tissue lies in [0, 1]); an
    int: that channel.
    """
    c = image.shape[-1]
    if isinstance(channel, str) and channel == "gray":
        if c in (1, 2):
            return image[..., 0].astype(np.float64)
        if c in (3, 4):
            from skimage.color import rgb2gray

            return rgb2gray(image[..., :3]).astype(np.float64)
        raise ValueError(
            f"channel='gray' needs gray, gray+alpha, RGB or RGBA images; these have {c} "
            "channels. Pick one with an int channel index."
        )
    if isinstance(channel, str):  # "hematoxylin"
        if c not in (3, 4):
            raise ValueError(
                f"channel='hematoxylin' needs RGB (H&E-stained) images; these have {c} channel(s)."
            )
        from skimage.color import rgb2hed

        rgb = np.maximum(image[..., :3], np.float32(_RGB_FLOOR))
        return rgb2hed(rgb)[..., 0].astype(np.float64) / _hematoxylin_scale()
    if not -c <= channel < c:
        raise ValueError(f"channel={channel} is out of range for images with {c} channel(s).")
    return image[..., channel].astype(np.float64)


def _quantise(plane, levels, dtype):
    """Clip to [0, 1], then map to the integers 0 .. levels - 1 (equal-width bins)."""
    q = np.floor(np.clip(plane, 0.0, 1.0) * levels)
    return np.minimum(q, levels - 1).astype(dtype)


def intensity_features(plane: np.ndarray) -> np.ndarray:
    """Mean, std, min, max, percentiles, skewness, (excess) kurtosis, histogram entropy."""
    from scipy.stats import kurtosis, skew

    values = plane.ravel()
    spread = values.max() - values.min()
    moments = (0.0, 0.0)
    if spread > 0:
        with warnings.catch_warnings():  # nearly constant: scipy warns and gives NaN -> 0
            warnings.simplefilter("ignore", RuntimeWarning)
            moments = (skew(values), kurtosis(values))
    counts = np.bincount(_quantise(values, ENTROPY_BINS, np.intp), minlength=ENTROPY_BINS)
    p = counts[counts > 0] / values.size
    entropy = float(-(p * np.log2(p)).sum()) + 0.0
    return np.concatenate([
        [values.mean(), values.std(), values.min(), values.max()],
        np.percentile(values, INTENSITY_PERCENTILES), np.nan_to_num(moments), [entropy],
    ])


def glcm_features(plane: np.ndarray, levels, distances, angles) -> np.ndarray:
    """GLCM properties per distance, averaged over the angles that have pixel pairs."""
    from skimage.feature import graycomatrix, graycoprops

    q = _quantise(plane, levels, np.uint8)
    glcm = graycomatrix(q, distances, angles, levels=levels, symmetric=True, normed=False)
    has_pairs = glcm.sum(axis=(0, 1)) > 0  # (n_distances, n_angles)
    n_angles = has_pairs.sum(axis=1)
    features = []
    for prop in GLCM_PROPS:
        values = np.where(has_pairs, graycoprops(glcm, prop), 0.0).sum(axis=1)
        features.append(np.divide(values, n_angles, out=np.zeros(len(distances)),
                                  where=n_angles > 0))
    return np.concatenate(features)


def lbp_features(plane: np.ndarray, points, radius) -> np.ndarray:
    """Normalised histogram of rotation-invariant uniform LBP codes (``points + 2`` bins)."""
    from skimage.feature import local_binary_pattern

    image = np.round(np.clip(plane, 0.0, 1.0) * _LBP_LEVELS).astype(np.uint16)
    pad = int(np.ceil(radius)) + 1
    codes = local_binary_pattern(np.pad(image, pad, mode="edge"), points, radius, method="uniform")
    codes = codes[pad:-pad, pad:-pad].astype(np.intp).ravel()
    return np.bincount(codes, minlength=points + 2) / codes.size


def shape_features(mask: np.ndarray) -> np.ndarray:
    """Shape of the largest connected region (8-connectivity) of a 2-D mask; 0 if empty."""
    from skimage.measure import label, regionprops

    regions = regionprops(label(mask))
    if not regions:
        return np.zeros(len(SHAPE_FEATURES))
    largest = max(regions, key=lambda r: r.area)
    return np.array([float(getattr(largest, prop)) for prop in SHAPE_FEATURES])


def image_features(image: np.ndarray, settings: Settings, mask=None) -> np.ndarray:
    """All features of one ``(h, w, c)`` image (and its ``(h, w)`` mask for shape)."""
    plane = image_plane(image, settings.channel)
    parts = []
    for group in settings.groups:
        if group == "intensity":
            parts.append(intensity_features(plane))
        elif group == "glcm":
            parts.append(glcm_features(plane, settings.levels, settings.distances, settings.angles))
        elif group == "lbp":
            parts.append(lbp_features(plane, settings.lbp_points, settings.lbp_radius))
        else:
            parts.append(shape_features(mask))
    return np.concatenate(parts).astype(np.float64, copy=False)


def _read_path(path):
    """One image file as float32 ``(h, w, 3)`` if it has colour, else ``(h, w, 1)``."""
    image = read_image(path)
    channels = 3 if image.ndim == 3 and image.shape[-1] >= 3 else 1
    try:
        image = scaled_float(to_channels(image, channels))
    except ValueError as exc:
        raise ImageReadError(f"{str(os.fspath(path))!r}: {exc}") from None
    if not np.all(np.isfinite(image)):
        raise ValueError(f"Image file {str(os.fspath(path))!r} holds NaN or infinite values.")
    return image


def _read_mask(mask, where):
    """A 2-D boolean mask (nonzero = foreground) from an array or an image file."""
    if isinstance(mask, (str, os.PathLike)):
        mask = to_channels(read_image(mask), 1)
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2 or mask.dtype.kind not in "biuf":
        raise ValueError(
            f"The mask of {where} has shape {mask.shape} and dtype {mask.dtype}; give a 2-D "
            "boolean or numeric array (nonzero = foreground), (h, w, 1) or an image file path."
        )
    return mask != 0


def describe_images(images, masks, settings, offset):
    """Feature rows of ``images`` (arrays, or paths read one at a time), numbered from ``offset``."""
    rows = []
    for i, image in enumerate(images):
        where = f"image {offset + i}"
        if isinstance(image, (str, os.PathLike)):
            where = f"image {offset + i} ({str(os.fspath(image))!r})"
            image = _read_path(image)
        mask = None
        if masks is not None:
            mask = _read_mask(masks[i], where)
            if mask.shape != image.shape[:2]:
                raise ValueError(
                    f"The mask of {where} has shape {mask.shape}, but the image is "
                    f"{image.shape[:2]}; give masks of the images' height and width."
                )
        rows.append(image_features(image, settings, mask))
    return np.vstack(rows) if rows else np.empty((0, 0))
