"""Prediction of a fitted CNNClassifier: probabilities (with test-time augmentation
and a skip policy for unreadable files) and labels."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils import check_random_state

from medcnn.augmenters import build_augmenters, mixes_labels
from medcnn.datasets import ON_ERROR
from medcnn.exceptions import SkippedFilesWarning

from ._params import check_tta

__all__ = ["ClassifierPredictionMixin"]


class ClassifierPredictionMixin:
    """``predict_proba`` and ``predict`` of :class:`~medcnn.CNNClassifier` (needs
    ``model_``, ``classes_``, ``input_shape_`` and ``_fitted_source``)."""

    def predict_proba(self, X, tta=None, on_error="raise"):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        tta : int, optional
            Number of test-time views to average (the image and ``tta - 1``
            augmented copies); overrides the ``tta`` parameter for this call.
        on_error : {"raise", "skip"}, default="raise"
            For file paths: ``"raise"`` stops at the first file that cannot be read,
            with an ImageReadError naming it; ``"skip"`` predicts every other file,
            gives the unreadable ones rows of NaN and warns once
            (:class:`~medcnn.exceptions.SkippedFilesWarning`), naming them and why.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probability of each class for each sample; rows sum to 1 (NaN rows for
            files skipped under ``on_error="skip"``).

        Examples
        --------
        >>> from medcnn import CNNClassifier
        >>> from medcnn.datasets import make_histology
        >>> X, y = make_histology(60, image_size=28, random_state=0)
        >>> clf = CNNClassifier(architecture="lenet5", epochs=1, random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:3], tta=4).shape
        (3, 2)
        """
        views = check_tta(self.tta if tta is None else tta, "tta" if tta is None else "predict_proba tta")
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error={on_error!r} is not valid; use one of {ON_ERROR}.")
        source = self._fitted_source(X)
        if on_error == "raise" or not hasattr(source, "readable"):  # arrays have no unreadable files
            with source.naming_errors():
                return self._proba(source, views)
        import tensorflow as tf

        try:
            return self._proba(source, views)
        except tf.errors.OpError:  # some file does not decode: find which, predict the others
            readable, reasons = source.readable()
        warnings.warn(SkippedFilesWarning(
            f"{len(reasons)} of {len(source)} files could not be read; their rows are NaN: "
            + "; ".join(list(reasons.values())[:10]) + ("; ..." if len(reasons) > 10 else "")
            + ". Fix or remove these files, or leave them out of X."), stacklevel=2)
        proba = np.full((len(source), len(self.classes_)), np.nan)
        if len(readable):
            proba[readable] = self._proba(source.subset(readable), views)
        return proba

    def _proba(self, source, views):
        """Probabilities of a prepared source, averaged over ``views`` test-time views."""
        proba = self.model_.predict(source.model_input(self.batch_size), batch_size=self.batch_size,
                                    verbose=0).astype(np.float64)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max - 1000 * views)
        for view in range(1, views):
            layers = self._tta_augmenters(int(seed) + 1000 * view)
            batches = source.dataset(np.arange(len(source)), batch_size=self.batch_size,
                                     augmenters=layers, shuffle_seed=int(seed) + view)
            proba += self.model_.predict(batches, verbose=0)
        # float32 softmax rows sum to 1 only to ~1e-7: renormalise in float64
        return proba / proba.sum(axis=1, keepdims=True)

    def _tta_augmenters(self, seed):
        """Layers of one test-time view (label-mixing augmenters are left out)."""
        augment = self.tta_augment
        if augment is None:
            augment = ["flip", "rotate90"] if self.augment is None else self.augment
        layers = build_augmenters(augment, seed, channels=self.input_shape_[-1])
        return [layer for layer in layers if not mixes_labels(layer)]

    def predict(self, X, on_error="raise"):
        """Predicted class labels (the most probable class).

        Parameters
        ----------
        X : array-like or sequence of paths
            Same forms as in ``fit``.
        on_error : {"raise", "skip"}, default="raise"
            As in :meth:`predict_proba`. With ``"skip"`` the result is a
            ``numpy.ma.MaskedArray`` whose masked entries are the skipped files.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted label of each sample, taken from ``classes_`` (masked where a
            file was skipped under ``on_error="skip"``).
        """
        proba = self.predict_proba(X, on_error=on_error)
        if on_error == "raise":
            return self.classes_[np.argmax(proba, axis=1)]
        skipped = np.isnan(proba).any(axis=1)
        labels = self.classes_[np.argmax(np.nan_to_num(proba, nan=0.0), axis=1)]
        return np.ma.MaskedArray(labels, mask=skipped)
