"""What the CNN estimators compile and check: the constraints of their shared parameters,
targets, losses, optimizer, built-in callbacks, and the checks across parameters."""

from __future__ import annotations

import importlib.util
import numbers
import os
import time

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

from .._input import RESIZE_MODES
from .._networks import TRANSFER_MODES
from .._runtime import DISTRIBUTE_MODES, PRECISIONS
from .._validation import (PATH, ImageShape, Int, KerasOptimizer, NestedDicts, Options, PositiveInt, Real, Size,
                           StrOptions, check_label_values)

__all__ = ["SHARED_CONSTRAINTS", "SHARED_HINTS", "check_params_together", "check_tta", "encode_targets",
           "is_multilabel", "encode_multilabel", "encode_validation_labels", "make_optimizer", "make_loss", "make_multilabel_loss", "LOSSES",
           "require_tensorboard", "new_run_dir"]


def _is_int(value, minimum):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def check_tta(tta, name="tta"):
    """The number of test-time views (1 for None)."""
    if tta is None:
        return 1
    if not _is_int(tta, 1):
        raise ValueError(f"{name}={tta!r} is not valid; give an integer >= 1 (views averaged) or None.")
    return int(tta)


def check_params_together(params):
    """Raise ValueError on CNN estimator parameters that are valid alone but not together
    (each alone is checked against the class's ``_parameter_constraints``)."""
    transfer = params["transfer"]
    if transfer == "partial" and params["trainable_layers"] is None:
        raise ValueError("transfer='partial' needs trainable_layers=<int >= 0>; got None.")
    _check_rate_callbacks(params["lr_schedule"], params["callbacks"])


def encode_targets(y, n_samples, sample_weight, class_weight, estimator_name):
    """Check the labels of a fit; return ``(classes, y_encoded, one_hot, weights)``.

    ``weights`` are ``sample_weight`` (default 1) times the ``class_weight`` weights, float32.
    """
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None.")
    y = np.asarray(y) if not hasattr(y, "shape") else y
    y = column_or_1d(y, warn=True)
    if len(y) != n_samples:
        raise ValueError(f"X and y have different lengths: {n_samples} samples in X, {len(y)} labels in y.")
    check_label_values(y)
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError(
            f"Unknown label type: continuous. y holds continuous values "
            f"({', '.join(f'{v:g}' for v in y[np.mod(y, 1) != 0][:3])}, ...); "
            f"{estimator_name} needs class labels. For a number per image use CNNRegressor, or bin the "
            "values into classes (e.g. numpy.digitize).")
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) < 2:
        raise ValueError(
            f"y contains only one class ({encoder.classes_.tolist()[0]!r}); a classifier needs at "
            "least two classes to train: give samples of two or more classes."
        )
    weights = _check_sample_weight(sample_weight, np.empty(len(y)), dtype=np.float64)
    if class_weight is not None:
        weights = weights * compute_sample_weight(class_weight, y)
    y_encoded = encoder.transform(y).astype(np.int32)
    one_hot = np.eye(len(encoder.classes_), dtype=np.float32)[y_encoded]
    return encoder.classes_, y_encoded, one_hot, weights.astype(np.float32)


def encode_validation_labels(y, task):
    """``(targets, weights, codes)`` of the validation labels ``y`` of ``fit(...,
    validation_data=...)`` in the training ``task``'s classes (a ``TaskTargets``); each
    class weighs what it weighs in training (its mean training weight)."""
    classes = task.fitted["classes_"]
    if task.fitted["multilabel_"]:
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != len(classes) or not np.isin(y, (0, 1)).all():
            raise ValueError(f"validation_data's y has shape {y.shape}; the training y has {len(classes)} 0/1 label "
                             f"columns: give the validation labels in the same {len(classes)} columns.")
        return y.astype(np.float32), np.ones(len(y), dtype=np.float32), None
    y = column_or_1d(np.asarray(y))
    unknown = [label for label in np.unique(y).tolist() if label not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"validation_data's y holds {unknown[:5]}, which the training labels do not have (classes "
                         f"{classes.tolist()}); a network cannot be validated on classes it does not learn.")
    codes = np.searchsorted(classes, y).astype(np.int32)
    class_weights = np.array([task.weights[task.labels == k].mean() for k in range(len(classes))])
    return np.eye(len(classes), dtype=np.float32)[codes], class_weights[codes].astype(np.float32), codes


def is_multilabel(y):
    """Whether ``y`` is 2-D with several columns: one 0/1 indicator column per label."""
    shape = getattr(y, "shape", None)
    if shape is None:
        shape = np.shape(np.asarray(y, dtype=object))
    return len(shape) == 2 and shape[1] > 1


def encode_multilabel(y, n_samples, sample_weight, class_weight, estimator_name):
    """Check a 0/1 indicator matrix ``y`` (one column per label); return ``(classes, targets,
    weights, label_weights)``: the label indices, float32 targets, per-sample weights and,
    for ``class_weight="balanced"``, each label's ``(positive, negative)`` weights that
    balance its two values (None otherwise)."""
    y = np.asarray(y)
    if len(y) != n_samples:
        raise ValueError(f"X and y have different lengths: {n_samples} samples in X, {len(y)} rows in y.")
    try:
        indicator = np.isin(y, (0, 1)).all()
    except TypeError:
        indicator = False
    if not indicator:
        values = np.unique(y.astype(str)).tolist()[:10]
        raise ValueError(
            f"y has shape {tuple(y.shape)}: {estimator_name} reads a 2-D y as one 0/1 column per label "
            f"(several labels per sample), but it holds {values}. Give 0/1 indicators, or one label per "
            "sample, shape (n,) (for one-hot rows of a single label, y.argmax(axis=1)).")
    y = y.astype(np.float32)
    positives = y.sum(axis=0)
    constant = np.flatnonzero((positives == 0) | (positives == len(y)))
    if len(constant):
        which = ", ".join(f"{j} (all {int(y[0, j])})" for j in constant[:10])
        raise ValueError(
            f"Label column(s) {which} of y have a single value; a label needs positive and negative "
            "samples to be learned. Leave those columns out (y[:, keep]), or add samples that have "
            "and lack the label.")
    weights = _check_sample_weight(sample_weight, np.empty(len(y)), dtype=np.float64)
    label_weights = None
    if class_weight == "balanced":
        label_weights = (len(y) / (2 * positives), len(y) / (2 * (len(y) - positives)))
    elif class_weight is not None:
        raise ValueError(
            f"class_weight={class_weight!r} is not valid with several labels per sample; give "
            "'balanced' (each label's positives and negatives weighted to balance) or None.")
    return np.arange(y.shape[1]), y, weights.astype(np.float32), label_weights


def make_multilabel_loss(loss, n_labels, gamma=2.0, alpha=None, label_weights=None):
    """The Keras loss for 0/1 targets of ``n_labels`` sigmoid outputs.

    ``"cross_entropy"``: binary cross-entropy, weighted per label by ``label_weights``
    (``(positive, negative)`` weights) when given. ``"focal"``: the binary focal loss
    with ``gamma``; ``alpha`` (a float in (0, 1), or one per label) weights each
    label's positives by alpha and its negatives by 1 - alpha, in place of
    ``label_weights``.
    """
    import keras

    from medcnn._losses import label_weighted_binary_crossentropy

    if not isinstance(loss, str):
        if callable(loss):
            return loss
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    gamma = 0.0 if loss == "cross_entropy" else gamma
    if loss == "focal" and alpha is not None:
        alphas = np.ravel(alpha).astype(float) if not isinstance(alpha, numbers.Real) else np.full(n_labels, alpha)
        if len(alphas) != n_labels or not ((alphas > 0) & (alphas < 1)).all():
            raise ValueError(f"focal_alpha={alpha!r} is not valid with {n_labels} labels; give a float in "
                             "(0, 1) (the weight of every label's positives) or one such float per label.")
        label_weights = (alphas, 1 - alphas)
    if label_weights is None:
        if gamma == 0:
            return keras.losses.BinaryCrossentropy()
        label_weights = (np.ones(n_labels), np.ones(n_labels))
    return label_weighted_binary_crossentropy(*label_weights, gamma=gamma)


#: Learning-rate schedules of CNNClassifier: None keeps the rate constant.
LR_SCHEDULES = (None, "constant", "cosine")


def _check_rate_callbacks(schedule, callbacks):
    """A callback that sets the learning rate cannot act on a scheduled optimizer."""
    if schedule in (None, "constant") or not callbacks:
        return
    import keras

    for callback in callbacks:
        if isinstance(callback, (keras.callbacks.LearningRateScheduler, keras.callbacks.ReduceLROnPlateau)):
            raise ValueError(
                f"callbacks contains {type(callback).__name__}, which sets the learning rate, while "
                f"lr_schedule={schedule!r} already schedules it; pass lr_schedule=None to let the "
                "callback control the rate, or drop the callback."
            )


def make_optimizer(optimizer, learning_rate, schedule=None, decay_steps=None):
    """A fresh Keras optimizer from a name or an instance's config, at ``learning_rate``.

    With ``schedule="cosine"`` the rate follows a cosine from ``learning_rate`` down to 0
    over ``decay_steps`` optimizer steps (``keras.optimizers.schedules.CosineDecay``).
    """
    import keras

    if isinstance(optimizer, str):
        try:
            optimizer = keras.optimizers.get(optimizer)
        except ValueError as exc:
            raise ValueError(
                f"optimizer={optimizer!r} is not a Keras optimizer name (e.g. 'adam', 'sgd', "
                f"'rmsprop', 'adamw'): {exc}"
            ) from None
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(f"optimizer={optimizer!r} must be a Keras optimizer name or instance.")
    config = optimizer.get_config()
    config["learning_rate"] = float(learning_rate)
    if schedule == "cosine":
        config["learning_rate"] = keras.optimizers.schedules.CosineDecay(
            float(learning_rate), decay_steps=max(int(decay_steps), 1))
    return type(optimizer).from_config(config)


def require_tensorboard(log_dir):
    """Raise ImportError unless the ``tensorboard`` package (which writes the logs) is installed."""
    if importlib.util.find_spec("tensorboard") is None:
        raise ImportError(
            f"log_dir={log_dir!r} needs the 'tensorboard' package to write training logs, and it "
            "is not installed; install it (pip install tensorboard) or set log_dir=None."
        )


def new_run_dir(log_dir):
    """Create and return a new run folder ``<log_dir>/<YYYYmmdd-HHMMSS>-<NNN>``.

    ``NNN`` is the first number (from 001) whose folder does not exist yet for that
    timestamp; the folder is created atomically, so fits started in the same second,
    in one process or several, each get their own run.
    """
    log_dir = os.fspath(log_dir)
    os.makedirs(log_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for number in range(1, 1_000_000):
        path = os.path.join(log_dir, f"{stamp}-{number:03d}")
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"No free run folder name in {log_dir!r} for {stamp}; clean up the folder.")


LOSSES = ("cross_entropy", "focal")


def balanced_focal_alpha(targets, multilabel):
    """``focal_alpha="balanced"``: the inverse class frequency ``n / (n_classes * count)`` of
    one-hot ``targets``; for a 0/1 label matrix, each label's share of negatives."""
    targets = np.asarray(targets, dtype=np.float64)
    if multilabel:
        return np.clip(1.0 - targets.mean(axis=0), 0.01, 0.99)  # rare positives weigh more
    counts = np.maximum(targets.sum(axis=0), 1.0)
    return len(targets) / (len(counts) * counts)


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


#: Constraints of the parameters every CNN estimator has (see :mod:`medcnn._validation`);
#: each estimator adds those of its task.
SHARED_CONSTRAINTS = {
    "architecture": [str, callable],
    "architecture_params": [dict, None],
    "image_size": [PositiveInt(), Size(), None],
    "image_shape": [ImageShape(), None],
    "resize_mode": [StrOptions(set(RESIZE_MODES))],
    "epochs": [PositiveInt(), StrOptions({"auto"})],
    "batch_size": [PositiveInt()],
    "learning_rate": [Real(0, None, closed="neither")],
    "optimizer": [KerasOptimizer()],
    "lr_schedule": [StrOptions({s for s in LR_SCHEDULES if s}), None],
    "validation_fraction": [Real(0, 1, closed="left")],
    "early_stopping": [PositiveInt(), Options(bool, {False}), None],
    "augment": [str, list, tuple, callable, None],
    "tta": [PositiveInt(), None],
    "tta_augment": [str, list, tuple, callable, None],
    "transfer": [StrOptions({t for t in TRANSFER_MODES if t}), None],
    "trainable_layers": [Int(0, None, closed="left"), None],
    "finetune_epochs": [PositiveInt(), None],
    "cache": [StrOptions({"auto", "memory"}), PATH, None],
    "reader_params": [NestedDicts(), None],
    "random_state": ["random_state"],
    "verbose": [Int(0, 2), "boolean"],
    "callbacks": [list, tuple, None],
    "log_dir": [PATH, None],
    "checkpoint_dir": [PATH, None],
    "distribute": [StrOptions({d for d in DISTRIBUTE_MODES if d}), None],
    "precision": [StrOptions(set(PRECISIONS))],
    "jit_compile": [StrOptions({"auto"}), "boolean"],
}
#: What to give instead, per shared parameter, for the error messages.
SHARED_HINTS = {
    "architecture": "give a registered architecture name (see medcnn plugins) or a callable "
                    "(input_shape, **params) -> keras.Model",
    "architecture_params": "give a dict of keyword parameters of the architecture, or None",
    "image_size": "give an int, (height, width) or None",
    "resize_mode": f"use one of {RESIZE_MODES}",
    "epochs": "give an integer >= 1 or 'auto' (a budget that follows the size of the training set)",
    "batch_size": "give an integer >= 1",
    "learning_rate": "give a float > 0",
    "lr_schedule": f"use one of {LR_SCHEDULES}",
    "validation_fraction": "give a float in [0, 1)",
    "early_stopping": "give False or a patience (int >= 1)",
    "augment": "give augmenter names, (name, params) pairs or layers, a preset name, or None",
    "tta": "give an integer >= 1 (views averaged) or None",
    "tta_augment": "give augmenter names, (name, params) pairs or layers, or None",
    "transfer": f"use one of {TRANSFER_MODES}",
    "finetune_epochs": "give an integer >= 1",
    "cache": "give 'auto', 'memory', a folder path or None",
    "verbose": "give 0 (silent), 1 (progress bar) or 2 (one line per epoch)",
    "callbacks": "give a list of keras.callbacks.Callback, or None",
    "log_dir": "give a folder path (str or os.PathLike) or None",
    "checkpoint_dir": "give a folder path (str or os.PathLike) or None",
    "distribute": f"use one of {DISTRIBUTE_MODES}",
    "precision": f"use one of {PRECISIONS}",
    "jit_compile": "give 'auto', True or False",
}

