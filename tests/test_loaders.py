"""Dataset loaders (directory, IDC, CSV, arrays), the on_error policy, summary/describe and
``medcnn describe``, on image trees generated in tmp_path (plus the real IDC split when present)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medcnn.cli import main
from medcnn.datasets import (ImageDataset, guess_loader, load, load_arrays, load_csv, load_directory,
                             load_idc)
from medcnn.exceptions import ImageReadError, SkippedFilesWarning, UnknownNameError

IDC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "idc"


# ---------------------------------------------------------------------------- helpers

def write_image(path, shape=(8, 8, 3), dtype=np.uint8, value=None, seed=0):
    """Write a small image with Pillow, creating the folders; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if value is None:
        high = 65535 if dtype == np.uint16 else 255
        array = np.random.default_rng(seed).integers(0, high, size=shape, dtype=dtype)
    else:
        array = np.full(shape, value, dtype=dtype)
    Image.fromarray(array).save(path)
    return path


def make_tree(root, spec, shape=(8, 8, 3)):
    """``spec``: {class name: [file names]} -> root/<class>/<file>."""
    for label, names in spec.items():
        (Path(root) / label).mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            write_image(Path(root) / label / name, shape=shape, seed=i)
    return Path(root)


def skipped_warnings(record):
    return [w for w in record if issubclass(w.category, SkippedFilesWarning)]


def idc_name(patient, x, y, c):
    return f"{patient}_idx5_x{x}_y{y}_class{c}.png"


#: patient -> list of (x, y, class) patches
IDC_PATCHES = {
    "10253": [(1, 1, 0), (51, 1, 0), (101, 1, 1)],
    "8863": [(1, 51, 0), (1, 101, 1), (51, 101, 1)],
    "9022": [(1, 1, 1)],
}


def make_idc_flat(root):
    for patient, patches in IDC_PATCHES.items():
        for x, y, c in patches:
            write_image(Path(root) / str(c) / idc_name(patient, x, y, c), shape=(50, 50, 3))
    return Path(root)


def make_idc_original(root):
    for patient, patches in IDC_PATCHES.items():
        for x, y, c in patches:
            write_image(Path(root) / patient / str(c) / idc_name(patient, x, y, c), shape=(50, 50, 3))
    return Path(root)


# ---------------------------------------------------------------------------- directory

def test_directory_classes_from_folder_names_and_sorted_paths(tmp_path):
    make_tree(tmp_path, {"malignant": ["b.png", "a.png"], "benign": ["z.png", "c.png", "m.png"]})
    ds = load_directory(tmp_path)
    assert ds.target_names == ["benign", "malignant"]
    names = [(Path(p).parent.name, Path(p).name) for p in ds.X]
    assert names == [("benign", "c.png"), ("benign", "m.png"), ("benign", "z.png"),
                     ("malignant", "a.png"), ("malignant", "b.png")]
    assert ds.y.tolist() == ["benign"] * 3 + ["malignant"] * 2
    assert ds.groups is None
    assert len(ds) == 5
    assert all(Path(p).is_absolute() or Path(p).exists() for p in ds.X)
    # the registry gives the same result
    again = load("directory", tmp_path)
    assert again.X.tolist() == ds.X.tolist() and again.y.tolist() == ds.y.tolist()


def test_directory_split_selects_sub_folder(tmp_path):
    make_tree(tmp_path / "train", {"a": ["1.png", "2.png"], "b": ["3.png"]})
    make_tree(tmp_path / "val", {"a": ["4.png"], "b": ["5.png", "6.png", "7.png"]})
    train = load_directory(tmp_path, split="train")
    val = load_directory(tmp_path, split="val")
    assert [Path(p).name for p in train.X] == ["1.png", "2.png", "3.png"]
    assert [Path(p).name for p in val.X] == ["4.png", "5.png", "6.png", "7.png"]
    assert all(Path(p).parent.parent.name == "val" for p in val.X)
    assert val.y.tolist() == ["a", "b", "b", "b"]
    # without split the split folders would be taken for classes (and hold no images)
    with pytest.raises(ValueError, match="no usable images"):
        load_directory(tmp_path)


def test_directory_nested_data_train_class_layout(tmp_path):
    make_tree(tmp_path / "data" / "train", {"chst": ["x1.png", "x2.png"], "norm": ["y1.png"]})
    ds = load_directory(tmp_path / "data", split="train")
    assert ds.target_names == ["chst", "norm"]
    assert ds.y.tolist() == ["chst", "chst", "norm"]
    assert Path(ds.source) == tmp_path / "data" / "train"


def test_directory_group_pattern_extracts_ids(tmp_path):
    make_tree(tmp_path, {"0": ["P01_a.png", "P02_b.png"], "1": ["P01_c.png", "P03_d.png"]})
    ds = load_directory(tmp_path, group_pattern=r"^(P\d+)_")
    assert ds.groups.tolist() == ["P01", "P02", "P01", "P03"]
    # without a capture group the whole match is the ID
    whole = load_directory(tmp_path, group_pattern=r"P\d+")
    assert whole.groups.tolist() == ["P01", "P02", "P01", "P03"]


def test_directory_group_pattern_not_matching_names_the_file(tmp_path):
    make_tree(tmp_path, {"0": ["P01_a.png", "scan.png"], "1": ["P02_c.png"]})
    with pytest.raises(ValueError, match=r"scan\.png"):
        load_directory(tmp_path, group_pattern=r"^(P\d+)_")


def test_directory_non_image_file_one_warning_counting_and_naming_it(tmp_path):
    make_tree(tmp_path, {"a": ["1.png", "2.png"], "b": ["3.png"]})
    (tmp_path / "a" / "README.txt").write_text("notes")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = load_directory(tmp_path)
    skipped = skipped_warnings(record)
    assert len(skipped) == 1
    message = str(skipped[0].message)
    assert "Skipped 1 non-image file" in message and "README.txt" in message
    assert len(ds) == 3 and not any(p.endswith(".txt") for p in ds.X)


def test_directory_hidden_files_ignored_without_warning(tmp_path):
    make_tree(tmp_path, {"a": ["1.png"], "b": ["2.png"]})
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\x00\x01binary")
    (tmp_path / ".hidden_dir").mkdir()
    write_image(tmp_path / ".hidden_dir" / "x.png")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = load_directory(tmp_path)
    assert skipped_warnings(record) == []
    assert ds.target_names == ["a", "b"] and len(ds) == 2


def test_directory_zero_byte_png_raise_and_skip(tmp_path):
    make_tree(tmp_path, {"a": ["1.png", "2.png"], "b": ["3.png"]})
    (tmp_path / "a" / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty\.png") as info:
        load_directory(tmp_path)
    assert "on_error='skip'" in str(info.value)
    with pytest.warns(SkippedFilesWarning, match="Skipped 1 problem file") as record:
        ds = load_directory(tmp_path, on_error="skip")
    assert "empty.png" in str(skipped_warnings(record)[0].message)
    assert len(skipped_warnings(record)) == 1
    assert len(ds) == 3 and not any(p.endswith("empty.png") for p in ds.X)


def test_directory_class_folder_without_images(tmp_path):
    make_tree(tmp_path, {"a": ["1.png"], "b": ["2.png"]})
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="empty_class"):
        load_directory(tmp_path)
    with pytest.warns(SkippedFilesWarning, match="empty_class"):
        ds = load_directory(tmp_path, on_error="skip")
    assert ds.target_names == ["a", "b"]


def _truncate(path):
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])


def test_directory_verify_catches_truncated_png(tmp_path):
    make_tree(tmp_path, {"a": ["1.png", "2.png"], "b": ["3.png"]}, shape=(50, 50, 3))
    _truncate(tmp_path / "a" / "2.png")
    with pytest.raises(ImageReadError, match=r"2\.png"):
        load_directory(tmp_path, verify=True)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file.*2\.png"):
        ds = load_directory(tmp_path, verify=True, on_error="skip")
    assert [Path(p).name for p in ds.X] == ["1.png", "3.png"]
    # without verify the truncated file is listed (it fails later, at reading)
    assert [Path(p).name for p in load_directory(tmp_path).X] == ["1.png", "2.png", "3.png"]


def test_directory_verify_false_does_not_open_files(tmp_path, monkeypatch):
    make_tree(tmp_path, {"a": ["1.png"], "b": ["2.png"]})
    import PIL.Image

    import medcnn.datasets._loaders as loaders

    def refuse(*args, **kwargs):
        raise AssertionError("a file was opened")

    monkeypatch.setattr(PIL.Image, "open", refuse)
    monkeypatch.setattr(loaders, "inspect_image", refuse)
    assert len(load_directory(tmp_path)) == 2
    with pytest.raises(AssertionError, match="opened"):
        load_directory(tmp_path, verify=True)


def test_directory_missing_root_names_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_directory(missing)
    make_tree(tmp_path / "data", {"a": ["1.png"]})
    with pytest.raises(FileNotFoundError, match="Valid"):
        load_directory(tmp_path / "data", split="Valid")


def test_directory_root_without_class_folders(tmp_path):
    write_image(tmp_path / "loose.png")
    with pytest.raises(ValueError, match="no class folders"):
        load_directory(tmp_path)


def test_directory_invalid_on_error(tmp_path):
    make_tree(tmp_path, {"a": ["1.png"]})
    with pytest.raises(ValueError, match="on_error='ignore'"):
        load_directory(tmp_path, on_error="ignore")
    with pytest.raises(ValueError, match="on_error"):
        load_csv(_write_csv(tmp_path / "m.csv", "path,label\na/1.png,a\n"), on_error="warn")


def test_unknown_loader_name(tmp_path):
    with pytest.raises(UnknownNameError, match="no-such-loader"):
        load("no-such-loader", tmp_path)


# ---------------------------------------------------------------------------- idc

def test_idc_both_layouts_give_identical_labels_and_groups(tmp_path):
    flat = load_idc(make_idc_flat(tmp_path / "flat"))
    original = load_idc(make_idc_original(tmp_path / "original"))
    key = lambda ds: sorted(zip((Path(p).name for p in ds.X), ds.y.tolist(), ds.groups.tolist()))  # noqa: E731
    assert key(flat) == key(original)
    assert len(flat) == 7
    assert flat.target_names == original.target_names == ["0", "1"]
    expected = sorted((idc_name(p, x, y, c), str(c), p) for p, patches in IDC_PATCHES.items()
                      for x, y, c in patches)
    assert key(flat) == expected


def test_idc_flat_file_in_the_wrong_class_folder(tmp_path):
    root = make_idc_flat(tmp_path)
    write_image(root / "0" / idc_name("10253", 201, 1, 1), shape=(50, 50, 3))
    with pytest.raises(ValueError, match=r"x201_y1_class1\.png.*class 1"):
        load_idc(root)


def test_idc_rejects_a_non_idc_tree_listing_the_folders(tmp_path):
    make_tree(tmp_path, {"benign": ["a.png"], "malignant": ["b.png"]})
    with pytest.raises(ValueError, match=r"not an IDC tree.*\['benign', 'malignant'\]"):
        load_idc(tmp_path)


def test_idc_split_and_registry(tmp_path):
    make_idc_flat(tmp_path / "Train")
    make_idc_original(tmp_path / "Valid")
    train = load_idc(tmp_path, split="Train")
    assert sorted(set(train.groups)) == ["10253", "8863", "9022"]
    via_registry = load("idc", tmp_path, split="Valid")
    assert via_registry.groups.tolist().count("8863") == 3
    assert sorted(via_registry.y.tolist()) == sorted(train.y.tolist())
    # without split the error says what to do
    with pytest.raises(ValueError, match="split='Train'"):
        load("idc", tmp_path)
    with pytest.raises(FileNotFoundError, match="Test"):
        load_idc(tmp_path, split="Test")


def test_idc_zero_byte_file_policy(tmp_path):
    root = make_idc_original(tmp_path)
    (root / "9022" / "1" / idc_name("9022", 51, 1, 1)).write_bytes(b"")
    with pytest.raises(ImageReadError, match="x51_y1_class1"):
        load_idc(root)
    with pytest.warns(SkippedFilesWarning, match="Skipped 1 problem file"):
        assert len(load_idc(root, on_error="skip")) == 7


# ---------------------------------------------------------------------------- csv

def _write_csv(path, text, encoding="utf-8"):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding=encoding)
    return Path(path)


def test_csv_paths_relative_to_the_csv_folder(tmp_path):
    write_image(tmp_path / "images" / "a.png")
    write_image(tmp_path / "images" / "b.png")
    manifest = _write_csv(tmp_path / "labels.csv", "path,label\nimages/b.png,tumour\nimages/a.png,normal\n")
    ds = load_csv(manifest)
    assert ds.X.tolist() == [str((tmp_path / "images" / "b.png").resolve()),
                             str((tmp_path / "images" / "a.png").resolve())]
    assert ds.y.tolist() == ["tumour", "normal"]
    assert ds.target_names == ["normal", "tumour"]
    assert ds.groups is None
    assert load("csv", manifest).X.tolist() == ds.X.tolist()


def test_csv_root_and_group_and_custom_columns(tmp_path):
    write_image(tmp_path / "store" / "x" / "1.png")
    write_image(tmp_path / "store" / "x" / "2.png")
    manifest = _write_csv(tmp_path / "meta" / "m.csv",
                          "file,diagnosis,patient\nx/1.png,0,P7\nx/2.png, 1 , P9 \n")
    ds = load_csv(manifest, path_column="file", label_column="diagnosis", group_column="patient",
                  root=tmp_path / "store")
    assert [Path(p).name for p in ds.X] == ["1.png", "2.png"]
    assert ds.y.tolist() == ["0", "1"]
    assert ds.groups.tolist() == ["P7", "P9"]
    # relative to the CSV folder the files are not there
    with pytest.raises(FileNotFoundError):
        load_csv(manifest, path_column="file", label_column="diagnosis")


def test_csv_missing_column_names_it_and_lists_present_ones(tmp_path):
    write_image(tmp_path / "a.png")
    manifest = _write_csv(tmp_path / "m.csv", "filename,label\na.png,x\n")
    with pytest.raises(ValueError) as info:
        load_csv(manifest)
    message = str(info.value)
    assert "['path']" in message and "'filename'" in message and "'label'" in message
    with pytest.raises(ValueError, match=r"\['subject'\]"):
        load_csv(manifest, path_column="filename", group_column="subject")


def test_csv_missing_file_raise_and_skip(tmp_path):
    write_image(tmp_path / "a.png")
    manifest = _write_csv(tmp_path / "m.csv", "path,label\na.png,x\ngone.png,y\n")
    with pytest.raises(FileNotFoundError, match=r"gone\.png"):
        load_csv(manifest)
    with pytest.warns(SkippedFilesWarning, match=r"Skipped 1 problem file.*gone\.png") as record:
        ds = load_csv(manifest, on_error="skip")
    assert len(skipped_warnings(record)) == 1
    assert [Path(p).name for p in ds.X] == ["a.png"]


def test_csv_empty_label_raise_and_skip(tmp_path):
    write_image(tmp_path / "a.png")
    write_image(tmp_path / "b.png")
    manifest = _write_csv(tmp_path / "m.csv", "path,label\na.png,x\nb.png,\n")
    with pytest.raises(ValueError, match="line 3"):
        load_csv(manifest)
    with pytest.warns(SkippedFilesWarning, match="Skipped 1 problem file"):
        ds = load_csv(manifest, on_error="skip")
    assert ds.y.tolist() == ["x"]


def test_csv_paths_outside_root_refused_unless_allowed(tmp_path):
    write_image(tmp_path / "outside.png")
    write_image(tmp_path / "data" / "inside.png")
    manifest = _write_csv(tmp_path / "data" / "m.csv", "path,label\ninside.png,a\n../outside.png,b\n")
    with pytest.raises(ValueError, match=r"outside.*\.\./outside\.png"):
        load_csv(manifest)
    # refused even under on_error="skip": a manifest must not reach anywhere on disk
    with pytest.raises(ValueError, match="allow_outside_root"):
        load_csv(manifest, on_error="skip")
    ds = load_csv(manifest, allow_outside_root=True)
    assert ds.X.tolist()[1] == str((tmp_path / "outside.png").resolve())
    absolute = _write_csv(tmp_path / "data" / "abs.csv", f"path,label\n{tmp_path / 'outside.png'},b\n")
    with pytest.raises(ValueError, match="outside"):
        load_csv(absolute)


def test_csv_utf8_bom_header(tmp_path):
    write_image(tmp_path / "a.png")
    manifest = _write_csv(tmp_path / "m.csv", "path,label\r\na.png,x\r\n", encoding="utf-8-sig")
    assert manifest.read_bytes().startswith(b"\xef\xbb\xbf")
    ds = load_csv(manifest)
    assert ds.y.tolist() == ["x"] and len(ds) == 1


def test_csv_missing_manifest(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        load_csv(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------- arrays

def test_arrays_wrap_images_and_labels():
    X = np.zeros((3, 8, 8, 3), np.uint8)
    ds = load_arrays(X, ["b", "a", "b"], groups=["p1", "p1", "p2"])
    assert ds.X is not None and ds.X.shape == (3, 8, 8, 3)
    assert ds.y.tolist() == ["b", "a", "b"] and ds.groups.tolist() == ["p1", "p1", "p2"]
    assert ds.target_names == ["a", "b"]
    assert ds.source == "arrays"
    assert load_arrays(X, [0, 1, 0], target_names=["neg", "pos"]).target_names == ["neg", "pos"]
    assert load("arrays", X, y=[1, 0, 1]).target_names == [0, 1]
    info = ds.summary()
    assert info["sizes"] == {"8x8": 3} and info["modes"] == {"uint8": 3}


def test_arrays_length_mismatch():
    X = np.zeros((3, 8, 8))
    with pytest.raises(ValueError, match="same length"):
        load_arrays(X, [0, 1])
    with pytest.raises(ValueError, match="same length"):
        load_arrays(X, [0, 1, 0], groups=["a", "b"])


# ---------------------------------------------------------------------------- guess_loader

def test_guess_loader(tmp_path):
    manifest = _write_csv(tmp_path / "m.CSV", "path,label\n")
    assert guess_loader(manifest) == "csv"
    assert guess_loader(make_idc_flat(tmp_path / "flat")) == "idc"
    assert guess_loader(make_idc_original(tmp_path / "original")) == "idc"
    assert guess_loader(make_tree(tmp_path / "dir", {"benign": ["a.png"], "malignant": ["b.png"]})) \
        == "directory"
    # class folders named 0/1 whose files are not IDC patches
    assert guess_loader(make_tree(tmp_path / "digits", {"0": ["a.png"], "1": ["b.png"]})) == "directory"
    assert guess_loader(tmp_path / "missing") == "directory"


def test_guess_loader_ignores_hidden_files_in_idc_class_folders(tmp_path, monkeypatch):
    root = make_idc_flat(tmp_path)
    for c in "01":
        (root / c / ".DS_Store").write_bytes(b"x")
    # list folders in name order so that .DS_Store comes first whatever the file system does
    listing = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(sorted(listing(self))))
    assert next((root / "0").iterdir()).name == ".DS_Store"
    assert guess_loader(root) == "idc"


# ---------------------------------------------------------------------------- real IDC data

@pytest.fixture(scope="module")
def real_idc():
    if not (IDC / "Train").is_dir():
        pytest.skip("IDC data (../shared/data/idc) not present")
    return load("idc", IDC / "Train"), load("idc", IDC / "Valid")


def test_real_idc_train_and_valid(real_idc):
    train, valid = real_idc
    assert len(train.X) == 4460 and len(set(train.groups)) == 223
    assert set(train.y) == {"0", "1"}
    assert (train.y == "0").sum() == 2230 and (train.y == "1").sum() == 2230
    assert len(valid.X) == 560 and len(set(valid.groups)) == 28
    assert not set(train.groups) & set(valid.groups)
    assert guess_loader(IDC / "Train") == "idc" and guess_loader(IDC / "Valid") == "idc"


def test_real_idc_valid_describe_reports_edge_patches(real_idc):
    _, valid = real_idc
    info = valid.summary(inspect=True)
    assert info["unreadable"] == []
    assert "50x50" in info["sizes"]
    assert sum(info["sizes"].values()) == 560
    assert info["small"], "the IDC edge patches (50x1, 50x6, ...) should be listed"
    for item in info["small"]:
        h, w = map(int, item["size"].split("x"))
        assert min(h, w) < 50
    text = valid.describe(inspect=True)
    assert text.startswith("560 images, 2 classes")
    assert "groups (patients): 28" in text and "unusually small images" in text


# ---------------------------------------------------------------------------- summary / describe

def test_summary_classes_groups_sizes_and_modes(tmp_path):
    write_image(tmp_path / "0" / "P1_a.png", (16, 16, 3))
    write_image(tmp_path / "0" / "P1_b.png", (16, 16, 3))
    write_image(tmp_path / "0" / "P2_c.png", (16, 16), dtype=np.uint16)
    write_image(tmp_path / "1" / "P2_d.png", (16, 16, 3))
    write_image(tmp_path / "1" / "P3_e.png", (4, 16, 3))  # an edge patch
    write_image(tmp_path / "1" / "P3_f.png", (16, 14), dtype=np.uint8)  # 14 >= 0.8 * 16: not small
    ds = load_directory(tmp_path, group_pattern=r"^(P\d)_")
    info = ds.summary()
    assert info["n_images"] == 6
    assert info["classes"] == {"0": 3, "1": 3}
    groups = info["groups"]
    assert groups["n_groups"] == 3
    assert groups["images_per_group"] == {"min": 2, "max": 2, "mean": 2.0}
    assert groups["groups_per_class"] == {"0": 2, "1": 2}
    assert info["sizes"] == {"16x16": 4, "4x16": 1, "16x14": 1}
    assert info["modes"] == {"RGB": 4, "I;16": 1, "L": 1}
    assert info["unreadable"] == []
    assert [(Path(s["file"]).name, s["size"]) for s in info["small"]] == [("P3_e.png", "4x16")]
    json.dumps(info)  # JSON-ready
    text = ds.describe()
    assert text.splitlines()[0] == "6 images, 2 classes"
    assert "class 0: 3 (50.0%)" in text
    assert "groups (patients): 3; images per group min 2, max 2, mean 2.0" in text
    assert "16x16 (4)" in text and "I;16 (1)" in text
    assert "P3_e.png: 4x16" in text


def test_summary_uneven_groups(tmp_path):
    ds = ImageDataset(np.array(["a", "b", "c", "d", "e", "f"]), np.array(["0", "0", "0", "1", "1", "1"]),
                      np.array(["p1", "p1", "p1", "p1", "p2", "p3"]), ["0", "1"])
    groups = ds.summary(inspect=False)["groups"]
    assert groups["n_groups"] == 3
    assert groups["images_per_group"] == {"min": 1, "max": 4, "mean": 2.0}
    assert groups["groups_per_class"] == {"0": 1, "1": 3}


def test_summary_lists_unreadable_files(tmp_path):
    good = write_image(tmp_path / "x" / "good.png")
    fake = tmp_path / "x" / "notes.png"
    fake.write_text("this is not a PNG")
    missing = tmp_path / "x" / "missing.png"
    ds = ImageDataset(np.array([str(good), str(fake), str(missing)]), np.array(["a", "b", "b"]),
                      target_names=["a", "b"])
    info = ds.summary(inspect=True)
    assert [Path(u["file"]).name for u in info["unreadable"]] == ["notes.png", "missing.png"]
    assert all(u["error"] for u in info["unreadable"])
    assert info["sizes"] == {"8x8": 1}
    assert "groups" not in info
    text = ds.describe(max_files=1)
    assert "unreadable files: 2" in text and "notes.png" in text and "... and 1 more" in text


def test_summary_inspect_false_opens_no_files(tmp_path):
    ds = ImageDataset(np.array([str(tmp_path / "no1.png"), str(tmp_path / "no2.png")]),
                      np.array(["a", "b"]), np.array(["g1", "g1"]), ["a", "b"])
    info = ds.summary(inspect=False)
    assert info["n_images"] == 2 and info["classes"] == {"a": 1, "b": 1}
    assert not {"sizes", "modes", "unreadable", "small"} & set(info)
    text = ds.describe(inspect=False)
    assert "image sizes" not in text and "unreadable" not in text


# ---------------------------------------------------------------------------- CLI

def test_cli_describe_json(tmp_path, capsys):
    make_idc_flat(tmp_path)
    assert main(["describe", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loader"] == "idc"
    assert out["classes"] == {"0": 3, "1": 4}
    assert out["groups"]["n_groups"] == 3
    assert out["sizes"] == {"50x50": 7}


def test_cli_describe_text_and_split(tmp_path, capsys):
    make_tree(tmp_path / "train", {"a": ["1.png", "2.png"], "b": ["3.png"]})
    make_tree(tmp_path / "val", {"a": ["4.png"], "b": ["5.png"]})
    assert main(["describe", str(tmp_path), "--split", "val"]) == 0
    out = capsys.readouterr().out
    assert "loader: directory" in out and "2 images, 2 classes" in out
    assert main(["describe", str(tmp_path), "--split", "train", "--json", "--no-inspect"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_images"] == 3 and out["classes"] == {"a": 2, "b": 1} and "sizes" not in out


def test_cli_describe_original_idc_layout_and_csv(tmp_path, capsys):
    make_idc_original(tmp_path / "orig")
    assert main(["describe", str(tmp_path / "orig"), "--json", "--no-inspect"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loader"] == "idc" and out["groups"]["n_groups"] == 3
    write_image(tmp_path / "c" / "a.png")
    manifest = _write_csv(tmp_path / "c" / "m.csv", "path,label,patient\na.png,x,P1\n")
    assert main(["describe", str(manifest), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loader"] == "csv" and out["classes"] == {"x": 1}
