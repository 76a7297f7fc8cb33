"""Leakage checks: shared patients and near-duplicate images across two splits
(``check_leakage``), near-duplicates inside one collection (``find_duplicates``,
``medcnn describe --duplicates``), and the threshold of the perceptual hash, on
synthetic patches written to tmp_path."""

import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medcnn.cli import main
from medcnn.datasets import (DEFAULT_MAX_DISTANCE, ImageDataset, LeakageReport, check_leakage, find_duplicates,
                             load_directory, make_histology, perceptual_hash)
from medcnn.datasets._duplicates import _near_pairs
from medcnn.exceptions import ImageReadError, SkippedFilesWarning

PATIENT = r"^(P\d+)_"


@pytest.fixture(scope="module")
def patches():
    """200 distinct synthetic H&E patches, 50x50 RGB uint8."""
    X, _ = make_histology(200, image_size=50, random_state=0)
    return X


def jpeg_copy(image, quality=80):
    """``image`` encoded as JPEG of ``quality`` and decoded again."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def save(image, path, **params):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path, **params)
    return str(path)


def distances(hashes_a, hashes_b):
    """Hamming distances between two lists of 64-bit hashes, as a matrix."""
    return np.array([[(a ^ b).bit_count() for b in hashes_b] for a in hashes_a])


def test_finds_a_jpeg_copy_of_a_png_and_every_shared_patient(tmp_path, patches):
    # train: patients P00-P07, 3 patches each; test: P08-P11 (2 each), P02 (2) and P05 (1) again,
    # and P00's first patch re-saved as JPEG under another patient ID, P20
    images = iter(patches)
    for patient in range(8):
        for k in range(3):
            save(next(images), tmp_path / "train" / f"class{k % 2}" / f"P{patient:02d}_{k}.png")
    for patient, count in ((8, 2), (9, 2), (10, 2), (11, 2), (2, 2), (5, 1)):
        for k in range(count):
            save(next(images), tmp_path / "test" / f"class{k % 2}" / f"P{patient:02d}_t{k}.png")
    copy = save(patches[0], tmp_path / "test" / "class1" / "P20_copy.jpg", quality=80)
    train = load_directory(tmp_path, split="train", group_pattern=PATIENT)
    test = load_directory(tmp_path, split="test", group_pattern=PATIENT)

    report = check_leakage(train, test)

    assert isinstance(report, LeakageReport) and bool(report) and not report.clean
    assert report.shared_patients == ["P02", "P05"]
    assert report.images_per_shared_patient == {"P02": (3, 2), "P05": (3, 1)}
    assert (report.n_train_patients, report.n_test_patients) == (8, 7)
    [pair] = report.duplicate_pairs  # the copy, found although its patient ID differs; no distinct patch
    assert Path(pair.train_file).name == "P00_0.png" and pair.test_file == copy
    assert train.X[pair.train_index] == pair.train_file and test.X[pair.test_index] == copy
    assert (pair.train_patient, pair.test_patient) == ("P00", "P20") and pair.distance <= DEFAULT_MAX_DISTANCE
    text = str(report)
    assert "leakage FOUND" in text and "patients in both: 2 (of 8 train, 7 test patients)" in text
    assert "P02: 3 in train, 2 in test" in text and "P05: 3 in train, 1 in test" in text
    assert "P20_copy.jpg" in text and "1 pair" in text
    assert report.to_frame("patients").values.tolist() == [["P02", 3, 2], ["P05", 3, 1]]
    assert report.to_frame().loc[0, "test_file"] == copy
    with pytest.raises(ValueError, match=r"2 patient\(s\) are in both \(P02, P05\).*P20_copy.jpg.*GroupShuffleSplit"):
        report.raise_if_leaky()
    with pytest.raises(ValueError, match="StratifiedGroupKFold"):
        check_leakage(train, test, strict=True)
    patients_only = check_leakage(train, test, duplicates=False)
    assert patients_only.duplicate_pairs == [] and patients_only.max_distance is None
    assert "not checked (duplicates=False)" in patients_only.summary()


def test_default_threshold_separates_re_encoded_copies_from_distinct_patches(patches):
    hashes = [perceptual_hash(image) for image in patches]
    between = distances(hashes, hashes)[np.triu_indices(len(hashes), 1)]
    closest_distinct = between.min()  # 12 of 64 bits for these 200 patches

    def brighter(x):
        return np.clip(x.astype(int) + 15, 0, 255).astype(np.uint8)

    def more_contrast(x):
        return np.clip(x * 1.1, 0, 255).astype(np.uint8)

    def larger(x):
        return np.asarray(Image.fromarray(x).resize((100, 100)))

    def grey(x):
        return np.asarray(Image.fromarray(x).convert("L"))

    caught = {"jpeg75": lambda x: jpeg_copy(x, 75), "jpeg90": lambda x: jpeg_copy(x, 90), "brighter": brighter,
              "more contrast": more_contrast, "resized 2x": larger, "grey": grey}
    farthest_copy = {name: max((h ^ perceptual_hash(change(x))).bit_count() for h, x in zip(hashes, patches))
                     for name, change in caught.items()}
    assert max(farthest_copy.values()) <= DEFAULT_MAX_DISTANCE < closest_distinct, (farthest_copy, closest_distinct)
    # not caught: mirrored images hash far apart
    mirrored = [(h ^ perceptual_hash(x[:, ::-1])).bit_count() for h, x in zip(hashes, patches)]
    assert np.median(mirrored) > 4 * DEFAULT_MAX_DISTANCE
    assert find_duplicates(patches) == []
    assert check_leakage(patches[:100], patches[100:]).clean


def test_image_arrays_and_lists_with_separate_patient_ids(patches):
    train = patches[:20]
    test = [patches[20], jpeg_copy(patches[5], 85), np.asarray(Image.fromarray(patches[9]).resize((80, 80))),
            np.asarray(Image.fromarray(patches[21]).convert("L"))]
    report = check_leakage(train, test, groups_train=np.arange(20) // 2 + 100, groups_test=["103", "200", "201", "202"])
    assert report.shared_patients == ["103"]  # IDs compare as text: 103 and "103"
    assert report.images_per_shared_patient == {"103": (2, 1)}
    assert [pair[:2] for pair in report.duplicate_pairs] == [(5, 1), (9, 2)]
    assert all(p.train_file is None and p.test_file is None for p in report.duplicate_pairs)
    assert [(p.train_patient, p.test_patient) for p in report.duplicate_pairs] == [("102", "200"), ("104", "201")]
    no_ids = check_leakage(train, test)
    assert no_ids.n_train_patients is None and "patients: not checked" in no_ids.summary()
    assert len(no_ids.duplicate_pairs) == 2
    assert check_leakage(train[:3], train[3:6]).raise_if_leaky().clean  # a clean report is returned
    assert check_leakage(train[:3], train[3:6], strict=True).clean


def test_find_duplicates_groups_chains_of_near_copies(tmp_path, patches):
    a, b, c = patches[:3]
    images = [a, b, jpeg_copy(a), c, np.clip(a.astype(int) + 12, 0, 255).astype(np.uint8), jpeg_copy(c, 75)]
    assert find_duplicates(images) == [[0, 2, 4], [3, 5]]
    paths = [save(image, tmp_path / f"img{i}.{'jpg' if i in (2, 5) else 'png'}") for i, image in enumerate(images)]
    assert find_duplicates(paths) == [[0, 2, 4], [3, 5]]
    exact = find_duplicates(np.stack(images), max_distance=0)  # equal hashes only: a part of each group
    assert exact and all(any(set(group) <= set(loose) for loose in ([0, 2, 4], [3, 5])) for group in exact)


def test_all_pairs_of_5000_hashes_are_compared_in_chunks():
    rng = np.random.default_rng(0)
    train = rng.random((5000, 64)) < 0.5
    test = rng.random((5000, 64)) < 0.5
    test[[10, 4000]] = train[[7, 4999]]
    test[4000, :3] = ~test[4000, :3]  # 3 bits apart
    i, j, distance = _near_pairs(train, test, DEFAULT_MAX_DISTANCE)
    assert sorted(zip(i.tolist(), j.tolist(), distance.tolist())) == [(7, 10, 0), (4999, 4000, 3)]
    i, j, _ = _near_pairs(np.concatenate([train, train[:1]]), None, 0)
    assert (i.tolist(), j.tolist()) == ([0], [5000])


def test_unreadable_files_follow_on_error(tmp_path, patches):
    train = [save(patches[0], tmp_path / "a.png"), save(patches[1], tmp_path / "b.png")]
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    test = [str(broken), save(patches[0], tmp_path / "a_copy.jpg", quality=90)]
    with pytest.raises(ImageReadError, match=r"broken\.png.*on_error='skip'"):
        check_leakage(train, test)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check_leakage(train, test, on_error="skip")
    [warning] = [w for w in caught if issubclass(w.category, SkippedFilesWarning)]
    assert "Skipped 1 problem file" in str(warning.message) and "broken.png" in str(warning.message)
    assert report.unreadable == [str(broken)] and [p[:2] for p in report.duplicate_pairs] == [(0, 1)]
    assert "unreadable files not compared: 1" in report.summary()
    with pytest.warns(SkippedFilesWarning, match="broken.png"):
        assert find_duplicates(train + test, on_error="skip") == [[0, 3]]


@pytest.mark.parametrize("call, message", [
    (lambda X: check_leakage(X[:3], X[3:5], groups_train=["a", "b"], groups_test=["c", "d"]),
     r"groups_train has 2 entries but train has 3 images; pass one patient ID per image"),
    (lambda X: check_leakage(X[:3], X[3:5], groups_train=["a", "b", "c"]),
     r"given for train only.*pass groups_test= \(or load test with group_pattern=\)"),
    (lambda X: check_leakage(X[:3], X[3:5], groups_test=["a", "b"]), r"given for test only.*pass groups_train="),
    (lambda X: check_leakage(ImageDataset(X[:2], np.zeros(2), groups=np.array(["a", "b"])), X[2:4],
                             groups_train=["c", "d"], groups_test=["e", "f"]),
     r"train is an ImageDataset with its own patient IDs; leave groups_train out"),
    (lambda X: check_leakage(X[:2], X[2:4], duplicates=False), r"Nothing to check.*groups_train="),
    (lambda X: check_leakage(X[:2], X[2:4], max_distance=64), r"max_distance=64 is not valid; use .* 0 to 63"),
    (lambda X: find_duplicates(X[:2], max_distance=2.5), r"max_distance=2.5 is not valid"),
    (lambda X: check_leakage("scans/train", X[:2]), r"train is one path \('scans/train'\); pass a list"),
    (lambda X: check_leakage(X[:2], X[0, :, :, 0].ravel()), r"test is an array of shape \(2500,\); pass images"),
    (lambda X: check_leakage(X[:2], ["a.png", X[0]]), r"test holds ndarray, str; .* not a mix"),
    (lambda X: check_leakage(X[:2], []), r"test holds no images"),
    (lambda X: check_leakage(X[:2], X[2:4], on_error="ignore"), r"on_error='ignore' is not valid"),
    (lambda X: check_leakage(X[:2], X[2:4]).to_frame("pairs"), r"which='pairs' is not valid; use 'duplicates'"),
], ids=["groups of the wrong length", "train groups only", "test groups only", "groups twice", "nothing to check",
        "distance too large", "distance not whole", "one path", "1-D numbers", "mixed list", "empty side",
        "bad on_error", "bad to_frame table"])
def test_bad_inputs_name_the_problem_and_the_fix(patches, call, message):
    with pytest.raises(ValueError, match=message):
        call(patches)


def test_describe_reports_near_duplicates_inside_one_folder(tmp_path, capsys, patches):
    # an IDC-style folder: patient IDs in the names; patient 10253's patch copied as JPEG under patient 9022
    for i, image in enumerate(patches[:6]):
        save(image, tmp_path / str(i % 2) / f"{10253 + i // 2}_idx5_x{i}_y1_class{i % 2}.png")
    save(patches[0], tmp_path / "1" / "9022_idx5_x9_y9_class1.jpg", quality=80)
    assert main(["describe", str(tmp_path), "--json"]) == 0
    assert "duplicates" not in json.loads(capsys.readouterr().out)  # only on request: it decodes every image
    assert main(["describe", str(tmp_path), "--duplicates", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["duplicates"]
    assert {k: found[k] for k in ("max_distance", "n_groups", "n_images", "groups_across_patients")} == {
        "max_distance": DEFAULT_MAX_DISTANCE, "n_groups": 1, "n_images": 2, "groups_across_patients": 1}
    [group] = found["groups"]
    assert [Path(p).name for p in group["images"]] == ["10253_idx5_x0_y1_class0.png", "9022_idx5_x9_y9_class1.jpg"]
    assert group["patients"] == ["10253", "9022"]
    assert main(["describe", str(tmp_path), "--max-distance", "0", "--no-inspect"]) == 0
    text = capsys.readouterr().out
    assert "near-duplicate images (pHash distance <= 0 of 64 bits): " in text
    assert main(["describe", str(tmp_path), "--duplicates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("  near-duplicate images"))
    assert lines[at] == ("  near-duplicate images (pHash distance <= 6 of 64 bits): 1 group, 2 images; "
                         "1 of them hold several patients")
    assert "class0.png, " in lines[at + 1] and lines[at + 1].endswith("(patients 10253, 9022)")
    assert lines[-1].startswith("  source:")
