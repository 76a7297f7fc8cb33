"""The estimator core every CNN estimator is built on: input -> source -> network -> head
-> loss -> fit loop, prediction with test-time augmentation, checkpoints and resuming,
saving, the learning-rate range test and distribution.

A task (classification today) is a subclass that supplies a few methods:

- ``_encode_targets(y, n_samples, sample_weight)``: checks the targets and returns a
  :class:`TaskTargets` (what the network is trained on, sample weights, labels to
  stratify the validation split and to sample by, and the fitted attributes such as
  ``classes_``);
- ``_check_task(targets)``: task parameters that depend on the targets (called before
  any file is read);
- ``_head(features, n_outputs)``: the output layer, float32;
- ``_loss(n_outputs)`` and ``_metrics()``: what the network is compiled with;
- ``_task_arrays`` and ``_task_fitted``: the names of its fitted attributes, arrays
  (``("classes_",)``) and plain values (``("multilabel_",)``), written to and read
  from model files;
- and its own ``predict`` / ``predict_proba`` / ``score`` on top of
  :meth:`BaseCNN._predict_outputs`.
"""

from __future__ import annotations

import contextlib
import warnings
from types import SimpleNamespace

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from medcnn.augmenters import build_augmenters
from medcnn.datasets import ON_ERROR
from medcnn.exceptions import SkippedFilesWarning

from .._defaults import DEFAULT_MAX_SIDE, auto_epochs, describe_budget
from .._input import (append_validation, check_groups, group_split, is_path_array, mixes_labels, predict,
                      warn_if_patients_mix, with_validation)
from .._networks import feature_network, pooled, resolve_architecture, set_trainable
from .._runtime import (check_batch_shares, ensure_tensorflow_threads, float32_network, fresh_keras_state,
                        is_xla_failure, make_strategy, precision_policy, replicas, resolve_precision, seeded,
                        single_device, strategy_scope, warn_xla_fallback)
from .._validation import validate_parameters
from ._base import ImageInputMixin, TaskTargets
from ._checkpoints import (checkpoint_callbacks, clear_resume_state, fit_fingerprint, load_resume_state,
                           restore_training_state, resume_recorder)
from ._lr_find import LRFinderMixin
from ._params import check_tta, make_optimizer, new_run_dir, require_tensorboard
from ._persistence import ModelStateMixin, save_estimator

__all__ = ["BaseCNN", "TaskTargets"]

#: fitted attributes every CNN estimator records (and saves), besides the task's
FITTED_META = ("n_features_in_", "sample_shape_", "input_shape_", "history_", "n_replicas_", "n_epochs_",
               "n_steps_", "dtype_policy_")


class BaseCNN(ImageInputMixin, ModelStateMixin, LRFinderMixin, BaseEstimator):
    """Base class of the CNN estimators (not used directly): see the module docstring.

    Expects the parameters of :class:`~medcnn.CNNClassifier` that are not about the
    task (architecture, input, budget, optimizer, augmentation, transfer,
    checkpoints, distribution...).
    """

    #: name of the Keras model
    _model_name = "medcnn_model"
    #: the task's fitted array attributes (e.g. ``classes_``), saved with the model
    _task_arrays = ()
    #: the task's other fitted attributes (plain values, e.g. ``multilabel_``), saved with the model
    _task_fitted = ()

    def _check_params(self):
        """Every parameter against its constraints (subclasses add checks across parameters)."""
        validate_parameters(self)

    # ------------------------------------------------------- what a task supplies
    def _encode_targets(self, y, n_samples, sample_weight):
        """Check ``y`` (``n_samples`` of them) and return its :class:`TaskTargets`."""
        raise NotImplementedError

    def _check_task(self, targets):
        """Check the task's parameters that depend on the targets (no file is read yet)."""

    def _head(self, features, n_outputs):
        """The output layer(s) on the pooled ``features``: ``n_outputs`` values, float32."""
        raise NotImplementedError

    def _loss(self, n_outputs):
        """The Keras loss the network is compiled with."""
        raise NotImplementedError

    def _metrics(self):
        """The Keras metrics the network is compiled with."""
        return []

    # --------------------------------------------------------------- building
    def _build_model(self, factory, input_shape, n_outputs, standardize):
        import keras

        inputs, features, backbone = feature_network(
            factory, input_shape, self.architecture_params, standardize,
            label=f"Architecture {self.architecture!r}")
        if len(features.shape) not in (2, len(input_shape) + 1):
            raise ValueError(
                f"Architecture {self.architecture!r} outputs shape {features.shape}; expected "
                f"(batch, features) or a feature map of the input's rank {len(input_shape) + 1}."
            )
        outputs = self._head(pooled(features, "avg"), n_outputs)
        model = keras.Model(inputs, outputs, name=self._model_name)
        self._compile(model)
        return model

    def _compile(self, model, learning_rate=None, decay_steps=None):
        """Compile ``model``; with ``decay_steps`` (the steps of a training phase) the
        learning rate follows ``lr_schedule``, else it is constant."""
        schedule = self.lr_schedule if decay_steps else None
        optimizer = make_optimizer(self.optimizer, learning_rate or self.learning_rate, schedule, decay_steps)
        model.compile(optimizer=optimizer, loss=self._loss(model.output_shape[-1]), metrics=self._metrics(),
                      jit_compile=getattr(self, "_fit_jit_compile", self.jit_compile))

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, groups=None, validation_data=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images ``(n, h, w[, c])``, flattened images ``(n, features)`` or file paths.
        y : array-like of shape (n,)
            Labels, any hashable values; two or more classes (for a regressor, the
            targets; for a survival model, the ``(event, time)`` records).
        sample_weight : array-like of shape (n,), optional
            Per-sample loss weights, multiplied with ``class_weight``.
        groups : array-like of shape (n,), optional
            Patient of each sample: with ``validation_fraction > 0`` whole patients
            are held out, stratified by class as far as they allow
            (``StratifiedGroupKFold``; ``GroupShuffleSplit`` for numbers), so that
            early stopping, ``best.keras`` and ``lr_find`` judge the network on new
            patients. With metadata routing: ``set_fit_request(groups=True)``.
        validation_data : tuple (X_val, y_val), optional
            A validation set of your own, in the forms of ``X`` and ``y``, instead
            of a split of ``X`` (then ``validation_fraction=0``).

        Returns
        -------
        self : CNNClassifier
            The fitted estimator.
        """
        with self._prepared(X, y, sample_weight, groups, validation_data) as run:
            fingerprint = resume = None
            if self.checkpoint_dir is not None:
                fingerprint = fit_fingerprint(self.get_params(deep=False), X, y, sample_weight, groups,
                                              *(validation_data or ()))
                resume = load_resume_state(self.checkpoint_dir, fingerprint)
            has_validation = run.valid_ds is not None
            monitor = "val_loss" if has_validation else "loss"
            log_dir = None
            if self.log_dir is not None:
                require_tensorboard(self.log_dir)
                log_dir = new_run_dir(self.log_dir)
            history = {key: list(values) for key, values in resume.history.items()} if resume else {}
            # one pair of checkpoint callbacks for all phases: best.keras is the best of the fit
            checkpoints = checkpoint_callbacks(self.checkpoint_dir, monitor, min(history.get(monitor, [np.inf])))
            done = 0
            if self.verbose:
                print(f"{type(self).__name__}: {run.description}", flush=True)
            for phase, (learning_rate, epochs) in enumerate(run.phases):
                if phase:  # second phase of "finetune": unfreeze, continue at a tenth of the rate
                    set_trainable(run.model, None)
                compiled = (self.learning_rate, None)  # as _prepared compiled it
                if phase or self.lr_schedule not in (None, "constant"):
                    # trainable flags and a schedule over this phase's steps take effect on compile
                    compiled = (learning_rate, run.steps_per_epoch * epochs)
                    self._compile(run.model, *compiled)
                start, restored = done, None
                if resume is not None:
                    if phase < resume.phase:  # finished before the interruption
                        continue
                    done, start = resume.phase_start, resume.epochs_done
                    self._restore(run.model, resume)
                    restored, resume = resume, None
                recorder = ([] if fingerprint is None else
                            [resume_recorder(self.checkpoint_dir, fingerprint, history, phase, done)])
                fit_args = dict(validation_data=run.valid_ds, initial_epoch=start, epochs=done + epochs,
                                verbose=self.verbose, shuffle=False,
                                callbacks=self._callbacks(has_validation, log_dir, checkpoints + recorder))
                try:
                    result = run.model.fit(run.train_ds, **fit_args)
                except Exception as exc:  # XLA fails at the first step, before any weight changed
                    if not is_xla_failure(run.model, exc):
                        raise
                    warn_xla_fallback(run.architecture_name, exc)
                    self._fit_jit_compile = False
                    self._compile(run.model, *compiled)
                    if restored is not None:
                        self._restore(run.model, restored)
                    result = run.model.fit(run.train_ds, **fit_args)
                for key, values in result.history.items():
                    history.setdefault(key, []).extend(float(v) for v in values)
                done = start + len(result.history.get("loss", []))
        clear_resume_state(self.checkpoint_dir)

        # predicts on one device in float32, like a loaded model
        self.model_ = float32_network(single_device(run.model))
        for name, value in run.fitted.items():  # the task's, e.g. classes_
            setattr(self, name, value)
        self.history_ = history
        self.n_replicas_ = run.n_replicas
        self.n_features_in_ = int(np.prod(run.sample_shape))
        self.sample_shape_ = tuple(int(s) for s in run.sample_shape)
        self.input_shape_ = tuple(int(s) for s in run.input_shape)
        self.n_epochs_ = int(run.phases[0][1])
        self.n_steps_ = int(run.steps_per_epoch * sum(epochs for _, epochs in run.phases))
        self.dtype_policy_ = run.dtype_policy
        return self

    def _restore(self, model, state):
        """Continue from the resume state of an interrupted fit."""
        try:
            restore_training_state(model, state)
        except ValueError as exc:
            raise ValueError(
                f"checkpoint_dir={self.checkpoint_dir!r} holds the state of an interrupted fit with these "
                f"parameters and data, but {exc} (has the architecture's code changed?). Delete its "
                "resume.npz to start afresh."
            ) from None

    @contextlib.contextmanager
    def _prepared(self, X, y, sample_weight, groups=None, validation_data=None):
        """Check the parameters and data, then build what ``fit`` trains (shared with ``lr_find``).

        Yields a namespace with ``model`` (compiled for the first phase), ``train_ds``,
        ``valid_ds`` (None without validation), ``phases`` (``(learning_rate, epochs)``
        pairs), ``fitted`` (the task's fitted attributes), ``sample_shape`` and ``input_shape``,
        inside the seeded context that training must run in (and that names unreadable files).
        """
        # before the first TensorFlow operation of the process, whatever the checks below touch
        ensure_tensorflow_threads()
        # parameters, names and labels first: no file is read before they are found valid
        self._check_params()
        self._fit_jit_compile = self.jit_compile  # False after XLA failed to compile the network
        factory, metadata, _ = resolve_architecture(self.architecture)
        n_validation = 0
        if validation_data is not None:  # the validation images follow the training images
            X, n_validation, y_validation = with_validation(X, validation_data, self.validation_fraction,
                                                            type(self).__name__)
        # arrays are checked as they are; files are read only once the labels are found valid
        source = None if is_path_array(X) else self._source(X, None)
        n_samples = (len(X) if source is None else len(source)) - n_validation
        task = self._encode_targets(y, n_samples, sample_weight)
        self._check_task(task)
        groups = check_groups(groups, n_samples)
        warn_if_patients_mix(X, groups, self.validation_fraction)
        if n_validation:
            task = append_validation(task, *self._encode_validation(y_validation, n_validation, task))
        if source is None:
            source = self._source(X, None)

        sample_shape = source.sample_shape
        # networks trained from scratch get at most DEFAULT_MAX_SIDE; pretrained ones the image size
        max_side = None if metadata.get("pretrained") else DEFAULT_MAX_SIDE
        source.prepare(self._target_size(sample_shape[:-1], metadata.get("min_size"), max_side=max_side),
                       self.resize_mode)
        rng = check_random_state(self.random_state)
        seed = None if self.random_state is None else int(rng.randint(np.iinfo(np.int32).max))

        fresh_keras_state()  # each fit starts from a clean Keras state
        strategy = make_strategy(self.distribute)  # the model is built and compiled in its scope
        with seeded(seed), source.naming_errors(), strategy_scope(strategy):
            train, valid = self._split(task, n_samples, seed, groups, n_validation)
            check_batch_shares(strategy, self.batch_size, training=None if task.sampling else len(train),
                               validation=None if valid is None else len(valid))
            standardize = None
            if metadata.get("standardize", True):  # pretrained backbones preprocess themselves
                mean, variance = source.channel_stats(train, seed)
                standardize = (mean.tolist(), np.maximum(variance, 1e-12).tolist())
            input_shape = source.size + (sample_shape[-1],)
            policy = resolve_precision(self.precision, spatial_dims=len(sample_shape) - 1)
            with precision_policy(policy):  # layers compute in it; the task's head stays float32
                model = self._build_model(factory, input_shape, task.n_outputs, standardize)
            targets = (task.targets, task.weights)
            augmenters = build_augmenters(self.augment, seed, channels=sample_shape[-1],
                                          spatial_dims=len(sample_shape) - 1)
            train_ds = source.dataset(train, targets, batch_size=self.batch_size, shuffle_seed=seed,
                                      shuffle=True, augmenters=augmenters, cache=self.cache,
                                      sampling=task.sampling, labels=task.labels)
            valid_ds = (None if valid is None else
                        source.dataset(valid, targets, batch_size=self.batch_size, cache=self.cache))
            steps_per_epoch = int(train_ds.cardinality())
            if steps_per_epoch < 0:  # unknown: one pass over the training images
                steps_per_epoch = -(-len(train) // self.batch_size)
            epochs = (auto_epochs(steps_per_epoch, bool(self.early_stopping)) if self.epochs == "auto"
                      else int(self.epochs))
            phases = [(self.learning_rate, epochs)]
            if self.transfer is not None:
                set_trainable(model, self.transfer, self.trainable_layers)
                self._compile(model, self.learning_rate)  # trainable flags take effect on compile
                if self.transfer == "finetune":
                    phases.append((self.learning_rate / 10, self.finetune_epochs or epochs))
            resized = "" if tuple(source.size) == tuple(sample_shape[:-1]) else (
                f", images of {'x'.join(map(str, sample_shape[:-1]))} resized")
            description = (f"{len(train)} training images, input {'x'.join(map(str, input_shape))}{resized}; "
                           + describe_budget(self.epochs, epochs, steps_per_epoch, len(phases)))
            yield SimpleNamespace(model=model, train_ds=train_ds, valid_ds=valid_ds, phases=phases,
                                  steps_per_epoch=steps_per_epoch, n_replicas=replicas(strategy),
                                  fitted=task.fitted, sample_shape=sample_shape,
                                  input_shape=input_shape, description=description, dtype_policy=policy,
                                  architecture_name=getattr(factory, "__name__", str(self.architecture)))

    def _split(self, task, n_samples, seed, groups=None, n_validation=0):
        """Indices of the training and the validation part (None): ``validation_data`` (after
        the training samples), or a split, by patient with ``groups``, stratified by
        ``task.stratify`` (integer classes, or None) where every class has two."""
        indices = np.arange(n_samples)
        if n_validation:
            return indices, np.arange(n_samples, n_samples + n_validation)
        if not self.validation_fraction:
            return indices, None
        labels = None if task.stratify is None else task.stratify[:n_samples]
        if groups is not None:
            return group_split(self.validation_fraction, labels, groups, seed, task.fitted.get("classes_"))
        stratify = labels if labels is not None and np.bincount(labels).min() >= 2 else None
        train, valid = train_test_split(indices, test_size=self.validation_fraction,
                                        random_state=seed, stratify=stratify)
        if len(valid) == 0 or len(train) == 0:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves an empty training or "
                f"validation set with {n_samples} samples; use a larger fraction or set it to 0."
            )
        return train, valid

    def _encode_validation(self, y, n_samples, task):
        """``(targets, weights, stratify)`` of ``validation_data``'s ``y`` as the training ``task``."""
        raise NotImplementedError

    def _callbacks(self, has_validation, log_dir=None, checkpoints=()):
        import keras

        callbacks = list(self.callbacks or []) + list(checkpoints)
        if log_dir is not None:  # a new writer per phase; TensorBoard reads every events file of a run
            callbacks.append(keras.callbacks.TensorBoard(log_dir=log_dir))
        if self.early_stopping:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor="val_loss" if has_validation else "loss", patience=int(self.early_stopping),
                restore_best_weights=True))
        return callbacks

    # ------------------------------------------------------------ persistence
    def save(self, path):
        """Write the fitted estimator to a ``.keras`` file (atomically).

        Load it back with :func:`medcnn.load_model`. The file is also a plain Keras
        model archive for ``keras.saving.load_model``.

        Parameters
        ----------
        path : str or os.PathLike
            Destination file; must end in ``.keras``. An existing file is replaced.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator has not been fitted.
        ValueError
            If ``path`` does not end in ``.keras``.

        Examples
        --------
        >>> import os, tempfile
        >>> from medcnn import CNNClassifier, load_model
        >>> from medcnn.datasets import make_histology
        >>> X, y = make_histology(40, image_size=28, random_state=0)
        >>> clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> clf.save(path)
        >>> bool((load_model(path).predict(X) == clf.predict(X)).all())
        True
        """
        check_is_fitted(self)
        save_estimator(self, path, FITTED_META + self._task_fitted, self._task_arrays)

    def _predict_outputs(self, X, tta=None, on_error="raise"):
        """The network's outputs for ``X``, over the test-time views (``_combine_views``),
        in float64; rows of NaN for the files skipped under ``on_error="skip"``."""
        views = check_tta(self.tta if tta is None else tta, "tta" if tta is None else "predict_proba tta")
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error={on_error!r} is not valid; use one of {ON_ERROR}.")
        source = self._fitted_source(X)
        if on_error == "raise" or not hasattr(source, "readable"):  # arrays have no unreadable files
            with source.naming_errors():
                return self._outputs(source, views)
        import tensorflow as tf

        try:
            return self._outputs(source, views)
        except tf.errors.OpError:  # some file does not decode: find which, predict the others
            readable, reasons = source.readable()
        warnings.warn(SkippedFilesWarning(
            f"{len(reasons)} of {len(source)} files could not be read; their rows are NaN: "
            + "; ".join(list(reasons.values())[:10]) + ("; ..." if len(reasons) > 10 else "")
            + ". Fix or remove these files, or leave them out of X."), stacklevel=2)
        outputs = np.full((len(source), int(self.model_.output_shape[-1])), np.nan)
        if len(readable):
            outputs[readable] = self._outputs(source.subset(readable), views)
        return outputs


    def _outputs(self, source, views):
        """Outputs of a prepared source over ``views`` test-time views (``_combine_views``)."""
        n, size = len(source), self.batch_size
        total = predict(self.model_, source.model_input(size), n, size, self.verbose).astype(np.float64)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max - 1000 * views)
        for view in range(1, views):
            layers = self._tta_augmenters(int(seed) + 1000 * view)
            batches = source.dataset(np.arange(n), batch_size=size, augmenters=layers, shuffle_seed=int(seed) + view)
            total += predict(self.model_, batches, n, size)
        return self._combine_views(total, views)

    def _combine_views(self, total, views):
        """The prediction from the sum of the outputs of ``views`` test-time views: their mean."""
        return total / views

    def _tta_augmenters(self, seed):
        """Layers of one test-time view (label-mixing augmenters are left out)."""
        augment = self.tta_augment
        if augment is None:
            augment = ["flip", "rotate90"] if self.augment is None else self.augment
        layers = build_augmenters(augment, seed, self.input_shape_[-1], len(self.input_shape_) - 1)
        return [layer for layer in layers if not mixes_labels(layer)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
