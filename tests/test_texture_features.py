"""TextureFeatures: hand-checkable feature values, input forms, sklearn integration, errors."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from medcnn.datasets import make_histology
from medcnn.features import TextureFeatures

ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def features(X, **params):
    """{name: column} of TextureFeatures(**params).fit_transform(X)."""
    texture = TextureFeatures(**params)
    values = texture.fit_transform(X)
    return dict(zip(texture.get_feature_names_out(), values.T))


@pytest.fixture(scope="module")
def patches():
    return make_histology(120, image_size=32, random_state=0)


@pytest.fixture(scope="module")
def small_patches(patches):
    X, y = patches
    return X[:12], y[:12]


# -- hand-checkable values ------------------------------------------------------------

@pytest.mark.parametrize("value", [0.0, 0.37, 1.0])
def test_constant_image_has_no_texture(value):
    f = features(np.full((2, 9, 7), value), groups=("intensity", "glcm", "lbp"))
    for name in ("mean", "min", "max", "p10", "p50", "p90"):
        assert_allclose(f[f"intensity_{name}"], value)
    for name in ("std", "skewness", "kurtosis", "entropy"):
        assert_array_equal(f[f"intensity_{name}"], 0.0)
    for d in (1, 2):
        assert_array_equal(f[f"glcm_contrast_d{d}"], 0.0)
        assert_array_equal(f[f"glcm_dissimilarity_d{d}"], 0.0)
        for prop in ("homogeneity", "energy", "asm"):
            assert_allclose(f[f"glcm_{prop}_d{d}"], 1.0)
    # every neighbour >= centre: all P bits set, uniform code P, all mass in that bin
    assert_array_equal(f["lbp_u8"], 1.0)
    assert all(np.all(f[f"lbp_u{k}"] == 0) for k in range(10) if k != 8)


def test_constant_image_lbp_with_more_points():
    f = features(np.full((1, 6, 6), 200, np.uint8), groups="lbp", lbp_points=16, lbp_radius=2)
    assert len(f) == 18
    assert f["lbp_u16"][0] == 1.0


def _checkerboard_contrast(levels, distance, angles):
    """GLCM contrast of a 0/1 checkerboard, from the offsets skimage uses."""
    differ = []
    for angle in angles:
        dr, dc = round(np.sin(angle) * distance), round(np.cos(angle) * distance)
        differ.append((dr + dc) % 2 == 1)  # pixels at odd offsets have the other colour
    return (levels - 1) ** 2 * np.mean(differ)


@pytest.mark.parametrize("levels", [8, 32])
def test_checkerboard_glcm_contrast(levels):
    board = (np.indices((10, 10)).sum(axis=0) % 2).astype(float)  # quantised to 0 and levels-1
    f = features(board[np.newaxis], groups="glcm", levels=levels, angles=(0, np.pi / 2))
    assert f["glcm_contrast_d1"][0] == pytest.approx((levels - 1) ** 2)
    assert f["glcm_dissimilarity_d1"][0] == pytest.approx(levels - 1)
    assert f["glcm_homogeneity_d1"][0] == pytest.approx(1 / (1 + (levels - 1) ** 2))
    assert f["glcm_contrast_d2"][0] == 0.0  # same colour two pixels away
    # default angles: the diagonal neighbours have the same colour
    f = features(board[np.newaxis], groups="glcm", levels=levels)
    expected = _checkerboard_contrast(levels, 1, ANGLES)
    assert expected == pytest.approx((levels - 1) ** 2 / 2)
    assert f["glcm_contrast_d1"][0] == pytest.approx(expected)


def test_intensity_matches_numpy_and_scipy():
    rng = np.random.default_rng(0)
    X = rng.beta(2, 5, size=(3, 20, 30))
    f = features(X, groups="intensity")
    flat = X.reshape(3, -1).astype(np.float32).astype(np.float64)  # inputs are read as float32
    assert_allclose(f["intensity_mean"], flat.mean(axis=1))
    assert_allclose(f["intensity_std"], flat.std(axis=1))
    assert_allclose(f["intensity_min"], flat.min(axis=1))
    assert_allclose(f["intensity_max"], flat.max(axis=1))
    for q in (10, 25, 50, 75, 90):
        assert_allclose(f[f"intensity_p{q}"], np.percentile(flat, q, axis=1))
    assert_allclose(f["intensity_skewness"], stats.skew(flat, axis=1))
    assert_allclose(f["intensity_kurtosis"], stats.kurtosis(flat, axis=1))
    for row, entropy in zip(flat, f["intensity_entropy"]):
        counts, _ = np.histogram(row, bins=32, range=(0, 1))
        p = counts[counts > 0] / counts.sum()
        assert entropy == pytest.approx(-(p * np.log2(p)).sum())


def test_features_are_invariant_to_rotating_the_image():
    # angles averaged over 0..135 degrees and rotation-invariant uniform LBP (P = 8)
    X = np.random.default_rng(1).random((2, 15, 11))
    texture = TextureFeatures().fit(X)
    assert_allclose(texture.transform(np.rot90(X, axes=(1, 2))), texture.transform(X), atol=1e-12)


def test_lbp_histogram_is_normalised_and_distinguishes_textures():
    rng = np.random.default_rng(2)
    X = np.stack([rng.random((16, 16)), np.tile(np.linspace(0, 1, 16), (16, 1))])
    f = features(X, groups="lbp")
    assert_allclose(sum(f[f"lbp_u{k}"] for k in range(10)), 1.0)
    assert f["lbp_u9"][0] > 0.15  # noise: many non-uniform patterns
    assert f["lbp_u9"][1] == 0.0  # a ramp: only uniform ones


def test_degenerate_images_give_zero_texture():
    f = features(np.full((1, 1, 1), 0.5), groups=("intensity", "glcm", "lbp"))
    assert all(f[f"glcm_{p}_d{d}"][0] == 0.0 for p in ("contrast", "homogeneity", "energy",
                                                        "correlation") for d in (1, 2))
    assert f["intensity_std"][0] == 0.0 and f["lbp_u8"][0] == 1.0
    # a one-pixel-high strip has pairs only at angle 0: the other angles are left out
    strip = (np.arange(12) % 2).astype(float)[np.newaxis, np.newaxis, :]
    f = features(strip, groups="glcm", levels=16)
    assert f["glcm_contrast_d1"][0] == pytest.approx(15 ** 2)
    assert f["glcm_contrast_d2"][0] == 0.0 and f["glcm_homogeneity_d2"][0] == 1.0


def test_shape_features_of_the_largest_region():
    masks = np.zeros((3, 16, 16), bool)
    masks[0, 2:6, 3:9] = True  # 4 x 6 rectangle
    masks[1] = masks[0]
    masks[1, 12:14, 12:14] = True  # a smaller second region is ignored
    images = np.random.default_rng(3).random((3, 16, 16))
    texture = TextureFeatures(groups=("shape",))
    f = dict(zip(texture.fit(images).get_feature_names_out(),
                 texture.transform(images, masks=masks).T))
    assert list(f) == ["shape_area", "shape_perimeter", "shape_eccentricity", "shape_solidity",
                       "shape_extent", "shape_major_axis_length", "shape_minor_axis_length"]
    assert_allclose(f["shape_area"], [24, 24, 0])
    assert_allclose(f["shape_extent"], [1, 1, 0])
    assert_allclose(f["shape_solidity"], [1, 1, 0])
    # a rectangle's second moments: axis length 4 * sqrt((side**2 - 1) / 12)
    assert_allclose(f["shape_major_axis_length"][:2], 4 * np.sqrt(35 / 12))
    assert_allclose(f["shape_minor_axis_length"][:2], 4 * np.sqrt(15 / 12))
    assert 0 < f["shape_eccentricity"][0] < 1 and f["shape_eccentricity"][2] == 0


# -- names and counts -----------------------------------------------------------------

@pytest.mark.parametrize("params, n_features", [
    ({}, 34),
    ({"groups": ("intensity", "glcm", "lbp", "shape")}, 41),
    ({"groups": "glcm", "distances": (1, 2, 3)}, 18),
    ({"groups": ("lbp", "intensity"), "lbp_points": 16, "lbp_radius": 2}, 30),
])
def test_feature_count_equals_names(small_patches, params, n_features):
    X, _ = small_patches
    masks = X.mean(axis=-1) < 120
    texture = TextureFeatures(**params)
    values = texture.fit_transform(X, masks=masks)
    names = texture.get_feature_names_out()
    assert values.shape == (len(X), n_features) == (len(X), len(names))
    assert values.dtype == np.float64 and np.all(np.isfinite(values))
    assert len(set(names)) == len(names)


def test_feature_names_follow_the_groups():
    texture = TextureFeatures(groups=("lbp", "shape", "glcm", "intensity")).fit(np.zeros((1, 4, 4)))
    names = list(texture.get_feature_names_out())
    assert names[:10] == [f"lbp_u{k}" for k in range(10)]
    for name in ("intensity_mean", "intensity_p75", "glcm_contrast_d1", "glcm_asm_d2", "lbp_u3",
                 "shape_area"):
        assert name in names
    assert names.index("shape_area") < names.index("glcm_contrast_d1") < names.index("intensity_mean")
    assert texture.n_features_in_ == 16


# -- input forms ----------------------------------------------------------------------

def test_uint8_uint16_and_float_give_the_same_features(small_patches):
    X, _ = small_patches
    texture = TextureFeatures(groups=("intensity", "glcm", "lbp", "shape"))
    masks = X[..., 0] < 150
    expected = texture.fit_transform(X, masks=masks)
    assert_allclose(texture.fit_transform(X / 255.0, masks=masks), expected, rtol=1e-6, atol=1e-9)
    assert_allclose(texture.fit_transform(X.astype(np.uint16) * 257, masks=masks), expected,
                    rtol=1e-6, atol=1e-9)


def test_paths_give_the_same_features_as_arrays(small_patches, tmp_path):
    from PIL import Image

    X, _ = small_patches
    rgb_paths, gray_paths, mask_paths = [], [], []
    gray = np.round(X.mean(axis=-1)).astype(np.uint8)
    masks = gray < 120
    for i in range(len(X)):
        for folder, image, paths in (("rgb", X[i], rgb_paths), ("gray", gray[i], gray_paths),
                                     ("mask", masks[i].astype(np.uint8) * 255, mask_paths)):
            (tmp_path / folder).mkdir(exist_ok=True)
            path = tmp_path / folder / f"{i}.png"
            Image.fromarray(image).save(path)
            paths.append(str(path))
    texture = TextureFeatures(groups=("intensity", "glcm", "lbp", "shape"))
    assert_allclose(texture.fit_transform(np.asarray(rgb_paths), masks=masks),
                    texture.fit_transform(X, masks=masks))
    assert texture.fit(rgb_paths).n_features_in_ == 32 * 32 * 3
    assert_allclose(texture.fit_transform(gray_paths, masks=mask_paths),
                    texture.fit_transform(gray, masks=masks))


def test_flattened_images_with_image_shape(small_patches):
    X, _ = small_patches
    texture = TextureFeatures(image_shape=(32, 32, 3)).fit(X.reshape(len(X), -1))
    assert texture.n_features_in_ == 32 * 32 * 3
    assert_allclose(texture.transform(X.reshape(len(X), -1)), TextureFeatures().fit_transform(X))
    with pytest.raises(ValueError, match="is expecting 3072 features"):
        texture.transform(X.reshape(len(X), -1)[:, :-3])


def test_channels(small_patches):
    X, _ = small_patches
    assert_allclose(features(X, channel=1)["glcm_energy_d1"],
                    features(X[..., 1], channel="gray")["glcm_energy_d1"])
    hema = features(X, groups="intensity", channel="hematoxylin")
    assert np.all(hema["intensity_min"] >= 0) and np.all(hema["intensity_max"] <= 1)
    # haematoxylin is scaled to 1 for black and is 0 for white
    extremes = features(np.stack([np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 255, np.uint8)]),
                        groups="intensity", channel="hematoxylin")
    assert_allclose(extremes["intensity_mean"], [1.0, 0.0], atol=1e-12)


def test_parallel_equals_sequential(small_patches):
    from joblib import parallel_config

    X, _ = small_patches
    with parallel_config(backend="threading"):  # the chunking, without process start-up time
        parallel = TextureFeatures(n_jobs=2).fit_transform(X)
    assert_array_equal(parallel, TextureFeatures().fit_transform(X))


# -- scikit-learn integration ---------------------------------------------------------

def _mean_colour(X):
    """Stand-in for a deep feature extractor: mean of each channel."""
    return np.asarray(X, dtype=float).mean(axis=(1, 2))


@pytest.mark.slow
def test_feature_union_in_a_cross_validated_pipeline(patches):
    X, y = patches
    deep = FunctionTransformer(_mean_colour, feature_names_out=lambda t, _: ["r", "g", "b"])
    union = FeatureUnion([("deep", deep), ("texture", TextureFeatures())])
    pipe = Pipeline([("features", union), ("scale", StandardScaler()),
                     ("clf", LogisticRegression(max_iter=2000))])
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    assert cross_val_score(pipe, X, y, cv=cv, scoring="roc_auc").mean() > 0.8
    fitted_union = pipe.fit(X, y).named_steps["features"]
    assert fitted_union.transform(X[:3]).shape == (3, 3 + 34)
    names = list(fitted_union.get_feature_names_out())
    assert names[:4] == ["deep__r", "deep__g", "deep__b", "texture__intensity_mean"]
    assert "texture__glcm_contrast_d1" in names and "texture__lbp_u9" in names
    texture_only = make_pipeline(TextureFeatures(), StandardScaler(), LogisticRegression(max_iter=2000))
    assert cross_val_score(texture_only, X, y, cv=cv, scoring="roc_auc").mean() > 0.8


def test_masks_reach_transform_by_metadata_routing(small_patches):
    import sklearn

    X, y = small_patches
    masks = X.mean(axis=-1) < 120
    with sklearn.config_context(enable_metadata_routing=True):
        texture = TextureFeatures(groups="shape").set_transform_request(masks=True)
        pipe = make_pipeline(texture, StandardScaler())
        out = pipe.fit(X, y, masks=masks).transform(X, masks=masks)
    assert_allclose(out, StandardScaler().fit_transform(
        TextureFeatures(groups="shape").fit_transform(X, masks=masks)))


def test_set_output_pandas(small_patches):
    pd = pytest.importorskip("pandas")
    X, _ = small_patches
    texture = TextureFeatures(groups=("intensity", "lbp")).set_output(transform="pandas")
    frame = texture.fit_transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(texture.get_feature_names_out())
    assert_allclose(frame.to_numpy(), TextureFeatures(groups=("intensity", "lbp")).fit_transform(X))


@parametrize_with_checks([TextureFeatures(groups=("intensity",))])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.mark.slow
def test_import_does_not_load_tensorflow():
    code = ("import sys, medcnn.features; "
            "sys.exit(any(m in sys.modules for m in ('tensorflow', 'keras')))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# -- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("X, match", [
    (np.full((2, 4, 4), np.nan), "NaN"),
    (np.full((2, 4, 4), np.inf), "infinity"),
    (np.zeros((2, 4, 4, 3, 1)), "5 dimensions"),
    (np.zeros(5), "2D array"),
    (np.zeros((2, 0, 4)), "at least one pixel"),
])
def test_invalid_X(X, match):
    with pytest.raises(ValueError, match=match):
        TextureFeatures().fit(X)


@pytest.mark.parametrize("params, match", [
    ({"groups": ("intensity", "haralick")}, "'intensity', 'glcm', 'lbp', 'shape'"),
    ({"groups": ()}, "one or more"),
    ({"channel": "eosin"}, "'gray', 'hematoxylin' or an int"),
    ({"channel": 3}, "out of range for images with 3"),
    ({"levels": 1}, r"\[2, 256\]"),
    ({"distances": (0,)}, "ints >= 1"),
    ({"angles": ()}, "must not be empty"),
    ({"lbp_radius": 0}, "> 0"),
])
def test_invalid_parameters(small_patches, params, match):
    with pytest.raises(ValueError, match=match):
        TextureFeatures(**params).fit(small_patches[0])


def test_hematoxylin_needs_colour():
    with pytest.raises(ValueError, match="needs RGB"):
        TextureFeatures(channel="hematoxylin").fit(np.zeros((2, 4, 4)))


def test_shape_needs_fitting_masks(small_patches):
    X, _ = small_patches
    texture = TextureFeatures(groups=("intensity", "shape")).fit(X)
    with pytest.raises(ValueError, match="pass masks="):
        texture.transform(X)
    with pytest.raises(ValueError, match="one mask per image"):
        texture.transform(X, masks=np.ones((3, 32, 32)))
    with pytest.raises(ValueError, match=r"mask of image 0 has shape \(16, 16\)"):
        texture.transform(X, masks=np.ones((len(X), 16, 16)))
    # no shape group: masks are not needed
    assert TextureFeatures().fit_transform(X).shape == (len(X), 34)


def test_changed_parameters_need_a_new_fit(small_patches):
    X, _ = small_patches
    texture = TextureFeatures().fit(X)
    texture.set_params(lbp_points=16)
    with pytest.raises(ValueError, match="call fit again"):
        texture.transform(X)
