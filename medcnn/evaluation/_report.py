"""EvaluationReport: the result of :func:`~medcnn.evaluation.evaluate`, and compare()."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ._metrics import METRICS

__all__ = ["EvaluationReport", "check_report_folder", "software_versions"]

PLOTS = ("roc", "pr", "confusion", "calibration", "history")

def software_versions():
    """``{name: version}`` of medcnn, TensorFlow, Keras, scikit-learn and numpy (None when not installed;
    from their metadata: TensorFlow is not imported), Python and ``"platform"`` (``platform.platform()``)."""
    import platform
    from importlib import metadata

    names = {"medcnn": ("medcnn",), "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"),
             "keras": ("keras",), "scikit-learn": ("scikit-learn",), "numpy": ("numpy",)}
    found = {}
    for name, distributions in names.items():
        for distribution in distributions:
            with contextlib.suppress(metadata.PackageNotFoundError):
                found[name] = found.get(name) or metadata.version(distribution)
    return {**{name: found.get(name) for name in names}, "python": platform.python_version(),
            "platform": platform.platform()}


def _plain(value):
    """JSON-safe value: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass
class EvaluationReport:
    """Cross-validated results of one classifier (made by :func:`evaluate`).

    The fields are filled in by :func:`evaluate`; there is seldom a reason to build
    a report by hand.

    Parameters
    ----------
    estimator, cv : str
        What was evaluated, and how it was split (their ``repr``).
    pos_label, neg_label : object
        The positive and the negative class.
    threshold : float
        Decision threshold on the positive-class probability.
    confidence : float
        Level of the confidence intervals.
    n_bootstraps : int
        Bootstrap resamples behind the intervals (0: no intervals).
    aggregate : str
        How sample probabilities became one patient probability (``"mean"``,
        ``"max"`` or ``"median"``).
    metrics : dict
        Pooled out-of-fold metrics: ``name -> {"value", "low", "high"}`` (the
        bootstrap confidence interval). Names: ``roc_auc``, ``pr_auc``,
        ``balanced_accuracy``, ``sensitivity``, ``specificity``, ``ppv``, ``npv``,
        ``f1``, ``mcc``, ``brier``.
    fold_metrics : list of dict
        Metrics of each fold's test part.
    patient_metrics : dict or None
        The same as ``metrics`` per patient (aggregated probabilities), when groups
        were given.
    y_true, y_score, fold : ndarray of shape (n,)
        Labels, out-of-fold positive-class probabilities and fold number (1-based)
        of every sample; with three or more classes ``y_score`` is ``(n, n_classes)``,
        the probability of each class.
    groups : ndarray of shape (n,) or None, default=None
        Group (patient) of every sample.
    histories : list of dict, default=[]
        Training history of each fold's model (``history_``), empty if it has none.
    classes : ndarray or None, default=None
        With three or more classes: the classes, in the order of the columns of
        ``y_score`` (``pos_label``, ``neg_label`` and ``threshold`` are then None).
    class_metrics, patient_class_metrics : list of dict or None, default=None
        With three or more classes: each class's one-vs-rest metrics
        (``name -> {"value", "low", "high"}``), pooled and per patient.
    ordinal : bool, default=False
        Whether the classes are ordered (grades).
    multilabel : bool, default=False
        Whether ``y_true`` is a 0/1 indicator of several labels per sample: then
        ``classes`` names the labels, ``class_metrics`` holds each label's binary
        metrics, and ``y_true`` and ``y_score`` are ``(n, n_labels)``.
    regression : bool, default=False
        Whether the report is of a regressor: then ``y_score`` holds the predicted
        values and ``metrics`` the MAE, RMSE and R².
    survival : bool, default=False
        Whether the report is of a survival model: then ``y_true`` is the structured
        array of ``(event, time)``, ``y_score`` the risk scores (each fold's centred on
        its median) and ``metrics`` Harrell's and Uno's C-index.
    truncation_time : float or None, default=None
        The time Uno's C-index is truncated at (survival).
    ci_method : str, default="percentile"
        The bootstrap intervals: ``"percentile"``, or ``"bca"`` (bias-corrected and
        accelerated, the acceleration from the jackknife over patients, or over
        samples without groups).
    versions : dict, default: the running versions
        Versions of medcnn, TensorFlow, Keras, scikit-learn, numpy, Python and the platform.

    Attributes
    ----------
    y01 : ndarray of shape (n,)
        1 for the positive class, 0 otherwise.
    y_pred : ndarray of shape (n,)
        Predicted labels at ``threshold``.

    See Also
    --------
    evaluate : Makes the report.
    compare : DeLong's test between two reports.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from medcnn.evaluation import evaluate
    >>> X, y = make_classification(100, n_features=5, random_state=0)
    >>> report = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)
    >>> round(report.metrics["roc_auc"]["value"], 4)
    0.9388
    >>> report.y_score.shape, sorted(set(report.fold.tolist()))
    ((100,), [1, 2, 3])
    >>> report.summary()["n_samples"], report.summary()["n_positive"]
    (100, 50)
    """

    estimator: str
    cv: str
    pos_label: object
    neg_label: object
    threshold: float
    confidence: float
    n_bootstraps: int
    aggregate: str
    metrics: dict
    fold_metrics: list
    patient_metrics: dict | None
    y_true: np.ndarray
    y_score: np.ndarray
    fold: np.ndarray
    groups: np.ndarray | None = None
    histories: list = field(default_factory=list)
    classes: np.ndarray | None = None
    class_metrics: list | None = None
    patient_class_metrics: list | None = None
    ordinal: bool = False
    multilabel: bool = False
    regression: bool = False
    survival: bool = False
    truncation_time: float | None = None
    ci_method: str = "percentile"
    versions: dict = field(default_factory=software_versions)

    @property
    def multiclass(self):
        """Whether the report is of three or more classes (one per sample)."""
        return self.classes is not None and not self.multilabel

    @property
    def task(self):
        """``"binary"``, ``"multiclass"``, ``"multilabel"``, ``"regression"`` or ``"survival"``."""
        if self.regression or self.survival:
            return "survival" if self.survival else "regression"
        return "multilabel" if self.multilabel else "multiclass" if self.multiclass else "binary"

    @property
    def y01(self):
        """1 for the positive class, 0 otherwise (two classes only)."""
        if self.regression or self.survival:
            raise ValueError(f"This report is of a {self.task} model; its targets are y_true and its predictions "
                             "y_score.")
        if self.classes is not None:
            raise ValueError(f"This report is of {len(self.classes)} {'labels' if self.multilabel else 'classes'}, "
                             "not of a positive and a negative class; use y_true, with classes and y_score "
                             "(one column per class or label).")
        return (self.y_true == self.pos_label).astype(int)

    @property
    def y_indicator(self):
        """0/1 matrix ``(n, len(classes))``: each sample's class (one-hot) or labels."""
        if self.multilabel:
            return np.asarray(self.y_true).astype(int)
        return np.eye(len(self.classes), dtype=int)[self.y_codes]

    @property
    def y_codes(self):
        """Index of each sample's true class in ``classes`` (three or more classes)."""
        return np.searchsorted(self.classes, self.y_true)

    @property
    def y_pred(self):
        """Predicted labels: at the report's threshold, or the most probable class (the
        predicted values of a regressor, the risks of a survival model)."""
        if self.regression or self.survival:
            return self.y_score
        if self.multilabel:
            return (self.y_score >= self.threshold).astype(int)
        if self.multiclass:
            return self.classes[np.argmax(self.y_score, axis=1)]
        return np.where(self.y_score >= self.threshold, self.pos_label, self.neg_label)

    # ---------------------------------------------------------------- tables
    def summary(self):
        """Plain-data summary (what ``to_json`` writes).

        Returns
        -------
        dict
            The settings, sample counts and every metric table, with numpy scalars
            turned into Python numbers and NaN into None.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from medcnn.evaluation import evaluate
        >>> X, y = make_classification(100, n_features=5, random_state=0)
        >>> report = evaluate(LogisticRegression(), X, y, cv=3, n_bootstraps=0, random_state=0)
        >>> summary = report.summary()
        >>> summary["n_samples"], summary["metrics"]["roc_auc"]["low"]
        (100, None)
        """
        summary = {
            "estimator": self.estimator, "cv": self.cv, "positive_label": self.pos_label,
            "negative_label": self.neg_label, "threshold": self.threshold,
            "confidence": self.confidence, "n_bootstraps": self.n_bootstraps, "ci_method": self.ci_method,
            "task": self.task, "n_samples": int(len(self.y_true)),
            "n_positive": None if self.classes is not None or self.task in ("regression", "survival")
            else int(self.y01.sum()),
            "n_groups": None if self.groups is None else int(len(np.unique(self.groups))),
            "patient_aggregate": self.aggregate if self.groups is not None else None,
            "metrics": self.metrics, "patient_metrics": self.patient_metrics,
            "fold_metrics": self.fold_metrics,
            "versions": getattr(self, "versions", None),  # None for reports pickled before versions
        }
        if self.survival:
            summary.update({"n_events": int(self.y_true["event"].sum()),
                            "truncation_time": self.truncation_time})
        if self.classes is not None:
            names = [str(c) for c in self.classes]
            summary.update({
                "classes": names, "ordinal": self.ordinal,
                "n_per_class": dict(zip(names, self.y_indicator.sum(axis=0).tolist())),
                "class_metrics": dict(zip(names, self.class_metrics)),
                "patient_class_metrics": (None if self.patient_class_metrics is None
                                          else dict(zip(names, self.patient_class_metrics))),
            })
        return _plain(summary)

    def to_json(self, path=None, indent=2):
        """The summary as JSON text; also written to ``path`` if given.

        NaN values (e.g. an interval without bootstrap) are written as ``null``.

        Parameters
        ----------
        path : str or os.PathLike, optional
            File to write the JSON text to (replaced if it exists).
        indent : int or None, default=2
            Indentation of the JSON text (None: one line).

        Returns
        -------
        str
            The JSON text of :meth:`summary`.
        """
        text = json.dumps(self.summary(), indent=indent)
        if path is not None:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        return text

    def to_frame(self, level="pooled"):
        """A pandas DataFrame of the metrics.

        Parameters
        ----------
        level : {"pooled", "patient", "folds", "classes"}, default="pooled"
            Pooled out-of-fold metrics with their intervals (rows: metrics;
            columns value, low, high, plus the mean and standard deviation over
            folds), the patient-level metrics, one row per fold, or (three or more
            classes) one row per class with each one-vs-rest metric and its
            interval (columns ``<metric>``, ``<metric>_low``, ``<metric>_high``).

        Returns
        -------
        pandas.DataFrame
            One row per metric (``"pooled"``, ``"patient"``) or per fold
            (``"folds"``).

        Raises
        ------
        ValueError
            For an unknown ``level``, or ``"patient"`` when the report has no
            patient-level metrics.
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is in the test extra
            raise ImportError("EvaluationReport.to_frame needs pandas: pip install pandas") from None
        if level == "folds":
            return pd.DataFrame(self.fold_metrics).set_index("fold")
        if level == "classes":
            if self.classes is None:
                raise ValueError("level='classes' is for reports of three or more classes or of several "
                                 "labels; this one has two classes.")
            rows = [{f"{name}{suffix}": m[key] for name, m in named.items()
                     for suffix, key in (("", "value"), ("_low", "low"), ("_high", "high"))}
                    for named in self.class_metrics]
            return pd.DataFrame(rows, index=pd.Index(self.classes, name="label" if self.multilabel else "class"))
        if level == "patient":
            if self.patient_metrics is None:
                raise ValueError("This report has no patient-level metrics: evaluate(..., groups=...) "
                                 "with patient IDs gives them.")
            return pd.DataFrame(self.patient_metrics).T
        if level != "pooled":
            raise ValueError(f"level={level!r} is not valid; use 'pooled', 'patient', 'folds' or 'classes'.")
        frame = pd.DataFrame(self.metrics).T
        folds = pd.DataFrame(self.fold_metrics)
        frame["fold_mean"] = [folds[name].mean() for name in frame.index]
        frame["fold_std"] = [folds[name].std(ddof=1) for name in frame.index]
        return frame

    # ----------------------------------------------------------------- plots
    def plot(self, kind="roc", ax=None):
        """Draw one of the report's plots and return its matplotlib Figure.

        Parameters
        ----------
        kind : {"roc", "pr", "confusion", "calibration", "history", "patient_roc", \
"prediction_error", "residuals", "kaplan_meier"}
            ROC curve with the bootstrap confidence band, precision-recall curve,
            confusion matrix at the threshold, calibration curve, training history
            per fold, or the patient-level ROC curve; for a regressor, predicted
            against actual values, or residuals against predicted values
            (scikit-learn's ``PredictionErrorDisplay``); for a survival model, the
            Kaplan-Meier curves of the predicted high- and low-risk halves.
        ax : matplotlib Axes, optional
            Where to draw (a new figure if omitted).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on (that of ``ax`` when given).
        """
        from . import _plots

        drawers = {"roc": _plots.plot_roc, "pr": _plots.plot_pr, "confusion": _plots.plot_confusion,
                   "calibration": _plots.plot_calibration, "history": _plots.plot_history,
                   "patient_roc": _plots.plot_patient_roc, "prediction_error": _plots.plot_prediction_error,
                   "residuals": _plots.plot_residuals, "kaplan_meier": _plots.plot_kaplan_meier}
        own = {"regression": ("prediction_error", "residuals"), "survival": ("kaplan_meier",)}
        if kind in drawers and kind not in own.get(self.task, PLOTS[:4] + ("patient_roc",)) + ("history",):
            raise ValueError(f"kind={kind!r} is not a plot of a {self.task} report; it draws "
                             f"{sorted(own.get(self.task, PLOTS[:4] + ('patient_roc',)) + ('history',))}.")
        if kind not in drawers:
            raise ValueError(f"kind={kind!r} is not a report plot; use one of {sorted(drawers)}.")
        return drawers[kind](self, ax=ax)

    # ------------------------------------------------------------------ save
    def save(self, folder, force=False):
        """Write ``report.html``, ``metrics.json``, ``predictions.csv`` and the plots as PNG.

        The HTML page is self-contained (the images are embedded), so it can be
        mailed or archived alone.

        Parameters
        ----------
        folder : str or os.PathLike
            Folder to create.
        force : bool, default=False
            Write into ``folder`` even if it exists (files of the same names are
            replaced).

        Returns
        -------
        str
            The path of ``report.html``.
        """
        from ._html import render_html
        from ._plots import save_png

        folder = check_report_folder(folder, force)
        os.makedirs(folder, exist_ok=True)
        images = {}
        kinds = list({"binary": PLOTS[:4], "multiclass": PLOTS[:3], "multilabel": PLOTS[:2],
                      "regression": ("prediction_error", "residuals"), "survival": ("kaplan_meier",)}[self.task]) + (
            ["history"] if any(self.histories) else []) + (
            ["patient_roc"] if self.patient_metrics is not None and self.task not in ("regression", "survival")
            else [])
        for kind in kinds:
            figure = self.plot(kind)
            images[kind] = save_png(figure, os.path.join(folder, f"{kind}.png"))
        self.to_json(os.path.join(folder, "metrics.json"))
        self._write_predictions(os.path.join(folder, "predictions.csv"))
        path = os.path.join(folder, "report.html")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_html(self, images))
        return path

    def _write_predictions(self, path):
        import csv

        scores = self.y_score.reshape(len(self.y_true), -1)
        score_names = ([f"p_{c}" for c in self.classes] if self.classes is not None else
                       ["prediction"] if self.regression else ["risk"] if self.survival else ["score"])
        truth, pred = self.y_true.reshape(len(self.y_true), -1), self.y_pred.reshape(len(self.y_true), -1)
        if self.regression or self.survival:
            pred = np.zeros((len(self.y_true), 0))  # the prediction is the score column
        truth_names, pred_names = ((["y_true"], [] if self.regression or self.survival else ["y_pred"])
                                   if not self.multilabel else
                                   ([f"y_{c}" for c in self.classes], [f"pred_{c}" for c in self.classes]))
        if self.survival:
            truth, truth_names = list(zip(self.y_true["event"].astype(int), self.y_true["time"])), ["event", "time"]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["index", "fold", "group", *truth_names, *score_names, *pred_names])
            groups = self.groups if self.groups is not None else [""] * len(self.y_true)
            for i, row in enumerate(zip(self.fold, groups, truth, scores, pred)):
                writer.writerow([i, row[0], row[1], *row[2], *(f"{v:.6g}" for v in row[3]), *row[4]])


def check_report_folder(folder, force=False, how="force=True (--force on the command line)"):
    """Raise FileExistsError unless ``folder`` is new or empty, or ``force``; return it as str.
    ``how`` says how to force in the message."""
    folder = os.fspath(folder)
    if os.path.exists(folder) and not force and (not os.path.isdir(folder) or os.listdir(folder)):
        raise FileExistsError(
            f"Report folder {folder!r} exists; choose a new folder, or pass {how} to overwrite "
            "its report files.")
    return folder


METRIC_NAMES = {name: description for name, (_, description) in METRICS.items()}
