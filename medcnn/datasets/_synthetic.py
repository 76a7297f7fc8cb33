"""Synthetic H&E-like histology patches for examples, tests and tutorials."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["make_histology"]

# Optical density (absorbance) of one unit of stain per RGB channel, before
# normalisation: haematoxylin as in Ruifrok & Johnston (2001), eosin with a
# little more blue absorption for a pinker, less magenta stroma.
_OD_HAEMATOXYLIN = np.array([0.65, 0.70, 0.29])
_OD_EOSIN = np.array([0.10, 0.95, 0.30])

# Nuclei of each class, in pixels of a 50 x 50 patch (scaled with ``image_size``):
# mean count, radius range, largest aspect ratio, boundary irregularity,
# darkness (haematoxylin concentration), chromatin graininess, and the fraction
# of nuclei crowded into one nest rather than scattered. Intermediate tumour
# grades interpolate between the two (see ``_nucleus_parameters``).
_NUCLEI = {
    0: dict(count=9.0, radius=(1.6, 2.2), aspect=1.25, irregularity=0.03,
            darkness=(1.2, 1.5), chromatin=0.08, clustered=0.2),
    1: dict(count=26.0, radius=(2.2, 4.0), aspect=2.3, irregularity=0.16,
            darkness=(1.5, 2.0), chromatin=0.25, clustered=0.8),
}
# Share of the missing nuclear haematoxylin the stroma makes up for, relative to
# a reference nuclear load (mean haematoxylin per pixel).
_COMPENSATION = 0.7
_REFERENCE_H = 0.5
# Share of the stain that necrotic tissue loses (see ``_stain``).
_NECROSIS_PALLOR = 0.7
# Patches rendered at once (bounds the memory of the intermediate arrays).
_CHUNK = 256


def _as_generator(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    from sklearn.utils import check_random_state

    seed = check_random_state(random_state).randint(0, 2**31 - 1, size=4)
    return np.random.default_rng(seed)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _validate_sizes(n_samples, image_size):
    if not _is_int(n_samples) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2; got {n_samples!r}.")
    if not _is_int(image_size) or image_size < 8:
        raise ValueError(
            f"image_size must be an integer >= 8 (pixels per side); got {image_size!r}."
        )


def _validate(n_samples, image_size, weights, n_classes=2):
    _validate_sizes(n_samples, image_size)
    if not _is_int(n_classes) or n_classes < 2:
        raise ValueError(
            f"n_classes must be an integer >= 2 (2: benign/malignant, 3 or more: tumour "
            f"grades); got {n_classes!r}."
        )
    if weights is None:
        return np.array([0.7, 0.3]) if n_classes == 2 else np.full(n_classes, 1.0 / n_classes)
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        w = None
    if (w is None or w.shape != (n_classes,) or not np.all(np.isfinite(w)) or np.any(w < 0)
            or not np.isclose(w.sum(), 1.0)):
        if n_classes == 2:
            message = ("weights must be two non-negative numbers summing to 1 (fractions of benign "
                       "and malignant patches), e.g. (0.7, 0.3)")
        else:
            message = (f"weights must be {n_classes} non-negative numbers summing to 1 (fractions "
                       f"of grades 0 to {n_classes - 1}, one per class for n_classes={n_classes}), "
                       f"or None for equal fractions")
        hint = ""
        if w is not None and w.ndim == 1 and len(w) >= 2 and len(w) != n_classes:
            hint = f" For {len(w)} classes, pass n_classes={len(w)}."
        raise ValueError(f"{message}; got {weights!r}.{hint}")
    return w


def _nucleus_parameters(severity):
    """Nucleus parameters per patch, ``{key: (n, 1 or 2) array}``, for severities in [0, 1].

    Severity 0 gives the benign nuclei of ``_NUCLEI[0]``, 1 the malignant ones of
    ``_NUCLEI[1]`` (exactly), values in between a linear interpolation of every
    parameter.
    """
    t = np.asarray(severity, dtype=float).reshape(-1, 1)
    return {key: (1.0 - t) * np.array(_NUCLEI[0][key], dtype=float).reshape(1, -1)
            + t * np.array(_NUCLEI[1][key], dtype=float).reshape(1, -1)
            for key in _NUCLEI[0]}


def _class_counts(n, weights):
    """Patches per class: ``n * weights`` rounded by largest remainder, summing to ``n``."""
    exact = n * np.asarray(weights, dtype=float)
    counts = np.floor(exact).astype(int)
    remainder = exact - counts
    order = np.argsort(-remainder, kind="stable")
    counts[order[:n - counts.sum()]] += 1
    return counts


def _smooth_noise(rng, n, size, sigma, gaussian_filter):
    """Standardised low-pass Gaussian noise, one field per image: ``(n, size, size)``."""
    sigma_y, sigma_x = np.broadcast_to(sigma, 2)
    field = gaussian_filter(rng.standard_normal((n, size, size)), (0, sigma_y, sigma_x),
                            mode="wrap")
    field -= field.mean(axis=(1, 2), keepdims=True)
    field /= field.std(axis=(1, 2), keepdims=True) + 1e-12
    return field


def _draw_nuclei(rng, nucleus_parameters, size, scale):
    """Haematoxylin concentration of the nuclei and their soft mask, ``(n, size, size)`` each.

    ``nucleus_parameters`` holds the parameters of each patch's nuclei (as made by
    ``_nucleus_parameters``), ``(n, 1)`` arrays (``(n, 2)`` for the ranges). Each
    nucleus is an ellipse with a wavy boundary (harmonics of the polar angle),
    evaluated on a small window around its centre only. Also returns the chromatin
    graininess of each patch, ``(n,)``.
    """
    p = nucleus_parameters
    n = len(p["count"])
    counts = rng.poisson(p["count"][:, 0] * (size / 50.0) ** 2 * rng.uniform(0.75, 1.25, n))
    counts = np.maximum(counts, 1)
    image = np.repeat(np.arange(n), counts)  # image index of every nucleus
    m = len(image)
    q = {key: value[image] for key, value in p.items()}

    # Nuclei either scatter uniformly or gather around a cluster centre (tumour nest).
    centre = rng.uniform(0.25, 0.75, (n, 2))[image] * size
    spread = rng.uniform(0.15, 0.3, n)[image, None] * size
    in_cluster = rng.random(m) < q["clustered"][:, 0]
    pos = np.where(in_cluster[:, None], centre + spread * rng.standard_normal((m, 2)),
                   rng.uniform(-0.05, 1.05, (m, 2)) * size)

    r_lo, r_hi = q["radius"][:, 0] * scale, q["radius"][:, 1] * scale
    radius = r_lo + (r_hi - r_lo) * rng.random(m) ** 1.5
    aspect = 1.0 + (q["aspect"][:, 0] - 1.0) * rng.random(m)
    semi_a, semi_b = radius * np.sqrt(aspect), radius / np.sqrt(aspect)
    angle = rng.uniform(0, np.pi, m)
    d_lo, d_hi = q["darkness"][:, 0], q["darkness"][:, 1]
    darkness = d_lo + (d_hi - d_lo) * rng.random(m)
    harmonics = (q["irregularity"] * np.clip(rng.standard_normal((m, 3)), -2.0, 2.0)
                 * np.array([1.0, 0.7, 0.35]))
    phases = rng.uniform(0, 2 * np.pi, (m, 3))

    # Boundary r(theta) = 1 + Re(sum_k c_k exp(i k theta)), k = 2, 3, 5.
    coeffs = harmonics * np.exp(1j * phases)
    extent = semi_a * (1.0 + np.abs(harmonics).sum(axis=1))
    halves = np.ceil(extent + 1.0).astype(int)  # half-side of each nucleus' window
    hema = np.zeros((n, size, size), dtype=np.float32)
    mask = np.zeros((n, size, size), dtype=np.float32)
    for half in np.unique(halves):
        offsets = np.arange(-half, half + 1)
        width = len(offsets)
        group = np.flatnonzero(halves == half)
        step = max(1, 1_000_000 // width**2)  # bound the memory of one chunk
        for start in range(0, len(group), step):
            sel = group[start:start + step]
            shape = (len(sel), width, width)
            corner = np.floor(pos[sel]).astype(int)
            py = np.broadcast_to(corner[:, 0, None, None] + offsets[None, :, None], shape)
            px = np.broadcast_to(corner[:, 1, None, None] + offsets[None, None, :], shape)
            dy = py + 0.5 - pos[sel, 0, None, None]
            dx = px + 0.5 - pos[sel, 1, None, None]
            cos, sin = np.cos(angle[sel])[:, None, None], np.sin(angle[sel])[:, None, None]
            u = (dx * cos + dy * sin) / semi_a[sel, None, None]
            v = (dy * cos - dx * sin) / semi_b[sel, None, None]
            r = np.sqrt(u * u + v * v)
            z = (u + 1j * v) / np.maximum(r, 1e-9)
            z2 = z * z
            z3 = z2 * z
            c = coeffs[sel, :, None, None]
            boundary = 1.0 + (c[:, 0] * z2 + c[:, 1] * z3 + c[:, 2] * z3 * z2).real
            edge = 0.7 / radius[sel, None, None]  # soft boundary ~0.7 px wide
            inside = np.clip((boundary - r) / edge + 0.5, 0.0, 1.0)
            # Slightly darker rim (nuclear membrane), paler centre.
            profile = darkness[sel, None, None] * (0.85 + 0.25 * np.clip(r / boundary, 0, 1) ** 2)
            keep = (inside > 0) & (py >= 0) & (py < size) & (px >= 0) & (px < size)
            idx = (np.broadcast_to(image[sel, None, None], shape)[keep], py[keep], px[keep])
            np.maximum.at(hema, idx, (inside * profile)[keep].astype(np.float32))
            np.maximum.at(mask, idx, inside[keep].astype(np.float32))
    return hema, mask, p["chromatin"][:, 0]


def make_histology(n_samples=200, image_size=50, weights=None, random_state=None, n_classes=2):
    """Generate synthetic H&E-stained histology patches of two classes or ordered grades.

    Each patch shows pink (eosin) stroma with smooth low-frequency texture and
    purple (haematoxylin) nuclei. Benign patches (label 0) hold few small,
    round, regular nuclei; malignant patches (label 1) hold denser, larger,
    elongated, irregular (pleomorphic) and darker nuclei, often crowded into a
    nest. Every patch gets its own stain intensity, hue and brightness, as real
    slides vary, and the stain in the stroma is adjusted so that the mean colour
    of a patch tells little about its class: telling the classes apart requires
    looking at texture and morphology, as a CNN does.

    With ``n_classes >= 3`` the labels are ordered tumour grades 0 to
    ``n_classes - 1``: grade 0 has the benign nuclei, the top grade the malignant
    ones, and the grades in between interpolate every nucleus property (count,
    size, elongation, irregularity, darkness, chromatin, crowding) linearly, so
    that each grade looks a step more malignant than the one below. Neighbouring
    grades overlap, as real ones do.

    Parameters
    ----------
    n_samples : int, default=200
        Number of patches, at least 2.
    image_size : int, default=50
        Side of the square patches in pixels, at least 8. Nuclei are scaled with
        it, so small patches look like zoomed-out large ones.
    weights : sequence of ``n_classes`` floats or None, default=None
        Fractions of the classes; non-negative, summing to 1. None means
        ``(0.7, 0.3)`` for two classes and equal fractions for more. With two
        classes there are ``round(n_samples * weights[1])`` malignant patches and
        the rest benign; with more, ``n_samples * weights`` rounded so that the
        counts sum to ``n_samples`` (largest remainders round up).
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        Seed or generator for reproducible output.
    n_classes : int, default=2
        2 for benign (0) and malignant (1) patches; 3 or more for that many
        ordered grades.

    Returns
    -------
    X : numpy.ndarray of uint8, shape (n_samples, image_size, image_size, 3)
        RGB patches.
    y : numpy.ndarray of int, shape (n_samples,)
        0 for benign, 1 for malignant (with ``n_classes >= 3``: the grade), in
        shuffled order.

    Raises
    ------
    ValueError
        If ``n_samples < 2``, ``image_size < 8``, ``n_classes < 2`` or
        ``weights`` is not ``n_classes`` non-negative numbers summing to 1.

    See Also
    --------
    make_histology_multilabel : Several independent findings per patch.
    make_histology_regression : Nuclear area fraction as a continuous target.
    make_histology_survival : Survival times that depend on the nuclear burden.

    Examples
    --------
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(10, image_size=32, weights=(0.5, 0.5), random_state=0)
    >>> X.shape, X.dtype
    ((10, 32, 32, 3), dtype('uint8'))
    >>> int(y.sum())
    5

    Four grades, equally frequent by default:

    >>> import numpy as np
    >>> X, y = make_histology(12, image_size=32, n_classes=4, random_state=0)
    >>> np.bincount(y).tolist()
    [3, 3, 3, 3]
    """
    w = _validate(n_samples, image_size, weights, n_classes)
    rng = _as_generator(random_state)
    n, size = int(n_samples), int(image_size)
    if n_classes == 2:
        n_malignant = int(np.clip(np.round(n * w[1]), 0, n))
        y = np.zeros(n, dtype=int)
        y[:n_malignant] = 1
    else:
        y = np.repeat(np.arange(int(n_classes)), _class_counts(n, w))
    y = y[rng.permutation(n)]
    severity = y / (int(n_classes) - 1.0)  # 0 and 1 exactly for two classes
    X = np.empty((n, size, size, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        X[start:start + _CHUNK] = _render(rng, _nucleus_parameters(severity[start:start + _CHUNK]), size)
    return X, y


def _render(rng, nucleus_parameters, size):
    """RGB patches ``(n, size, size, 3)`` of uint8 with nuclei drawn from ``nucleus_parameters``."""
    nuclei, mask, chromatin = _draw_nuclei(rng, nucleus_parameters, size, size / 50.0)
    return _stain(rng, nuclei, mask, chromatin, size)


def _stain(rng, nuclei, mask, chromatin, size, necrosis=None):
    """RGB patches of uint8 from drawn nuclei: stroma, stain, blur, colour and noise.

    ``nuclei`` and ``mask`` are the haematoxylin and soft mask of the nuclei,
    ``(n, size, size)``; ``chromatin`` the graininess of each patch's nuclei, ``(n,)``;
    ``necrosis``, if given, ``(n, size, size)`` in [0, 1], where the tissue is pale and
    structureless (necrotic).
    """
    from scipy.ndimage import gaussian_filter

    n = len(nuclei)
    scale = size / 50.0
    # Nuclei (haematoxylin) with chromatin texture: coarse and clumped in malignant
    # nuclei, fine in benign ones.
    grain = gaussian_filter(rng.standard_normal((n, size, size)), (0, 0.6 * scale, 0.6 * scale))
    grain /= grain.std(axis=(1, 2), keepdims=True) + 1e-12
    nuclei *= np.clip(1.0 + chromatin[:, None, None] * grain, 0.4, None)

    # Stroma (eosin): smooth low-frequency density, fibres, pale gaps (lumen, fat).
    low = _smooth_noise(rng, n, size, max(size / 8.0, 1.0), gaussian_filter)
    fibres = _smooth_noise(rng, n, size, (0.7 * scale, 3.0 * scale), gaussian_filter)
    turn = rng.random(n) < 0.5
    fibres[turn] = fibres[turn].transpose(0, 2, 1)
    gaps = _smooth_noise(rng, n, size, max(size / 10.0, 1.0), gaussian_filter)
    gap_level = rng.uniform(0.8, 2.5, n)[:, None, None]
    tissue = 1.0 / (1.0 + np.exp(-4.0 * (gap_level - gaps)))  # ~0 in the pale gaps
    if necrosis is not None:
        # Necrotic tissue: pale, fibres and texture lost.
        tissue = tissue * (1.0 - _NECROSIS_PALLOR * necrosis)
        low = low * (1.0 - necrosis)
        fibres = fibres * (1.0 - necrosis)
    stroma = np.clip(1.0 + 0.25 * low + 0.12 * fibres, 0.0, None) * tissue
    background = 1.0 - mask

    # Per-patch stain amounts, drawn independently of the class. The faint
    # haematoxylin counterstain of the stroma makes up part of what the nuclei
    # lack, so that the mean colour of a patch says little about its class.
    nuclear_h = nuclei.mean(axis=(1, 2))
    counter_h = (rng.uniform(0.03, 0.12, n)
                 + _COMPENSATION * np.clip(_REFERENCE_H - nuclear_h, 0.0, None))
    counter_h /= background.mean(axis=(1, 2)) + 1e-6
    eosin_level = rng.uniform(0.35, 0.8, n)
    hema = nuclei + background * tissue * counter_h[:, None, None]
    eosin = eosin_level[:, None, None] * (background * stroma + 0.4 * mask)

    # Optical blur of the slide scanner.
    blur = 0.45 * max(scale, 0.5)
    hema = gaussian_filter(hema, (0, blur, blur))
    eosin = gaussian_filter(eosin, (0, blur, blur))

    # Per-slide stain vectors (hue), stain strength and brightness (Beer-Lambert).
    v_h = _OD_HAEMATOXYLIN[None] + 0.05 * rng.standard_normal((n, 3))
    v_e = _OD_EOSIN[None] + 0.05 * rng.standard_normal((n, 3))
    v_h = np.abs(v_h) / np.linalg.norm(v_h, axis=1, keepdims=True)
    v_e = np.abs(v_e) / np.linalg.norm(v_e, axis=1, keepdims=True)
    strength_h = rng.lognormal(0.0, 0.2, n)[:, None, None, None]
    strength_e = rng.lognormal(0.0, 0.2, n)[:, None, None, None]
    od = (strength_h * hema[:, None] * v_h[:, :, None, None]
          + strength_e * eosin[:, None] * v_e[:, :, None, None])
    light = rng.uniform(225, 255, (n, 1)) * rng.uniform(0.96, 1.0, (n, 3))
    rgb = light[:, :, None, None] * np.exp(-od)
    rgb += rng.uniform(2.0, 5.0, (n, 1, 1, 1)) * rng.standard_normal(rgb.shape)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
