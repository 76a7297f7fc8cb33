"""The training loss of the classifier (``loss=``, ``focal_gamma``, ``focal_alpha``)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["LOSSES", "make_loss"]

LOSSES = ("cross_entropy", "focal")


def make_loss(loss, n_classes, gamma=2.0, alpha=None):
    """The Keras loss for one-hot targets.

    ``"cross_entropy"``: categorical cross-entropy. ``"focal"``: the focal loss of
    Lin et al. (2017), ``-alpha_t (1 - p_t)^gamma log(p_t)``, as
    ``keras.losses.CategoricalFocalCrossentropy``. ``alpha`` is None (every class
    weighted 1), a float in (0, 1) for two classes (weight of the second class in
    ``classes_``; the first gets ``1 - alpha``) or one weight per class.
    """
    import keras

    if not isinstance(loss, str):
        if callable(loss):
            return loss
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    if loss == "cross_entropy":
        return keras.losses.CategoricalCrossentropy()
    if loss != "focal":
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    if not (isinstance(gamma, numbers.Real) and not isinstance(gamma, bool) and gamma >= 0):
        raise ValueError(f"focal_gamma={gamma!r} is not valid; give a float >= 0 (2 is usual).")
    if alpha is None:
        weights = [1.0] * n_classes
    elif isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        if not 0 < alpha < 1:
            raise ValueError(f"focal_alpha={alpha!r} is out of range; give a float in (0, 1).")
        if n_classes != 2:
            raise ValueError(
                f"focal_alpha={alpha!r} (one float) needs two classes; with {n_classes} classes "
                "give one weight per class, in the order of classes_.")
        weights = [1.0 - float(alpha), float(alpha)]
    else:
        weights = [float(a) for a in np.ravel(alpha)]
        if len(weights) != n_classes or min(weights) <= 0:
            raise ValueError(
                f"focal_alpha={alpha!r} is not valid; give {n_classes} positive weights, one per "
                "class in the order of classes_.")
    return keras.losses.CategoricalFocalCrossentropy(alpha=weights, gamma=float(gamma))
