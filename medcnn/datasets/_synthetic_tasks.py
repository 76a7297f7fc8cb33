"""Synthetic H&E-like histology patches for multi-label, regression and survival tasks.

The patches are rendered as by :func:`medcnn.datasets.make_histology`; only the
nuclei drawn and the targets differ.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._survival import survival_target
from ._synthetic import _CHUNK, _as_generator, _draw_nuclei, _nucleus_parameters, _stain, _validate_sizes

__all__ = ["HISTOLOGY_FINDINGS", "make_histology_multilabel", "make_histology_regression",
           "make_histology_survival"]

#: Names of the findings of :func:`make_histology_multilabel`, in the order of its
#: label columns.
HISTOLOGY_FINDINGS = ("atypia", "inflammation", "necrosis")

# Lymphocytes of an inflammatory infiltrate, in the units of ``_NUCLEI``: many
# small, round, very dark nuclei with dense chromatin, mostly in one aggregate.
_LYMPHOCYTES = dict(count=50.0, radius=(1.2, 1.6), aspect=1.1, irregularity=0.02,
                    darkness=(1.9, 2.3), chromatin=0.05, clustered=0.75)
# Necrotic region: radius range as a fraction of the patch side, and the share of
# the nuclei inside it that are lost.
_NECROSIS_RADIUS = (0.3, 0.45)
_NECROSIS_NUCLEI_LOST = 0.95

# Survival model: baseline hazard (median survival of 24 time units, e.g. months,
# at the sample's mean nuclear burden) and log hazard ratio per standard deviation
# of the nuclear burden.
_BASELINE_HAZARD = np.log(2.0) / 24.0
_LOG_HAZARD_RATIO = 1.0


def _parameters_of(table, n):
    """Nucleus parameters ``{key: (n, 1 or 2) array}`` of ``n`` patches alike."""
    return {key: np.tile(np.array(value, dtype=float).reshape(1, -1), (n, 1))
            for key, value in table.items()}


def _is_fraction(value, upper_open=False):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not np.isfinite(value):
        return False
    return 0.0 <= value < 1.0 if upper_open else 0.0 <= value <= 1.0


def _validate_prevalence(prevalence):
    n_labels = len(HISTOLOGY_FINDINGS)
    if isinstance(prevalence, numbers.Real) and _is_fraction(prevalence):
        return np.full(n_labels, float(prevalence))
    try:
        values = np.asarray(prevalence, dtype=float)
    except (TypeError, ValueError):
        values = None
    if (values is None or values.shape != (n_labels,) or not np.all(np.isfinite(values))
            or np.any(values < 0) or np.any(values > 1)):
        raise ValueError(
            f"prevalence must be a number in [0, 1] or {n_labels} of them, the fractions of "
            f"patches with each finding {HISTOLOGY_FINDINGS}, e.g. (0.3, 0.3, 0.3); got {prevalence!r}."
        )
    return values


def _validate_noise(noise):
    if (not isinstance(noise, numbers.Real) or isinstance(noise, bool) or not np.isfinite(noise)
            or noise < 0):
        raise ValueError(
            f"noise must be a finite number >= 0 (standard deviation of the log of the "
            f"measurement error; 0 for none); got {noise!r}."
        )


def _necrotic_regions(rng, n, size):
    """Soft masks ``(n, size, size)`` of one irregular blob per patch, 1 inside."""
    from scipy.ndimage import gaussian_filter

    centre = rng.uniform(0.25, 0.75, (n, 2, 1, 1)) * size
    radius = rng.uniform(*_NECROSIS_RADIUS, (n, 1, 1)) * size
    coords = np.arange(size) + 0.5
    distance = np.hypot(coords[None, :, None] - centre[:, 0], coords[None, None, :] - centre[:, 1])
    wobble = gaussian_filter(rng.standard_normal((n, size, size)), (0, size / 8.0, size / 8.0),
                             mode="wrap")
    wobble /= wobble.std(axis=(1, 2), keepdims=True) + 1e-12
    edge = 0.08 * radius + 0.5
    return 1.0 / (1.0 + np.exp(-(radius * (1.0 + 0.2 * wobble) - distance) / edge))


def _render_findings(rng, findings, size):
    """RGB patches of uint8 for the 0/1 finding indicators ``findings``, ``(n, 3)``."""
    n = len(findings)
    scale = size / 50.0
    atypia, inflammation, necrosis = (findings[:, k].astype(bool) for k in range(3))
    nuclei, mask, chromatin = _draw_nuclei(rng, _nucleus_parameters(atypia.astype(float)), size, scale)
    inflamed = np.flatnonzero(inflammation)
    if len(inflamed):
        lymphocytes, lymphocyte_mask, _ = _draw_nuclei(rng, _parameters_of(_LYMPHOCYTES, len(inflamed)),
                                                       size, scale)
        nuclei[inflamed] = np.maximum(nuclei[inflamed], lymphocytes)
        mask[inflamed] = np.maximum(mask[inflamed], lymphocyte_mask)
    necrotic = np.zeros((n, size, size))
    necrotic[necrosis] = _necrotic_regions(rng, int(necrosis.sum()), size)
    kept = (1.0 - _NECROSIS_NUCLEI_LOST * necrotic).astype(np.float32)
    return _stain(rng, nuclei * kept, mask * kept, chromatin, size, necrosis=necrotic)


def make_histology_multilabel(n_samples=200, image_size=50, prevalence=(0.3, 0.3, 0.3),
                              random_state=None):
    """Generate synthetic H&E histology patches with several independent findings.

    A multi-label dataset: each patch may show any combination of three
    findings, named in :data:`HISTOLOGY_FINDINGS` in the order of the label
    columns:

    ``"atypia"``
        Nuclear atypia: the nuclei are those of the malignant patches of
        :func:`make_histology` (more, larger, elongated, irregular, darker,
        crowded) instead of the benign ones.
    ``"inflammation"``
        An inflammatory infiltrate: many small, round, very dark lymphocyte
        nuclei, mostly gathered in one aggregate, on top of the other nuclei.
    ``"necrosis"``
        A large irregular necrotic region, about a quarter to half of the patch:
        pale, structureless stroma that has lost its nuclei and fibres.

    A patch without findings looks like a benign patch of
    :func:`make_histology`. Stain, hue and brightness vary from patch to patch
    as there, independently of the findings.

    Parameters
    ----------
    n_samples : int, default=200
        Number of patches, at least 2.
    image_size : int, default=50
        Side of the square patches in pixels, at least 8.
    prevalence : float or sequence of three floats, default=(0.3, 0.3, 0.3)
        Fraction of patches with each finding, in [0, 1]; one number applies to
        all three. Exactly ``round(n_samples * prevalence[k])`` patches show
        finding ``k``, drawn independently of the other findings.
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        Seed or generator for reproducible output.

    Returns
    -------
    X : numpy.ndarray of uint8, shape (n_samples, image_size, image_size, 3)
        RGB patches.
    Y : numpy.ndarray of int, shape (n_samples, 3)
        Label indicator matrix, scikit-learn's multi-label format: ``Y[i, k]``
        is 1 when patch ``i`` shows finding ``HISTOLOGY_FINDINGS[k]``, else 0.

    Raises
    ------
    ValueError
        If ``n_samples < 2``, ``image_size < 8`` or ``prevalence`` is not one
        or three numbers in [0, 1].

    See Also
    --------
    make_histology : Benign/malignant patches or tumour grades.

    Examples
    --------
    >>> from medcnn.datasets import HISTOLOGY_FINDINGS, make_histology_multilabel
    >>> X, Y = make_histology_multilabel(20, image_size=32, prevalence=(0.5, 0.25, 0.1),
    ...                                  random_state=0)
    >>> X.shape, Y.shape
    ((20, 32, 32, 3), (20, 3))
    >>> dict(zip(HISTOLOGY_FINDINGS, Y.sum(axis=0).tolist()))
    {'atypia': 10, 'inflammation': 5, 'necrosis': 2}
    """
    _validate_sizes(n_samples, image_size)
    prevalence = _validate_prevalence(prevalence)
    rng = _as_generator(random_state)
    n, size = int(n_samples), int(image_size)
    Y = np.zeros((n, len(HISTOLOGY_FINDINGS)), dtype=int)
    for k, fraction in enumerate(prevalence):
        Y[:int(np.clip(np.round(n * fraction), 0, n)), k] = 1
        Y[:, k] = Y[rng.permutation(n), k]
    X = np.empty((n, size, size, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        X[start:start + _CHUNK] = _render_findings(rng, Y[start:start + _CHUNK], size)
    return X, Y


def _render_burden(rng, n, size):
    """Patches of random severity and their nuclear area fraction, ``(n, size, size, 3)`` and ``(n,)``."""
    severity = rng.random(n)
    X = np.empty((n, size, size, 3), dtype=np.uint8)
    area = np.empty(n)
    for start in range(0, n, _CHUNK):
        parameters = _nucleus_parameters(severity[start:start + _CHUNK])
        nuclei, mask, chromatin = _draw_nuclei(rng, parameters, size, size / 50.0)
        area[start:start + _CHUNK] = mask.mean(axis=(1, 2), dtype=float)
        X[start:start + _CHUNK] = _stain(rng, nuclei, mask, chromatin, size)
    return X, area


def make_histology_regression(n_samples=200, image_size=50, noise=0.1, random_state=None):
    """Generate synthetic H&E histology patches with their nuclear area fraction as target.

    Each patch gets a severity drawn uniformly between benign and malignant,
    and its nuclei are drawn with nucleus properties interpolated accordingly
    (as the intermediate grades of :func:`make_histology`), so that patches
    cover a continuum of nuclear burden. The target is measured on the
    rendering itself: the fraction of the patch's area covered by nuclei (the
    mean of the nuclei's soft mask, before blur, stain and noise), times a
    log-normal measurement error::

        y = area_fraction * exp(noise * e),  e ~ N(0, 1)

    so that ``noise`` is about the relative error of the measurement. The area
    fraction depends on ``image_size``: small patches show nuclei only a pixel
    or two wide, whose soft edges cover less area.

    Parameters
    ----------
    n_samples : int, default=200
        Number of patches, at least 2.
    image_size : int, default=50
        Side of the square patches in pixels, at least 8.
    noise : float, default=0.1
        Standard deviation of the log of the measurement error, at least 0;
        0 gives the exact area fraction.
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        Seed or generator for reproducible output.

    Returns
    -------
    X : numpy.ndarray of uint8, shape (n_samples, image_size, image_size, 3)
        RGB patches.
    y : numpy.ndarray of float, shape (n_samples,)
        Nuclear area fraction with measurement error, in [0, 1] (0 only for a
        patch whose nuclei all lie outside its borders).

    Raises
    ------
    ValueError
        If ``n_samples < 2``, ``image_size < 8`` or ``noise`` is negative or
        not a finite number.

    See Also
    --------
    make_histology_survival : Survival times driven by the same nuclear burden.

    Examples
    --------
    >>> from medcnn.datasets import make_histology_regression
    >>> X, y = make_histology_regression(20, image_size=32, noise=0.0, random_state=0)
    >>> X.shape, y.shape, y.dtype
    ((20, 32, 32, 3), (20,), dtype('float64'))
    >>> bool(((y > 0) & (y < 0.5)).all())
    True
    """
    _validate_sizes(n_samples, image_size)
    _validate_noise(noise)
    rng = _as_generator(random_state)
    X, area = _render_burden(rng, int(n_samples), int(image_size))
    y = np.minimum(area * np.exp(float(noise) * rng.standard_normal(len(area))), 1.0)
    return X, y


def _censoring_rate(hazard, censoring):
    """Rate of exponential censoring times censoring a ``censoring`` fraction on average.

    With event rate ``h`` and censoring rate ``c``, a sample is censored with
    probability ``c / (c + h)``; the mean of that over the samples grows with
    ``c`` from 0 to 1, and is solved for ``censoring`` by bisection on ``log c``.
    """
    if censoring == 0:
        return 0.0
    low, high = np.log(hazard.min()) - 40.0, np.log(hazard.max()) + 40.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        rate = np.exp(middle)
        if np.mean(rate / (rate + hazard)) < censoring:
            low = middle
        else:
            high = middle
    return float(np.exp(0.5 * (low + high)))


def make_histology_survival(n_samples=200, image_size=50, censoring=0.3, random_state=None):
    """Generate synthetic H&E histology patches with censored survival times.

    The patches and their nuclear burden ``a`` (nuclear area fraction) are those
    of :func:`make_histology_regression`. Survival follows a proportional
    hazards model with a constant (exponential) hazard

    .. math:: h_i = h_0 \\exp(\\beta z_i), \\qquad
              z_i = (a_i - \\bar a) / s_a,

    where :math:`\\bar a` and :math:`s_a` are the mean and standard deviation of
    the nuclear burden over the sample, :math:`\\beta = 1` (a hazard ratio of
    :math:`e \\approx 2.7` per standard deviation of burden) and :math:`h_0 =
    \\ln 2 / 24` (a median survival of 24 time units, e.g. months, at mean
    burden). Event times are :math:`T_i \\sim \\mathrm{Exp}(h_i)`. Censoring is
    independent of everything else: censoring times :math:`C_i \\sim
    \\mathrm{Exp}(c)`, with the rate :math:`c` solved so that the expected
    fraction of censored patients, the mean of :math:`c / (c + h_i)`, equals
    ``censoring``. The observed time is :math:`\\min(T_i, C_i)` and the event
    indicator :math:`T_i \\le C_i`.

    Parameters
    ----------
    n_samples : int, default=200
        Number of patches, at least 2.
    image_size : int, default=50
        Side of the square patches in pixels, at least 8.
    censoring : float, default=0.3
        Expected fraction of censored samples, in [0, 1); 0 for none. The
        realised fraction varies around it as a binomial proportion.
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        Seed or generator for reproducible output.

    Returns
    -------
    X : numpy.ndarray of uint8, shape (n_samples, image_size, image_size, 3)
        RGB patches.
    y : numpy.ndarray, shape (n_samples,)
        Structured array of dtype ``[("event", "?"), ("time", "<f8")]``, as
        made by scikit-survival's ``Surv.from_arrays(event, time)``: ``event``
        is True for an observed event and False for a censored sample;
        ``time`` (positive, finite) is the time of the event or of censoring.

    Raises
    ------
    ValueError
        If ``n_samples < 2``, ``image_size < 8`` or ``censoring`` is not a
        number in [0, 1).

    See Also
    --------
    make_histology_regression : The nuclear burden itself as target.

    Examples
    --------
    >>> from medcnn.datasets import make_histology_survival
    >>> X, y = make_histology_survival(100, image_size=32, censoring=0.25, random_state=0)
    >>> X.shape, y.dtype.names
    ((100, 32, 32, 3), ('event', 'time'))
    >>> int((~y["event"]).sum())  # censored samples: about 25
    21
    >>> bool((y["time"] > 0).all())
    True
    """
    _validate_sizes(n_samples, image_size)
    if not _is_fraction(censoring, upper_open=True):
        raise ValueError(
            f"censoring must be a number in [0, 1) (the expected fraction of censored samples; "
            f"0 for none); got {censoring!r}."
        )
    rng = _as_generator(random_state)
    X, area = _render_burden(rng, int(n_samples), int(image_size))
    burden = (area - area.mean()) / (area.std() + 1e-12)
    hazard = _BASELINE_HAZARD * np.exp(_LOG_HAZARD_RATIO * burden)
    event_time = rng.standard_exponential(len(hazard)) / hazard
    rate = _censoring_rate(hazard, float(censoring))
    censoring_time = rng.standard_exponential(len(hazard)) / rate if rate > 0 else np.full(len(hazard), np.inf)
    return X, survival_target(event_time <= censoring_time,
                              np.maximum(np.minimum(event_time, censoring_time), np.finfo(float).tiny))
