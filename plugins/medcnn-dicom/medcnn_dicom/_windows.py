"""Windows: ``(center, width)`` pairs, named presets and the file's own VOI LUT.

Every window goes through pydicom's VOI functions: a given ``(center, width)``
through :func:`pydicom.pixels.apply_windowing` with the VOI LUT Function
LINEAR_EXACT, the file's own VOI (``"dicom"``) through
:func:`pydicom.pixels.apply_voi` or :func:`~pydicom.pixels.apply_windowing` with
the file's VOI LUT Function, as :func:`pydicom.pixels.apply_voi_lut` chooses.
"""

from __future__ import annotations

import difflib
import numbers

import numpy as np

from medcnn.exceptions import ImageReadError

__all__ = ["WINDOW_PRESETS", "parse_window", "apply_window", "find_in_groups"]

#: Named windows ``(center, width)``, in Hounsfield units (CT, after the modality LUT).
WINDOW_PRESETS = {
    "brain": (40.0, 80.0),
    "subdural": (80.0, 200.0),
    "bone": (600.0, 2800.0),
    "lung": (-600.0, 1500.0),
    "mediastinum": (50.0, 350.0),
    "abdomen": (40.0, 400.0),
}
DICOM = "dicom"
_HELP = (
    "Give (center, width) with a width > 0, e.g. window=(40, 400); 'dicom' for the file's own "
    "VOI LUT or window; a preset name ({presets}); or several of these as a list or a "
    "comma-separated string, e.g. window='brain,subdural,bone', for one channel each."
)


def _presets_text():
    return ", ".join(f"{name} {center:g}/{width:g}" for name, (center, width) in WINDOW_PRESETS.items())


def _window_error(window, why):
    return ValueError(f"read_dicom: window={window!r}: {why}. {_HELP.format(presets=_presets_text())}")


def _is_real(value):
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and np.isfinite(float(value)))


def _named(name, window):
    """The window called ``name``: ``"dicom"`` or a preset's ``(center, width)``."""
    key = name.strip().lower()
    if key == DICOM:
        return DICOM
    if key in WINDOW_PRESETS:
        return WINDOW_PRESETS[key]
    close = difflib.get_close_matches(key, [*WINDOW_PRESETS, DICOM], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(
        f"read_dicom: window: unknown window preset {name.strip()!r} (in window={window!r}); {hint}"
        f"the presets (center/width) are {_presets_text()}; 'dicom' takes the file's own window; "
        "or give (center, width), e.g. window=(40, 400)."
    )


def _one(item, window):
    """One window from a name or a ``(center, width)`` pair."""
    if isinstance(item, str):
        return _named(item, window)
    try:
        values = tuple(item)
    except TypeError:
        raise _window_error(window, f"{item!r} is neither a (center, width) pair nor a name") from None
    if len(values) != 2 or not all(_is_real(v) for v in values):
        raise _window_error(window, f"{item!r} is not a (center, width) pair of finite numbers")
    center, width = float(values[0]), float(values[1])
    if width <= 0:
        raise _window_error(window, f"the width of {item!r} must be > 0")
    return center, width


def parse_window(window):
    """``window`` as a list of windows, each ``"dicom"`` or ``(center, width)``; None for None.

    Parameters
    ----------
    window : None, str, (float, float) or sequence
        ``(center, width)``; a name (``"dicom"`` or a preset); a comma-separated
        string of names (or of one center and width); a list of names and pairs.

    Returns
    -------
    list or None
        One entry per window; two or more make channels.

    Raises
    ------
    ValueError
        If ``window`` is none of these; an unknown name is answered with the
        presets and the closest one.

    Examples
    --------
    >>> parse_window("brain,bone")
    [(40.0, 80.0), (600.0, 2800.0)]
    >>> parse_window((40, 400)), parse_window(["dicom", (80, 200)])
    ([(40.0, 400.0)], ['dicom', (80.0, 200.0)])
    """
    if window is None:
        return None
    if isinstance(window, str):
        parts = [part.strip() for part in window.split(",")]
        if not all(parts):
            raise _window_error(window, "an empty name")
        try:  # "40,400": one center and width given as text
            numbers_ = [float(part) for part in parts]
        except ValueError:
            return [_named(part, window) for part in parts]
        return [_one(numbers_, window)]
    if isinstance(window, bytes):
        raise _window_error(window, "bytes are not a window")
    try:
        items = list(window)
    except TypeError:
        raise _window_error(window, "not a window") from None
    if len(items) == 2 and all(_is_real(v) for v in items):
        return [_one(items, window)]
    if not items:
        raise _window_error(window, "no window given")
    return [_one(item, window) for item in items]


def find_in_groups(ds, frame, group_keyword, keywords):
    """The dataset holding all ``keywords``: ``ds`` itself, else the item of
    ``group_keyword`` in the per-frame (frame ``frame``) then the shared functional
    groups of an enhanced multi-frame object; None when none holds them."""
    if all(ds.get(k) is not None for k in keywords):
        return ds
    for sequence_keyword, index in (("PerFrameFunctionalGroupsSequence", frame),
                                    ("SharedFunctionalGroupsSequence", 0)):
        groups = ds.get(sequence_keyword)
        if not groups or len(groups) <= index:
            continue
        inner = groups[index].get(group_keyword)
        if inner and all(inner[0].get(k) is not None for k in keywords):
            return inner[0]
    return None


def _voi_module(ds=None, **elements):
    """A VOI LUT module for pydicom's functions, with the output range [0, 1]: pydicom
    windows onto ``[0, 2**BitsStored - 1]`` when there is no rescale, so BitsStored 1
    and unsigned pixels give [0, 1] directly."""
    from pydicom.dataset import Dataset

    module = Dataset()
    module.PhotometricInterpretation = "MONOCHROME2"
    module.BitsStored, module.PixelRepresentation = 1, 0
    for keyword, value in elements.items():
        if value is not None:
            setattr(module, keyword, value)
    if ds is not None and getattr(ds, "file_meta", None) is not None:
        module.file_meta = ds.file_meta  # endianness of an OW LUT Data
    return module


def _first(element_value):
    """The first value of a multi-valued element (a VOI LUT Module may list alternatives)."""
    if not isinstance(element_value, (str, bytes)) and hasattr(element_value, "__len__"):
        return element_value[0] if len(element_value) else None
    return element_value


def _file_voi(values, ds, frame, path):
    """The file's own VOI: its VOI LUT Sequence, else its window with its VOI LUT Function."""
    from pydicom.pixels import apply_voi, apply_windowing

    source = find_in_groups(ds, frame, "FrameVOILUTSequence", ("VOILUTSequence",))
    if source is not None:  # preferred, as pydicom.pixels.apply_voi_lut does
        item = source.VOILUTSequence[0]
        descriptor = item.LUTDescriptor
        entries = np.arange(descriptor[1], descriptor[1] + (descriptor[0] or 2 ** 16))
        module = _voi_module(ds, VOILUTSequence=source.VOILUTSequence)
        lut = apply_voi(entries, module).astype(np.float64)  # every entry of the LUT
        if np.all(values == np.round(values)):  # integer input, as a LUT expects
            values = values.astype(np.int64)
        out = apply_voi(values, module).astype(np.float64)
        low, high = lut.min(), lut.max()
        return (out - low) / (high - low) if high > low else np.zeros(out.shape)
    source = find_in_groups(ds, frame, "FrameVOILUTSequence", ("WindowCenter", "WindowWidth"))
    if source is None:
        raise ImageReadError(
            f"window='dicom' was given but DICOM file {path!r} has neither a VOI LUT Sequence "
            "(0028,3010) nor WindowCenter/WindowWidth (0028,1050)/(0028,1051). Give "
            "window=(center, width) or a preset name, percentiles=(low, high), or neither for "
            "min-max scaling."
        )
    function = source.get("VOILUTFunction") or ds.get("VOILUTFunction")
    module = _voi_module(WindowCenter=_first(source.WindowCenter),
                         WindowWidth=_first(source.WindowWidth), VOILUTFunction=function)
    return apply_windowing(values, module)


def apply_window(values, window, ds, frame, path):
    """``values`` (float64) windowed onto [0, 1] by ``window`` (``"dicom"`` or a pair)."""
    from pydicom.pixels import apply_windowing
    from pydicom.valuerep import DSfloat

    try:
        if window == DICOM:
            out = _file_voi(values, ds, frame, path)
        else:
            center, width = (DSfloat(v, auto_format=True) for v in window)
            module = _voi_module(WindowCenter=center, WindowWidth=width, VOILUTFunction="LINEAR_EXACT")
            out = apply_windowing(values, module)
    except ImageReadError:
        raise
    except Exception as exc:  # a width < 1 for LINEAR, an unknown function, a bad LUT...
        raise ImageReadError(
            f"Cannot apply the {'VOI LUT or window of' if window == DICOM else f'window {window} to'} "
            f"DICOM file {path!r}: {type(exc).__name__}: {str(exc).rstrip('.')}. Fix its VOI LUT "
            "module (e.g. with pydicom), or give window=(center, width) instead."
        ) from exc
    return np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)
