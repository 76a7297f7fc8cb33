"""Survival targets: scikit-survival's structured ``(event, time)`` arrays, checked and made."""

from __future__ import annotations

import numpy as np

__all__ = ["SURVIVAL_DTYPE", "survival_arrays", "survival_target"]

#: scikit-survival's structured array of ``(event, time)``, as ``Surv.from_arrays(event, time)`` makes it.
SURVIVAL_DTYPE = np.dtype([("event", "?"), ("time", "<f8")])


def survival_arrays(y, name="CNNSurvival"):
    """``(event, time)`` of scikit-survival's structured ``y``, checked (a boolean field
    and a field of times, finite and non-negative, with at least one event)."""
    try:
        import sksurv  # noqa: F401 - the scores and the report need it: fail before training
    except ImportError:
        raise ImportError(f"{name} needs scikit-survival: pip install \"medcnn[survival]\" (or scikit-survival)."
                          ) from None
    hint = ("give scikit-survival's structured array of (event, time): "
            "sksurv.util.Surv.from_arrays(event=..., time=...)")
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None; {hint}.")
    y = np.asarray(y)
    if y.dtype.names is None or len(y.dtype.names) != 2 or y.ndim != 1:
        raise ValueError(f"{name} needs y of survival times; got an array of dtype {y.dtype} and shape "
                         f"{y.shape}: {hint}.")
    event_name, time_name = y.dtype.names
    if y.dtype[event_name].kind != "b":
        raise ValueError(f"The first field of y ({event_name!r}) must be boolean (True: the event happened, "
                         f"False: censored); it is {y.dtype[event_name]}: {hint}.")
    event = y[event_name].astype(bool)
    try:
        time = y[time_name].astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"The second field of y ({time_name!r}) must hold times; it is {y.dtype[time_name]}.") from None
    bad = np.flatnonzero(~np.isfinite(time) | (time < 0))
    if len(bad):
        shown = ", ".join(f"{i}: {time[i]}" for i in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise ValueError(f"y has {len(bad)} time(s) that are negative, NaN or infinite (index: time {shown}); "
                         "times must be finite and >= 0. Fix or leave out those samples.")
    if not event.any():
        raise ValueError(f"y has no event among its {len(event)} samples (all censored); a risk model needs "
                         "samples whose event was observed.")
    return event, time


def survival_target(event, time):
    """scikit-survival's structured array of ``(event, time)`` (what ``Surv.from_arrays`` makes)."""
    y = np.empty(len(event), dtype=SURVIVAL_DTYPE)
    y["event"], y["time"] = event, time
    return y
