"""Grad-CAM heatmaps of a fitted CNNClassifier, and their overlays on the images.

Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
Gradient-based Localization", ICCV 2017) weighs the channels of a convolutional
feature map ``A`` by the spatial mean of the gradient of a class score ``y_c`` with
respect to them, and keeps the positive part of the weighted sum:
``ReLU(sum_k mean_ij(d y_c / d A_ijk) * A_k)``.

A CNNClassifier's network is ``image -> [standardize] -> architecture (a nested
keras.Model) -> [pool] -> classifier``. The heatmap model runs the layers before the
architecture, a copy of the architecture's graph that also outputs the chosen
layer's feature map, and the head layers after it; the class score is the
classifier's output before its softmax, as in the paper. Keras is imported inside
the functions, so importing this module is cheap.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["grad_cam", "plot_grad_cam"]

#: Feature-map layers named in an error message at most (the last ones).
_LISTED_LAYERS = 15


# --------------------------------------------------------------------- inputs
def _unwrap(estimator):
    """``(classifier, prepare)``: the CNNClassifier inside ``estimator`` and the function
    bringing X to its input (the earlier steps of a Pipeline, else the identity)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from medcnn.estimators import CNNClassifier

    def identity(X):
        return X

    prepare, inner = identity, estimator
    if type(inner).__name__ == "FrozenEstimator":
        inner = inner.estimator
    if isinstance(inner, Pipeline):
        check_is_fitted(inner)
        head, inner = inner[:-1], inner.steps[-1][1]
        if len(head):
            prepare = head.transform
        if type(inner).__name__ == "FrozenEstimator":
            inner = inner.estimator
    if not isinstance(inner, CNNClassifier):
        raise TypeError(
            f"grad_cam needs a fitted CNNClassifier (or a Pipeline or FrozenEstimator ending "
            f"in one); got {type(inner).__name__}. Grad-CAM follows gradients through the "
            "network, so the last step must be the CNN itself."
        )
    check_is_fitted(inner)
    return inner, prepare


def _network_parts(model):
    """``(before, backbone, head)`` of a CNNClassifier network: the layers applied before
    the nested architecture model, the architecture, and the layers after it."""
    import keras

    before, backbone, head = [], None, []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if backbone is None and isinstance(layer, keras.Model):
            backbone = layer
        elif backbone is None:
            before.append(layer)
        else:
            head.append(layer)
    if backbone is None or not head:
        raise ValueError(
            f"The network {model.name!r} has no nested architecture model followed by a "
            "classification layer; grad_cam works on networks built by CNNClassifier.fit "
            "(or loaded with medcnn.load_model)."
        )
    return before, backbone, head


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # a layer called more than once has no single output
        return None


def _map_rank(backbone):
    """Rank of the backbone's feature maps: that of its input (4 for images, 5 for volumes)."""
    return len(backbone.inputs[0].shape)


def feature_map_layers(backbone):
    """Names of the backbone's layers whose output is a feature map (of the input's rank), in order."""
    import keras

    rank = _map_rank(backbone)
    return [layer.name for layer in backbone.layers
            if not isinstance(layer, keras.layers.InputLayer) and _output_rank(layer) == rank]


def _listing(names):
    shown = names[-_LISTED_LAYERS:]
    more = f"(the last {len(shown)} of {len(names)}) " if len(shown) < len(names) else ""
    return more + ", ".join(repr(name) for name in shown)


def _choose_layer(backbone, layer):
    """The name of the feature-map layer of ``backbone`` that Grad-CAM uses."""
    import keras

    candidates = feature_map_layers(backbone)
    if layer is None:
        if not candidates:
            raise ValueError(
                f"The architecture {backbone.name!r} has no layer with a feature-map output "
                "(batch, height, width, channels), so Grad-CAM has no spatial map to weigh; "
                "it needs a convolutional architecture."
            )
        return candidates[-1]
    if not isinstance(layer, str):
        raise TypeError(f"layer={layer!r} is not valid; give the name of a layer of the "
                        "architecture, or None for its last feature-map layer.")
    hint = (f" Layers with a feature-map output: {_listing(candidates)}." if candidates else
            " The architecture has no layer with a feature-map output.")
    names = [l.name for l in backbone.layers]
    if layer not in names:
        from medcnn._networks import layer_names

        for nested in backbone.layers:
            if isinstance(nested, keras.Model) and layer in layer_names(nested):
                raise ValueError(
                    f"Layer {layer!r} lies inside the model {nested.name!r} nested in the "
                    f"architecture {backbone.name!r}; grad_cam takes layers of the architecture "
                    f"itself.{hint}")
        import difflib

        close = difflib.get_close_matches(layer, candidates, n=1)
        raise ValueError(f"Unknown layer {layer!r}: the architecture {backbone.name!r} has no "
                         f"layer of that name.{hint}" + (f" Did you mean {close[0]!r}?" if close else ""))
    if isinstance(backbone.get_layer(layer), keras.layers.InputLayer):
        raise ValueError(f"Layer {layer!r} is the input of the architecture, not a feature map it "
                         f"computes; give a layer after it.{hint}")
    rank = _output_rank(backbone.get_layer(layer))
    if rank != _map_rank(backbone):
        shape = getattr(backbone.get_layer(layer).output, "shape", None)
        raise ValueError(f"Layer {layer!r} outputs shape {shape}, not a feature map (batch, "
                         f"height, width, channels); Grad-CAM needs a spatial layer.{hint}")
    return layer


def _class_column(class_index, classes):
    """Column of ``classes`` chosen by ``class_index`` (None: the predicted class)."""
    if class_index is None:
        return None
    n_classes = len(classes)
    shown = np.asarray(classes).tolist()
    is_int = isinstance(class_index, (numbers.Integral, np.integer))
    if is_int and not isinstance(class_index, (bool, np.bool_)):
        if 0 <= int(class_index) < n_classes:
            return int(class_index)
        raise ValueError(
            f"class_index={class_index!r} is out of range: an int is a column of predict_proba, "
            f"0 to {n_classes - 1} for classes_ {shown!r}. Give the column of the class "
            "(its position in classes_), or a non-integer label of classes_.")
    matches = [i for i, label in enumerate(classes) if bool(np.all(label == class_index))]
    if not matches:
        raise ValueError(f"class_index={class_index!r} is not a label of this classifier; its "
                         f"classes_ are {shown!r}. Give one of them or a column index.")
    return matches[0]


def _batches(source, batch_size):
    """The network-input images of ``source`` as float32 arrays of ``batch_size``."""
    data = source.model_input(batch_size)
    if isinstance(data, np.ndarray):
        for start in range(0, len(data), batch_size):
            yield data[start:start + batch_size]
        return
    for element in data:  # a tf.data.Dataset of (images,) batches
        images = element[0] if isinstance(element, (tuple, list)) else element
        yield np.asarray(images)


# ------------------------------------------------------------------ Grad-CAM
def _score(head, features):
    """``(scores, probabilities)`` of the head layers; the scores are the classifier's
    input to its softmax (its output when it has none)."""
    import keras
    import tensorflow as tf

    x = features
    for layer in head[:-1]:
        x = layer(x, training=False)
    last = head[-1]
    if (isinstance(last, keras.layers.Dense) and getattr(last, "activation", None) is not None
            and getattr(last.activation, "__name__", "") == "softmax"):
        logits = tf.matmul(x, tf.convert_to_tensor(last.kernel))
        if last.use_bias:
            logits = logits + tf.convert_to_tensor(last.bias)
        return logits, tf.nn.softmax(logits, axis=-1)
    output = tf.convert_to_tensor(last(x, training=False))
    return output, output


def _compute(estimator, X, layer, class_index, batch_size, keep_images=False):
    """Heatmaps, explained columns, their probabilities (and the input images)."""
    import keras
    import tensorflow as tf

    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} is not valid; give an integer >= 1.")
    classifier, prepare = _unwrap(estimator)
    column = _class_column(class_index, classifier.classes_)
    before, backbone, head = _network_parts(classifier.model_)
    name = _choose_layer(backbone, layer)
    tapped = keras.Model(backbone.inputs, [backbone.get_layer(name).output, backbone.outputs[0]])
    size = tuple(int(s) for s in classifier.input_shape_[:-1])
    spatial_axes = tuple(range(1, len(size) + 1))

    source = classifier._fitted_source(prepare(X))
    maps, columns, probabilities, images = [], [], [], []
    with source.naming_errors():
        for batch in _batches(source, int(batch_size)):
            x = tf.convert_to_tensor(batch, dtype=tf.float32)
            with tf.GradientTape() as tape:
                h = x
                for step in before:
                    h = step(h, training=False)
                feature_map, features = tapped(h, training=False)
                scores, proba = _score(head, features)
                chosen = (tf.argmax(scores, axis=-1, output_type=tf.int32) if column is None
                          else tf.fill([tf.shape(scores)[0]], column))
                # images are independent: the gradient of the sum is each image's own
                target = tf.reduce_sum(tf.gather(scores, chosen, axis=1, batch_dims=1))
            gradients = tape.gradient(target, feature_map)
            if gradients is None:
                raise ValueError(f"Layer {name!r} does not feed the architecture's output, so the "
                                 "class score has no gradient with respect to it; choose a layer "
                                 "on the path to the output.")
            weights = tf.reduce_mean(gradients, axis=spatial_axes, keepdims=True)
            cam = tf.nn.relu(tf.reduce_sum(weights * feature_map, axis=-1))
            if len(size) == 3:  # volumes: trilinear
                from medcnn._input import resize_volumes

                maps.append(resize_volumes(cam.numpy()[..., np.newaxis], size)[..., 0])
            else:
                maps.append(tf.image.resize(cam[..., tf.newaxis], size, method="bilinear")[..., 0].numpy())
            columns.append(chosen.numpy())
            probabilities.append(tf.gather(proba, chosen, axis=1, batch_dims=1).numpy())
            if keep_images:
                images.append(np.asarray(batch, dtype=np.float32))
    cams = np.concatenate(maps).astype(np.float32)
    peak = cams.max(axis=spatial_axes, keepdims=True)
    cams = np.divide(cams, peak, out=np.zeros_like(cams), where=peak > 0)
    result = (np.clip(cams, 0.0, 1.0), np.concatenate(columns), np.concatenate(probabilities))
    return result + ((np.concatenate(images),) if keep_images else ())


def grad_cam(estimator, X, *, layer=None, class_index=None, batch_size=32):
    """Grad-CAM heatmaps: where in each image the network found evidence for a class.

    For each image, the gradients of the class score (the classifier's output before
    its softmax) with respect to the feature map of ``layer`` are averaged over the
    map's positions to give one weight per channel; the heatmap is the positive part
    of the channel-weighted sum of the map (Selvaraju et al., 2017), resized
    bilinearly to the network input size and divided by its maximum.

    Parameters
    ----------
    estimator : CNNClassifier
        A fitted :class:`~medcnn.estimators.CNNClassifier`, or a fitted Pipeline or
        FrozenEstimator whose last step is one (earlier Pipeline steps transform X
        first).
    X : array-like or sequence of paths
        Images in any form the classifier's ``predict`` accepts.
    layer : str, optional
        Name of a layer of the architecture (the model nested in ``model_``) whose
        output is a feature map ``(batch, h, w, channels)``. Default: the last such
        layer. Later layers have coarser maps with more class-specific channels.
    class_index : int or label, optional
        The class explained: an int is a column of ``predict_proba`` (a position in
        ``classes_``); any other value is a label of ``classes_``. Default: each
        image's predicted class (without test-time augmentation).
    batch_size : int, default=32
        Images per gradient computation.

    Returns
    -------
    ndarray of shape (n_samples, height, width) or (n_samples, depth, height, width)
        float32 heatmaps at the network input size ``input_shape_[:-1]``, each scaled
        to a maximum of 1; a map with no positive evidence is all zeros. For a volume
        network (``spatial_dims=3``) the map is a volume: 3-D Grad-CAM, the gradients
        averaged over depth, height and width, resized trilinearly.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted.
    TypeError
        If ``estimator`` is not (or does not end in) a CNNClassifier.
    ValueError
        For an unknown layer or a layer without a feature map (the message lists
        the feature-map layers), an architecture without any, or an unknown class.

    See Also
    --------
    plot_grad_cam : The heatmaps overlaid on the images.

    Notes
    -----
    The map has the resolution of the chosen layer (e.g. 5 x 5 for the last layers
    of a small network on 28 x 28 images), so it shows regions, not pixels. It shows
    what the network used, which may be an artefact (a pen mark, a scanner border)
    rather than the lesion: that is what it is for.

    Examples
    --------
    >>> from medcnn import CNNClassifier
    >>> from medcnn.datasets import make_histology
    >>> from medcnn.explain import grad_cam
    >>> X, y = make_histology(40, image_size=28, random_state=0)
    >>> clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
    >>> heatmaps = grad_cam(clf, X[:3])
    >>> heatmaps.shape
    (3, 28, 28)
    >>> bool(heatmaps.min() >= 0 and heatmaps.max() <= 1)
    True
    >>> grad_cam(clf, X[:3], layer="conv1", class_index=1).shape
    (3, 28, 28)
    """
    return _compute(estimator, X, layer, class_index, batch_size)[0]


# ---------------------------------------------------------------- plotting
def _display(image):
    """An image as imshow shows it: RGB, or 2-D grey; values in [0, 1]."""
    image = np.asarray(image, dtype=np.float32)
    if image.shape[-1] >= 3:
        image = image[..., :3]
    else:
        image = image.mean(axis=-1)
    low, high = float(image.min()), float(image.max())
    if low < 0 or high > 1:  # float images in another range: stretch for display only
        image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image


def _grid(ax, n, ncols):
    """``(figure, axes)`` with at least ``n`` axes: from ``ax`` or a new Figure."""
    if ax is not None:
        axes = np.ravel(np.asarray(ax, dtype=object))
        if len(axes) < n:
            raise ValueError(f"ax holds {len(axes)} axes for {n} images; give at least one "
                             "Axes per image, or ax=None for a new figure.")
        return axes[0].figure, list(axes[:n])
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is in the plot and test extras
        raise ImportError("plot_grad_cam needs matplotlib: pip install 'medcnn[plot]'") from None
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    figure = Figure(figsize=(2.2 * ncols, 2.35 * nrows), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in axes[n:]:
        figure.delaxes(extra)
    return figure, list(axes[:n])


def plot_grad_cam(estimator, X, *, layer=None, class_index=None, alpha=0.4, ax=None, ncols=4,
                  titles=None, cmap="jet"):
    """Grad-CAM heatmaps overlaid on the images, one panel per image.

    Each panel shows the image as the network sees it before standardisation
    (resized to the input size, scaled to [0, 1]) under the heatmap of
    :func:`grad_cam` drawn with ``cmap`` at opacity ``alpha``. A volume is shown by its
    middle slice (along depth) under the middle slice of its 3-D heatmap. The figure is a
    :class:`matplotlib.figure.Figure` made without pyplot, so it works on machines
    without a display; save it with ``figure.savefig(path)``.

    Parameters
    ----------
    estimator : CNNClassifier
        A fitted classifier, or a Pipeline or FrozenEstimator ending in one.
    X : array-like or sequence of paths
        Images in any form the classifier accepts (a handful: one panel each).
    layer : str, optional
        Feature-map layer of the architecture; see :func:`grad_cam`.
    class_index : int or label, optional
        Class explained (column or label); default each image's predicted class.
    alpha : float, default=0.4
        Opacity of the heatmap, in [0, 1].
    ax : matplotlib Axes or array of Axes, optional
        Axes to draw in, at least one per image; default a new figure.
    ncols : int, default=4
        Panels per row of a new figure.
    titles : sequence of str, optional
        One title per image. Default: the explained class and its probability.
    cmap : str or Colormap, default="jet"
        Colormap of the heatmap (0 blue, 1 red for "jet").

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the panels.

    Examples
    --------
    >>> from medcnn import CNNClassifier
    >>> from medcnn.datasets import make_histology
    >>> from medcnn.explain import plot_grad_cam
    >>> X, y = make_histology(40, image_size=28, random_state=0)
    >>> clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
    >>> figure = plot_grad_cam(clf, X[:3], titles=["a", "b", "c"])
    >>> len(figure.axes)
    3
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha={alpha!r} is not valid; give the heatmap opacity in [0, 1].")
    if not isinstance(ncols, numbers.Integral) or isinstance(ncols, bool) or ncols < 1:
        raise ValueError(f"ncols={ncols!r} is not valid; give an integer >= 1.")
    classifier, _ = _unwrap(estimator)
    cams, columns, probabilities, images = _compute(estimator, X, layer, class_index, 32,
                                                    keep_images=True)
    n = len(cams)
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles has {len(titles)} entries for {n} images; give one per image.")
    else:
        titles = [f"{classifier.classes_[c]!s}: p={p:.2f}" for c, p in zip(columns, probabilities)]
    figure, axes = _grid(ax, n, int(ncols))
    for panel, image, cam, title in zip(axes, images, cams, titles):
        if cam.ndim == 3:  # a volume: its middle slice
            image, cam = image[len(image) // 2], cam[len(cam) // 2]
        shown = _display(image)
        panel.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1,
                     interpolation="nearest")
        panel.imshow(cam, cmap=cmap, alpha=float(alpha), vmin=0, vmax=1, interpolation="bilinear")
        panel.set_title(title, fontsize=9)
        panel.set_xticks([])
        panel.set_yticks([])
    return figure
