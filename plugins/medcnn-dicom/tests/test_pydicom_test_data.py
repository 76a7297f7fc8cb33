"""Every file of pydicom's own test data, as one dataset: loaded, read frame by frame, described.

Only the files on disk are used: the folders of the installed ``pydicom.data``
package are listed directly, so pydicom never tries to download its other test
files.
"""

import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom", minversion="3")

try:
    import medcnn_dicom
except ImportError:  # a source checkout without the plugin installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import medcnn_dicom

from medcnn.datasets import read_image, split_frame  # noqa: E402
from medcnn.exceptions import ImageReadError, SkippedFilesWarning  # noqa: E402
from medcnn.testing import registered_plugin  # noqa: E402
from medcnn_dicom import MissingGroupWarning, load_dicom  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning:pydicom.*")]
_DATA_FOLDERS = ("test_files", "charset_files", "palettes")


@pytest.fixture
def registered():
    with registered_plugin(medcnn_dicom, "dicom-test") as name:
        yield name

@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """``<root>/all/<folder>/...``: a copy of every file of pydicom's data folders."""
    from pydicom.data.data_manager import DATA_ROOT

    root = tmp_path_factory.mktemp("pydicom_data")
    for folder in _DATA_FOLDERS:
        shutil.copytree(Path(DATA_ROOT) / folder, root / "all" / folder)
    return root


def _decodable(files):
    """The oracle: ``{file: frames}`` of the files whose pixel data pydicom itself decodes."""
    frames = {}
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(path)
                pixels = ds.pixel_array
            except Exception:
                continue
        n = int(ds.get("NumberOfFrames") or 1)
        frames[str(path)] = (n, pixels.shape[1:3] if n > 1 else pixels.shape[:2])
    return frames


def test_every_decodable_image_is_read(registered, root):
    files = sorted(p for p in (root / "all").rglob("*") if p.is_file())
    oracle = _decodable(files)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_dicom(root, on_error="skip", frames="all")
    skipped = [w for w in caught if issubclass(w.category, SkippedFilesWarning)]
    fallbacks = [w for w in caught if issubclass(w.category, MissingGroupWarning)]
    assert len(skipped) == 1 and len(fallbacks) == 1
    n_skipped = int(re.match(r"Skipped (\d+) problem file", str(skipped[0].message)).group(1))

    read, reasons = {}, {}
    for reference in data.X:
        file, frame = split_frame(reference)
        try:
            image = read_image(reference)
        except ImageReadError as exc:  # the only error a bad file may cause
            assert file in str(exc)
            reasons[file] = str(exc)
            continue
        assert image.dtype == np.float32 and 0 <= image.min() and image.max() <= 1
        assert image.shape[:2] == oracle[file][1]
        read.setdefault(file, set()).add(frame or 0)

    # Every image pydicom decodes is read, every frame of it; nothing else is
    assert set(read) == set(oracle)
    assert all(read[f] == set(range(oracle[f][0])) for f in oracle)
    # Each file that gives no image has a reason: the loader's or the reader's
    loaded = {split_frame(x)[0] for x in data.X}
    candidates = {str(p) for p in files if p.suffix.lower() in (".dcm", ".dicom") or medcnn_dicom.has_dicom_magic(p)}
    assert n_skipped == len(candidates - loaded)
    assert set(reasons) == loaded - set(read)
    for file in candidates - set(read):
        with pytest.raises(ImageReadError, match=re.escape(file)):
            read_image(file)
    print(f"\n{len(files)} files, {len(candidates)} DICOM candidates, {len(oracle)} decodable by pydicom, "
          f"{len(data)} images ({len(read)} files) read, {n_skipped} skipped by the loader, "
          f"{len(reasons)} unreadable: {sorted(Path(f).name for f in reasons)}")


def test_describe_on_the_command_line(registered, root, capsys):
    from medcnn.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["describe", str(root), "--loader", "dicom", "--on-error", "skip"])
    assert code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith("loader: dicom\n")
    n_images = int(re.search(r"^(\d+) images, 1 class", out, re.M).group(1))
    n_patients = int(re.search(r"groups \(patients\): (\d+);", out).group(1))
    assert 80 < n_images and 10 < n_patients < n_images
    for line in (r"modality: \d+ distinct; .*CT \(\d+\)", r"frames: \d+ distinct; 1 \(\d+\), .*15 \(3\)",
                 r"window: \d+ distinct; none \(\d+\)", r"pixel_spacing: \d+ distinct", r"series: \d+ distinct"):
        assert re.search(line, out), line
    unreadable = re.search(r"unreadable files: (\d+)", out)
    assert unreadable and int(unreadable.group(1)) >= 3
    for name in ("JPEG-lossy.dcm", "MR_truncated.dcm"):
        assert name in out
    with warnings.catch_warnings():  # every frame, by the loader parameter on the command line
        warnings.simplefilter("ignore")
        assert main(["describe", str(root), "--loader", "dicom", "--on-error", "skip", "--no-inspect",
                     "--loader-param", "frames=all"]) in (0, None)
    all_frames = int(re.search(r"^(\d+) images, 1 class", capsys.readouterr().out, re.M).group(1))
    assert all_frames > n_images + 50  # multi-frame files give one image per frame
