"""Leakage checks between a train and a test collection: patients present in both, and
near-duplicate images across the two (by their perceptual hashes,
:func:`~medcnn.datasets.perceptual_hash`, so that re-encoded copies are caught).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._dataset import ImageDataset
from ._duplicates import DEFAULT_MAX_DISTANCE, HASH_BITS, _as_items, _check_distance, _hashes, _near_pairs
from ._loaders import ErrorPolicy

__all__ = ["DuplicatePair", "LeakageReport", "check_leakage"]

_LISTED = 5  # shared patients and pairs named in summaries and errors


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


class DuplicatePair(NamedTuple):
    """A train image and a test image that are near-duplicates, as :func:`check_leakage` reports them.

    Parameters
    ----------
    train_index, test_index : int
        Positions of the images in train and in test.
    distance : int
        Bits (of 64) in which their perceptual hashes differ.
    train_file, test_file : str or None
        The files; None for images given as arrays.
    train_patient, test_patient : str or None
        The patient IDs; None without patient IDs.

    Examples
    --------
    >>> DuplicatePair(3, 0, 2, "train/P1_3.png", "test/P9_0.jpg")[:3]
    (3, 0, 2)
    """

    train_index: int
    test_index: int
    distance: int
    train_file: str | None = None
    test_file: str | None = None
    train_patient: str | None = None
    test_patient: str | None = None


def _side(data, groups, name):
    """``(items, is_files, groups as str or None, source)`` of one side of :func:`check_leakage`."""
    source = name
    if isinstance(data, ImageDataset):
        if groups is not None and data.groups is not None:
            raise ValueError(f"{name} is an ImageDataset with its own patient IDs; leave groups_{name} out, or "
                             f"pass {name}.X with groups_{name}= to use other IDs.")
        groups = data.groups if groups is None else groups
        source, data = data.source or name, data.X
    items, is_files = _as_items(data, name)
    if not len(items):
        raise ValueError(f"{name} holds no images; pass the images of the {name} split.")
    if groups is not None:
        groups = np.asarray(groups).astype(str)
        if groups.shape != (len(items),):
            raise ValueError(f"groups_{name} has {groups.size} entries but {name} has {len(items)} images; pass "
                             "one patient ID per image, in the order of the images.")
    return items, is_files, groups, source


@dataclass
class LeakageReport:
    """What :func:`check_leakage` found between a train and a test collection.

    ``bool(report)`` is True when leakage was found (like a non-empty list of
    problems); ``report.clean`` is its opposite.

    Parameters
    ----------
    n_train, n_test : int
        Images on each side.
    shared_patients : list of str
        Patient IDs present on both sides, sorted (IDs compare as text).
    images_per_shared_patient : dict
        Patient ID -> ``(train images, test images)`` of each shared patient.
    duplicate_pairs : list of DuplicatePair
        Near-duplicate images across the sides, by train then test index.
    max_distance : int or None
        The Hamming distance used for near-duplicates; None when they were not checked.
    n_train_patients, n_test_patients : int or None
        Patients on each side; None without patient IDs (patients not checked).
    unreadable : list of str
        Files left out of the comparison (``on_error="skip"``).

    Examples
    --------
    >>> report = LeakageReport(10, 5, ["P1"], {"P1": (3, 2)}, [], 6, 4, 2)
    >>> bool(report), report.clean, report.n_shared_patients
    (True, False, 1)
    """

    n_train: int
    n_test: int
    shared_patients: list = field(default_factory=list)
    images_per_shared_patient: dict = field(default_factory=dict)
    duplicate_pairs: list = field(default_factory=list)
    max_distance: int | None = DEFAULT_MAX_DISTANCE
    n_train_patients: int | None = None
    n_test_patients: int | None = None
    unreadable: list = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when no patient and no near-duplicate image is on both sides."""
        return not self.shared_patients and not self.duplicate_pairs

    def __bool__(self) -> bool:
        return not self.clean

    @property
    def n_shared_patients(self) -> int:
        """The number of patients on both sides."""
        return len(self.shared_patients)

    @property
    def n_duplicate_pairs(self) -> int:
        """The number of near-duplicate pairs across the sides."""
        return len(self.duplicate_pairs)

    def _patients_text(self):
        listed = ", ".join(self.shared_patients[:_LISTED])
        return listed + (f" and {self.n_shared_patients - _LISTED} more" if self.n_shared_patients > _LISTED else "")

    @staticmethod
    def _pair_text(pair):
        names = [f"{side}[{index}]" + (f" {file}" if file else "") for side, index, file in
                 (("train", pair.train_index, pair.train_file), ("test", pair.test_index, pair.test_file))]
        return f"{names[0]} ~ {names[1]} (distance {pair.distance})"

    def summary(self) -> str:
        """A readable account: patients on both sides with their images, near-duplicate pairs.

        Returns
        -------
        str
            Several lines of text; ``str(report)`` is the same.
        """
        verdict = "leakage FOUND" if self else "no leakage found"
        lines = [f"train ({self.n_train} images) vs test ({self.n_test} images): {verdict}"]
        if self.n_train_patients is None:
            lines.append("  patients: not checked (no patient IDs; pass groups_train= and groups_test=)")
        else:
            lines.append(f"  patients in both: {self.n_shared_patients} (of {self.n_train_patients} train, "
                         f"{self.n_test_patients} test patients)")
            counts = [self.images_per_shared_patient[p] for p in self.shared_patients]
            if counts:
                test_images = sum(n_test for _, n_test in counts)
                lines.append(f"    their images: {sum(n for n, _ in counts)} train, {test_images} test "
                             f"({test_images / max(self.n_test, 1):.1%} of test)")
            lines += [f"    {p}: {n_train} in train, {n_test} in test" for p, (n_train, n_test) in
                      zip(self.shared_patients[:_LISTED], counts)]
            if self.n_shared_patients > _LISTED:
                lines.append(f"    ... and {self.n_shared_patients - _LISTED} more patients")
        if self.max_distance is None:
            lines.append("  near-duplicate images: not checked (duplicates=False)")
        else:
            lines.append(f"  near-duplicate images across the splits (pHash distance <= {self.max_distance} of "
                         f"{HASH_BITS} bits): {_plural(self.n_duplicate_pairs, 'pair')}")
            lines += [f"    {self._pair_text(pair)}" for pair in self.duplicate_pairs[:_LISTED]]
            if self.n_duplicate_pairs > _LISTED:
                lines.append(f"    ... and {self.n_duplicate_pairs - _LISTED} more pairs")
        if self.unreadable:
            lines.append(f"  unreadable files not compared: {len(self.unreadable)}")
        return "\n".join(lines)

    __str__ = summary

    def raise_if_leaky(self) -> "LeakageReport":
        """Raise ``ValueError`` naming the first shared patients and pairs when leakage was found.

        Returns
        -------
        LeakageReport
            This report, when clean.

        Raises
        ------
        ValueError
            If a patient or a near-duplicate image is on both sides; the message says
            how to split by patient and to drop duplicates.
        """
        if self.clean:
            return self
        found = []
        if self.shared_patients:
            found.append(f"{self.n_shared_patients} patient(s) are in both ({self._patients_text()})")
        if self.duplicate_pairs:
            pairs = "; ".join(self._pair_text(pair) for pair in self.duplicate_pairs[:_LISTED])
            found.append(f"{self.n_duplicate_pairs} near-duplicate image pair(s) straddle them ({pairs}"
                         f"{'; ...' if self.n_duplicate_pairs > _LISTED else ''})")
        raise ValueError(f"Train and test leak: {' and '.join(found)}. Split by patient, e.g. "
                         "sklearn.model_selection.GroupShuffleSplit or StratifiedGroupKFold with groups=<patient "
                         "IDs>, and drop or merge near-duplicate images (medcnn.datasets.find_duplicates) before "
                         "splitting.")

    def to_frame(self, which="duplicates"):
        """The near-duplicate pairs or the shared patients as a pandas DataFrame.

        Parameters
        ----------
        which : {"duplicates", "patients"}, default="duplicates"
            One row per near-duplicate pair (the fields of :class:`DuplicatePair`), or
            one per shared patient (``patient``, ``train_images``, ``test_images``).

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        if which == "duplicates":
            return pd.DataFrame(self.duplicate_pairs, columns=list(DuplicatePair._fields))
        if which == "patients":
            return pd.DataFrame([(p, *self.images_per_shared_patient[p]) for p in self.shared_patients],
                                columns=["patient", "train_images", "test_images"])
        raise ValueError(f"which={which!r} is not valid; use 'duplicates' or 'patients'.")


def check_leakage(train, test, *, groups_train=None, groups_test=None, duplicates=True,
                  max_distance=DEFAULT_MAX_DISTANCE, on_error="raise", strict=False) -> LeakageReport:
    """Find patients and near-duplicate images present in both a train and a test collection.

    Images of one patient on both sides of a split, or copies of one image (even
    re-encoded: PNG and JPEG, resized), let a model be tested on what it was trained
    on, and inflate its scores.

    Parameters
    ----------
    train, test : ImageDataset or sequence of file paths or array of images
        The two collections; an ImageDataset gives its ``X`` and ``groups``. Images
        are ``(n, h, w[, c])`` arrays or lists of ``(h, w[, c])`` arrays.
    groups_train, groups_test : array-like of shape (n,), optional
        Patient IDs of the images of each side, when not in an ImageDataset. IDs are
        compared as text (``10253`` and ``"10253"`` are one patient). Give both or neither.
    duplicates : bool, default=True
        Compare the images; this decodes every file. False checks patients only.
    max_distance : int, default=DEFAULT_MAX_DISTANCE (6)
        Largest Hamming distance (of 64 bits) between the perceptual hashes
        (:func:`~medcnn.datasets.perceptual_hash`) of near-duplicates. 6 catches JPEG re-saves of
        quality 75 or more and small brightness or contrast changes, not flips,
        rotations or shifts of several pixels.
    on_error : {"raise", "skip"}, default="raise"
        Unreadable files: raise naming the file, or leave them out with one warning.
    strict : bool, default=False
        Raise ``ValueError`` when leakage is found (:meth:`LeakageReport.raise_if_leaky`).

    Returns
    -------
    LeakageReport
        Shared patients with their images per side, near-duplicate pairs;
        ``bool(report)`` is True when leakage was found.

    Examples
    --------
    >>> from medcnn.datasets import make_histology
    >>> X, _ = make_histology(6, image_size=50, random_state=0)
    >>> report = check_leakage(X[:4], X[3:], groups_train=["P1", "P1", "P2", "P3"], groups_test=["P4", "P3", "P5"])
    >>> report.shared_patients, report.images_per_shared_patient, [p[:3] for p in report.duplicate_pairs]
    (['P3'], {'P3': (1, 1)}, [(3, 0, 0)])
    >>> print(report)
    train (4 images) vs test (3 images): leakage FOUND
      patients in both: 1 (of 3 train, 3 test patients)
        their images: 1 train, 1 test (33.3% of test)
        P3: 1 in train, 1 in test
      near-duplicate images across the splits (pHash distance <= 6 of 64 bits): 1 pair
        train[3] ~ test[0] (distance 0)
    """
    sides = [_side(train, groups_train, "train"), _side(test, groups_test, "test")]
    (train_items, train_files, train_groups, _), (test_items, test_files, test_groups, _) = sides
    if (train_groups is None) != (test_groups is None):
        have, lack = ("train", "test") if test_groups is None else ("test", "train")
        raise ValueError(f"Patient IDs are given for {have} only; patients can only be compared with IDs on both "
                         f"sides: pass groups_{lack}= (or load {lack} with group_pattern=), or give neither to "
                         "check near-duplicate images only.")
    if train_groups is None and not duplicates:
        raise ValueError("Nothing to check: no patient IDs and duplicates=False. Pass groups_train= and "
                         "groups_test=, or duplicates=True.")
    report = LeakageReport(len(train_items), len(test_items), max_distance=None)
    if train_groups is not None:
        shared = sorted(set(train_groups.tolist()) & set(test_groups.tolist()))
        report.shared_patients = shared
        train_counts, test_counts = Counter(train_groups.tolist()), Counter(test_groups.tolist())
        report.images_per_shared_patient = {p: (train_counts[p], test_counts[p]) for p in shared}
        report.n_train_patients, report.n_test_patients = len(set(train_groups)), len(set(test_groups))
    if duplicates:
        report.max_distance = _check_distance(max_distance)
        problems = ErrorPolicy(on_error, " and ".join(dict.fromkeys(source for *_, source in sides)))
        train_bits, train_bad = _hashes(train_items, train_files, problems)
        test_bits, test_bad = _hashes(test_items, test_files, problems)
        problems.warn()
        report.unreadable = [train_items[k] for k in train_bad] + [test_items[k] for k in test_bad]
        keep_train = np.setdiff1d(np.arange(len(train_items)), train_bad)
        keep_test = np.setdiff1d(np.arange(len(test_items)), test_bad)
        i, j, distance = _near_pairs(train_bits[keep_train], test_bits[keep_test], report.max_distance)
        order = np.lexsort((keep_test[j], keep_train[i]))
        files = [items if is_files else [None] * len(items) for items, is_files, *_ in sides]
        patients = [[None] * len(items) if groups is None else groups.tolist() for items, _, groups, _ in sides]
        report.duplicate_pairs = [
            DuplicatePair(int(a), int(b), int(d), files[0][a], files[1][b], patients[0][a], patients[1][b])
            for a, b, d in zip(keep_train[i][order], keep_test[j][order], distance[order])]
    return report.raise_if_leaky() if strict else report
