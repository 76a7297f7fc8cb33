"""CNNRegressor and CNNSurvival: a number (or several) per image, and a risk score from
survival times, on the CNN estimator core."""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import RegressorMixin

from .._survival import survival_arrays
from .._validation import StrOptions
from ._classifier import CNNClassifier
from ._base import TaskTargets
from ._core import BaseCNN
from ._params import SHARED_CONSTRAINTS, SHARED_HINTS, check_params_together
from ._persistence import loadable

__all__ = ["CNNRegressor", "CNNSurvival", "REGRESSION_LOSSES"]

#: Losses of CNNRegressor, by name -> Keras loss class name.
REGRESSION_LOSSES = {"squared_error": "MeanSquaredError", "absolute_error": "MeanAbsoluteError", "huber": "Huber"}


def _parameter_docs(docstring, names):
    """The numpydoc entries of ``names`` in the Parameters section of ``docstring``, in order."""
    section = docstring.split("    Parameters\n    ----------\n", 1)[1].split("\n\n    Attributes", 1)[0]
    entries = dict(re.findall(r"(?m)^    (\w+) : (.*\n(?:        .*\n|\n(?=        ))*)", section + "\n"))
    return "".join(f"    {name} : {entries[name]}" for name in names)


@loadable
class CNNRegressor(RegressorMixin, BaseCNN):
    """Convolutional neural network regressor for medical images: a number per image
    (a size, a count, a score, a time), or several.

    The network is ``standardise -> architecture -> [global average pooling] ->
    dense linear``, trained on the targets standardised to mean 0 and variance 1
    (the mean and scale are stored, and ``predict`` undoes them). Every parameter but
    ``loss`` means what it means for :class:`CNNClassifier`: the same architectures,
    input forms (arrays and file paths), augmentation, test-time augmentation,
    transfer modes, checkpoints and budget.

    Parameters
    ----------
{shared_head}    loss : {{"squared_error", "absolute_error", "huber"}} or keras loss, default="squared_error"
        Training loss on the standardised targets: mean squared error, mean absolute
        error (robust to outlying targets), or Huber's (squared within one standard
        deviation of the target, absolute beyond).
{shared_tail}
    Attributes
    ----------
    model_ : keras.Model
        The trained network (images -> standardised targets).
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Mean and standard deviation of the training targets (scale 1 for a constant
        target); ``predict`` returns ``network output * target_scale_ + target_mean_``.
    history_ : dict
        Per-epoch metrics from training (``loss``, ``mae`` on the standardised targets,
        ``val_loss``...).
    n_features_in_, sample_shape_, input_shape_, n_replicas_, n_epochs_, n_steps_
        As for :class:`CNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from medcnn import CNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((60, 16, 16, 1)).astype("float32")
    >>> y = X.mean(axis=(1, 2, 3)) * 10     # the brightness of each image
    >>> reg = CNNRegressor(architecture="lenet5", epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(self, architecture="patch_cnn", architecture_params=None, image_size=None,
                 image_shape=None, resize_mode="resize", epochs="auto", batch_size=64,
                 learning_rate=2e-3, optimizer="adamw", lr_schedule="cosine", validation_fraction=0.0,
                 early_stopping=False, loss="squared_error", augment=("flip", "rotate90"), tta=None,
                 tta_augment=None, transfer=None, trainable_layers=None, finetune_epochs=None, cache="auto",
                 reader_params=None, random_state=None, verbose=0, callbacks=None, log_dir=None,
                 checkpoint_dir=None, distribute=None, precision="auto", jit_compile="auto"):
        self.architecture = architecture
        self.architecture_params = architecture_params
        self.image_size = image_size
        self.image_shape = image_shape
        self.resize_mode = resize_mode
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.loss = loss
        self.augment = augment
        self.tta = tta
        self.tta_augment = tta_augment
        self.transfer = transfer
        self.trainable_layers = trainable_layers
        self.finetune_epochs = finetune_epochs
        self.cache = cache
        self.reader_params = reader_params
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.log_dir = log_dir
        self.checkpoint_dir = checkpoint_dir
        self.distribute = distribute
        self.precision = precision
        self.jit_compile = jit_compile

    _task_arrays = ("target_mean_", "target_scale_")
    _model_name = "medcnn_regressor"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "loss": [StrOptions(set(REGRESSION_LOSSES)), callable]}
    _parameter_hints = {**SHARED_HINTS, "loss": f"use one of {sorted(REGRESSION_LOSSES)} or a Keras loss"}

    def _check_params(self):
        """Every parameter against its constraints, then the checks that relate parameters."""
        super()._check_params()
        check_params_together(self.get_params(deep=False))

    # ------------------------------------------------------------------ the task
    def _encode_targets(self, y, n_samples, sample_weight):
        from sklearn.utils.validation import _check_sample_weight

        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = np.asarray(y)
        if y.dtype.kind in "USO" and y.size and not all(_is_number(v) for v in y.ravel()[:100]):
            raise ValueError(f"{name} needs numeric targets; y holds {y.ravel()[:3].tolist()}. For class labels "
                             "use CNNClassifier.")
        y = y.astype(np.float64)
        if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] == 0):
            raise ValueError(f"y has shape {y.shape}; give one target per sample, (n,), or several, (n, n_outputs).")
        if len(y) != n_samples:
            raise ValueError(f"X and y have different lengths: {n_samples} samples in X, {len(y)} targets in y.")
        missing = np.flatnonzero(~np.isfinite(y.reshape(len(y), -1)).all(axis=1))
        if len(missing):
            shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
            raise ValueError(f"y contains NaN or infinity in {len(missing)} of {len(y)} sample(s) (index {shown}); "
                             "leave those samples out of X and y, or give them a finite target.")
        targets = y.reshape(len(y), -1)
        mean, scale = targets.mean(axis=0), targets.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        weights = _check_sample_weight(sample_weight, np.empty(len(y)), dtype=np.float64)
        return TaskTargets(targets=((targets - mean) / scale).astype(np.float32), weights=weights.astype(np.float32),
                           n_outputs=targets.shape[1],
                           fitted={"target_mean_": mean, "target_scale_": scale})

    def _encode_validation(self, y, n_samples, task):
        validation = self._encode_targets(y, n_samples, None)
        mean, scale = task.fitted["target_mean_"], task.fitted["target_scale_"]
        if validation.n_outputs != task.n_outputs:
            raise ValueError(f"validation_data's y has {validation.n_outputs} target(s) per sample, the training y "
                             f"{task.n_outputs}; give the same targets.")
        targets = validation.targets * validation.fitted["target_scale_"] + validation.fitted["target_mean_"]
        return ((targets - mean) / scale).astype(np.float32), validation.weights, None

    def _head(self, features, n_outputs):
        import keras

        return keras.layers.Dense(n_outputs, dtype="float32", name="regressor")(features)

    def _loss(self, n_outputs):
        import keras

        if callable(self.loss):
            return self.loss
        return getattr(keras.losses, REGRESSION_LOSSES[self.loss])()

    def _metrics(self):
        import keras

        return [keras.metrics.MeanAbsoluteError(name="mae")]

    def _combine_views(self, total, views):
        return total / views

    # ---------------------------------------------------------------- prediction
    def predict(self, X, tta=None, on_error="raise"):
        """Predicted targets, in the units of ``y``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        tta : int, optional
            Number of test-time views to average; overrides the ``tta`` parameter.
        on_error : {"raise", "skip"}, default="raise"
            For file paths, as in :meth:`CNNClassifier.predict_proba`: with ``"skip"``
            unreadable files get NaN and one warning names them.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One value per sample for a 1-D ``y`` (or a single column), else one per
            output.
        """
        outputs = self._predict_outputs(X, tta, on_error) * self.target_scale_ + self.target_mean_
        return outputs.ravel() if outputs.shape[1] == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True  # a few epochs on scikit-learn's tabular check data
        return tags


@loadable
class CNNSurvival(BaseCNN):
    """Convolutional neural network for survival times: a risk score per image, trained
    with the Cox partial likelihood (DeepSurv-style), for times to an event such as
    death or recurrence, some of them censored.

    The network is ``standardise -> architecture -> [global average pooling] ->
    dense linear``; its output is the log-risk (log relative hazard): higher means an
    earlier event. Each batch's loss is the negative Cox partial log-likelihood with
    Breslow's method for tied times, the batch's samples forming the risk sets; a
    batch without an event contributes 0. ``y`` is scikit-survival's structured array
    of ``(event, time)`` (``sksurv.util.Surv.from_arrays(event, time)``), and
    ``score`` is Harrell's concordance index, as for scikit-survival's estimators.
    Needs the ``survival`` extra (``pip install "medcnn[survival]"``, scikit-survival).

    Every parameter means what it means for :class:`CNNRegressor`.

    Parameters
    ----------
{shared}
    Attributes
    ----------
    model_ : keras.Model
        The trained network (images -> log-risk).
    history_ : dict
        Per-epoch training metrics (``loss``, ``val_loss``...).
    n_features_in_, sample_shape_, input_shape_, n_replicas_, n_epochs_, n_steps_
        As for :class:`CNNClassifier`.

    See Also
    --------
    medcnn.datasets.make_histology_survival : Synthetic patches with survival times.
    medcnn.evaluation.evaluate : Cross-validated C-index and Kaplan-Meier curves.

    Examples
    --------
    >>> import numpy as np
    >>> from medcnn import CNNSurvival
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((60, 16, 16, 1)).astype("float32")
    >>> y = np.array([(e, t) for e, t in zip(rng.random(60) < 0.7, rng.exponential(10, 60) + 1)],
    ...              dtype=[("event", "?"), ("time", "<f8")])
    >>> model = CNNSurvival(architecture="lenet5", epochs=2, random_state=0).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    >>> 0 <= model.score(X, y) <= 1
    True
    """

    def __init__(self, architecture="patch_cnn", architecture_params=None, image_size=None,
                 image_shape=None, resize_mode="resize", epochs="auto", batch_size=64,
                 learning_rate=2e-3, optimizer="adamw", lr_schedule="cosine", validation_fraction=0.0,
                 early_stopping=False, augment=("flip", "rotate90"), tta=None, tta_augment=None, transfer=None,
                 trainable_layers=None, finetune_epochs=None, cache="auto", reader_params=None,
                 random_state=None, verbose=0, callbacks=None, log_dir=None, checkpoint_dir=None,
                 distribute=None, precision="auto", jit_compile="auto"):
        self.architecture = architecture
        self.architecture_params = architecture_params
        self.image_size = image_size
        self.image_shape = image_shape
        self.resize_mode = resize_mode
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.augment = augment
        self.tta = tta
        self.tta_augment = tta_augment
        self.transfer = transfer
        self.trainable_layers = trainable_layers
        self.finetune_epochs = finetune_epochs
        self.cache = cache
        self.reader_params = reader_params
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.log_dir = log_dir
        self.checkpoint_dir = checkpoint_dir
        self.distribute = distribute
        self.precision = precision
        self.jit_compile = jit_compile

    _model_name = "medcnn_survival"
    _parameter_constraints = {name: rule for name, rule in SHARED_CONSTRAINTS.items() if name != "loss"}
    _parameter_hints = SHARED_HINTS

    def _check_params(self):
        super()._check_params()
        check_params_together(self.get_params(deep=False))

    def _encode_targets(self, y, n_samples, sample_weight):
        from sklearn.utils.validation import _check_sample_weight

        event, time = survival_arrays(y, type(self).__name__)
        if len(event) != n_samples:
            raise ValueError(f"X and y have different lengths: {n_samples} samples in X, {len(event)} in y.")
        _, time_rank = np.unique(time, return_inverse=True)  # the loss needs the order of times only
        weights = _check_sample_weight(sample_weight, np.empty(len(event)), dtype=np.float64)
        return TaskTargets(targets=np.column_stack([time_rank.ravel(), event]).astype(np.float32),
                           weights=weights.astype(np.float32), n_outputs=1, stratify=event.astype(int))

    def _encode_validation(self, y, n_samples, task):
        validation = self._encode_targets(y, n_samples, None)  # time ranks among the validation samples
        return validation.targets, validation.weights, validation.stratify

    def _head(self, features, n_outputs):
        import keras

        return keras.layers.Dense(1, dtype="float32", name="log_risk")(features)

    def _loss(self, n_outputs):
        from .._losses import cox_partial_likelihood

        return cox_partial_likelihood()

    def _combine_views(self, total, views):
        return total / views

    def predict(self, X, tta=None, on_error="raise"):
        """Predicted risk scores (log relative hazard): higher means an earlier event.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        tta : int, optional
            Number of test-time views to average; overrides the ``tta`` parameter.
        on_error : {"raise", "skip"}, default="raise"
            For file paths, as in :meth:`CNNClassifier.predict_proba`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._predict_outputs(X, tta, on_error)[:, 0]

    def score(self, X, y, sample_weight=None):
        """Harrell's concordance index of the predicted risks (scikit-survival's
        ``concordance_index_censored``): the share of comparable pairs of samples
        whose risks are in the order of their event times.

        Parameters
        ----------
        X : array-like or sequence of paths
        y : structured array of (event, time)
        sample_weight : None
            Not supported (the C-index has no sample weights); must be None.

        Returns
        -------
        float
            0.5 for random risks, 1 for a perfect order.
        """
        if sample_weight is not None:
            raise ValueError("CNNSurvival.score takes no sample_weight: Harrell's C-index is unweighted.")
        from sksurv.metrics import concordance_index_censored

        event, time = survival_arrays(y, type(self).__name__)
        return float(concordance_index_censored(event, time, self.predict(X))[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


_SHARED = [name for name in CNNClassifier._parameter_constraints if name in CNNRegressor._parameter_constraints]
_HEAD = _SHARED[:_SHARED.index("early_stopping") + 1]
_TAIL = _SHARED[len(_HEAD):]
CNNRegressor.__doc__ = CNNRegressor.__doc__.format(
    shared_head=_parameter_docs(CNNClassifier.__doc__, _HEAD).replace(
        "held out (stratified; whole patients", "held out (whole patients"),
    shared_tail=_parameter_docs(CNNClassifier.__doc__, [n for n in _TAIL if n != "loss"]).replace(
        "``predict_proba`` averages the probabilities", "``predict`` averages the predictions"))
_SURVIVAL = [n for n in CNNRegressor._parameter_constraints if n in CNNSurvival._parameter_constraints]
CNNSurvival.__doc__ = CNNSurvival.__doc__.format(shared=_parameter_docs(CNNRegressor.__doc__, _SURVIVAL))
