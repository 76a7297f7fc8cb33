"""TransferFeatureExtractor and transfer modes of CNNClassifier."""

import pickle

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.exceptions import ModelFileError


def extractor(**params):
    defaults = dict(backbone="lenet5", weights=None, random_state=0)
    defaults.update(params)
    return TransferFeatureExtractor(**defaults)


@pytest.mark.slow
def test_features_shapes_names_and_determinism(histology):
    X, _ = histology
    features = extractor().fit_transform(X)
    assert features.shape == (len(X), 84) and features.dtype == np.float32
    names = extractor().fit(X).get_feature_names_out()
    assert names[0] == "lenet5_0" and len(names) == 84
    np.testing.assert_array_equal(extractor().fit_transform(X), features)


@pytest.mark.slow
def test_layer_and_pooling_choices(histology):
    X, _ = histology
    assert extractor(layer="penultimate").fit_transform(X[:5]).shape == (5, 120)
    avg = extractor(backbone="vgg_small", layer="block2_pool").fit_transform(X[:5])
    flat = extractor(backbone="vgg_small", layer="block2_pool", pooling=None).fit_transform(X[:5])
    maxed = extractor(backbone="vgg_small", layer="block2_pool", pooling="max").fit_transform(X[:5])
    assert avg.shape == maxed.shape == (5, 64) and flat.shape == (5, 7 * 7 * 64)
    assert np.all(maxed >= avg - 1e-6)
    with pytest.raises(ValueError, match="Unknown layer 'block9'.*'block2_pool'"):
        extractor(backbone="vgg_small", layer="block9").fit(X[:5])
    with pytest.raises(ValueError, match="no pretrained weights"):
        extractor(weights="imagenet").fit(X[:5])


@pytest.mark.slow
def test_fitted_classifier_as_backbone_gives_its_penultimate_features(histology):
    X, y = histology
    clf = CNNClassifier(architecture="lenet5", epochs=2, random_state=0).fit(X, y)
    features = TransferFeatureExtractor(clf).fit_transform(X[:10])
    assert features.shape == (10, 84)
    # the classifier's softmax layer applied to these features reproduces predict_proba
    kernel, bias = clf.model_.get_layer("classifier").get_weights()
    logits = features @ kernel + bias
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, clf.predict_proba(X[:10]), atol=1e-5)


@pytest.mark.slow
def test_unfitted_classifier_backbone_is_trained_per_fold(histology):
    X, y = histology
    pipe = Pipeline([("cnn", TransferFeatureExtractor(CNNClassifier(architecture="lenet5", epochs=2),
                                                      random_state=0)),
                     ("select", SelectKBest(k=20)), ("rf", RandomForestClassifier(random_state=0))])
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(2), scoring="roc_auc")
    assert scores.shape == (2,)
    with pytest.raises(ValueError, match="needs y"):
        TransferFeatureExtractor(CNNClassifier(architecture="lenet5")).fit(X)
    frozen = FrozenEstimator(CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y))
    assert TransferFeatureExtractor(frozen).fit(X).transform(X[:3]).shape == (3, 84)


@pytest.mark.slow
def test_keras_files_as_backbones(histology, tmp_path):
    X, y = histology
    clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
    path = tmp_path / "model.keras"
    clf.save(path)
    from_file = TransferFeatureExtractor(str(path)).fit_transform(X[:4])
    np.testing.assert_allclose(from_file, TransferFeatureExtractor(clf).fit_transform(X[:4]), atol=1e-6)
    notes = tmp_path / "notes.keras"
    notes.write_text("not a model")
    with pytest.raises(ModelFileError, match="notes.keras"):
        TransferFeatureExtractor(str(notes)).fit(X)


@pytest.mark.slow
def test_memory_cache_skips_the_network(histology, tmp_path):
    X, _ = histology
    fitted = extractor(memory=str(tmp_path)).fit(X)
    first = fitted.transform(X)
    fitted.model_ = None  # a cache hit must not touch the network
    np.testing.assert_array_equal(fitted.transform(X), first)
    with pytest.raises((AttributeError, TypeError)):  # calling the network that is not there
        fitted.transform(X[:7])  # other input: a miss, which needs the network
    # same weights, other pooling: a different key, not the cached average-pooled features
    avg = extractor(backbone="vgg_small", memory=str(tmp_path)).fit(X).transform(X[:8])
    maxed = extractor(backbone="vgg_small", pooling="max", memory=str(tmp_path)).fit(X).transform(X[:8])
    flat = extractor(backbone="vgg_small", pooling=None, memory=str(tmp_path)).fit(X).transform(X[:8])
    assert not np.array_equal(avg, maxed) and flat.shape == (8, 3 * 3 * 128)


@pytest.mark.slow
def test_pipeline_gridsearch_featureunion_set_output_and_pickle(histology):
    X, y = histology
    pipe = Pipeline([("cnn", extractor()), ("select", SelectKBest()),
                     ("rf", RandomForestClassifier(n_estimators=20, random_state=0))])
    search = GridSearchCV(pipe, {"select__k": [5, 20]}, cv=2, scoring="roc_auc").fit(X, y)
    assert search.best_params_["select__k"] in (5, 20)
    union = FeatureUnion([("a", extractor()), ("b", extractor(backbone="vgg_small"))])
    assert union.fit_transform(X[:6]).shape == (6, 84 + 128)
    pd = pytest.importorskip("pandas")
    frame = extractor().set_output(transform="pandas").fit_transform(X[:3])
    assert isinstance(frame, pd.DataFrame) and frame.columns[0] == "lenet5_0"
    fitted = extractor().fit(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(X[:4]), fitted.transform(X[:4]))


def test_paths_and_arrays_give_the_same_features(histology, histology_files):
    X, _ = histology
    paths, _ = histology_files
    fitted = extractor().fit(X[:40])
    np.testing.assert_allclose(fitted.transform(paths), fitted.transform(X[:40]), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("mode, extra, trains_backbone", [
    ("frozen", {}, False), ("finetune", {"finetune_epochs": 1}, True), ("partial", {"trainable_layers": 2}, True)])
def test_transfer_modes_freeze_the_architecture(histology, mode, extra, trains_backbone):
    import keras

    X, y = histology
    base = CNNClassifier(architecture="resnet18", architecture_params={"width": 8}, epochs=1,
                         random_state=0, transfer=mode, **extra)
    clf = base.fit(X, y)
    backbone = next(layer for layer in clf.model_.layers if isinstance(layer, keras.Model))
    assert bool(backbone.trainable_weights) == trains_backbone
    assert all(not layer.trainable for layer in backbone.layers
               if isinstance(layer, keras.layers.BatchNormalization))
    assert len(clf.history_["loss"]) == (2 if mode == "finetune" else 1)
    with pytest.raises(ValueError, match="trainable_layers"):
        CNNClassifier(transfer="partial").fit(X, y)
    with pytest.raises(ValueError, match="transfer='half'"):
        CNNClassifier(transfer="half").fit(X, y)


def test_frozen_backbone_keeps_its_weights_while_the_head_learns(histology):
    import keras

    class Snapshot(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = [w.numpy().copy() for w in self.model.weights]

    X, y = histology
    snapshot = Snapshot()
    clf = CNNClassifier(architecture="lenet5", epochs=2, transfer="frozen", random_state=0,
                        callbacks=[snapshot]).fit(X, y)
    backbone = next(layer for layer in clf.model_.layers if isinstance(layer, keras.Model))
    before = dict(zip([w.path for w in clf.model_.weights], snapshot.weights))
    for weight in backbone.weights:
        np.testing.assert_array_equal(weight.numpy(), before[weight.path])
    head = clf.model_.get_layer("classifier").weights[0]
    assert not np.array_equal(head.numpy(), before[head.path])


@pytest.mark.slow
def test_finetuning_a_pretrained_backbone_keeps_its_preprocessing_fixed(histology):
    X, y = histology
    clf = CNNClassifier(architecture="mobilenet_v2", epochs=1, finetune_epochs=1, transfer="finetune",
                        batch_size=32, random_state=0).fit(X[:64], y[:64])
    preprocess = [layer for layer in clf.model_._flatten_layers() if layer.name == "imagenet_preprocess"]
    assert len(preprocess) == 1 and not preprocess[0].trainable_weights
    assert "standardize" not in [layer.name for layer in clf.model_.layers]  # backbone preprocesses
    assert len(clf.history_["loss"]) == 2


PRETRAINED = sorted(c.name for c in __import__("medcnn").registry.architectures.components()
                    if c.metadata.get("pretrained"))


@pytest.mark.slow
@pytest.mark.parametrize("name", PRETRAINED)
def test_every_pretrained_backbone_extracts_named_features(histology, name):
    import medcnn

    X, _ = histology
    min_size = medcnn.registry.architectures.get(name).metadata["min_size"]
    extractor = TransferFeatureExtractor(name, weights=None, image_size=min_size, random_state=0)
    gray = X[:2].mean(axis=-1).astype(np.uint8)  # one channel: fed through channel_mode
    features = extractor.fit_transform(gray)
    assert features.shape == (2, extractor.model_.output_shape[-1]) and np.isfinite(features).all()
    names = extractor.get_feature_names_out()
    assert len(names) == features.shape[1] and names[0] == f"{name}_0"
    with pytest.raises(ValueError, match=f"below the smallest input.*{min_size}"):
        TransferFeatureExtractor(name, weights=None, image_size=min_size - 1).fit(gray)
