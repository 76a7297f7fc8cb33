"""TransferFeatureExtractor: a pretrained or self-trained CNN as a feature transformer."""

from __future__ import annotations

import hashlib
import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..datasets import split_frame
from .._input import RESIZE_MODES, is_path_array, predict
from .._validation import (HasMethods, ImageShape, Int, NestedDicts, PositiveInt, Size, StrOptions,
                           validate_parameters)
from .._networks import POOLINGS, feature_network, pooled, resolve_architecture, tap
from .._runtime import ensure_tensorflow_threads, fresh_keras_state, seeded
from ._base import ImageInputMixin
from ._persistence import ModelStateMixin

__all__ = ["TransferFeatureExtractor"]

CHANNEL_MODES = ("replicate", "R", "G", "B")


def _extract(extractor, key, X):
    """Features of X; ``key`` identifies the network (for the memory cache)."""
    source = extractor._fitted_source(X)
    with source.naming_errors():
        features = predict(extractor.model_, source.model_input(extractor.batch_size), len(source),
                           extractor.batch_size, extractor.verbose)
    return np.asarray(features, dtype=np.float32)


class TransferFeatureExtractor(ImageInputMixin, ModelStateMixin, TransformerMixin, BaseEstimator):
    """Turn images into CNN features with a pretrained or self-trained network.

    The headline use is ``Pipeline([TransferFeatureExtractor(), SelectKBest(),
    RandomForestClassifier()])``: ImageNet features, feature selection and a
    classic classifier, which works well on small medical datasets.

    Parameters
    ----------
    backbone : str, CNNClassifier or keras.Model, default="efficientnet_b0"
        A registered architecture name (``medcnn plugins`` lists them; the
        ``keras.applications`` families such as ``"efficientnet_b0"``, ``"resnet50"``
        take ``weights``), a path to a ``.keras`` file (a medcnn model or any Keras
        model), or a :class:`CNNClassifier`. An unfitted CNNClassifier is trained on
        ``(X, y)`` in ``fit`` (so it is retrained in each cross-validation fold); a
        fitted one (or one wrapped in :class:`sklearn.frozen.FrozenEstimator`) is used
        as it is, so a network tuned on one task serves as extractor for another.
    weights : "imagenet", None or str, default="imagenet"
        For pretrained architectures: ImageNet weights (downloaded by Keras on first
        use), random initialisation, or a local weights file. Must be None for
        architectures without pretrained weights.
    layer : None, str, int or "penultimate", default=None
        Where to take the features: None is the architecture's output (for a
        CNNClassifier, the pooled features before its classification layer); a layer
        name (nested models are searched) or index; "penultimate" is the layer before
        the model's last.
    pooling : {"avg", "max", None}, default="avg"
        Reduction of a feature map to a vector: global average or max pooling, or
        flattening (None).
    image_size : int or (int, int), optional
        Network input size. Default: the architecture's default size for pretrained
        weights (224 for most), else the size of the images in ``fit`` (never below
        the architecture's ``min_size``); a CNNClassifier's own input size.
    image_shape : tuple, optional
        ``(h, w[, c])`` of the rows of a 2-D X of flattened images.
    resize_mode : {"resize", "pad"}, default="resize"
        How images are brought to the input size.
    channel_mode : {"replicate", "R", "G", "B"}, default="replicate"
        How a single-channel (grayscale) image feeds a 3-channel pretrained network:
        copied to all three channels, or fed to one with zeros in the others.
    batch_size : int, default=32
    memory : None, str or joblib.Memory, default=None
        Cache of computed features: a folder or a :class:`joblib.Memory`. Identical
        inputs through the same fitted network are not pushed through it twice.
    reader_params : dict, optional
        Image reader parameters by reader name (``{"dcm": {"window": (40, 400)}}``).
    random_state : int, optional
        Seeds random initialisation (``weights=None``) and a CNNClassifier backbone's
        training.
    verbose : int, default=0
        Progress of ``transform`` over more than one batch, in Keras' convention (0
        silent, 1 a progress bar, 2 one line at the end).

    Attributes
    ----------
    model_ : keras.Model
        Images -> features.
    n_features_in_ : int
    n_features_out_ : int
        Number of features per image.
    sample_shape_, input_shape_ : tuple
        Shape of one sample as given in ``fit``, and the network input shape.
    backbone_ : CNNClassifier or None
        The trained classifier when ``backbone`` was a CNNClassifier.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.feature_selection import SelectKBest
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from medcnn import TransferFeatureExtractor
    >>> from medcnn.datasets import make_histology
    >>> X, y = make_histology(60, image_size=32, random_state=0)
    >>> extractor = TransferFeatureExtractor("mobilenet_v2", weights=None, random_state=0)
    >>> extractor.fit_transform(X).shape
    (60, 1280)
    >>> pipe = make_pipeline(extractor, SelectKBest(k=20), RandomForestClassifier(random_state=0))
    >>> pipe.fit(X, y).predict(X[:2]).shape
    (2,)
    """

    def __init__(self, backbone="efficientnet_b0", weights="imagenet", layer=None, pooling="avg",
                 image_size=None, image_shape=None, resize_mode="resize", channel_mode="replicate",
                 batch_size=32, memory=None, reader_params=None, random_state=None, verbose=0):
        self.backbone = backbone
        self.weights = weights
        self.layer = layer
        self.pooling = pooling
        self.image_size = image_size
        self.image_shape = image_shape
        self.resize_mode = resize_mode
        self.channel_mode = channel_mode
        self.batch_size = batch_size
        self.memory = memory
        self.reader_params = reader_params
        self.random_state = random_state
        self.verbose = verbose

    _parameter_constraints = {
        "backbone": [str, os.PathLike, HasMethods(["predict"])],
        "weights": [str, os.PathLike, None],
        "layer": [str, Int(None, None, closed="neither"), None],
        "pooling": [StrOptions({p for p in POOLINGS if p}), None],
        "image_size": [PositiveInt(), Size(), None],
        "image_shape": [ImageShape(), None],
        "resize_mode": [StrOptions(set(RESIZE_MODES))],
        "channel_mode": [StrOptions(set(CHANNEL_MODES))],
        "batch_size": [PositiveInt()],
        "memory": [str, os.PathLike, HasMethods(["cache"]), None],
        "reader_params": [NestedDicts(), None],
        "random_state": ["random_state"],
        "verbose": [Int(0, 2)],
    }
    _parameter_hints = {
        "verbose": "give 0, 1 or 2",
        "backbone": "give a registered architecture name, a .keras file, a CNNClassifier or a keras.Model",
        "weights": "give 'imagenet', a weights file or None",
        "layer": "give a layer name or index, 'penultimate' or None",
        "pooling": f"use one of {POOLINGS}",
        "image_size": "give an int, (height, width) or None",
        "resize_mode": f"use one of {RESIZE_MODES}",
        "channel_mode": f"use one of {CHANNEL_MODES}",
        "batch_size": "give an integer >= 1",
        "memory": "give None, a cache folder or a joblib.Memory",
    }

    def _check_params(self):
        validate_parameters(self)

    # ---------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Build (or train, for an unfitted CNNClassifier backbone) the feature network.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images ``(n, h, w[, c])``, flattened images ``(n, features)`` or file paths.
        y : array-like, optional
            Labels; needed only to train an unfitted CNNClassifier backbone.

        Returns
        -------
        self : TransferFeatureExtractor
            Fitted extractor.
        """
        import keras

        from ._core import BaseCNN

        self._check_params()
        ensure_tensorflow_threads()  # before a backbone file is loaded, which starts TensorFlow
        backbone = self.backbone
        if type(backbone).__name__ == "FrozenEstimator":
            backbone = backbone.estimator
        if isinstance(backbone, (str, os.PathLike)) and os.fspath(backbone).endswith(".keras"):
            backbone = self._load_file(os.fspath(backbone))
        self.backbone_ = None
        if isinstance(backbone, BaseCNN):  # a CNNClassifier or CNNRegressor
            self._fit_classifier_backbone(backbone, X, y)
        elif isinstance(backbone, keras.Model):
            self._fit_keras_backbone(backbone, X)
        else:
            self._fit_architecture(X)
        self.n_features_out_ = int(self.model_.output_shape[-1])
        self.fingerprint_ = self._fingerprint()
        return self

    def _load_file(self, path):
        import keras

        from medcnn.exceptions import ModelFileError

        from .._archive import META_MEMBER
        from ._persistence import load_model

        import zipfile

        if not os.path.isfile(path) or not zipfile.is_zipfile(path):
            raise ModelFileError(f"backbone {path!r} is not a .keras model file; give a file written by "
                                 "CNNClassifier.save() or keras.Model.save().")
        with zipfile.ZipFile(path) as archive:
            if META_MEMBER in archive.namelist():
                return load_model(path)
        from .._losses import register

        register()  # a network saved from a medcnn estimator may be compiled with medcnn's losses
        try:
            return keras.saving.load_model(path, safe_mode=True)
        except Exception as exc:
            raise ModelFileError(f"Keras could not load backbone {path!r}: {exc}") from exc

    def _fit_classifier_backbone(self, classifier, X, y):
        from sklearn.utils.validation import check_is_fitted as _fitted
        from sklearn.exceptions import NotFittedError

        try:
            _fitted(classifier)
        except NotFittedError:
            if y is None:
                raise ValueError(
                    "backbone is an unfitted CNNClassifier: fit needs y to train it, or pass a "
                    "fitted one (wrapped in sklearn.frozen.FrozenEstimator to survive cloning)."
                ) from None
            params = {} if self.random_state is None or classifier.random_state is not None else {
                "random_state": self.random_state}
            classifier = clone(classifier).set_params(**params).fit(X, y)
        self.backbone_ = classifier
        self.sample_shape_, self.input_shape_ = classifier.sample_shape_, classifier.input_shape_
        self.n_features_in_ = classifier.n_features_in_
        model = classifier.model_
        if self.layer is None:
            import keras

            self.model_ = keras.Model(model.inputs, model.layers[-1].input)  # before the head
        else:
            self.model_ = self._pool(tap(model, self.layer))

    def _fit_keras_backbone(self, model, X):
        source = self._source(X)
        self.sample_shape_ = source.sample_shape
        self.input_shape_ = tuple(int(s) for s in model.input_shape[1:])
        self.n_features_in_ = int(np.prod(self.sample_shape_))
        self.model_ = self._pool(tap(model, "penultimate" if self.layer is None else self.layer))

    def _pool(self, model):
        import keras

        if len(model.output_shape) == 2:
            return model
        return keras.Model(model.inputs, pooled(model.outputs[0], self.pooling))

    def _fit_architecture(self, X):
        import keras

        factory, metadata, name = resolve_architecture(self.backbone)
        pretrained = bool(metadata.get("pretrained"))
        if self.weights is not None and not pretrained:
            raise ValueError(
                f"Architecture {name!r} has no pretrained weights (weights={self.weights!r}); pass "
                "weights=None for random features, or a pretrained backbone such as 'efficientnet_b0'."
            )
        source = self._source(X)
        sample_shape = source.sample_shape
        default = metadata.get("default_size") if pretrained and self.weights is not None else None
        size = self._target_size(sample_shape[:2], metadata.get("min_size"), default)
        source.prepare(size, self.resize_mode)
        input_shape = size + (sample_shape[-1],)
        params = {"weights": self.weights, "channel_mode": self.channel_mode} if pretrained else {}
        seed = None if self.random_state is None else int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        fresh_keras_state()  # each fit starts from a clean Keras state
        with seeded(seed), source.naming_errors():
            standardize = None
            if metadata.get("standardize", True):
                mean, variance = source.channel_stats(np.arange(len(source)), seed)
                standardize = (mean.tolist(), np.maximum(variance, 1e-12).tolist())
            inputs, features, _ = feature_network(factory, input_shape, params, standardize,
                                                  label=f"Architecture {name!r}", layer=self.layer)
            self.model_ = self._pool(keras.Model(inputs, features))
        self.sample_shape_ = tuple(int(s) for s in sample_shape)
        self.input_shape_ = tuple(int(s) for s in input_shape)
        self.n_features_in_ = int(np.prod(sample_shape))

    def _fingerprint(self) -> str:
        # everything that changes the features without changing the weights goes in the key
        settings = (self.input_shape_, self.resize_mode, self.reader_params, self.layer, self.pooling,
                    self.channel_mode, [layer.name for layer in self.model_.layers])
        digest = hashlib.sha256(repr(settings).encode())
        for weight in self.model_.weights:
            digest.update(np.ascontiguousarray(weight.numpy()).tobytes())
        return digest.hexdigest()

    # ---------------------------------------------------------- transform
    def transform(self, X):
        """Features of X.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            float32 features.
        """
        check_is_fitted(self)
        memory = self.memory
        if memory is None:
            return _extract(self, self.fingerprint_, X)
        from sklearn.utils.validation import check_memory


        key = self.fingerprint_
        if is_path_array(X):  # the same names with other contents must not hit the cache
            files = [split_frame(p)[0] for p in X]
            key += repr([(os.path.getmtime(p), os.path.getsize(p)) if os.path.exists(p) else None
                         for p in files])
        return check_memory(memory).cache(_extract, ignore=["extractor"])(self, key, X)

    def get_feature_names_out(self, input_features=None):
        """Feature names ``<backbone>_<i>``.

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn compatibility.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        prefix = self.backbone if isinstance(self.backbone, str) and not self.backbone.endswith(".keras") else "cnn"
        return np.asarray([f"{prefix}_{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]  # network features are float32
        tags.non_deterministic = self.random_state is None and self.weights is None
        return tags
