"""CNNClassifier: a convolutional network as a scikit-learn classifier."""

from __future__ import annotations

import contextlib
import numbers
from types import SimpleNamespace

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..augmenters import build_augmenters
from .._defaults import DEFAULT_MAX_SIDE, auto_epochs, describe_budget
from .._input import RESIZE_MODES, SAMPLING_MODES, is_path_array
from .._validation import (PATH, ImageShape, Int, KerasOptimizer, NestedDicts, Options, PositiveInt, Real, Size,
                           StrOptions, validate_parameters)
from .._networks import TRANSFER_MODES, feature_network, pooled, resolve_architecture, set_trainable
from .._runtime import (DISTRIBUTE_MODES, check_batch_shares, fresh_keras_state, make_strategy, replicas, seeded,
                        single_device, strategy_scope)
from ._base import ImageInputMixin
from ._checkpoints import (checkpoint_callbacks, clear_resume_state, fit_fingerprint, load_resume_state,
                           restore_training_state, resume_recorder)
from ._imbalance import LOSSES, make_loss
from ._lr_find import LRFinderMixin
from ._params import (LR_SCHEDULES, check_classifier_params, encode_targets, make_optimizer, new_run_dir,
                      require_tensorboard)
from ._persistence import ModelStateMixin, loadable, save_estimator
from ._prediction import ClassifierPredictionMixin

__all__ = ["CNNClassifier"]

_FITTED_META = ("n_features_in_", "sample_shape_", "input_shape_", "history_", "n_replicas_", "n_epochs_",
                "n_steps_")


@loadable
class CNNClassifier(ClassifierPredictionMixin, ImageInputMixin, ModelStateMixin, LRFinderMixin, ClassifierMixin,
                    BaseEstimator):
    """Convolutional neural network classifier for medical images.

    The network is ``standardise -> architecture -> [global average pooling] ->
    dense softmax``; the architecture is any registered name (see ``medcnn plugins``)
    or a callable ``(input_shape, **params) -> keras.Model`` mapping images to features.

    Parameters
    ----------
    architecture : str or callable, default="patch_cnn"
        Registered architecture name, or a factory. The default, with the defaults of
        ``epochs``, ``batch_size``, ``learning_rate``, ``optimizer``, ``lr_schedule`` and
        ``augment``, was chosen by measurement on histology patches (see the
        performance page of the documentation).
    architecture_params : dict, optional
        Keyword parameters for the architecture factory.
    image_size : int or (int, int), optional
        Network input size. Default: the image size seen in ``fit`` (the most
        common one for file paths), raised to the architecture's ``min_size``; for
        networks trained from scratch (every architecture but the pretrained
        backbones) scaled down, aspect ratio kept, to a longest side of 64 pixels
        when larger: 64 pixels are enough for
        the small training sets of medical imaging, and every doubling of the side
        costs four times the training time. ``input_shape_`` records the choice.
    image_shape : tuple, optional
        ``(h, w)`` or ``(h, w, c)`` of the rows of a 2-D X of flattened images.
        Without it, each row of a 2-D X is a one-pixel-high strip.
    resize_mode : {"resize", "pad"}, default="resize"
        How images whose size differs from the input size are brought to it:
        bilinear resize, or centred zero padding (centre crop where larger).
    epochs : int or "auto", default="auto"
        Number of passes over the training data (fewer if ``early_stopping`` stops
        training early). ``"auto"``: a budget that follows the size of the
        training set, enough passes for at least 1,000 optimizer steps, but at
        least 15 and at most 60 passes (twice that with ``early_stopping``), so
        that up to about 1,000 images get 60 passes, 2,000 images 32 and 4,460
        images 15. The
        rule and its measurements are on the performance page of the documentation;
        ``n_epochs_`` and ``n_steps_`` record the choice.
    batch_size : int, default=64
        Number of images per training step; also the batch size used in
        ``predict`` and ``predict_proba``.
    learning_rate : float, default=2e-3
        Step size of the optimizer; overrides the learning rate of an optimizer
        given as an instance.
    optimizer : str or keras.optimizers.Optimizer, default="adamw"
        A Keras optimizer name or instance (instances are copied from their config,
        with ``learning_rate`` applied).
    lr_schedule : None, "constant" or "cosine", default="cosine"
        How the learning rate changes during training: None or ``"constant"`` keeps
        ``learning_rate``; ``"cosine"`` decays it from ``learning_rate`` to 0 along a
        half cosine over the optimizer steps of all ``epochs`` (in ``transfer="finetune"``,
        separately over each phase).
    validation_fraction : float, default=0.0
        Share of the training data held out (stratified) to report validation
        loss each epoch; 0 disables it.
    early_stopping : False or int, default=False
        Patience in epochs; stops when the monitored loss (validation loss if
        ``validation_fraction > 0``, else training loss) stops improving and
        restores the best weights.
    class_weight : None, "balanced" or dict, default="balanced"
        Weights per class (original labels as keys), multiplied into ``sample_weight``.
        ``"balanced"`` weighs each class inversely to its frequency
        (``n_samples / (n_classes * count)``), so that a skewed training set does not
        make the network predict the majority class for everyone at the default
        threshold; on balanced data every weight is 1. With another correction of
        the class balance, ``sampling`` or ``loss="focal"`` with ``focal_alpha``,
        ``"balanced"`` steps aside (every image weighs alike) so that the classes are
        not corrected twice; a dict still applies. None weighs every image alike.
    sampling : None, "oversample" or "undersample", default=None
        Class-balanced sampling of the training data, drawn afresh every epoch in the
        input pipeline (arrays and file paths alike): each epoch holds as many images
        of every class as the largest class has (``"oversample"``: minority images
        repeat) or as the smallest has (``"undersample"``: a new random subset of the
        majority each epoch). Usually used instead of ``class_weight``, not with it.
    loss : {"cross_entropy", "focal"} or keras loss, default="cross_entropy"
        Training loss on one-hot targets. ``"focal"`` is the focal loss
        (``keras.losses.CategoricalFocalCrossentropy``), which down-weights easy,
        well-classified images by ``(1 - p_t) ** focal_gamma``.
    focal_gamma : float, default=2.0
        Focusing parameter of the focal loss (0 gives cross-entropy).
    focal_alpha : None, float or sequence of float, default=None
        Class weights of the focal loss: None (all 1), a float in (0, 1) for two
        classes (weight of ``classes_[1]``; ``classes_[0]`` gets ``1 - alpha``), or
        one weight per class.
    augment : str, list or tuple, default=("flip", "rotate90")
        Augmenters applied to training batches only, in order: registered names
        (``"flip"``, ``"rotate90"``, ``"stain_jitter"``, ``"mixup"``... see
        ``medcnn plugins``), ``(name, params)`` pairs, or Keras layers; or a preset
        name, ``"histology"`` or ``"radiograph"``.
    tta : int, optional
        Test-time augmentation: ``predict_proba`` averages the probabilities of
        ``tta`` views of each image, the image itself and ``tta - 1`` augmented
        copies (deterministic given ``random_state``). None or 1: no augmentation.
    tta_augment : str or list, optional
        Augmenters of the test-time views, in the forms of ``augment``. Default: the
        ``augment`` list without label-mixing augmenters (MixUp, CutMix), or
        ``["flip", "rotate90"]`` when ``augment`` is None.
    transfer : None, "frozen", "finetune" or "partial", default=None
        How a (pretrained) architecture is trained. None trains every layer.
        ``"frozen"`` trains the classification head only. ``"finetune"`` trains the
        head for ``epochs`` with the architecture frozen, then unfreezes it and
        continues for ``finetune_epochs`` at ``learning_rate / 10``. ``"partial"``
        trains only the last ``trainable_layers`` layers of the architecture (and the
        head). BatchNormalization layers stay frozen, in inference mode, whenever a
        transfer mode is set (their ImageNet statistics are kept).
    trainable_layers : int, optional
        For ``transfer="partial"``: how many of the architecture's last layers train.
    finetune_epochs : int, optional
        For ``transfer="finetune"``: epochs of the second phase (default ``epochs``).
    cache : "auto", None, "memory" or str, default="auto"
        For file-path X: keep the decoded, resized training images after the first
        epoch in memory (``"memory"``) or in files under the given folder, instead of
        decoding every file each epoch. ``"auto"``: in memory when the decoded images
        take at most 1 GiB (float32: ``n * height * width * channels * 4`` bytes, e.g.
        35,000 RGB patches of 50x50), else not at all. None: no cache. Array X is in
        memory already.
    reader_params : dict, optional
        Parameters for the image readers by reader name, e.g.
        ``{"dcm": {"window": (40, 400)}}`` for the DICOM plugin's reader.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling, validation split and augmentation.
        An int gives identical predictions across runs on CPU.
    verbose : int, default=0
        Keras progress output during fit (0 silent, 1 progress bar, 2 one line per epoch).
    callbacks : list of keras.callbacks.Callback, optional
        Extra callbacks for ``model.fit``.
    log_dir : str or os.PathLike, optional
        Folder of TensorBoard logs (needs the ``tensorboard`` package). Each fit
        writes a new run folder in it, ``<YYYYmmdd-HHMMSS>-<NNN>`` (start time and
        the first free number from 001), so the fits of a cross-validation loop each
        get their own run; view them with ``tensorboard --logdir <log_dir>``.
    checkpoint_dir : str or os.PathLike, optional
        Folder where the network is saved (Keras ``.keras`` files, loadable with
        ``keras.saving.load_model``) after every epoch, as ``epoch-001.keras``...,
        and as ``best.keras`` at the epoch with the lowest monitored loss
        (``val_loss`` if ``validation_fraction > 0``, else ``loss``), and the state
        needed to resume (``resume.npz``: weights, optimizer variables, epoch, history).
        A fit that is interrupted (error, ``KeyboardInterrupt``, killed process) can be
        resumed: a later ``fit`` with the same parameters and data and the same
        ``checkpoint_dir`` continues after the last completed epoch instead of starting
        again. The resumed epochs see the batches in another order than an
        uninterrupted fit would, so the result is close to, not bit-identical with, an
        uninterrupted fit. A fit that completes deletes ``resume.npz``; a fit with other
        parameters or data warns and starts afresh. See :doc:`/reliability`.
    distribute : None, "mirrored" or "multiworker", default=None
        Data-parallel training with ``tf.distribute``. ``"mirrored"``: one replica of
        the network on every GPU of the machine (``MirroredStrategy``), or on every
        logical CPU device when there is no GPU. ``"multiworker"``:
        ``MultiWorkerMirroredStrategy`` over the machines described by the
        ``TF_CONFIG`` environment variable (without it, this process alone).
        ``batch_size`` is then the global batch, split evenly across the replicas:
        scale it (and usually ``learning_rate``) with their number. See
        :doc:`/scaling`.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (images -> class probabilities).
    classes_ : ndarray of shape (n_classes,)
    history_ : dict
        Per-epoch metrics from training (``loss``, ``accuracy``, ``val_loss``...).
    n_features_in_ : int
        Values per sample in ``fit`` (h*w*c of the images as given).
    sample_shape_ : tuple
        ``(h, w, c)`` of one sample as given to ``fit``.
    input_shape_ : tuple
        ``(h, w, c)`` of the network input.
    n_replicas_ : int
        Number of replicas each training batch was split across (1 without
        ``distribute``).
    n_epochs_ : int
        Epochs of the training budget: ``epochs``, or what ``epochs="auto"`` chose
        (``history_`` has fewer entries if training stopped early).
    n_steps_ : int
        Optimizer steps of the training budget, over every phase (the learning-rate
        schedule spans them).

    Examples
    --------
    >>> from medcnn import CNNClassifier
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(80, image_size=28, random_state=0)
    >>> clf = CNNClassifier(architecture="lenet5", epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.classes_
    array([0, 1])
    """

    def __init__(self, architecture="patch_cnn", architecture_params=None, image_size=None,
                 image_shape=None, resize_mode="resize", epochs="auto", batch_size=64,
                 learning_rate=2e-3, optimizer="adamw", lr_schedule="cosine", validation_fraction=0.0,
                 early_stopping=False, class_weight="balanced", sampling=None, loss="cross_entropy",
                 focal_gamma=2.0, focal_alpha=None, augment=("flip", "rotate90"), tta=None, tta_augment=None,
                 transfer=None, trainable_layers=None, finetune_epochs=None, cache="auto",
                 reader_params=None, random_state=None, verbose=0, callbacks=None, log_dir=None,
                 checkpoint_dir=None, distribute=None):
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
        self.class_weight = class_weight
        self.sampling = sampling
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.focal_alpha = focal_alpha
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

    _parameter_constraints = {
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
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "sampling": [StrOptions({s for s in SAMPLING_MODES if s}), None],
        "loss": [StrOptions(set(LOSSES)), callable],
        "focal_gamma": [Real(0, None, closed="left")],
        "focal_alpha": [numbers.Real, "array-like", None],  # its range and length: make_loss, with the classes
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
    }
    _parameter_hints = {
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
        "class_weight": "give 'balanced', a dict of weights by class label, or None",
        "sampling": f"use one of {SAMPLING_MODES}",
        "loss": f"use one of {LOSSES} or a Keras loss",
        "focal_gamma": "give a float >= 0",
        "focal_alpha": "give None, a float in (0, 1) or one weight per class",
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
    }

    def _check_params(self):
        """Every parameter against its constraints, then the checks that relate parameters."""
        validate_parameters(self)
        check_classifier_params(self.get_params(deep=False))

    # --------------------------------------------------------------- building
    def _build_model(self, factory, input_shape, n_classes, standardize):
        import keras

        inputs, features, backbone = feature_network(
            factory, input_shape, self.architecture_params, standardize,
            label=f"Architecture {self.architecture!r}")
        if len(features.shape) not in (2, 4):
            raise ValueError(
                f"Architecture {self.architecture!r} outputs shape {features.shape}; expected "
                "(batch, features) or (batch, h, w, channels)."
            )
        # float32 probabilities under a mixed-precision policy too
        outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="classifier")(
            pooled(features, "avg"))
        model = keras.Model(inputs, outputs, name="medcnn_classifier")
        self._compile(model)
        return model

    def _compile(self, model, learning_rate=None, decay_steps=None):
        """Compile ``model``; with ``decay_steps`` (the steps of a training phase) the
        learning rate follows ``lr_schedule``, else it is constant."""
        import keras

        schedule = self.lr_schedule if decay_steps else None
        optimizer = make_optimizer(self.optimizer, learning_rate or self.learning_rate, schedule, decay_steps)
        model.compile(optimizer=optimizer,
                      loss=make_loss(self.loss, model.output_shape[-1], self.focal_gamma, self.focal_alpha),
                      metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")])

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images ``(n, h, w[, c])``, flattened images ``(n, features)`` or file paths.
        y : array-like of shape (n,)
            Labels, any hashable values; two or more classes.
        sample_weight : array-like of shape (n,), optional
            Per-sample loss weights, multiplied with ``class_weight``.

        Returns
        -------
        self : CNNClassifier
            The fitted estimator.
        """
        with self._prepared(X, y, sample_weight) as run:
            fingerprint = resume = None
            if self.checkpoint_dir is not None:
                fingerprint = fit_fingerprint(self.get_params(deep=False), X, y, sample_weight)
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
                if phase or self.lr_schedule not in (None, "constant"):
                    # trainable flags and a schedule over this phase's steps take effect on compile
                    self._compile(run.model, learning_rate, run.steps_per_epoch * epochs)
                start = done
                if resume is not None:
                    if phase < resume.phase:  # finished before the interruption
                        continue
                    done, start = resume.phase_start, resume.epochs_done
                    self._restore(run.model, resume)
                    resume = None
                recorder = ([] if fingerprint is None else
                            [resume_recorder(self.checkpoint_dir, fingerprint, history, phase, done)])
                result = run.model.fit(run.train_ds, validation_data=run.valid_ds, initial_epoch=start,
                                       epochs=done + epochs, verbose=self.verbose, shuffle=False,
                                       callbacks=self._callbacks(has_validation, log_dir, checkpoints + recorder))
                for key, values in result.history.items():
                    history.setdefault(key, []).extend(float(v) for v in values)
                done = start + len(result.history.get("loss", []))
        clear_resume_state(self.checkpoint_dir)

        self.model_ = single_device(run.model)  # predicts on one device, like a loaded model
        self.classes_ = run.classes
        self.history_ = history
        self.n_replicas_ = run.n_replicas
        self.n_features_in_ = int(np.prod(run.sample_shape))
        self.sample_shape_ = tuple(int(s) for s in run.sample_shape)
        self.input_shape_ = tuple(int(s) for s in run.input_shape)
        self.n_epochs_ = int(run.phases[0][1])
        self.n_steps_ = int(run.steps_per_epoch * sum(epochs for _, epochs in run.phases))
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
    def _prepared(self, X, y, sample_weight):
        """Check the parameters and data, then build what ``fit`` trains (shared with ``lr_find``).

        Yields a namespace with ``model`` (compiled for the first phase), ``train_ds``,
        ``valid_ds`` (None without validation), ``phases`` (``(learning_rate, epochs)``
        pairs), ``classes``, ``sample_shape`` and ``input_shape``, inside the seeded
        context that training must run in (and that names unreadable files).
        """
        # parameters, names and labels first: no file is read before they are found valid
        self._check_params()
        factory, metadata, _ = resolve_architecture(self.architecture)
        # arrays are checked as they are; files are read only once the labels are found valid
        source = None if is_path_array(X) else self._source(X, None)
        n_samples = len(X) if source is None else len(source)
        # sampling or focal_alpha already rebalance the classes: "balanced" weights would count twice
        other_correction = self.sampling is not None or (self.loss == "focal" and self.focal_alpha is not None)
        class_weight = None if other_correction and self.class_weight == "balanced" else self.class_weight
        classes, y_encoded, one_hot, weights = encode_targets(
            y, n_samples, sample_weight, class_weight, type(self).__name__)
        make_loss(self.loss, len(classes), self.focal_gamma, self.focal_alpha)  # focal_alpha fits the classes
        if source is None:
            source = self._source(X, None)

        sample_shape = source.sample_shape
        # networks trained from scratch get at most DEFAULT_MAX_SIDE; pretrained ones the image size
        max_side = None if metadata.get("pretrained") else DEFAULT_MAX_SIDE
        source.prepare(self._target_size(sample_shape[:2], metadata.get("min_size"), max_side=max_side),
                       self.resize_mode)
        rng = check_random_state(self.random_state)
        seed = None if self.random_state is None else int(rng.randint(np.iinfo(np.int32).max))

        fresh_keras_state()  # each fit starts from a clean Keras state
        strategy = make_strategy(self.distribute)  # the model is built and compiled in its scope
        with seeded(seed), source.naming_errors(), strategy_scope(strategy):
            train, valid = self._split(y_encoded, seed)
            check_batch_shares(strategy, self.batch_size, training=None if self.sampling else len(train),
                               validation=None if valid is None else len(valid))
            standardize = None
            if metadata.get("standardize", True):  # pretrained backbones preprocess themselves
                mean, variance = source.channel_stats(train, seed)
                standardize = (mean.tolist(), np.maximum(variance, 1e-12).tolist())
            input_shape = source.size + (sample_shape[-1],)
            model = self._build_model(factory, input_shape, len(classes), standardize)
            targets = (one_hot, weights)
            augmenters = build_augmenters(self.augment, seed, channels=sample_shape[-1])
            train_ds = source.dataset(train, targets, batch_size=self.batch_size, shuffle_seed=seed,
                                      shuffle=True, augmenters=augmenters, cache=self.cache,
                                      sampling=self.sampling, labels=y_encoded)
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
            resized = "" if tuple(source.size) == tuple(sample_shape[:2]) else (
                f", images of {sample_shape[0]}x{sample_shape[1]} resized")
            description = (f"{len(train)} training images, input {input_shape[0]}x{input_shape[1]}x"
                           f"{input_shape[2]}{resized}; "
                           + describe_budget(self.epochs, epochs, steps_per_epoch, len(phases)))
            yield SimpleNamespace(model=model, train_ds=train_ds, valid_ds=valid_ds, phases=phases,
                                  steps_per_epoch=steps_per_epoch, n_replicas=replicas(strategy),
                                  classes=classes, sample_shape=sample_shape,
                                  input_shape=input_shape, description=description)

    def _split(self, y, seed):
        """Indices of the training part and of the validation part (None without one)."""
        indices = np.arange(len(y))
        if not self.validation_fraction:
            return indices, None
        stratify = y if np.bincount(y).min() >= 2 else None
        train, valid = train_test_split(indices, test_size=self.validation_fraction,
                                        random_state=seed, stratify=stratify)
        if len(valid) == 0 or len(train) == 0:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves an empty training or "
                f"validation set with {len(y)} samples; use a larger fraction or set it to 0."
            )
        return train, valid

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
        save_estimator(self, path, _FITTED_META)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
