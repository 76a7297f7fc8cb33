"""CNNEnsemble: combination rules, the VotingClassifier contract, seeds, CNN members, errors."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import estimator_html_repr
from sklearn.utils.estimator_checks import parametrize_with_checks

from medcnn.ensemble import VOTINGS, CNNEnsemble

X4 = np.zeros((4, 2))
Y4 = np.array([0, 0, 0, 1])  # class prior (0.75, 0.25)


def prior():
    return DummyClassifier(strategy="prior")  # predicts 0 with probabilities (0.75, 0.25)


def constant(label):
    return DummyClassifier(strategy="constant", constant=label)  # probability 1 for label


def three_members():
    return [("lr", LogisticRegression()), ("strong", LogisticRegression(C=0.01)),
            ("tree", DecisionTreeClassifier(max_depth=2, random_state=0))]


@pytest.fixture(scope="module")
def tabular():
    return make_classification(120, n_features=6, random_state=0)


# ------------------------------------------------------------------ contract
@parametrize_with_checks([
    CNNEnsemble([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(random_state=0))]),
    CNNEnsemble([LogisticRegression(C=0.1), DecisionTreeClassifier(max_depth=3, random_state=0),
                 GaussianNB()], voting="median", weights=[1, 2, 1]),
])
# GaussianNB fitted on one class takes the log of a zero prior
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_is_a_voting_classifier_with_its_parameters():
    ensemble = CNNEnsemble([("lr", LogisticRegression())])
    assert isinstance(ensemble, VotingClassifier)
    assert VOTINGS == ("soft", "hard", "median")
    assert ensemble.voting == "soft"  # VotingClassifier's default is "hard"
    sklearn_params = set(VotingClassifier([("lr", LogisticRegression())]).get_params(deep=False))
    assert set(ensemble.get_params(deep=False)) == sklearn_params | {"combine"}


# ------------------------------------------------------------- combination
def test_soft_is_the_weighted_mean_of_member_probabilities(tabular):
    X, y = tabular
    ensemble = CNNEnsemble(three_members()).fit(X, y)
    probas = np.stack([est.predict_proba(X) for est in ensemble.estimators_])
    np.testing.assert_allclose(ensemble.predict_proba(X), probas.mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(ensemble.predict(X), ensemble.classes_[probas.mean(axis=0).argmax(1)])
    weighted = ensemble.set_params(weights=[1, 0, 3]).predict_proba(X)  # no refit needed
    np.testing.assert_allclose(weighted, (probas[0] + 3 * probas[2]) / 4, rtol=1e-12)


def test_soft_and_hard_agree_with_scikit_learn(tabular):
    X, y = tabular
    # weights without ties: scikit-learn gives a tie to the first class, medcnn to the larger
    # mean probability (test_hard_semantics_by_hand)
    for voting, weights in [("soft", None), ("soft", [1, 2, 3]), ("hard", None), ("hard", [3, 1, 1])]:
        ours = CNNEnsemble(three_members(), voting=voting, weights=weights).fit(X, y)
        theirs = VotingClassifier(three_members(), voting=voting, weights=weights).fit(X, y)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        if voting == "soft":
            np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12)
        np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-12)


def test_median_semantics_by_hand():
    ensemble = CNNEnsemble([prior(), constant(0), constant(1)], voting="median").fit(X4, Y4)
    # class 0: median(0.75, 1, 0) = 0.75; class 1: median(0.25, 0, 1) = 0.25
    np.testing.assert_allclose(ensemble.predict_proba(X4[:1]), [[0.75, 0.25]])
    # weighted: the constant-1 member outweighs the other two together
    ensemble.set_params(weights=[1, 1, 5])
    np.testing.assert_allclose(ensemble.predict_proba(X4[:1]), [[0.0, 1.0]])
    assert ensemble.predict(X4[:1]).tolist() == [1]


def test_median_rows_are_rescaled_to_sum_to_one():
    y = np.array([0, 0, 1, 2])  # prior (0.5, 0.25, 0.25)
    ensemble = CNNEnsemble([prior(), constant(0), constant(1)], voting="median").fit(X4, y)
    # medians (0.5, 0.25, 0) rescaled by 0.75
    np.testing.assert_allclose(ensemble.predict_proba(X4[:1]), [[2 / 3, 1 / 3, 0.0]])
    # every class's median is 0: the row falls back to the mean
    split = CNNEnsemble([constant(0), constant(1), constant(2)], voting="median").fit(X4, y)
    np.testing.assert_allclose(split.predict_proba(X4[:1]), [[1 / 3, 1 / 3, 1 / 3]])


def test_median_with_equal_weights_is_numpy_median(tabular):
    X, y = tabular
    members = [LogisticRegression(C=c) for c in (0.001, 0.01, 0.1, 1.0)]  # an even count
    ensemble = CNNEnsemble(members, voting="median").fit(X, y)
    probas = np.stack([est.predict_proba(X) for est in ensemble.estimators_])
    np.testing.assert_allclose(ensemble.predict_proba(X), np.median(probas, axis=0))


def test_hard_semantics_by_hand():
    ensemble = CNNEnsemble([prior(), constant(1), constant(0)], voting="hard").fit(X4, Y4)
    np.testing.assert_allclose(ensemble.predict_proba(X4[:1]), [[2 / 3, 1 / 3]])
    assert ensemble.predict(X4[:1]).tolist() == [0]
    # a 1-1 tie goes to the class with the larger mean probability: (0.375, 0.625)
    tie = CNNEnsemble([prior(), constant(1)], voting="hard").fit(X4, Y4)
    np.testing.assert_allclose(tie.predict_proba(X4[:2]), [[0.5, 0.5]] * 2)
    assert tie.predict(X4[:2]).tolist() == [1, 1]
    # weighted votes break it the other way
    assert tie.set_params(weights=[3, 1]).predict(X4[:1]).tolist() == [0]
    np.testing.assert_allclose(tie.predict_proba(X4[:1]), [[0.75, 0.25]])


def test_hard_works_with_members_without_probabilities_and_string_labels(tabular):
    X, y = tabular
    labels = np.where(y == 1, "tumour", "normal")
    ensemble = CNNEnsemble([("svc", SVC(random_state=0)), ("knn", KNeighborsClassifier(3)),
                            ("lr", LogisticRegression())], voting="hard").fit(X, labels)
    predicted = ensemble.predict(X)
    assert set(predicted) <= {"normal", "tumour"}
    votes = np.stack([est.predict(X) for est in ensemble.estimators_])
    majority = np.where((votes == "tumour").sum(axis=0) >= 2, "tumour", "normal")
    np.testing.assert_array_equal(predicted, majority)
    np.testing.assert_array_equal(ensemble.transform(X), votes.T)  # the members' labels
    # two members: ties go to the first class in classes_ when a member has no predict_proba
    pair = CNNEnsemble([("svc", SVC(random_state=0)), ("knn", KNeighborsClassifier(1))],
                       voting="hard").fit(X, labels)
    votes = np.stack([est.predict(X) for est in pair.estimators_])
    assert np.any(votes[0] != votes[1])
    np.testing.assert_array_equal(pair.predict(X), np.where(votes[0] == votes[1], votes[0], "normal"))
    with pytest.raises(AttributeError, match="predict_proba of every member.*'svc'.*voting='hard'"):
        pair.set_params(voting="soft").predict_proba(X)


def test_members_are_fitted_on_the_labels_as_given(tabular):
    X, y = tabular
    labels = np.where(y == 1, "tumour", "normal")
    ensemble = CNNEnsemble(three_members()).fit(X, labels)
    for member in ensemble.estimators_:  # VotingClassifier would give them 0 and 1
        np.testing.assert_array_equal(member.classes_, ["normal", "tumour"])
        assert set(member.predict(X)) == {"normal", "tumour"}
    assert not hasattr(ensemble, "le_")


@pytest.mark.parametrize("voting, columns", [("soft", 6), ("median", 6), ("hard", 3)])
def test_transform_and_feature_names(tabular, voting, columns):
    X, y = tabular
    ensemble = CNNEnsemble(three_members(), voting=voting).fit(X, y)
    out = ensemble.transform(X[:5])
    names = ensemble.get_feature_names_out()
    assert out.shape == (5, columns) and len(names) == columns
    assert names[0] == ("cnnensemble_lr" if voting == "hard" else "cnnensemble_lr0")
    if voting != "hard":
        np.testing.assert_allclose(out[:, 2:4], ensemble.named_estimators_.strong.predict_proba(X[:5]))
        stacked = ensemble.set_params(flatten_transform=False).transform(X[:5])
        assert stacked.shape == (3, 5, 2)
        with pytest.raises(ValueError, match="set flatten_transform=True"):
            ensemble.get_feature_names_out()


# ------------------------------------------------------- combine= (deprecated)
@pytest.mark.parametrize("combine, voting", [("mean", "soft"), ("median", "median"), ("vote", "hard")])
def test_combine_is_a_deprecated_alias_of_voting(tabular, combine, voting):
    X, y = tabular
    expected = CNNEnsemble(three_members(), voting=voting).fit(X, y).predict_proba(X)
    with pytest.warns(FutureWarning, match=f"combine was deprecated.*use voting='{voting}' instead "
                                           f"of combine='{combine}'"):
        old = CNNEnsemble(three_members(), combine=combine).fit(X, y)
    with pytest.warns(FutureWarning):
        np.testing.assert_allclose(old.predict_proba(X), expected)
    with pytest.warns(FutureWarning, match="deprecated"):
        CNNEnsemble.from_seeds(DecisionTreeClassifier(), seeds=2, combine=combine).fit(X, y)


def test_combine_and_voting_must_not_contradict(tabular):
    X, y = tabular
    with pytest.raises(ValueError, match="contradicts voting='median'; give only voting="):
        CNNEnsemble(three_members(), voting="median", combine="vote").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default does not warn
        CNNEnsemble(three_members()).fit(X, y).predict(X)


def test_combines_constant_is_deprecated():
    import medcnn.ensemble

    with pytest.warns(FutureWarning, match="medcnn.ensemble.VOTINGS"):
        assert medcnn.ensemble.COMBINES == ("mean", "median", "vote")
    with pytest.raises(AttributeError, match="no attribute 'MISSING'"):
        medcnn.ensemble.MISSING


# -------------------------------------------------------- sklearn tooling
def test_cross_val_score_and_grid_search_over_voting(tabular):
    X, y = tabular
    ensemble = CNNEnsemble([("lr", LogisticRegression()),
                            ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(ensemble, X, y, cv=cv)
    assert scores.shape == (3,) and np.all(scores > 0.6)
    search = GridSearchCV(ensemble, {"voting": ["soft", "median", "hard"], "lr__C": [0.1, 1.0]},
                          cv=cv).fit(X, y)
    assert search.best_params_["voting"] in ("soft", "median", "hard")
    assert search.best_estimator_.named_estimators_.lr.C == search.best_params_["lr__C"]


def test_get_params_set_params_and_clone():
    ensemble = CNNEnsemble([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier())])
    params = ensemble.get_params()
    assert params["lr__C"] == 1.0 and params["tree__max_depth"] is None
    ensemble.set_params(lr__C=0.5, voting="hard")
    assert ensemble.named_estimators.lr.C == 0.5 and ensemble.voting == "hard"
    copy = clone(ensemble)
    assert copy.get_params()["lr__C"] == 0.5
    assert copy.named_estimators.lr is not ensemble.named_estimators.lr
    ensemble.set_params(tree=KNeighborsClassifier())
    assert isinstance(ensemble.named_estimators.tree, KNeighborsClassifier)
    with pytest.raises(ValueError, match="Invalid parameter"):
        ensemble.set_params(forest__n_estimators=3)


def test_plain_list_of_estimators_is_named(tabular):
    X, y = tabular
    ensemble = CNNEnsemble([LogisticRegression(), LogisticRegression(C=0.1), DecisionTreeClassifier()])
    assert list(ensemble.named_estimators) == ["logisticregression-1", "logisticregression-2",
                                               "decisiontreeclassifier"]
    ensemble.set_params(**{"logisticregression-2__C": 0.2, "decisiontreeclassifier__max_depth": 2})
    assert ensemble.estimators[1].C == 0.2 and ensemble.estimators[2].max_depth == 2
    # replacing a member by one of another class keeps its name
    ensemble.set_params(decisiontreeclassifier=KNeighborsClassifier(5))
    assert list(ensemble.named_estimators) == ["logisticregression-1", "logisticregression-2",
                                               "decisiontreeclassifier"]
    ensemble.fit(X, y)
    assert sorted(ensemble.named_estimators_) == sorted(ensemble.named_estimators)
    assert ensemble.n_features_in_ == 6
    assert "logisticregression-2" in estimator_html_repr(ensemble)  # the diagram names them too


def test_pickle_round_trip(tabular):
    X, y = tabular
    ensemble = CNNEnsemble(three_members(), voting="median").fit(X, y)
    restored = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_array_equal(restored.predict_proba(X), ensemble.predict_proba(X))
    assert restored.get_params(deep=False).keys() == ensemble.get_params(deep=False).keys()


def test_drop_members_and_their_weights(tabular):
    X, y = tabular
    ensemble = CNNEnsemble([("lr", LogisticRegression()), ("tree", "drop"),
                            ("strong", LogisticRegression(C=0.01))], weights=[1, 100, 3]).fit(X, y)
    assert len(ensemble.estimators_) == 2 and ensemble.named_estimators_.tree == "drop"
    lr, strong = ensemble.estimators_
    np.testing.assert_allclose(ensemble.predict_proba(X),
                               (lr.predict_proba(X) + 3 * strong.predict_proba(X)) / 4)
    assert ensemble.get_feature_names_out().tolist() == [
        "cnnensemble_lr0", "cnnensemble_lr1", "cnnensemble_strong0", "cnnensemble_strong1"]


def test_sample_weight_reaches_every_member(tabular):
    X, y = tabular
    weights = np.random.RandomState(0).uniform(0.1, 3, len(y))
    ensemble = CNNEnsemble([("lr", LogisticRegression()),
                            ("pipe", make_pipeline(StandardScaler(), LogisticRegression()))])
    ensemble.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ensemble.named_estimators_.lr.coef_,
                               LogisticRegression().fit(X, y, sample_weight=weights).coef_)
    alone = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y, logisticregression__sample_weight=weights)
    np.testing.assert_allclose(ensemble.named_estimators_.pipe[-1].coef_, alone[-1].coef_)
    with pytest.raises(TypeError, match="'knn'.*does not accept sample_weight"):
        CNNEnsemble([("knn", KNeighborsClassifier())]).fit(X, y, sample_weight=weights)


def test_metadata_routing_reaches_the_members_that_request_it(tabular):
    X, y = tabular
    weights = np.random.RandomState(0).uniform(0.1, 3, len(y))
    with pytest.raises(TypeError, match=r"fit got \['groups'\].*enable_metadata_routing=True"):
        CNNEnsemble([("lr", LogisticRegression())]).fit(X, y, groups=y)
    with sklearn.config_context(enable_metadata_routing=True):
        ensemble = CNNEnsemble([("weighted", LogisticRegression().set_fit_request(sample_weight=True)),
                                ("plain", LogisticRegression().set_fit_request(sample_weight=False))])
        ensemble.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ensemble.named_estimators_.weighted.coef_,
                               LogisticRegression().fit(X, y, sample_weight=weights).coef_)
    np.testing.assert_allclose(ensemble.named_estimators_.plain.coef_, LogisticRegression().fit(X, y).coef_)


def test_verbose_times_each_member(tabular, capsys):
    X, y = tabular
    CNNEnsemble(three_members(), verbose=True).fit(X, y)
    out = capsys.readouterr().out
    assert "[CNNEnsemble]" in out and "(1 of 3) Processing lr" in out and "(3 of 3) Processing tree" in out


def test_parallel_fit_gives_the_same_members(tabular):
    X, y = tabular
    ensemble = CNNEnsemble.from_seeds(DecisionTreeClassifier(max_features=2), seeds=3)
    serial = ensemble.fit(X, y).predict_proba(X)
    with parallel_config(backend="threading"):  # processes would work too, but start slowly
        parallel = clone(ensemble).set_params(n_jobs=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(serial, parallel)


# --------------------------------------------------------------- from_seeds
def test_from_seeds_sets_every_random_state():
    ensemble = CNNEnsemble.from_seeds(DecisionTreeClassifier(max_depth=2), seeds=[3, 5], voting="hard",
                                      weights=[1, 2], verbose=True)
    assert [(name, est.random_state, est.max_depth) for name, est in ensemble.estimators] == [
        ("seed3", 3, 2), ("seed5", 5, 2)]
    assert (ensemble.voting, ensemble.weights, ensemble.verbose) == ("hard", [1, 2], True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(solver="saga"))
    seeded = CNNEnsemble.from_seeds(pipe, seeds=2)
    seeds = [est.get_params()["logisticregression__random_state"] for _, est in seeded.estimators]
    assert seeds == [0, 1]
    assert len(CNNEnsemble.from_seeds(DecisionTreeClassifier()).estimators) == 5


@pytest.mark.parametrize("seeds, message", [
    (0, "number of members"), ([1, 1], "distinct"), ([-1, 2], "distinct"), ([0.5], "distinct"),
    ("ab", "distinct"), (None, "sequence of integer seeds"),
])
def test_from_seeds_rejects_bad_seeds(seeds, message):
    with pytest.raises(ValueError, match=message):
        CNNEnsemble.from_seeds(DecisionTreeClassifier(), seeds=seeds)


def test_from_seeds_needs_a_random_state():
    with pytest.raises(ValueError, match="KNeighborsClassifier has no random_state"):
        CNNEnsemble.from_seeds(KNeighborsClassifier())
    with pytest.raises(TypeError, match="give one, e.g. CNNClassifier()"):
        CNNEnsemble.from_seeds(DecisionTreeClassifier)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("params, error, message", [
    ({"estimators": []}, ValueError, "non-empty list"),
    ({"estimators": "lr"}, ValueError, "non-empty list"),
    ({"estimators": [("a", LogisticRegression()), DummyClassifier()]}, ValueError, "mixes"),
    ({"estimators": [("a", LogisticRegression()), ("a", DummyClassifier())]}, ValueError, "unique"),
    ({"estimators": [("a__b", LogisticRegression())]}, ValueError, "must not contain '__'"),
    ({"estimators": [("voting", LogisticRegression())]}, ValueError, "clash"),
    ({"estimators": [("combine", LogisticRegression())]}, ValueError, "clash"),
    ({"estimators": [("ridge", Ridge())]}, TypeError, r"'ridge' \(Ridge\) is not a classifier"),
    ({"estimators": [("lr", LogisticRegression)]}, TypeError, "give an instance"),
    ({"estimators": [("lr", "drop")]}, ValueError, "at least one"),
    ({"voting": "mean"}, ValueError, "voting='mean' is not valid.*'soft'"),
    ({"combine": "max"}, ValueError, "combine='max' is not valid.*use voting="),
    ({"flatten_transform": "yes"}, ValueError, "flatten_transform='yes' is not valid"),
    ({"weights": [1]}, ValueError, "one number per member"),
    ({"weights": [1, -1]}, ValueError, "finite and >= 0"),
    ({"weights": [0, 0]}, ValueError, "total weight of 0"),
    ({"weights": ["a", "b"]}, ValueError, "one number per member"),
])
def test_invalid_parameters_raise_clear_errors(tabular, params, error, message):
    X, y = tabular
    ensemble = CNNEnsemble([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier())])
    with pytest.raises(error, match=message):
        ensemble.set_params(**params).fit(X, y)


def test_invalid_voting_set_after_fit_is_reported_when_predicting(tabular):
    X, y = tabular
    ensemble = CNNEnsemble([("lr", LogisticRegression())]).fit(X, y)
    with pytest.raises(ValueError, match="voting='vote' is not valid; use one of"):
        ensemble.set_params(voting="vote").predict(X)


def test_targets_must_be_single_label_classes(tabular):
    X, y = tabular
    ensemble = CNNEnsemble([("lr", LogisticRegression())])
    with pytest.raises(ValueError, match="Unknown label type: continuous.*give class labels"):
        ensemble.fit(X, y + 0.5 * X[:, 0])
    with pytest.raises(ValueError, match=r"not one 0/1 column per label.*fit one ensemble per label column"):
        ensemble.fit(X, np.stack([y, 1 - y], axis=1))
    with pytest.raises(ValueError, match="requires y"):
        ensemble.fit(X, None)


def test_members_must_agree_on_classes(tabular):
    X, y = tabular
    three = FrozenEstimator(LogisticRegression().fit(X, y % 2 + (X[:, 0] > 1)))  # classes 0, 1, 2
    with pytest.raises(ValueError, match="Members disagree on the classes.*'lr'.*'frozen'"):
        CNNEnsemble([("lr", LogisticRegression()), ("frozen", three)]).fit(X, y)


def test_predict_before_fit_raises(tabular):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CNNEnsemble([LogisticRegression()]).predict(tabular[0])


# ------------------------------------------------------------- CNN members
@pytest.mark.slow
def test_deep_ensemble_of_cnns(histology):
    from medcnn import CNNClassifier

    X, y = histology
    ensemble = CNNEnsemble.from_seeds(CNNClassifier(architecture="lenet5", epochs=1), seeds=2)
    ensemble.fit(X, y)
    first, second = ensemble.estimators_
    assert (first.random_state, second.random_state) == (0, 1)
    p1, p2 = first.predict_proba(X[:20]), second.predict_proba(X[:20])
    assert not np.allclose(p1, p2)  # different seeds, different networks
    np.testing.assert_allclose(ensemble.predict_proba(X[:20]), (p1 + p2) / 2, rtol=1e-6)
    assert ensemble.n_features_in_ == 28 * 28 * 3
    np.testing.assert_array_equal(ensemble.classes_, [0, 1])
    restored = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_allclose(restored.predict_proba(X[:20]), ensemble.predict_proba(X[:20]), rtol=1e-6)


@pytest.mark.slow
def test_mixed_cnn_and_transfer_pipeline_members(histology):
    from medcnn import CNNClassifier, TransferFeatureExtractor

    X, y = histology
    members = [("cnn", CNNClassifier(architecture="lenet5", epochs=1, random_state=0)),
               ("transfer", make_pipeline(
                   TransferFeatureExtractor("lenet5", weights=None, random_state=0),
                   LogisticRegression(max_iter=500)))]
    ensemble = CNNEnsemble(members, voting="hard").fit(X[:120], y[:120])
    predicted = ensemble.predict(X[120:])
    assert predicted.shape == (40,) and set(predicted) <= {0, 1}
    fractions = ensemble.predict_proba(X[120:])
    assert set(np.unique(fractions)) <= {0.0, 0.5, 1.0}
