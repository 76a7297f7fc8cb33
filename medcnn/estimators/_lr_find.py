"""The learning-rate range test (Smith 2017) of CNNClassifier, as fastai's ``lr_find``.

The network is built exactly as ``fit`` builds it and trained for a number of
mini-batches while the learning rate grows exponentially from ``start_lr`` to
``end_lr``, one step per mini-batch. The loss of every step is recorded, with an
exponentially smoothed, bias-corrected copy (fastai's ``smooth_loss``), and the test
stops once the smoothed loss exceeds four times its minimum. A good learning rate
lies where the smoothed loss falls, well before its minimum.

Each step is run as a Keras epoch of one mini-batch over the endlessly repeated
training data, so the loss Keras reports after it is that mini-batch's loss (within
an epoch Keras reports running means).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = ["DIVERGENCE", "SUGGESTION_METHODS", "LRFinderMixin", "LRFinderResult"]

#: Ways of reading a suggested learning rate off the curve (see LRFinderResult.suggest).
SUGGESTION_METHODS = ("valley", "steep", "minimum")
#: The test stops when the smoothed loss exceeds this multiple of its minimum.
DIVERGENCE = 4.0


@dataclass(eq=False, repr=False)
class LRFinderResult:
    """Outcome of :meth:`CNNClassifier.lr_find`: the loss of each step of the test.

    Parameters
    ----------
    learning_rates : array-like of shape (n_steps,)
        Learning rate of each step, increasing geometrically.
    losses : array-like of shape (n_steps,)
        Training loss of each step's mini-batch.
    smoothed_losses : array-like of shape (n_steps,)
        Exponential moving average of ``losses``, bias-corrected.

    Attributes
    ----------
    suggestion : float
        The suggested learning rate, fastai's default ``valley`` suggestion: about
        halfway down the longest descent of the smoothed loss (``suggest("valley")``).
        See :meth:`suggest` for the others (``"steep"``, ``"minimum"``).

    Examples
    --------
    >>> import numpy as np
    >>> from medcnn.estimators import LRFinderResult
    >>> rates = np.geomspace(1e-5, 1, 41)
    >>> loss = 1 - 0.8 / (1 + np.exp(-4 * (np.log10(rates) + 3))) + 0.05 * rates
    >>> result = LRFinderResult(rates, loss, loss)  # falls fastest around 1e-3
    >>> result
    LRFinderResult(steps=41, learning_rates=1e-05..1, suggestion=0.001)
    >>> print(f"{result.suggest('steep'):.2g}")
    0.00075
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggestion: float = field(init=False)

    def __post_init__(self):
        self.learning_rates = np.asarray(self.learning_rates, dtype=np.float64)
        self.losses = np.asarray(self.losses, dtype=np.float64)
        self.smoothed_losses = np.asarray(self.smoothed_losses, dtype=np.float64)
        lengths = {len(self.learning_rates), len(self.losses), len(self.smoothed_losses)}
        if len(lengths) != 1:
            raise ValueError(
                f"learning_rates, losses and smoothed_losses have lengths {len(self.learning_rates)}, "
                f"{len(self.losses)} and {len(self.smoothed_losses)}; give one value per step in each."
            )
        self.suggestion = self.suggest("valley")

    def __repr__(self):
        rates = self.learning_rates
        span = f"{rates[0]:.3g}..{rates[-1]:.3g}" if len(rates) else "[]"
        return (f"{type(self).__name__}(steps={len(rates)}, learning_rates={span}, "
                f"suggestion={self.suggestion:.3g})")

    def _window(self):
        """Learning rates and smoothed losses the suggestions use: as fastai, without the
        first tenth of the steps and the last five (when that leaves at least 3 points),
        and without non-finite losses."""
        rates, losses = self.learning_rates, self.smoothed_losses
        start, end = len(rates) // 10, len(rates) - 5
        if end - start >= 3:
            rates, losses = rates[start:end], losses[start:end]
        finite = np.isfinite(losses)
        return rates[finite], losses[finite]

    def suggest(self, method="valley"):
        """A learning rate read off the smoothed loss curve.

        Parameters
        ----------
        method : {"valley", "steep", "minimum"}, default="valley"
            ``"valley"``: fastai's default; about halfway between the first and the
            last point of the longest decreasing subsequence of the smoothed losses,
            that is, in the middle of the longest descent. ``"steep"``: where the
            smoothed loss falls fastest against the log learning rate (the start of
            the steepest segment), looked for up to the minimum of the smoothed loss;
            noisier on short tests. ``"minimum"``: a tenth of the learning rate of the
            lowest smoothed loss. All leave out the first tenth of the steps and the
            last five, as fastai does (unless fewer than three steps would remain).

        Returns
        -------
        float
            The suggested learning rate (NaN with fewer than two finite losses).

        Examples
        --------
        >>> import numpy as np
        >>> from medcnn.estimators import LRFinderResult
        >>> loss = [1.0, 0.9, 0.5, 0.4, 2.0]
        >>> result = LRFinderResult([1e-4, 1e-3, 1e-2, 1e-1, 1.0], loss, loss)
        >>> result.suggest("valley"), result.suggest("steep"), result.suggest("minimum")
        (0.001, 0.001, 0.01)
        """
        if method not in SUGGESTION_METHODS:
            raise ValueError(f"method={method!r} is not valid; use one of {SUGGESTION_METHODS}.")
        rates, losses = self._window()
        if len(rates) < 2:
            return math.nan
        if method == "minimum":
            return float(rates[np.argmin(losses)] / 10)
        if method == "steep":  # on the descent to the minimum: later noise cannot win
            lowest = int(np.argmin(losses))
            if lowest >= 1:
                rates, losses = rates[:lowest + 1], losses[:lowest + 1]
            slopes = np.diff(losses) / np.diff(np.log(rates))
            return float(rates[np.argmin(slopes)])
        # valley: the longest decreasing subsequence (first of the longest), by fastai's O(n^2) scan
        longest, first = np.ones(len(losses), dtype=int), np.arange(len(losses))
        for i in range(1, len(losses)):
            for j in range(i):
                if losses[i] < losses[j] and longest[j] + 1 > longest[i]:
                    longest[i], first[i] = longest[j] + 1, first[j]
        end = int(np.argmax(longest))
        return float(rates[first[end] + (end - first[end]) // 2])

    def plot(self, ax=None):
        """Plot the loss against the learning rate (log scale), marking the suggestion.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; by default a new figure (not registered with pyplot, so
            it never opens a window: save it with ``savefig``, or leave it as the
            last value of a notebook cell to show it).

        Returns
        -------
        matplotlib.figure.Figure
            The figure of the axes.

        Examples
        --------
        >>> import numpy as np
        >>> from medcnn.estimators import LRFinderResult
        >>> rates = np.geomspace(1e-4, 1, 20)
        >>> fig = LRFinderResult(rates, 1 / (1 + rates), 1 / (1 + rates)).plot()
        >>> fig.axes[0].get_xscale()
        'log'
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("LRFinderResult.plot needs matplotlib; install it (pip install matplotlib), "
                              "or plot learning_rates against smoothed_losses yourself.") from None
        if ax is None:
            figure = Figure(figsize=(6, 4), layout="constrained")
            ax = figure.add_subplot()
        else:
            figure = ax.figure
        rates = self.learning_rates
        ax.plot(rates, self.losses, color="0.7", linewidth=1, label="loss")
        ax.plot(rates, self.smoothed_losses, color="C0", label="smoothed loss")
        ax.set_xscale("log")
        if math.isfinite(self.suggestion):
            i = int(np.argmin(np.abs(np.log(rates) - np.log(self.suggestion))))
            ax.plot([rates[i]], [self.smoothed_losses[i]], "o", color="C3",
                    label=f"suggestion {self.suggestion:.2g} (valley)")
        finite = self.smoothed_losses[np.isfinite(self.smoothed_losses)]
        if len(finite):  # frame the smoothed curve; raw spikes may leave the plot
            low, high = finite.min(), min(finite.max(), DIVERGENCE * finite.min())
            margin = 0.1 * (high - low) or 0.1 * abs(high) or 0.1
            ax.set_ylim(low - margin, high + margin)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.set_title("Learning-rate range test")
        ax.legend()
        return figure


def check_lr_find_params(start_lr, end_lr, num_steps, smooth):
    """Raise ValueError naming the first invalid parameter of ``lr_find``."""
    for name, value in (("start_lr", start_lr), ("end_lr", end_lr)):
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                and math.isfinite(value) and value > 0):
            raise ValueError(f"{name}={value!r} is not valid; give a finite learning rate > 0.")
    if start_lr >= end_lr:
        raise ValueError(
            f"start_lr={start_lr!r} must be below end_lr={end_lr!r}: the test raises the learning "
            "rate from start_lr to end_lr (e.g. start_lr=1e-6, end_lr=1)."
        )
    if not (isinstance(num_steps, numbers.Integral) and not isinstance(num_steps, bool) and num_steps >= 2):
        raise ValueError(f"num_steps={num_steps!r} is not valid; give an integer >= 2 (100 is usual).")
    if not (isinstance(smooth, numbers.Real) and not isinstance(smooth, bool) and 0 <= smooth < 1):
        raise ValueError(f"smooth={smooth!r} is not valid; give a float in [0, 1) (0.98 is usual, 0 "
                         "turns smoothing off).")


def range_test(model, dataset, start_lr, end_lr, num_steps, smooth, verbose=0):
    """Train ``model`` one mini-batch per step at exponentially growing learning rates.

    Returns the lists ``(learning_rates, losses, smoothed_losses)`` of the steps run.
    """
    import keras

    rates, losses, smoothed = [], [], []
    ratio = end_lr / start_lr

    class RangeTest(keras.callbacks.Callback):
        average, best = 0.0, math.inf

        def on_epoch_begin(self, epoch, logs=None):  # one epoch is one mini-batch
            rate = start_lr * ratio ** (epoch / (num_steps - 1))
            self.model.optimizer.learning_rate = rate
            rates.append(rate)

        def on_epoch_end(self, epoch, logs=None):
            loss = float(logs["loss"])
            if progress is not None:
                progress.update(epoch + 1, [("loss", loss)])
            self.average = smooth * self.average + (1 - smooth) * loss
            value = self.average / (1 - smooth ** (epoch + 1))
            losses.append(loss)
            smoothed.append(value)
            self.best = min(self.best, value)
            if not math.isfinite(value) or value > DIVERGENCE * self.best:
                self.model.stop_training = True

    # one bar over the steps (each step is a one-batch epoch: Keras' own output would print one per step)
    progress = keras.utils.Progbar(num_steps, verbose=int(verbose), unit_name="step") if verbose else None
    model.fit(dataset.repeat(), steps_per_epoch=1, epochs=num_steps, verbose=0, shuffle=False,
              callbacks=[RangeTest()])
    return rates, losses, smoothed


class LRFinderMixin:
    """Adds ``lr_find`` to CNNClassifier, which provides ``_prepared`` (fit's set-up)."""

    def lr_find(self, X, y, *, start_lr=1e-6, end_lr=1.0, num_steps=100, sample_weight=None, smooth=0.98,
                groups=None):
        """Learning-rate range test (Smith 2017), as fastai's ``lr_find``.

        Builds the network exactly as ``fit`` would (same architecture, loss,
        optimizer, validation split, augmentation, sampling and weights; with
        ``transfer``, what the first phase trains) and trains it for ``num_steps``
        mini-batches of the training data, repeated as needed, raising the learning
        rate exponentially from ``start_lr`` to ``end_lr``, one step per mini-batch.
        The loss of each step is recorded with an exponentially smoothed copy; the
        test stops early once the smoothed loss exceeds four times its minimum.

        The estimator is left as it was: its parameters are unchanged, and it is not
        fitted by the test (a fitted estimator keeps its model). ``callbacks``,
        ``early_stopping``, ``log_dir`` and ``checkpoint_dir`` do not apply.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        y : array-like of shape (n,)
            Labels, as in ``fit``.
        start_lr : float, default=1e-6
            Learning rate of the first step.
        end_lr : float, default=1.0
            Learning rate of the last step; larger than ``start_lr``.
        num_steps : int, default=100
            Number of mini-batches (steps) of the test, at least 2.
        sample_weight : array-like of shape (n,), optional
            Per-sample loss weights, as in ``fit``.
        smooth : float, default=0.98
            Weight of the past in the exponential moving average of the loss, in
            ``[0, 1)``; 0 records the raw loss.
        groups : array-like of shape (n,), optional
            Patient of each sample, as in ``fit``: with ``validation_fraction > 0`` the
            patients held out for validation are left out of the test, as ``fit``
            leaves them out of training.

        Returns
        -------
        LRFinderResult
            ``learning_rates``, ``losses`` and ``smoothed_losses`` of each step, the
            ``suggestion`` (fastai's default ``valley`` suggestion, in the middle of
            the longest descent of the smoothed loss; ``suggest("steep")`` gives the
            steepest descent), and ``plot()``. A learning rate near the suggestion, or up to ten times below
            the minimum of the curve, is a good ``learning_rate`` for ``fit``.

        Examples
        --------
        >>> from medcnn import CNNClassifier
        >>> from medcnn.datasets import make_histology
        >>> X, y = make_histology(64, image_size=28, random_state=0)
        >>> clf = CNNClassifier(architecture="lenet5", epochs=2, batch_size=16, random_state=0)
        >>> result = clf.lr_find(X, y, num_steps=30)
        >>> len(result.learning_rates) <= 30 and 1e-6 < result.suggestion < 1.0
        True
        >>> hasattr(clf, "model_")
        False
        >>> clf.set_params(learning_rate=result.suggestion).fit(X, y).predict(X[:2]).shape
        (2,)
        """
        check_lr_find_params(start_lr, end_lr, num_steps, smooth)
        with self._prepared(X, y, sample_weight, groups) as run:
            rates, losses, smoothed = range_test(run.model, run.train_ds, float(start_lr), float(end_lr),
                                                 int(num_steps), float(smooth), self.verbose)
        return LRFinderResult(rates, losses, smoothed)
