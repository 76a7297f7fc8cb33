"""Defaults that follow the data: the training budget of ``epochs="auto"`` and the input size.

Both rules are plain arithmetic, without TensorFlow, so that the estimators (at fit
time) and the dataset summaries (``describe``) share them. The constants were chosen
by measurement on IDC subsets of 250 to 4,460 patches (see the performance page of
the documentation and ``benchmarks/bench_defaults.py``).
"""

from __future__ import annotations

import math

__all__ = ["AUTO_MIN_STEPS", "AUTO_MIN_EPOCHS", "AUTO_MAX_EPOCHS", "EARLY_STOPPING_FACTOR",
           "DEFAULT_MAX_SIDE", "auto_epochs", "default_input_size", "describe_budget"]

#: Optimizer steps ``epochs="auto"`` gives a fit at least (unless AUTO_MAX_EPOCHS binds first).
AUTO_MIN_STEPS = 1000
#: Epochs ``epochs="auto"`` gives a fit at least: large training sets keep 15 passes.
AUTO_MIN_EPOCHS = 15
#: Epochs ``epochs="auto"`` gives a fit at most: small training sets stop here (on IDC subsets of
#: 250 to 1,000 images, 30 passes scored a higher ROC AUC than 60, and 60 than 100: more passes
#: overfit the small sets), and tiny ones train in seconds.
AUTO_MAX_EPOCHS = 30
#: With early stopping, ``epochs="auto"`` allows this many times the budget, to stop early from.
EARLY_STOPPING_FACTOR = 2
#: Longest side of the default input of a network trained from scratch; larger images are resized.
DEFAULT_MAX_SIDE = 64


def auto_epochs(steps_per_epoch: int, early_stopping: bool = False) -> int:
    """Epochs of ``epochs="auto"`` for a training set of ``steps_per_epoch`` batches.

    ``ceil(AUTO_MIN_STEPS / steps_per_epoch)``, at least AUTO_MIN_EPOCHS and at most
    AUTO_MAX_EPOCHS; times EARLY_STOPPING_FACTOR with early stopping.

    Parameters
    ----------
    steps_per_epoch : int
        Optimizer steps in one pass over the training data (batches per epoch).
    early_stopping : bool, default=False
        Whether training may stop early (then the budget is larger).

    Returns
    -------
    int

    Examples
    --------
    >>> auto_epochs(1)       # 60 images in batches of 64: capped
    30
    >>> auto_epochs(32)      # 2,000 images: capped, 960 steps
    30
    >>> auto_epochs(47)      # 3,000 images: about 1,000 steps
    22
    >>> auto_epochs(70)      # 4,460 images: 15 passes, 1,050 steps
    15
    >>> auto_epochs(32, early_stopping=True)
    60
    """
    steps_per_epoch = max(int(steps_per_epoch), 1)
    epochs = min(max(math.ceil(AUTO_MIN_STEPS / steps_per_epoch), AUTO_MIN_EPOCHS), AUTO_MAX_EPOCHS)
    return epochs * (EARLY_STOPPING_FACTOR if early_stopping else 1)


def default_input_size(sample_hw, max_side: int | None = DEFAULT_MAX_SIDE) -> tuple[int, int]:
    """Default ``(height, width)`` of the network input for images of ``sample_hw``.

    The image size itself when its longest side is at most ``max_side``, else the
    image size scaled down (aspect ratio kept) so that its longest side is ``max_side``.

    Parameters
    ----------
    sample_hw : (int, int)
        Height and width of the images (the most common size for files).
    max_side : int or None, default=DEFAULT_MAX_SIDE
        Cap on the longest side; None for no cap.

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> default_input_size((50, 50))
    (50, 50)
    >>> default_input_size((512, 512))
    (64, 64)
    >>> default_input_size((300, 450))
    (43, 64)
    """
    height, width = (int(s) for s in sample_hw)
    longest = max(height, width)
    if max_side is None or longest <= max_side:
        return height, width
    scale = max_side / longest
    return max(1, round(height * scale)), max(1, round(width * scale))


def describe_budget(epochs, n_epochs: int, steps_per_epoch: int, n_phases: int = 1) -> str:
    """One line on the training budget a fit chose, for verbose output."""
    rule = ("epochs='auto': at least %d steps and %d epochs, at most %d epochs"
            % (AUTO_MIN_STEPS, AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS)) if epochs == "auto" else f"epochs={epochs}"
    phases = f" per phase, {n_phases} phases" if n_phases > 1 else ""
    return (f"{n_epochs} epochs x {steps_per_epoch} steps = {n_epochs * steps_per_epoch} optimizer steps"
            f"{phases} ({rule})")
