"""Class imbalance: per-epoch balanced sampling, the focal loss, imblearn and threshold tuning."""

from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from medcnn import CNNClassifier
from medcnn.datasets import make_histology
from medcnn._input import ArrayImages, PathImages

IDC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "idc"


@pytest.fixture(scope="module")
def skewed():
    """40 images: 30 of class 0, 10 of class 1 (index i is image i)."""
    X, _ = make_histology(40, image_size=12, random_state=1)
    y = (np.arange(40) >= 30).astype(np.int32)
    return X, y


def epoch_indices(ds):
    """Sample indices of one epoch (the dataset carries them as its first target)."""
    return np.concatenate([batch[1].numpy() for batch in ds])


def source_variants(skewed, tmp_path):
    X, _ = skewed
    yield "arrays", ArrayImages(X.astype(np.float32) / 255, X.shape[1:]), None
    paths = []
    for i, image in enumerate(X):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    for cache in (None, "memory", str(tmp_path / "cache")):
        (tmp_path / "cache").mkdir(exist_ok=True)
        yield f"paths, cache={cache}", PathImages(paths).prepare((12, 12), "resize"), cache


@pytest.mark.slow
def test_sampling_balances_every_epoch_with_fresh_draws(skewed, tmp_path):
    _, y = skewed
    index = np.arange(len(y))
    for label, source, cache in source_variants(skewed, tmp_path):
        for sampling, per_class in (("oversample", 30), ("undersample", 10)):
            ds = source.dataset(index, (index,), batch_size=7, shuffle_seed=3, sampling=sampling,
                                labels=y, cache=cache)
            epochs = [epoch_indices(ds) for _ in range(3)]
            for epoch in epochs:
                assert np.bincount(y[epoch]).tolist() == [per_class, per_class], (label, sampling)
            if sampling == "undersample":
                # every minority image each epoch; a new subset of the majority each epoch
                assert all(set(e[y[e] == 1]) == set(range(30, 40)) for e in epochs)
                majority = [frozenset(e[y[e] == 0]) for e in epochs]
                assert len(set(majority)) > 1, label
            else:
                # all majority images once; minority images 3 times each (whole reshuffled passes)
                assert all(sorted(e[y[e] == 0]) == list(range(30)) for e in epochs)
                assert all(np.bincount(e[y[e] == 1] - 30).tolist() == [3] * 10 for e in epochs)
                assert not all(np.array_equal(epochs[0], e) for e in epochs[1:])  # order changes
            again = source.dataset(index, (index,), batch_size=7, shuffle_seed=3, sampling=sampling,
                                   labels=y, cache=cache)
            assert np.array_equal(epoch_indices(again), epochs[0]), "same seed, same first epoch"


@pytest.mark.slow
def test_imblearn_random_samplers_set_each_epochs_class_counts(skewed, tmp_path):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    from medcnn._input import resolve_sampling

    _, y = skewed  # 30 of class 0, 10 of class 1
    index = np.arange(len(y))
    classes = np.array(["benign", "malignant"])  # the strategies speak of the original labels
    wanted = {"RandomOverSampler(0.5)": (RandomOverSampler(sampling_strategy=0.5), [30, 15]),
              "ratio 0.8": (0.8, [30, 24]),
              "RandomUnderSampler(dict)": (RandomUnderSampler(sampling_strategy={"benign": 12}), [12, 10]),
              "RandomUnderSampler(0.5)": (RandomUnderSampler(sampling_strategy=0.5), [20, 10])}
    for label, source, cache in source_variants(skewed, tmp_path):
        for name, (sampler, counts) in wanted.items():
            plan = resolve_sampling(sampler, classes)
            ds = source.dataset(index, (index,), batch_size=7, shuffle_seed=3, sampling=plan, labels=y, cache=cache)
            epochs = [epoch_indices(ds) for _ in range(2)]
            for epoch in epochs:
                assert np.bincount(y[epoch]).tolist() == counts, (label, name)
            if name.startswith("RandomUnder"):  # a fresh subset of the majority each epoch
                assert set(epochs[0][y[epochs[0]] == 0]) != set(epochs[1][y[epochs[1]] == 0]), (label, name)


@pytest.mark.parametrize("sampler, match", [
    ("SMOTE", r"SMOTE makes or selects samples from feature vectors: use it on deep features.*TransferFeatureExtractor"),
    ("NearMiss", r"NearMiss makes or selects samples"),
    ("shrinkage", r"shrinkage makes new, perturbed samples"),
])
def test_samplers_that_need_features_are_refused_with_the_feature_pipeline_named(skewed, sampler, match,
                                                                                  small_classifier):
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.under_sampling import NearMiss

    X, y = skewed
    instance = {"SMOTE": SMOTE(), "NearMiss": NearMiss(),
                "shrinkage": RandomOverSampler(shrinkage=0.5)}[sampler]
    with pytest.raises(ValueError, match=match):
        small_classifier(sampling=instance).fit(X, y)


def test_a_ratio_with_three_classes_says_what_is_wrong(small_classifier):
    X, _ = make_histology(30, image_size=12, random_state=1)
    y = np.repeat([0, 1, 2], 10)
    with pytest.raises(ValueError, match=r"sampling=RandomOverSampler\(sampling_strategy=0.5\) does not fit the "
                                         r"training labels.*binary"):
        small_classifier(sampling=0.5).fit(X, y)


@pytest.mark.slow
def test_sampling_sets_the_epoch_length_in_fit(skewed, small_classifier):
    X, y = skewed

    class CountSteps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.steps = 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1

    from imblearn.over_sampling import RandomOverSampler

    for sampling, images_per_epoch in ((None, 40), ("oversample", 60), ("undersample", 20),
                                       (RandomOverSampler(sampling_strategy=0.5), 45), (0.5, 45)):
        counter = CountSteps()
        small_classifier(batch_size=10, sampling=sampling, callbacks=[counter]).fit(X, y)
        assert counter.steps == -(-images_per_epoch // 10), sampling


@pytest.mark.slow
def test_focal_loss_reduces_to_cross_entropy_at_gamma_zero(histology, small_classifier):
    X, y = histology
    cross_entropy = small_classifier(epochs=2).fit(X, y).history_["loss"]
    gamma0 = small_classifier(epochs=2, loss="focal", focal_gamma=0.0).fit(X, y).history_["loss"]
    focal = small_classifier(epochs=2, loss="focal", focal_gamma=2.0).fit(X, y).history_["loss"]
    np.testing.assert_allclose(gamma0, cross_entropy, rtol=1e-4)
    assert focal[0] < 0.5 * cross_entropy[0]  # (1 - p)^2 shrinks every term
    # alpha weights the classes: 0.8/0.2 on a balanced set lowers the mean loss below 1/1
    weighted = small_classifier(epochs=2, loss="focal", focal_alpha=0.8).fit(X, y).history_["loss"]
    assert weighted[0] < focal[0]


@pytest.mark.parametrize("params, match", [
    ({"sampling": "smote"}, r"sampling='smote' is not valid; use one of \(None, 'oversample', 'undersample'\)"),
    ({"loss": "hinge"}, r"loss='hinge' is not valid; use one of \('cross_entropy', 'focal'\)"),
    ({"loss": "focal", "focal_gamma": -1}, r"focal_gamma=-1 is not valid; give a float >= 0"),
    ({"loss": "focal", "focal_alpha": 1.5}, r"focal_alpha=1.5 is out of range; give a float in \(0, 1\)"),
    ({"loss": "focal", "focal_alpha": [1, 2, 3]}, r"give 2 positive weights, one per class"),
])
def test_bad_imbalance_parameters_get_a_clear_error(skewed, params, match, small_classifier):
    X, y = skewed
    with pytest.raises(ValueError, match=match):
        small_classifier(**params).fit(X, y)


@pytest.mark.slow
def test_smote_on_deep_features_cross_validates_by_patient():
    """imblearn's Pipeline under cross_validate with patient groups: SMOTE sees each
    training fold's features only, and the folds keep patients whole."""
    from imblearn.ensemble import BalancedRandomForestClassifier
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedGroupKFold, cross_validate

    from medcnn import TransferFeatureExtractor

    X, y = make_histology(120, image_size=16, weights=(0.85, 0.15), random_state=0)
    groups = np.arange(120) // 3
    features = TransferFeatureExtractor(backbone="lenet5", weights=None, random_state=0)
    pipelines = {"SMOTE, random forest": [("features", features), ("smote", SMOTE(k_neighbors=3, random_state=0)),
                                          ("forest", RandomForestClassifier(n_estimators=30, random_state=0))],
                 # the balanced forest undersamples the majority for each tree by itself
                 "balanced random forest": [("features", features), ("forest", BalancedRandomForestClassifier(
                     n_estimators=30, random_state=0))]}
    for name, steps in pipelines.items():
        scores = cross_validate(Pipeline(steps), X, y, groups=groups, cv=StratifiedGroupKFold(3),
                                scoring="roc_auc", return_indices=True)
        for train, test in zip(scores["indices"]["train"], scores["indices"]["test"]):
            assert not set(groups[train]) & set(groups[test])
        assert np.all(np.isfinite(scores["test_score"])), name


def test_imblearn_sampler_on_deep_features(skewed):
    """The documented pattern: CNN features -> SMOTE -> a classic classifier."""
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.ensemble import RandomForestClassifier

    from medcnn import TransferFeatureExtractor

    X, y = skewed
    pipe = make_pipeline(TransferFeatureExtractor(backbone="lenet5", weights=None, random_state=0),
                         SMOTE(k_neighbors=3, random_state=0),
                         RandomForestClassifier(n_estimators=20, random_state=0))
    pipe.fit(X, y)
    resampled_X, resampled_y = SMOTE(k_neighbors=3, random_state=0).fit_resample(
        pipe[0].transform(X), y)
    assert np.bincount(resampled_y).tolist() == [30, 30]
    assert pipe.predict_proba(X).shape == (40, 2)


@pytest.mark.slow
def test_tuned_threshold_classifier_picks_an_operating_point(skewed, small_classifier):
    from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

    X, y = skewed
    tuned = TunedThresholdClassifierCV(small_classifier(), scoring="balanced_accuracy",
                                       cv=StratifiedKFold(2, shuffle=True, random_state=0),
                                       store_cv_results=True)
    tuned.fit(X, y)
    assert 0 < tuned.best_threshold_ < 1
    scores = tuned.cv_results_["scores"]
    assert tuned.best_score_ == pytest.approx(scores.max())
    proba = tuned.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(tuned.predict(X), (proba >= tuned.best_threshold_).astype(int))


@pytest.mark.slow
@pytest.mark.skipif(not (IDC / "Train").is_dir(), reason="IDC data (../shared/data/idc) not present")
def test_each_imbalance_option_raises_balanced_accuracy_on_idc():
    """Train on a 10%-malignant subsample of IDC Train (half its benign patches); score balanced
    accuracy on IDC Valid."""
    from sklearn.metrics import balanced_accuracy_score

    from medcnn.datasets import load

    train, valid = load("idc", IDC / "Train"), load("idc", IDC / "Valid")

    def read(paths):
        return np.stack([np.asarray(Image.open(p).convert("RGB").resize((50, 50))) for p in paths])

    y_all = train.y.astype(int)
    benign, malignant = np.flatnonzero(y_all == 0)[::2], np.flatnonzero(y_all == 1)  # half the benign
    malignant = np.random.RandomState(0).choice(malignant, len(benign) // 9, replace=False)
    keep = np.sort(np.concatenate([benign, malignant]))
    X, y = read(np.asarray(train.X)[keep]), y_all[keep]
    X_valid, y_valid = read(valid.X), valid.y.astype(int)
    assert 0.09 < y.mean() < 0.11

    def score(**params):
        clf = CNNClassifier(architecture="workshop_cnn", epochs=2, image_size=24, optimizer="adam",
                            lr_schedule=None, augment=None, batch_size=32, random_state=0, **params)
        return balanced_accuracy_score(y_valid, clf.fit(X, y).predict(X_valid))

    baseline = score(class_weight=None)
    options = {"class_weight='balanced'": score(class_weight="balanced"),
               "sampling='oversample'": score(class_weight=None, sampling="oversample"),
               "sampling='undersample'": score(class_weight=None, sampling="undersample"),
               "loss='focal', focal_alpha=0.9": score(class_weight=None, loss="focal", focal_alpha=0.9)}
    print(f"IDC Valid balanced accuracy, 10% malignant training set: no handling {baseline:.3f}; "
          + "; ".join(f"{name} {value:.3f}" for name, value in options.items()))
    for name, value in options.items():
        assert value > baseline + 0.05, f"{name}: {value:.3f} vs no handling {baseline:.3f}"


@pytest.mark.slow
def test_focal_loss_alone_beats_no_handling_on_a_skewed_set():
    """loss="focal" with its default focal_alpha="balanced" corrects the class balance by itself
    (no class weights, no sampling): held-out balanced accuracy rises above the uncorrected
    network's, and focal_alpha=None (focusing only) does not do that."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    X, y = make_histology(400, image_size=20, weights=(0.9, 0.1), random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)

    def score(**params):
        clf = CNNClassifier(epochs=10, batch_size=16, class_weight=None, augment=None, random_state=0, **params)
        return balanced_accuracy_score(y_test, clf.fit(X_train, y_train).predict(X_test))

    baseline, focal, focusing_only = score(), score(loss="focal"), score(loss="focal", focal_alpha=None)
    print(f"balanced accuracy: no handling {baseline:.3f}, focal {focal:.3f}, focal_alpha=None {focusing_only:.3f}")
    assert focal >= baseline + 0.05
    assert focal > focusing_only
