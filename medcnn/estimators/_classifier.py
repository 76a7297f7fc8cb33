"""CNNClassifier: the classification task on the CNN estimator core."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import ClassifierMixin

from .._input import SAMPLING_MODES
from .._input import resolve_sampling
from .._validation import HasMethods, Real, StrOptions
from ._base import TaskTargets
from ._core import BaseCNN
from ._params import (LOSSES, SHARED_CONSTRAINTS, SHARED_HINTS, balanced_focal_alpha, check_params_together,
                      encode_multilabel, encode_targets, encode_validation_labels, is_multilabel, make_loss,
                      make_multilabel_loss)
from ._persistence import loadable

__all__ = ["CNNClassifier"]


@loadable
class CNNClassifier(ClassifierMixin, BaseCNN):
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
        when larger: 64 pixels are enough for the small training sets of medical
        imaging, and every doubling of the side costs four times the training time.
        ``input_shape_`` records the choice.
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
        least 15 and at most 30 passes (twice that with ``early_stopping``), so
        that up to about 2,000 images get 30 passes, 3,000 images 22 and 4,460
        images 15. The rule and its measurements are on the performance page of the
        documentation; ``n_epochs_`` and ``n_steps_`` record the choice.
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
        Share of the training data held out (stratified; whole patients with
        ``fit(..., groups=...)``) to report validation loss each epoch; 0 disables it.
    early_stopping : False or int, default=False
        Patience in epochs; stops when the monitored loss (validation loss if
        ``validation_fraction > 0``, else training loss) stops improving and
        restores the best weights.
    class_weight : None, "balanced" or dict, default="balanced"
        Weights per class (original labels as keys), multiplied into ``sample_weight``.
        ``"balanced"`` weighs each class inversely to its frequency
        (``n_samples / (n_classes * count)``), so that a skewed training set does not
        make the network predict the majority class for everyone at the default
        threshold; on balanced data every weight is 1. With another correction of the
        class balance (``sampling``, or ``loss="focal"`` with ``focal_alpha``) it steps
        aside so that the classes are not corrected twice; a dict still applies. None
        weighs every image alike.
    sampling : None, "oversample", "undersample", float or imblearn sampler, default=None
        Class-balanced sampling of the training data, drawn afresh every epoch in the
        input pipeline (arrays and file paths alike): each epoch holds as many images
        of every class as the largest class has (``"oversample"``: minority images
        repeat) or as the smallest has (``"undersample"``: a new random subset of the
        majority each epoch). An imbalanced-learn ``RandomOverSampler`` or
        ``RandomUnderSampler`` sets the counts by its ``sampling_strategy``
        (``RandomOverSampler(sampling_strategy=0.5)``: the minority drawn up to half
        the majority each epoch); a float ``r`` in (0, 1] is the same as
        ``RandomOverSampler(sampling_strategy=r)``. Samplers that synthesise or select
        samples by their features (SMOTE, NearMiss...) are refused: use them on deep
        features in an ``imblearn.pipeline.Pipeline`` after a
        :class:`TransferFeatureExtractor`. Usually used instead of ``class_weight``,
        not with it.
    loss : {"cross_entropy", "focal"} or keras loss, default="cross_entropy"
        Training loss on one-hot targets. ``"focal"`` is the focal loss
        (``keras.losses.CategoricalFocalCrossentropy``), which down-weights easy,
        well-classified images by ``(1 - p_t) ** focal_gamma``.
    focal_gamma : float, default=2.0
        Focusing parameter of the focal loss (0 gives cross-entropy).
    focal_alpha : "balanced", None, float or sequence of float, default="balanced"
        Class weights of the focal loss: ``"balanced"`` weighs each class inversely to
        its frequency, as ``class_weight="balanced"`` does (per label for several
        labels: positives by the share of negatives), unless ``sampling`` or a
        ``class_weight`` dict already corrects the balance, so that ``loss="focal"``
        alone handles a skewed training set; None weighs all classes 1; a float in
        (0, 1) for two classes is the weight of ``classes_[1]`` (``classes_[0]`` gets
        ``1 - alpha``); or one weight per class. Used with ``loss="focal"`` only.
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
        Keras progress output during fit (0 silent, 1 progress bar, 2 one line per epoch) and
        during predict over more than one batch (2: one line at the end).
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
        An interrupted fit (error, ``KeyboardInterrupt``, killed process) resumes: a later
        ``fit`` with the same parameters, data and ``checkpoint_dir`` continues after
        the last completed epoch (close to, not bit-identical with, an uninterrupted
        fit). A fit that completes deletes ``resume.npz``; a fit with other parameters
        or data warns and starts afresh. See :doc:`/reliability`.
    distribute : None, "mirrored" or "multiworker", default=None
        Data-parallel training with ``tf.distribute``. ``"mirrored"``: one replica of
        the network on every GPU of the machine (``MirroredStrategy``), or on every
        logical CPU device when there is no GPU. ``"multiworker"``:
        ``MultiWorkerMirroredStrategy`` over the machines described by the
        ``TF_CONFIG`` environment variable (without it, this process alone).
        ``batch_size`` is then the global batch, split evenly across the replicas:
        scale it (and usually ``learning_rate``) with their number. See
        :doc:`/scaling`.
    precision : {"auto", "float32", "bfloat16", "float16"}, default="auto"
        Arithmetic of training: ``"bfloat16"``/``"float16"`` train under Keras' mixed
        policies (16-bit layers, float32 weights, output layer and loss; loss scaling
        for float16); the fitted network is float32 (float32 predictions, a saved
        model loads anywhere). ``"auto"``: your global Keras dtype policy if set, else
        bfloat16 for 2-D networks on CPUs with AVX512_BF16 or AMX (no GPU), float32
        elsewhere (GPUs, volumes). Measured in :doc:`/performance`.
    jit_compile : "auto" or bool, default="auto"
        Compile the training and prediction steps with XLA. ``"auto"``: where measured
        faster, on GPUs (Keras' rule: a GPU and a network XLA supports), not on CPUs,
        where XLA's convolutions run several times slower (:doc:`/performance`). A
        network with an operation XLA cannot compile trains without it, after a warning.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (images -> class probabilities).
    classes_ : ndarray of shape (n_classes,)
        The class labels; for several labels per sample, the label indices
        ``0 .. n_labels - 1`` (the columns of y).
    multilabel_ : bool
        Whether the estimator was fitted on several labels per sample (a 2-D 0/1 y):
        then the network ends in one sigmoid per label, ``predict_proba`` gives each
        label's probability and ``predict`` a 0/1 indicator matrix.
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
    dtype_policy_ : str
        The Keras dtype policy training ran under (``"float32"``, ``"mixed_bfloat16"``...).

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
                 focal_gamma=2.0, focal_alpha="balanced", augment=("flip", "rotate90"), tta=None, tta_augment=None,
                 transfer=None, trainable_layers=None, finetune_epochs=None, cache="auto",
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
        self.precision = precision
        self.jit_compile = jit_compile

    _task_arrays = ("classes_",)
    _task_fitted = ("multilabel_",)
    _parameter_constraints = {
        **SHARED_CONSTRAINTS,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "sampling": [StrOptions({s for s in SAMPLING_MODES if s}), Real(0, 1, closed="right"),
                     HasMethods(["fit_resample"]), None],
        "loss": [StrOptions(set(LOSSES)), callable],
        "focal_gamma": [Real(0, None, closed="left")],
        "focal_alpha": [StrOptions({"balanced"}), numbers.Real, "array-like", None],  # range, length: make_loss
    }
    _parameter_hints = {
        **SHARED_HINTS,
        "class_weight": "give 'balanced', a dict of weights by class label, or None",
        "sampling": f"use one of {SAMPLING_MODES}, a ratio in (0, 1], or an imbalanced-learn "
                    "RandomOverSampler or RandomUnderSampler",
        "loss": f"use one of {LOSSES} or a Keras loss",
        "focal_gamma": "give a float >= 0",
        "focal_alpha": "give 'balanced', None, a float in (0, 1) or one weight per class",
    }

    def _check_params(self):
        """Every parameter against its constraints, then the checks that relate parameters."""
        super()._check_params()
        check_params_together(self.get_params(deep=False))

    _model_name = "medcnn_classifier"

    # ------------------------------------------------------------------ the task
    def _focal_alpha_in_use(self):
        """Whether the focal loss weights the classes itself: ``focal_alpha`` given, or
        ``"balanced"`` where no sampling and no class_weight dict corrects them already."""
        if self.loss != "focal" or self.focal_alpha is None:
            return False
        return not isinstance(self.focal_alpha, str) or (  # "balanced"
            self.sampling is None and not isinstance(self.class_weight, dict))

    def _encode_targets(self, y, n_samples, sample_weight):
        # sampling or focal_alpha already rebalance the classes: "balanced" weights would count twice
        other_correction = self.sampling is not None or self._focal_alpha_in_use()
        class_weight = None if other_correction and self.class_weight == "balanced" else self.class_weight
        self._label_weights = None  # the task of this fit, for _head and _loss
        self._fit_multilabel = is_multilabel(y)
        if self._fit_multilabel:
            if self.sampling is not None:
                raise ValueError(
                    f"sampling={self.sampling!r} draws each class equally often, but y has several labels "
                    "per sample; use class_weight='balanced' (each label's positives and negatives "
                    "weighted to balance) and sampling=None.")
            labels, targets, weights, self._label_weights = encode_multilabel(
                y, n_samples, sample_weight, class_weight, type(self).__name__)
            self._fit_focal_alpha = self._resolved_focal_alpha(targets[:n_samples], multilabel=True)
            return TaskTargets(targets=targets, weights=weights, n_outputs=len(labels),
                               fitted={"classes_": labels, "multilabel_": True})
        classes, y_encoded, one_hot, weights = encode_targets(
            y, n_samples, sample_weight, class_weight, type(self).__name__)
        self._fit_focal_alpha = self._resolved_focal_alpha(one_hot[:n_samples], multilabel=False)
        return TaskTargets(targets=one_hot, weights=weights, n_outputs=len(classes), stratify=y_encoded,
                           labels=y_encoded, sampling=resolve_sampling(self.sampling, classes, type(self).__name__),
                           fitted={"classes_": classes, "multilabel_": False})

    def _resolved_focal_alpha(self, targets, multilabel):
        """The focal loss's alpha for this fit: ``"balanced"`` becomes the inverse class
        frequency ``n / (n_classes * count)`` (per label: the share of negatives), or None
        where another correction is in use."""
        if not isinstance(self.focal_alpha, str):
            return self.focal_alpha
        return balanced_focal_alpha(targets, multilabel) if self._focal_alpha_in_use() else None

    def _check_task(self, targets):
        self._loss(targets.n_outputs)  # e.g. focal_alpha must fit the classes

    def _encode_validation(self, y, n_samples, task):
        return encode_validation_labels(y, task)

    def _head(self, features, n_outputs):
        import keras

        # float32 probabilities under a mixed-precision policy too
        activation = "sigmoid" if getattr(self, "_fit_multilabel", False) else "softmax"
        return keras.layers.Dense(n_outputs, activation=activation, dtype="float32", name="classifier")(features)

    def _loss(self, n_outputs):
        alpha = getattr(self, "_fit_focal_alpha", None if isinstance(self.focal_alpha, str) else self.focal_alpha)
        if getattr(self, "_fit_multilabel", False):
            return make_multilabel_loss(self.loss, n_outputs, self.focal_gamma, alpha, self._label_weights)
        return make_loss(self.loss, n_outputs, self.focal_gamma, alpha)

    def _metrics(self):
        import keras

        multilabel = getattr(self, "_fit_multilabel", False)
        return [(keras.metrics.BinaryAccuracy if multilabel else keras.metrics.CategoricalAccuracy)(name="accuracy")]

    # ---------------------------------------------------------------- prediction
    def predict_proba(self, X, tta=None, on_error="raise"):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        tta : int, optional
            Number of test-time views to average (the image and ``tta - 1``
            augmented copies); overrides the ``tta`` parameter for this call.
        on_error : {"raise", "skip"}, default="raise"
            For file paths: ``"raise"`` stops at the first file that cannot be read,
            with an ImageReadError naming it; ``"skip"`` predicts every other file,
            gives the unreadable ones rows of NaN and warns once
            (:class:`~medcnn.exceptions.SkippedFilesWarning`), naming them and why.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probability of each class for each sample; rows sum to 1 (NaN rows for
            files skipped under ``on_error="skip"``). For several labels per sample
            (``multilabel_``), the probability of each label, ``(n_samples, n_labels)``.

        Examples
        --------
        >>> from medcnn import CNNClassifier
        >>> from medcnn.datasets import make_histology
        >>> X, y = make_histology(60, image_size=28, random_state=0)
        >>> clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:3], tta=4).shape
        (3, 2)
        """
        # float32 softmax rows sum to 1 only to ~1e-7: renormalised in float64 (_combine_views)
        return self._predict_outputs(X, tta, on_error)

    def _combine_views(self, total, views):
        if getattr(self, "multilabel_", False):  # each label's own probability: the mean over the views
            return total / views
        return total / total.sum(axis=1, keepdims=True)

    def predict(self, X, on_error="raise"):
        """Predicted class labels (the most probable class), or for several labels per
        sample the 0/1 indicator of each label (probability >= 0.5).

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        on_error : {"raise", "skip"}, default="raise"
            As in :meth:`predict_proba`. With ``"skip"`` the result is a
            ``numpy.ma.MaskedArray`` whose masked entries are the skipped files.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted label of each sample, taken from ``classes_`` (masked where a
            file was skipped under ``on_error="skip"``); the indicator matrix for
            several labels per sample.
        """
        proba = self.predict_proba(X, on_error=on_error)
        if getattr(self, "multilabel_", False):
            indicator = (np.nan_to_num(proba, nan=0.0) >= 0.5).astype(int)
            if on_error == "raise":
                return indicator
            return np.ma.MaskedArray(indicator, mask=np.isnan(proba))
        if on_error == "raise":
            return self.classes_[np.argmax(proba, axis=1)]
        skipped = np.isnan(proba).any(axis=1)
        labels = self.classes_[np.argmax(np.nan_to_num(proba, nan=0.0), axis=1)]
        return np.ma.MaskedArray(labels, mask=skipped)
