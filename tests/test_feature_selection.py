"""Tests of medcnn.feature_selection against hand-computed values and sklearn's API checks.

Entropies below are in bits (log base 2); SU is unit-free. For ReliefF, features
are scaled to [0, 1] by their range, diff(A, I1, I2) = |I1[A] - I2[A]| on the
scaled values, distances are Manhattan, and
    W = (1/m) * sum_R [ -mean diff to hits + sum_{C != class(R)} P(C)/(1-P(class(R))) * mean diff to misses of C ].
"""

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.stats import entropy
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import mutual_info_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from medcnn.feature_selection import ReliefFSelector, SymmetricUncertaintySelector
from medcnn.feature_selection import _relieff

LOG2_3 = math.log2(3)
SELECTORS = [SymmetricUncertaintySelector, ReliefFSelector]


def _informative_data(n_samples=200, random_state=0):
    """3 informative features (columns 0-2) followed by 17 pure-noise ones."""
    return make_classification(n_samples=n_samples, n_features=20, n_informative=3, n_redundant=0,
                               n_repeated=0, n_classes=3, n_clusters_per_class=1, shuffle=False,
                               random_state=random_state)


# =============================================================== symmetric uncertainty
def test_su_feature_identical_to_balanced_binary_y_is_one():
    # x = y = [0,0,1,1] -> 2 bins {0,0},{1,1}: H(X) = H(y) = H(X,y) = 1 bit,
    # I = 1 + 1 - 1 = 1, SU = 2*1 / (1+1) = 1.
    y = np.array([0, 0, 1, 1])
    selector = SymmetricUncertaintySelector(k="all", n_bins=2).fit(y[:, None].astype(float), y)
    assert selector.scores_ == pytest.approx([1.0])


def test_su_independent_feature_is_zero():
    # x = [0,1,0,1], y = [0,0,1,1]: the 4 (x, y) pairs are all different, so
    # H(X,y) = log2 4 = 2 bits = H(X) + H(y) = 1 + 1 -> I = 0 -> SU = 0.
    X = np.array([[0.0], [1.0], [0.0], [1.0]])
    selector = SymmetricUncertaintySelector(k="all", n_bins=2).fit(X, [0, 0, 1, 1])
    assert selector.scores_ == pytest.approx([0.0], abs=1e-12)


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_su_hand_computed_four_samples(strategy):
    # x = [1,2,3,4], n_bins=2: the edges are [1, 2.5, 4] for both strategies (median of
    # 1..4 is 2.5; mid-range is 2.5) -> codes [0,0,1,1]. y = [0,0,0,1].
    # H(X) = 1 bit; H(y) = H(3/4, 1/4) = 2 - (3/4) log2 3 = 0.811278...
    # joint: (0,0) x2, (1,0) x1, (1,1) x1 -> H(X,y) = H(1/2,1/4,1/4) = 1.5 bits
    # I = 1 + (2 - 0.75 log2 3) - 1.5 = 1.5 - 0.75 log2 3 = 0.311278...
    # SU = 2 I / (H(X)+H(y)) = (3 - 1.5 log2 3) / (3 - 0.75 log2 3) = 0.343711...
    expected = (3 - 1.5 * LOG2_3) / (3 - 0.75 * LOG2_3)
    assert expected == pytest.approx(0.3437110, abs=1e-7)
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    selector = SymmetricUncertaintySelector(k="all", n_bins=2, strategy=strategy).fit(X, [0, 0, 0, 1])
    assert selector.scores_ == pytest.approx([expected], rel=1e-12)


def test_su_hand_computed_three_bins():
    # x = 1..6, n_bins=3 uniform: edges [1, 2.67, 4.33, 6] -> codes [0,0,1,1,2,2];
    # y = [0,0,0,1,1,1].
    # H(X) = log2 3 = 1.584963; H(y) = 1.
    # joint: (0,0) x2, (1,0) x1, (1,1) x1, (2,1) x2 -> p = 1/3, 1/6, 1/6, 1/3:
    # H(X,y) = 2(1/3)log2 3 + 2(1/6)log2 6 = log2 3 + 1/3
    # I = log2 3 + 1 - (log2 3 + 1/3) = 2/3;  SU = (4/3) / (log2 3 + 1) = 0.515804
    expected = (4 / 3) / (LOG2_3 + 1)
    X = np.arange(1.0, 7.0)[:, None]
    selector = SymmetricUncertaintySelector(k="all", n_bins=3, strategy="uniform").fit(X, [0, 0, 0, 1, 1, 1])
    assert selector.scores_ == pytest.approx([expected], rel=1e-12)
    assert expected == pytest.approx(0.515804, abs=1e-6)


def test_su_hand_computed_multiclass_with_string_labels():
    # x = [0,0,1,1,2,2] (3 bins, uniform edges [0, .67, 1.33, 2]), y = [a,a,b,b,c,c]:
    # x determines y and y determines x -> H(X) = H(y) = H(X,y) = log2 3 -> SU = 1.
    # Second feature x2 = [0,1,0,1,0,1] (2 bins), y as above:
    # H(x2) = 1, H(y) = log2 3, every (x2, y) pair is distinct -> H = log2 6 = 1 + log2 3
    # -> I = 0 -> SU = 0.
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]], dtype=float)
    y = np.array(["a", "a", "b", "b", "c", "c"])
    selector = SymmetricUncertaintySelector(k=1, n_bins=3, strategy="uniform").fit(X, y)
    assert selector.scores_ == pytest.approx([1.0, 0.0], abs=1e-12)
    assert selector.get_support(indices=True).tolist() == [0]


def test_su_constant_feature_scores_zero_without_warnings():
    # A constant column has H(X) = 0 -> I = 0 -> SU = 0; it is not sent to
    # KBinsDiscretizer, so no "Feature is constant" warning. The second column splits
    # at its median exactly by class (2 bins): SU = 1 as in the identical-feature case.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = np.column_stack([np.full(40, 3.0), y + rng.normal(scale=0.1, size=40)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        selector = SymmetricUncertaintySelector(k=1, n_bins=2).fit(X, y)
    assert selector.scores_[0] == 0.0
    assert selector.scores_[1] == pytest.approx(1.0)
    # A single-class y and a constant X: H(X) + H(y) = 0 -> SU defined as 0.
    assert SymmetricUncertaintySelector(k="all").fit(np.ones((5, 2)), np.zeros(5)).scores_.tolist() == [0.0, 0.0]


def test_su_tied_activations_warn_nothing():
    # ReLU-like features, mostly zeros: quantile bins collapse silently.
    rng = np.random.default_rng(0)
    X = np.maximum(rng.normal(size=(60, 4)) - 1.0, 0.0)
    y = np.repeat([0, 1], 30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for strategy in ("quantile", "uniform", "kmeans"):
            scores = SymmetricUncertaintySelector(k="all", strategy=strategy).fit(X, y).scores_
            assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize("strategy", ["quantile", "uniform", "kmeans"])
def test_su_matches_sklearn_mutual_info_in_nats(strategy):
    # Independent route: KBinsDiscretizer codes, mutual_info_score (nats) and
    # scipy entropies in nats. SU is a ratio, so the unit cancels.
    X, y = _informative_data(n_samples=120, random_state=1)
    X = X[:, :6]
    params = dict(n_bins=5, encode="ordinal", strategy=strategy, subsample=None)
    if strategy == "quantile":
        params["quantile_method"] = "averaged_inverted_cdf"
    codes = KBinsDiscretizer(**params).fit_transform(X).astype(int)
    expected = []
    for column in codes.T:
        h_x = entropy(np.bincount(column))
        h_y = entropy(np.bincount(y))
        expected.append(2 * mutual_info_score(column, y) / (h_x + h_y))
    scores = SymmetricUncertaintySelector(k="all", n_bins=5, strategy=strategy).fit(X, y).scores_
    assert scores == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_su_quantile_is_invariant_to_monotone_transforms():
    X, y = _informative_data(n_samples=100)
    a = SymmetricUncertaintySelector(k="all").fit(X, y).scores_
    b = SymmetricUncertaintySelector(k="all").fit(np.exp(X), y).scores_
    assert a == pytest.approx(b)


# ============================================================================ ReliefF
# Six samples, two features, three classes (two instances each), used by two tests.
#   raw X          scaled (a/10, b/5)   class
#   s0 ( 0, 0)     (0.0, 0.0)           0
#   s1 ( 1, 4)     (0.1, 0.8)           0
#   s2 ( 4, 1)     (0.4, 0.2)           1
#   s3 ( 6, 5)     (0.6, 1.0)           1
#   s4 ( 7, 2)     (0.7, 0.4)           2
#   s5 (10, 3)     (1.0, 0.6)           2
# Manhattan distances: d01=.9 d02=.6 d03=1.6 d04=1.1 d05=1.6 d12=.9 d13=.7 d14=1.0
#   d15=1.1 d23=1.0 d24=.5 d25=1.0 d34=.7 d35=.8 d45=.5
# Priors are 1/3 each, so every miss class has weight P(C)/(1-P(class R)) = (1/3)/(2/3) = 1/2.
SIX_X = np.array([[0, 0], [1, 4], [4, 1], [6, 5], [7, 2], [10, 3]], dtype=float)
SIX_Y = np.array([0, 0, 1, 1, 2, 2])


def test_relieff_hand_computed_one_neighbor():
    # n_neighbors=1. Per R: -diff(hit) + 1/2 diff(nearest miss of each other class).
    #   R=s0: hit s1 (.1,.8); miss c1: s2 (.6<1.6) (.4,.2); c2: s4 (1.1<1.6) (.7,.4)
    #         -> (-.1 + .2 + .35, -.8 + .1 + .2) = ( .45, -.5)
    #   R=s1: hit s0 (.1,.8); c1: s3 (.7<.9) (.5,.2); c2: s4 (1.0<1.1) (.6,.4)
    #         -> (-.1 + .25 + .3, -.8 + .1 + .2) = ( .45, -.5)
    #   R=s2: hit s3 (.2,.8); c0: s0 (.6<.9) (.4,.2); c2: s4 (.5<1.0) (.3,.2)
    #         -> (-.2 + .2 + .15, -.8 + .1 + .1) = ( .15, -.6)
    #   R=s3: hit s2 (.2,.8); c0: s1 (.7<1.6) (.5,.2); c2: s4 (.7<.8) (.1,.6)
    #         -> (-.2 + .25 + .05, -.8 + .1 + .3) = ( .10, -.4)
    #   R=s4: hit s5 (.3,.2); c0: s1 (1.0<1.1) (.6,.4); c1: s2 (.5<.7) (.3,.2)
    #         -> (-.3 + .3 + .15, -.2 + .2 + .1) = ( .15,  .1)
    #   R=s5: hit s4 (.3,.2); c0: s1 (1.1<1.6) (.9,.2); c1: s3 (.8<1.0) (.4,.4)
    #         -> (-.3 + .45 + .2, -.2 + .1 + .2) = ( .35,  .1)
    # Sum (1.65, -1.8), m = 6 -> W = (0.275, -0.3).
    selector = ReliefFSelector(k=1, n_neighbors=1).fit(SIX_X, SIX_Y)
    assert selector.scores_ == pytest.approx([0.275, -0.3], abs=1e-12)
    assert selector.get_support().tolist() == [True, False]


def test_relieff_hand_computed_neighbors_clipped_to_class_size():
    # n_neighbors=5 but each class has 2 instances: 1 hit (R excluded) and both
    # instances of each other class (mean of the two diffs).
    #   R=s0: hit (.1,.8); c1 mean((.4,.2),(.6,1)) = (.5,.6); c2 mean((.7,.4),(1,.6)) = (.85,.5)
    #         -> (-.1 + .5(.5+.85), -.8 + .5(.6+.5)) = (.575, -.25)
    #   R=s1: hit (.1,.8); c1 mean((.3,.6),(.5,.2)) = (.4,.4); c2 mean((.6,.4),(.9,.2)) = (.75,.3)
    #         -> (-.1 + .575, -.8 + .35) = (.475, -.45)
    #   R=s2: hit (.2,.8); c0 mean((.4,.2),(.3,.6)) = (.35,.4); c2 mean((.3,.2),(.6,.4)) = (.45,.3)
    #         -> (-.2 + .4, -.8 + .35) = (.2, -.45)
    #   R=s3: hit (.2,.8); c0 mean((.6,1),(.5,.2)) = (.55,.6); c2 mean((.1,.6),(.4,.4)) = (.25,.5)
    #         -> (-.2 + .4, -.8 + .55) = (.2, -.25)
    #   R=s4: hit (.3,.2); c0 mean((.7,.4),(.6,.4)) = (.65,.4); c1 mean((.3,.2),(.1,.6)) = (.2,.4)
    #         -> (-.3 + .425, -.2 + .4) = (.125, .2)
    #   R=s5: hit (.3,.2); c0 mean((1,.6),(.9,.2)) = (.95,.4); c1 mean((.6,.4),(.4,.4)) = (.5,.4)
    #         -> (-.3 + .725, -.2 + .4) = (.425, .2)
    # Sum (2.0, -1.0), m = 6 -> W = (1/3, -1/6).
    selector = ReliefFSelector(k="all", n_neighbors=5).fit(SIX_X, SIX_Y)
    assert selector.scores_ == pytest.approx([1 / 3, -1 / 6], abs=1e-12)


def test_relieff_hand_computed_unequal_priors_and_singleton_classes():
    # x = [0,1,3,4] -> scaled [0,.25,.75,1]; y = [0,0,1,2]; priors 1/2, 1/4, 1/4.
    #   R=s0 (c0): hit s1 diff .25; c1: s2 .75, c2: s3 1.0, each weight (1/4)/(1-1/2) = 1/2
    #              -> -.25 + .375 + .5 = .625
    #   R=s1 (c0): hit s0 .25; c1: s2 .5; c2: s3 .75 -> -.25 + .25 + .375 = .375
    #   R=s2 (c1): alone in its class -> no hit; c0: nearest s1 (.5 < .75), weight
    #              (1/2)/(1-1/4) = 2/3; c2: s3 .25, weight (1/4)/(3/4) = 1/3
    #              -> 2/3 * .5 + 1/3 * .25 = 5/12
    #   R=s3 (c2): no hit; c0: s1 .75 (weight 2/3); c1: s2 .25 (weight 1/3) -> 7/12
    # Sum .625 + .375 + 5/12 + 7/12 = 2, m = 4 -> W = 0.5.
    X = np.array([[0.0], [1.0], [3.0], [4.0]])
    selector = ReliefFSelector(k=1, n_neighbors=1).fit(X, [0, 0, 1, 2])
    assert selector.scores_ == pytest.approx([0.5], abs=1e-12)


def test_relieff_distance_ties_go_to_lower_index():
    # s0 (0,0) class 0; s1 (1,0) and s2 (0,1) class 1; priors 1/3, 2/3.
    #   R=s0: no hit; misses s1 and s2 both at distance 1 -> s1 (lower index), diff (1,0),
    #         weight (2/3)/(1-1/3) = 1 -> (1, 0)
    #   R=s1: hit s2 diff (1,1); miss s0 diff (1,0), weight (1/3)/(1-2/3) = 1 -> (0, -1)
    #   R=s2: hit s1 diff (1,1); miss s0 diff (0,1) -> (-1, 0)
    # Sum (0, -1), m = 3 -> W = (0, -1/3).  (Picking s2 for R=s0 would give (-1/3, 0).)
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    selector = ReliefFSelector(k="all", n_neighbors=1).fit(X, [0, 1, 1])
    assert selector.scores_ == pytest.approx([0.0, -1 / 3], abs=1e-12)


def _relieff_reference(X, y, n_neighbors, instances=None):
    """Plain-loop ReliefF, written independently of the vectorised implementation."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, p = X.shape
    span = X.max(axis=0) - X.min(axis=0)
    scaled = np.array([[(X[i, a] - X[:, a].min()) / span[a] if span[a] > 0 else 0.0 for a in range(p)]
                       for i in range(n)])
    classes = sorted(set(y.tolist()))
    prior = {c: float(np.mean(y == c)) for c in classes}
    instances = range(n) if instances is None else instances
    weights = np.zeros(p)
    for r in instances:
        ranked = sorted((sum(abs(scaled[r] - scaled[j])), j) for j in range(n) if j != r)
        for c in classes:
            neighbours = [j for _, j in ranked if y[j] == c][:n_neighbors]
            if not neighbours:
                continue
            mean_diff = np.mean([abs(scaled[r] - scaled[j]) for j in neighbours], axis=0)
            if c == y[r]:
                weights -= mean_diff / len(instances)
            else:
                weights += prior[c] / (1 - prior[y[r]]) * mean_diff / len(instances)
    return weights


@pytest.mark.parametrize("n_neighbors", [1, 3, 50])
def test_relieff_matches_plain_loop_reference(n_neighbors):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5)) * [1, 10, 0.1, 5, 1]
    X[:, 4] = 2.0  # constant feature -> weight 0
    y = rng.choice([0, 1, 2], size=40, p=[0.6, 0.3, 0.1])
    scores = ReliefFSelector(k="all", n_neighbors=n_neighbors).fit(X, y).scores_
    assert scores == pytest.approx(_relieff_reference(X, y, n_neighbors), abs=1e-12)
    assert scores[4] == 0.0


def test_relieff_chunking_does_not_change_weights(monkeypatch):
    X, y = _informative_data(n_samples=90)
    expected = ReliefFSelector(k="all", n_neighbors=4).fit(X, y).scores_
    monkeypatch.setattr(_relieff, "_CHUNK_ELEMENTS", 1)  # one instance per chunk
    assert ReliefFSelector(k="all", n_neighbors=4).fit(X, y).scores_ == pytest.approx(expected, abs=1e-12)


def test_relieff_n_samples_draws_a_reproducible_subset():
    X, y = _informative_data(n_samples=80)
    full = ReliefFSelector(k="all").fit(X, y).scores_
    # Every instance drawn (any order) gives the deterministic full result.
    assert ReliefFSelector(k="all", n_samples=80, random_state=0).fit(X, y).scores_ == pytest.approx(full)
    assert ReliefFSelector(k="all", n_samples=1.0, random_state=0).fit(X, y).scores_ == pytest.approx(full)
    a = ReliefFSelector(k="all", n_samples=20, random_state=7).fit(X, y).scores_
    b = ReliefFSelector(k="all", n_samples=20, random_state=7).fit(X, y).scores_
    c = ReliefFSelector(k="all", n_samples=0.25, random_state=7).fit(X, y).scores_  # 0.25 * 80 = 20
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert not np.allclose(a, full)
    # The subset result is the plain-loop ReliefF over the drawn instances.
    drawn = np.sort(np.random.RandomState(7).choice(80, size=20, replace=False))
    assert a == pytest.approx(_relieff_reference(X, y, 10, instances=drawn), abs=1e-12)


def test_relieff_detects_interacting_features_that_su_misses():
    # y = XOR of the signs of features 0 and 1: each is independent of y on its own.
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 8))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    assert set(ReliefFSelector(k=2).fit(X, y).get_support(indices=True)) == {0, 1}
    assert SymmetricUncertaintySelector(k="all").fit(X, y).scores_[:2].max() < 0.1


# ============================================================ both selectors: behaviour
@pytest.mark.parametrize("Selector", SELECTORS)
def test_informative_features_outrank_noise(Selector):
    X, y = _informative_data()
    selector = Selector(k=3).fit(X, y)
    assert selector.get_support(indices=True).tolist() == [0, 1, 2]
    assert selector.scores_[:3].min() > selector.scores_[3:].max()


@pytest.mark.parametrize("Selector", SELECTORS)
def test_support_transform_inverse_transform_and_feature_names(Selector):
    X, y = _informative_data()
    selector = Selector(k=3).fit(X, y)
    assert selector.scores_.shape == (20,)
    assert selector.get_support().shape == (20,) and selector.get_support().sum() == 3
    Xt = selector.transform(X)
    assert Xt.shape == (200, 3)
    assert np.array_equal(Xt, X[:, :3])
    assert selector.transform(X.astype(np.float32)).dtype == np.float32
    back = selector.inverse_transform(Xt)
    assert back.shape == X.shape and np.array_equal(back[:, :3], X[:, :3]) and not back[:, 3:].any()
    assert selector.get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert Selector(k="all").fit(X, y).transform(X).shape == (200, 20)
    # k is read at selection time, like SelectKBest.
    selector.set_params(k=1)
    assert selector.transform(X).shape == (200, 1)


@pytest.mark.parametrize("Selector", SELECTORS)
def test_pandas_feature_names_and_set_output(Selector):
    pd = pytest.importorskip("pandas")
    X, y = _informative_data()
    frame = pd.DataFrame(X, columns=[f"cnn_{i}" for i in range(20)])
    selector = Selector(k=2).fit(frame, y)
    names = selector.get_feature_names_out().tolist()
    assert set(names) <= {"cnn_0", "cnn_1", "cnn_2"} and len(names) == 2
    out = selector.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame) and out.columns.tolist() == names


@pytest.mark.parametrize("Selector", SELECTORS)
def test_equal_scores_keep_lower_index(Selector):
    X, y = _informative_data()
    X = np.column_stack([X[:, 3], X[:, 0], X[:, 0]])  # noise, then two identical copies
    selector = Selector(k=1).fit(X, y)
    assert selector.scores_[1] == selector.scores_[2]
    assert selector.get_support(indices=True).tolist() == [1]


@pytest.mark.parametrize("Selector", SELECTORS)
def test_pipeline_and_grid_search_over_k(Selector):
    X, y = _informative_data(n_samples=120)
    pipeline = Pipeline([("select", Selector()), ("forest", RandomForestClassifier(n_estimators=15, random_state=0))])
    search = GridSearchCV(pipeline, {"select__k": [1, 3, 10]}, cv=StratifiedKFold(3), error_score="raise")
    search.fit(X, y)
    assert search.best_params_["select__k"] in (1, 3, 10)
    assert search.best_estimator_.named_steps["select"].get_support().sum() == search.best_params_["select__k"]
    assert search.predict(X).shape == (120,)


# ============================================================================== errors
@pytest.mark.parametrize("Selector", SELECTORS)
@pytest.mark.parametrize("k", [0, -1, 1.5, "best", True, None])
def test_bad_k_raises(Selector, k):
    X, y = _informative_data(n_samples=30)
    with pytest.raises(ValueError, match=f"k={k!r}".replace("(", r"\(")):
        Selector(k=k).fit(X, y)


@pytest.mark.parametrize("Selector", SELECTORS)
def test_k_greater_than_n_features_raises(Selector):
    X, y = _informative_data(n_samples=30)
    with pytest.raises(ValueError, match="k=21 is greater than n_features=20"):
        Selector(k=21).fit(X, y)
    selector = Selector(k=20).fit(X, y).set_params(k=25)
    with pytest.raises(ValueError, match="k=25 is greater than n_features=20"):
        selector.transform(X)


@pytest.mark.parametrize("params, message", [
    (dict(n_bins=1), "n_bins=1"),
    (dict(n_bins=2.5), "n_bins=2.5"),
    (dict(n_bins="10"), "n_bins='10'"),
    (dict(n_bins=True), "n_bins=True"),
    (dict(strategy="kde"), "strategy='kde'"),
])
def test_su_bad_parameters_raise(params, message):
    X, y = _informative_data(n_samples=30)
    with pytest.raises(ValueError, match=message):
        SymmetricUncertaintySelector(k=2, **params).fit(X, y)


@pytest.mark.parametrize("params, message", [
    (dict(n_neighbors=0), "n_neighbors=0"),
    (dict(n_neighbors=1.5), "n_neighbors=1.5"),
    (dict(n_neighbors=None), "n_neighbors=None"),
    (dict(n_samples=0), "n_samples=0"),
    (dict(n_samples=-0.5), "n_samples=-0.5"),
    (dict(n_samples=1.5), "n_samples=1.5"),
    (dict(n_samples="half"), "n_samples='half'"),
    (dict(n_samples=31), "n_samples=31 is greater than the number of training samples \\(30\\)"),
])
def test_relieff_bad_parameters_raise(params, message):
    X, y = _informative_data(n_samples=30)
    with pytest.raises(ValueError, match=message):
        ReliefFSelector(k=2, **params).fit(X, y)


@pytest.mark.parametrize("Selector", SELECTORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_rejected(Selector, bad):
    X, y = _informative_data(n_samples=30)
    selector = Selector(k=2).fit(X, y)
    X_bad = X.copy()
    X_bad[3, 4] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        Selector(k=2).fit(X_bad, y)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        selector.transform(X_bad)


@pytest.mark.parametrize("Selector", SELECTORS)
def test_y_must_be_class_labels(Selector):
    X, _ = _informative_data(n_samples=30)
    with pytest.raises(ValueError, match="Unknown label type"):
        Selector(k=2).fit(X, np.linspace(0, 1, 30))
    with pytest.raises(ValueError, match="requires y to be passed"):
        Selector(k=2).fit(X, None)


@pytest.mark.parametrize("Selector", SELECTORS)
def test_unfitted_selector_raises(Selector):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Selector().get_support()


def test_importing_does_not_load_tensorflow():
    code = ("import sys, medcnn.feature_selection; "
            "sys.exit(int(any(m in sys.modules for m in ('tensorflow', 'keras'))))")
    import medcnn

    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(medcnn.__file__)))
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


# ========================================================== scikit-learn's API checks
# k=1 because the default k=10 exceeds the number of features of several check
# datasets (k > n_features raises by design). No expected failures.
@parametrize_with_checks([
    SymmetricUncertaintySelector(k=1),
    SymmetricUncertaintySelector(k=1, n_bins=3, strategy="kmeans"),
    ReliefFSelector(k=1),
    ReliefFSelector(k=1, n_neighbors=3, n_samples=0.5, random_state=0),
])
def test_sklearn_compatible_selector(estimator, check):
    check(estimator)
