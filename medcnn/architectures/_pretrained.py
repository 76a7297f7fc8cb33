"""ImageNet backbones from ``keras.applications`` as medcnn architectures.

Every factory returns a flat functional ``keras.Model`` ``image -> feature map``:

``image (h, w, c)`` -> ``imagenet_preprocess`` -> the application's own layers
(``include_top=False``, ``pooling=None``) -> rank-4 feature map.

``imagenet_preprocess`` is one frozen ``Dense(3)`` layer applied on the channel axis.
Its fixed kernel ``(c, 3)`` and bias do two things in one affine map:

* map the ``c`` input channels to RGB: for ``c == 1`` the grey value is copied to R, G
  and B (``channel_mode="replicate"``) or feeds one channel with zeros elsewhere
  (``channel_mode="R"``, ``"G"`` or ``"B"``); for ``c == 4`` the alpha channel is
  dropped;
* turn medcnn's [0, 1] images into exactly what the family's
  ``keras.applications.<module>.preprocess_input`` gives for the same image in
  0..255: ``"caffe"`` (ResNet50, VGG16: RGB -> BGR, minus the ImageNet BGR mean),
  ``"tf"`` (InceptionV3, MobileNetV2: ``x * 2 - 1``), ``"torch"`` (DenseNet121:
  ``(x - mean) / std``) and ``"efficientnet"`` (``x * 255``; the rescaling and
  normalisation layers are inside EfficientNet).

The backbones therefore standardise their input themselves; they are registered with
``standardize=False`` so that the estimator does not add its own standardisation.

``weights`` is ``None`` (random initialisation), ``"imagenet"`` or the path of a
weights file of the no-top application (``.h5`` as distributed by
``keras.applications``, or ``.weights.h5`` saved with ``model.save_weights``). ImageNet
files are looked up in the Keras cache (``$KERAS_HOME/models`` or
``~/.keras/models``) and downloaded there when missing; without network access a
:class:`~medcnn.exceptions.WeightsUnavailableError` says which file to fetch.

Keras is imported inside the factories so that importing this module is cheap.
"""

import errno
import os
import socket
import threading
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass

from medcnn.exceptions import WeightsUnavailableError

from ._common import check_input_shape

__all__ = [
    "PRETRAINED_ARCHITECTURES",
    "PretrainedSpec",
    "build_pretrained",
    "imagenet_weights_file",
    "preprocess_weights",
    "build_efficientnet_b0",
    "build_efficientnet_b1",
    "build_efficientnet_b2",
    "build_efficientnet_b3",
    "build_efficientnet_b4",
    "build_resnet50",
    "build_inception_v3",
    "build_densenet121",
    "build_vgg16",
    "build_mobilenet_v2",
]

#: Name of the frozen channel-mapping + preprocessing layer in front of the backbone.
PREPROCESS_LAYER = "imagenet_preprocess"
CHANNEL_MODES = ("replicate", "R", "G", "B")

_IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)  # "caffe" mode, 0..255 scale
_IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)  # "torch" mode, 0..1 scale
_IMAGENET_STD_RGB = (0.229, 0.224, 0.225)
_CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class PretrainedSpec:
    """How one ``keras.applications`` family is built, preprocessed and downloaded.

    Attributes
    ----------
    name : str
        Registered architecture name.
    application : str
        Constructor in ``keras.applications`` (e.g. ``"ResNet50"``).
    module : str
        Submodule of ``keras.applications`` holding its ``preprocess_input``.
    preprocessing : str
        ``"caffe"``, ``"tf"``, ``"torch"`` or ``"efficientnet"``.
    min_size : int
        Smallest image side accepted by the application.
    default_size : int
        Image side the ImageNet weights were trained at.
    origin : str
        Download URL of the no-top ImageNet weights (``{rows}`` is filled in for
        MobileNetV2, whose file depends on the input size).
    file_hash : str or None
        MD5 of that file, as checked by ``keras.applications`` (None: not checked).
    description : str
        One line for listings.
    """

    name: str
    application: str
    module: str
    preprocessing: str
    min_size: int
    default_size: int
    origin: str
    file_hash: str | None
    description: str

    def weights_file(self, height=None, width=None):
        """File name of the no-top ImageNet weights for images ``height x width``."""
        rows = 224
        if self.name == "mobilenet_v2" and height == width and height in (96, 128, 160, 192, 224):
            rows = height
        return self.origin.format(rows=rows).rsplit("/", 1)[-1]

    def weights_origin(self, height=None, width=None):
        """Download URL of :meth:`weights_file`."""
        base = self.origin.rsplit("/", 1)[0]
        return f"{base}/{self.weights_file(height, width)}"


_GCS = "https://storage.googleapis.com"
_SPECS = [
    PretrainedSpec("efficientnet_b0", "EfficientNetB0", "efficientnet", "efficientnet", 32, 224,
                   f"{_GCS}/keras-applications/efficientnetb0_notop.h5",
                   "50bc09e76180e00e4465e1a485ddc09d",
                   "EfficientNet-B0 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("efficientnet_b1", "EfficientNetB1", "efficientnet", "efficientnet", 32, 240,
                   f"{_GCS}/keras-applications/efficientnetb1_notop.h5",
                   "74c4e6b3e1f6a1eea24c589628592432",
                   "EfficientNet-B1 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("efficientnet_b2", "EfficientNetB2", "efficientnet", "efficientnet", 32, 260,
                   f"{_GCS}/keras-applications/efficientnetb2_notop.h5",
                   "111f8e2ac8aa800a7a99e3239f7bfb39",
                   "EfficientNet-B2 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("efficientnet_b3", "EfficientNetB3", "efficientnet", "efficientnet", 32, 300,
                   f"{_GCS}/keras-applications/efficientnetb3_notop.h5",
                   "af6d107764bb5b1abb91932881670226",
                   "EfficientNet-B3 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("efficientnet_b4", "EfficientNetB4", "efficientnet", "efficientnet", 32, 380,
                   f"{_GCS}/keras-applications/efficientnetb4_notop.h5",
                   "ebc24e6d6c33eaebbd558eafbeedf1ba",
                   "EfficientNet-B4 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("resnet50", "ResNet50", "resnet50", "caffe", 32, 224,
                   f"{_GCS}/tensorflow/keras-applications/resnet/"
                   "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "4d473c1dd8becc155b73f8504c6f6626",
                   "ResNet-50 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("inception_v3", "InceptionV3", "inception_v3", "tf", 75, 299,
                   f"{_GCS}/tensorflow/keras-applications/inception_v3/"
                   "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "bcbd6486424b2319ff4ef7d526e38f63",
                   "Inception-v3 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("densenet121", "DenseNet121", "densenet", "torch", 32, 224,
                   f"{_GCS}/tensorflow/keras-applications/densenet/"
                   "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "30ee3e1110167f948a6b9946edeeb738",
                   "DenseNet-121 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("vgg16", "VGG16", "vgg16", "caffe", 32, 224,
                   f"{_GCS}/tensorflow/keras-applications/vgg16/"
                   "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "6d6bbae143d832006294945121d1f1fc",
                   "VGG-16 from keras.applications, ImageNet-ready (feature map)"),
    PretrainedSpec("mobilenet_v2", "MobileNetV2", "mobilenet_v2", "tf", 32, 224,
                   f"{_GCS}/tensorflow/keras-applications/mobilenet_v2/"
                   "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5",
                   None,
                   "MobileNetV2 (alpha 1.0) from keras.applications, ImageNet-ready (feature map)"),
]

#: Registered name -> :class:`PretrainedSpec` of every ``keras.applications`` backbone.
PRETRAINED_ARCHITECTURES = {spec.name: spec for spec in _SPECS}


# --------------------------------------------------------------------- preprocessing
def _rgb_affine(preprocessing):
    """``(A, b)`` with ``preprocess_input(255 * x) == x @ A.T + b`` for RGB ``x`` in [0, 1]."""
    import numpy as np

    if preprocessing == "caffe":  # RGB -> BGR, then minus the BGR mean (0..255 scale)
        A = 255.0 * np.eye(3)[::-1]
        b = -np.asarray(_IMAGENET_MEAN_BGR)
    elif preprocessing == "tf":  # x / 127.5 - 1
        A = 2.0 * np.eye(3)
        b = -np.ones(3)
    elif preprocessing == "torch":  # (x / 255 - mean) / std
        std = np.asarray(_IMAGENET_STD_RGB)
        A = np.diag(1.0 / std)
        b = -np.asarray(_IMAGENET_MEAN_RGB) / std
    elif preprocessing == "efficientnet":  # 0..255, the model rescales itself
        A = 255.0 * np.eye(3)
        b = np.zeros(3)
    else:  # pragma: no cover - guarded by the table
        raise ValueError(f"unknown preprocessing {preprocessing!r}")
    return A, b


def _channel_matrix(channels, channel_mode):
    """``(3, channels)`` matrix mapping the input channels to RGB."""
    import numpy as np

    if channels == 1:
        if channel_mode == "replicate":
            return np.ones((3, 1))
        M = np.zeros((3, 1))
        M["RGB".index(channel_mode), 0] = 1.0
        return M
    return np.eye(3, channels)  # RGB as is; RGBA: alpha dropped


def preprocess_weights(preprocessing, channels, channel_mode="replicate"):
    """Kernel ``(channels, 3)`` and bias ``(3,)`` of the ``imagenet_preprocess`` layer."""
    import numpy as np

    A, b = _rgb_affine(preprocessing)
    kernel = (A @ _channel_matrix(channels, channel_mode)).T
    return kernel.astype(np.float32), b.astype(np.float32)


def _check_channel_mode(channel_mode, name):
    if isinstance(channel_mode, str):
        mode = channel_mode.lower() if channel_mode.lower() == "replicate" else channel_mode.upper()
        if mode in CHANNEL_MODES:
            return mode
    raise ValueError(
        f"{name}: channel_mode={channel_mode!r} is not valid; give 'replicate' (grey copied "
        "to R, G and B) or 'R', 'G' or 'B' (grey feeds that ImageNet channel only)."
    )


# ---------------------------------------------------------------------------- weights
def _keras_cache_dir():
    """Folder Keras caches downloads in: ``$KERAS_HOME`` or ``~/.keras``, as Keras does."""
    if os.environ.get("KERAS_HOME"):
        return os.path.expanduser(os.environ["KERAS_HOME"])
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        home = "/tmp"
    return os.path.join(home, ".keras")


def _host_reachable(host, port=443, timeout=_CONNECT_TIMEOUT):
    """``(True, "")`` when a TCP connection to ``host:port`` (or the HTTPS proxy) opens.

    The connection is tried in a daemon thread so that a hanging name lookup cannot
    block for longer than ``timeout`` (+1 s).
    """
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(host):
        parsed = urllib.parse.urlsplit(proxy if "//" in proxy else f"//{proxy}")
        if parsed.hostname:
            host, port = parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)
    outcome = {}

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome["ok"] = True
        except OSError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=probe, name="medcnn-weights-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if outcome.get("ok"):
        return True, ""
    if "error" in outcome:
        exc = outcome["error"]
        return False, f"cannot connect to {host}:{port} ({type(exc).__name__}: {exc})"
    return False, f"no answer from {host}:{port} within {timeout:g} s"


def imagenet_weights_file(name, input_shape=None):
    """File name of the no-top ImageNet weights that architecture ``name`` loads.

    Parameters
    ----------
    name : str
        A registered pretrained architecture, e.g. ``"resnet50"``.
    input_shape : tuple of int, optional
        ``(height, width, channels)``; only MobileNetV2 has size-dependent weights
        (96, 128, 160, 192 or 224 square images; 224 otherwise).

    Returns
    -------
    str
        The file name, as cached by ``keras.applications`` under ``~/.keras/models``.

    Examples
    --------
    >>> imagenet_weights_file("resnet50")
    'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5'
    """
    spec = _spec(name)
    height, width = (tuple(input_shape)[:2] if input_shape is not None else (None, None))
    return spec.weights_file(height, width)


def _unavailable(spec, height, width, problem):
    fname = spec.weights_file(height, width)
    return WeightsUnavailableError(
        f"ImageNet weights for architecture {spec.name!r} are not available: {problem}. "
        f"On a machine with network access, run keras.applications.{spec.application}"
        f"(include_top=False, weights='imagenet') (it saves {fname} under ~/.keras/models) "
        f"or download {spec.weights_origin(height, width)}; copy the file here and pass "
        f"weights='/path/to/{fname}' (e.g. CNNClassifier(architecture={spec.name!r}, "
        f"architecture_params={{'weights': '/path/to/{fname}'}})), or put it in "
        f"{os.path.join(_keras_cache_dir(), 'models')}. Use weights=None to train from "
        "random initialisation."
    )


def _imagenet_path(spec, height, width):
    """Path of the cached ImageNet file, downloading it when the host is reachable."""
    fname = spec.weights_file(height, width)
    cache_dir = _keras_cache_dir()
    path = os.path.join(cache_dir, "models", fname)
    if os.path.isfile(path):
        return path
    origin = spec.weights_origin(height, width)
    reachable, reason = _host_reachable(urllib.parse.urlsplit(origin).hostname)
    if not reachable:
        raise _unavailable(spec, height, width, f"{fname} is not cached in "
                                                f"{os.path.dirname(path)} and {reason}")
    import keras

    try:
        return keras.utils.get_file(fname, origin, cache_dir=cache_dir, cache_subdir="models",
                                    file_hash=spec.file_hash)
    except Exception as exc:  # network errors, hash mismatch, disk full, ...
        raise _unavailable(spec, height, width, f"downloading {origin} failed "
                                                f"({type(exc).__name__}: {exc})") from exc


def _resolve_weights(spec, weights, height, width):
    """``(path or None, is_imagenet)`` for the ``weights`` argument."""
    if weights is None:
        return None, False
    if isinstance(weights, str) and weights == "imagenet":
        return _imagenet_path(spec, height, width), True
    try:
        path = os.path.expanduser(os.fspath(weights))
    except TypeError:
        raise ValueError(
            f"{spec.name}: weights={weights!r} is not valid; give None, 'imagenet' or the "
            "path of a weights file."
        ) from None
    if not os.path.isfile(path):
        raise FileNotFoundError(
            errno.ENOENT,
            f"{spec.name}: weights file not found (give None, 'imagenet' or the path of "
            f"the no-top weights file, e.g. {spec.weights_file(height, width)})",
            path,
        )
    return path, False


def _copy_weights(source, target, skip, spec, path):
    """Copy the weights of ``source`` (plain application) into ``target`` layer by layer."""
    import keras

    src = [layer for layer in source.layers if layer.weights]
    dst = [layer for layer in target.layers if layer.weights and layer is not skip]

    def shapes(layer):
        return [tuple(w.shape) for w in layer.weights]

    mismatch = len(src) != len(dst) or any(
        type(a) is not type(b) or shapes(a) != shapes(b) for a, b in zip(src, dst))
    if mismatch:  # pragma: no cover - the same constructor builds both
        raise RuntimeError(f"{spec.name}: the model built for loading {path} does not match.")
    for a, b in zip(src, dst):
        b.set_weights(a.get_weights())
        if isinstance(b, keras.layers.Normalization):
            b.finalize_state()  # its mean/variance tensors are derived from the variables


def _fix_efficientnet_normalization(model, imagenet):
    """Reproduce ``keras.applications``' ImageNet fix-up of EfficientNet's stem.

    The EfficientNet ImageNet files store the RGB standard deviation as the variance
    of the stem ``Normalization`` layer; with ``weights="imagenet"``, Keras adds a
    ``Rescaling(1 / sqrt(std))`` after it (tensorflow/tensorflow#49930), but not when the
    same file is given as a path. Here the factor is folded into the variance
    (``(x - m) / sqrt(v * s) == (x - m) / sqrt(v) / sqrt(s)``), for ``"imagenet"`` and
    for files whose variance is that ImageNet standard deviation.
    """
    import keras
    import numpy as np

    norm = next((layer for layer in model.layers
                 if isinstance(layer, keras.layers.Normalization)), None)
    if norm is None:  # pragma: no cover
        return
    mean, variance, *rest = norm.get_weights()
    std = np.asarray(_IMAGENET_STD_RGB, dtype=variance.dtype)
    if imagenet or (variance.shape == std.shape and np.allclose(variance, std, atol=1e-4)):
        norm.set_weights([mean, variance * std, *rest])
        norm.finalize_state()


# ---------------------------------------------------------------------------- builder
def _spec(name):
    try:
        return PRETRAINED_ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"{name!r} is not a pretrained architecture; choose one of "
            f"{', '.join(PRETRAINED_ARCHITECTURES)}."
        ) from None


def build_pretrained(name, input_shape, weights=None, channel_mode="replicate", trainable=True):
    """Build the ``keras.applications`` backbone ``name`` as a medcnn feature extractor.

    Parameters
    ----------
    name : str
        One of :data:`PRETRAINED_ARCHITECTURES` (``"resnet50"``, ``"efficientnet_b0"``,
        ...).
    input_shape : tuple of int
        ``(height, width, channels)`` with 1, 3 (RGB) or 4 (RGBA, alpha dropped)
        channels and sides of at least the architecture's ``min_size`` (75 for
        ``inception_v3``, 32 otherwise); height and width may be ``None``.
    weights : None, "imagenet" or path-like, default=None
        ``None``: random initialisation. ``"imagenet"``: the no-top ImageNet weights,
        from the Keras cache or downloaded into it. A path: a weights file of the
        no-top application (``.h5`` from ``keras.applications`` or ``.weights.h5``).
    channel_mode : {"replicate", "R", "G", "B"}, default="replicate"
        For single-channel images: copy the grey value to R, G and B, or feed it to
        one channel with zeros in the others. Ignored for RGB(A) input.
    trainable : bool, default=True
        ``trainable`` of the application's layers (``False`` freezes the backbone).
        The ``imagenet_preprocess`` layer is created frozen whatever this value. Keras
        propagates ``model.trainable = True`` to every layer, so code that unfreezes
        the backbone after freezing it should set ``trainable`` per layer and skip
        ``imagenet_preprocess``.

    Returns
    -------
    keras.Model
        Flat functional model ``(batch, height, width, channels) -> (batch, h, w,
        features)``: the input, the frozen ``imagenet_preprocess`` Dense layer, then the
        application's layers (``model.get_layer("conv5_block3_out")`` works for
        ResNet50). Images are expected in [0, 1], as medcnn feeds them.

    Raises
    ------
    ValueError
        For an unknown name, a bad shape, channel count, ``channel_mode`` or
        ``trainable``.
    FileNotFoundError
        If ``weights`` is a path that does not exist.
    medcnn.exceptions.WeightsUnavailableError
        If ImageNet weights are not cached and cannot be downloaded, or the weights
        file does not fit the architecture.

    Examples
    --------
    >>> model = build_pretrained("mobilenet_v2", (32, 32, 1))
    >>> model.output_shape
    (None, 1, 1, 1280)
    >>> model.layers[1].name, model.layers[1].trainable
    ('imagenet_preprocess', False)
    """
    spec = _spec(name)
    height, width, channels = check_input_shape(input_shape, spec.min_size, name)
    if channels not in (1, 3, 4):
        raise ValueError(
            f"{name} takes 1 (grey), 3 (RGB) or 4 (RGBA) channels, got {channels} "
            f"(input_shape={tuple(input_shape)!r})."
        )
    mode = _check_channel_mode(channel_mode, name)
    if not isinstance(trainable, bool):
        raise ValueError(f"{name}: trainable={trainable!r} must be True or False.")
    # Resolve the weights before building: a missing file or no network fails fast.
    path, imagenet = _resolve_weights(spec, weights, height, width)

    import keras

    application = getattr(keras.applications, spec.application)
    inputs = keras.Input(shape=(height, width, channels), name="image")
    preprocess = keras.layers.Dense(3, name=PREPROCESS_LAYER, trainable=False)
    x = preprocess(inputs)
    kernel, bias = preprocess_weights(spec.preprocessing, channels, mode)
    preprocess.set_weights([kernel, bias])
    app = application(include_top=False, weights=None, input_tensor=x,
                      input_shape=(height, width, 3), pooling=None)
    model = keras.Model(inputs, app.output, name=name)

    if path is not None:
        try:
            with warnings.catch_warnings():
                # Keras 3.15 warns once per internal container of a functional model when
                # loading a .weights.h5 file; every layer's weights are loaded all the same.
                warnings.filterwarnings("ignore", message="Skipping nested container",
                                        category=UserWarning)
                source = application(include_top=False, weights=path,
                                      input_shape=(height, width, 3), pooling=None)
        except Exception as exc:
            raise WeightsUnavailableError(
                f"{name}: cannot load weights from {path}: {type(exc).__name__}: {exc}. Give "
                f"the no-top weights of keras.applications.{spec.application} (e.g. "
                f"{spec.weights_file(height, width)}), or a file saved with save_weights() "
                f"from keras.applications.{spec.application}(include_top=False, ...)."
            ) from exc
        _copy_weights(source, model, preprocess, spec, path)
        del source
        if spec.preprocessing == "efficientnet":
            _fix_efficientnet_normalization(model, imagenet)

    for layer in model.layers:
        if layer is not preprocess and not isinstance(layer, keras.layers.InputLayer):
            layer.trainable = trainable
    return model


def _make_factory(spec):
    def factory(input_shape, weights=None, channel_mode="replicate", trainable=True):
        return build_pretrained(spec.name, input_shape, weights=weights,
                                channel_mode=channel_mode, trainable=trainable)

    factory.__name__ = factory.__qualname__ = f"build_{spec.name}"
    factory.__module__ = __name__
    factory.__doc__ = (
        f"{spec.application} from keras.applications as a medcnn feature extractor.\n\n"
        f"    ``keras.applications.{spec.application}(include_top=False)`` behind a frozen\n"
        f"    ``imagenet_preprocess`` layer ({spec.preprocessing!r} preprocessing of [0, 1]\n"
        f"    images); images of at least {spec.min_size}x{spec.min_size} pixels, ImageNet\n"
        f"    size {spec.default_size}. See :func:`build_pretrained` for the parameters.\n\n"
        "    Parameters\n    ----------\n"
        "    input_shape : tuple of int\n"
        "        ``(height, width, channels)``, 1, 3 or 4 channels.\n"
        "    weights : None, \"imagenet\" or path-like, default=None\n"
        "        Random initialisation, ImageNet weights or a no-top weights file.\n"
        "    channel_mode : {\"replicate\", \"R\", \"G\", \"B\"}, default=\"replicate\"\n"
        "        How a single grey channel feeds the RGB backbone.\n"
        "    trainable : bool, default=True\n"
        "        Whether the backbone layers are trainable.\n\n"
        "    Returns\n    -------\n    keras.Model\n"
        "        Images in [0, 1] -> rank-4 feature map.\n\n"
        "    Examples\n    --------\n"
        "    Random initialisation; images of the smallest accepted size give a 1x1 map.\n\n"
        f"    >>> from medcnn.architectures import build_{spec.name}\n"
        f"    >>> build_{spec.name}(input_shape=({spec.min_size}, {spec.min_size}, 3), weights=None).output_shape[:3]"
        # the largest networks take a few seconds to build: their example is not run by the doctests
        + ("  # doctest: +SKIP" if spec.name in ("densenet121", "efficientnet_b1", "efficientnet_b2",
                                                 "efficientnet_b3", "efficientnet_b4") else "")
        + "\n    (None, 1, 1)\n"
    )
    return factory


build_efficientnet_b0 = _make_factory(PRETRAINED_ARCHITECTURES["efficientnet_b0"])
build_efficientnet_b1 = _make_factory(PRETRAINED_ARCHITECTURES["efficientnet_b1"])
build_efficientnet_b2 = _make_factory(PRETRAINED_ARCHITECTURES["efficientnet_b2"])
build_efficientnet_b3 = _make_factory(PRETRAINED_ARCHITECTURES["efficientnet_b3"])
build_efficientnet_b4 = _make_factory(PRETRAINED_ARCHITECTURES["efficientnet_b4"])
build_resnet50 = _make_factory(PRETRAINED_ARCHITECTURES["resnet50"])
build_inception_v3 = _make_factory(PRETRAINED_ARCHITECTURES["inception_v3"])
build_densenet121 = _make_factory(PRETRAINED_ARCHITECTURES["densenet121"])
build_vgg16 = _make_factory(PRETRAINED_ARCHITECTURES["vgg16"])
build_mobilenet_v2 = _make_factory(PRETRAINED_ARCHITECTURES["mobilenet_v2"])

FACTORIES = {spec.name: globals()[f"build_{spec.name}"] for spec in _SPECS}


def registrations():
    """``(name, factory, metadata)`` for each backbone, for ``register_architectures``."""
    for spec in _SPECS:
        yield spec.name, FACTORIES[spec.name], {
            "description": spec.description,
            "min_size": spec.min_size,
            "default_size": spec.default_size,
            "pretrained": True,
            "standardize": False,
        }
