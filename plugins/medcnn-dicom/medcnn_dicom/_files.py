"""Finding DICOM files: in a folder tree, and under class folders."""

from __future__ import annotations

from pathlib import Path

from ._reader import DICOM_SUFFIXES, has_dicom_magic

__all__ = ["dicom_files", "class_folder_files"]


def _is_candidate(path: Path) -> bool:
    """A .dcm/.dicom file, or a file of any other name that carries the DICM marker."""
    if path.suffix.lower() in {"." + s for s in DICOM_SUFFIXES}:
        return True
    try:
        return has_dicom_magic(path)
    except OSError:  # cannot tell: the header check reports it
        return True


def dicom_files(folder) -> list[Path]:
    """The DICOM files under ``folder`` at any depth, sorted; hidden files and folders left out.

    Examples
    --------
    >>> import tempfile
    >>> dicom_files(tempfile.mkdtemp())
    []
    """
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.is_file() and _is_candidate(p)
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def class_folder_files(root, what="DICOM dataset") -> list[tuple[str, str]]:
    """``[(path, label)]`` for ``root/<class>/**/*``; the label is the class folder's name.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a folder.
    ValueError
        If no DICOM file lies under any class folder (naming the folders seen).
    """
    root = Path(root)
    if not root.is_dir():
        hint = " For a CSV of paths and labels pass labels='csv'." if root.suffix.lower() == ".csv" else ""
        raise FileNotFoundError(
            f"{what} folder {str(root)!r} does not exist or is not a folder; expected "
            f"<root>/<class name>/**/<DICOM files>.{hint}"
        )
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    found = [(str(p), d.name) for d in class_dirs for p in dicom_files(d)]
    if not found:
        raise ValueError(
            f"No DICOM files found under {str(root)!r}: expected class folders "
            f"(e.g. {str(root / 'benign')!r}) holding .dcm/.dicom files or files with the DICOM "
            f"'DICM' marker, at any depth. Class folders seen: "
            f"{[d.name for d in class_dirs] or 'none'}."
        )
    return found
