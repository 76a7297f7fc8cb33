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
