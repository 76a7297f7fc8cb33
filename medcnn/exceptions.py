"""Exceptions raised by medcnn.

Every error a user can cause derives from :class:`MedCNNError`; the ones that
concern bad values also derive from :class:`ValueError` so that code written
for scikit-learn (``except ValueError``) keeps working.
"""

__all__ = [
    "MedCNNError",
    "PluginError",
    "UnknownNameError",
    "DuplicateNameError",
    "ImageReadError",
    "ModelFileError",
    "InconsistentVersionWarning",
    "PluginLoadWarning",
    "SkippedFilesWarning",
    "WeightsUnavailableError",
]


class MedCNNError(Exception):
    """Base class of every error raised by medcnn."""


class PluginError(MedCNNError):
    """A plugin misbehaved: it failed to load, or registered something invalid."""


class UnknownNameError(MedCNNError, KeyError, ValueError):
    """A registered name (architecture, augmenter, loader, reader) does not exist."""

    def __str__(self):  # KeyError would otherwise print the repr of the message
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(PluginError):
    """Two plugins registered the same name for the same kind of component."""


class ImageReadError(MedCNNError, ValueError):
    """An image file could not be read or decoded; the message names the file."""


class ModelFileError(MedCNNError, ValueError):
    """A file given to :func:`medcnn.load_model` is not a medcnn model."""


class InconsistentVersionWarning(UserWarning):
    """An estimator is unpickled with another medcnn version than the one that pickled it.

    Like scikit-learn's warning of the same name: pickles are not portable between
    versions. Refit the estimator, or move fitted models between versions with
    ``save()`` and :func:`medcnn.load_model`.

    Parameters
    ----------
    estimator_name : str
        Class of the unpickled estimator.
    original_version : str or None
        medcnn version that pickled it (None when the pickle does not record it).
    current_version : str
        The medcnn version unpickling it.
    """

    def __init__(self, estimator_name=None, original_version=None, current_version=None):
        super().__init__(estimator_name, original_version, current_version)
        self.estimator_name = estimator_name
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        written = (f"medcnn version {self.original_version}" if self.original_version
                   else "an unknown medcnn version (older pickles do not record it)")
        return (
            f"Unpickling {self.estimator_name} written by {written} with medcnn version "
            f"{self.current_version}: this may fail or give invalid results. Refit the estimator "
            "with this version; to move fitted models between versions, write them with save() "
            "and read them with medcnn.load_model()."
        )


class PluginLoadWarning(UserWarning):
    """A third-party plugin failed to import or to register; the others still load."""


class SkippedFilesWarning(UserWarning):
    """Files were skipped under ``on_error="skip"``; the message counts and names them."""


class WeightsUnavailableError(MedCNNError, ValueError):
    """Pretrained weights could not be downloaded or loaded.

    Raised when ImageNet weights are neither cached nor downloadable (no network) or
    when a weights file does not fit the architecture; the message says how to pass a
    local weights file instead.
    """
