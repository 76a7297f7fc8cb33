"""Plots of an evaluation report (scikit-learn Display classes on matplotlib) and of features.

Figures are made with :class:`matplotlib.figure.Figure` directly, never pyplot, so
they work in scripts, notebooks and on machines without a display.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_roc", "plot_pr", "plot_confusion", "plot_calibration", "plot_history",
           "plot_patient_roc", "plot_prediction_error", "plot_residuals", "plot_kaplan_meier", "plot_embedding", "save_png"]


def _axes(ax, size=(5, 4.5)):
    if ax is not None:
        return ax.figure, ax
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is in the plot and test extras
        raise ImportError("Plots need matplotlib: pip install 'medcnn[plot]'") from None
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def save_png(figure, path, dpi=110):
    """Save a Figure as PNG (Agg canvas) and return the PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=dpi)
    with open(path, "rb") as handle:
        return handle.read()


def _roc(y01, score, groups, metrics, report, ax, title):
    from sklearn.metrics import RocCurveDisplay

    figure, ax = _axes(ax)
    auc = metrics["roc_auc"]
    band = ""
    if np.isfinite(auc["low"]):
        from ._bootstrap import bootstrap_roc_band

        fpr, low, high = bootstrap_roc_band(y01, score, groups=groups, n_bootstraps=report.n_bootstraps,
                                            confidence=report.confidence, random_state=0)
        ax.fill_between(fpr, low, high, alpha=0.25, color="tab:blue", linewidth=0,
                        label=f"{report.confidence:.0%} confidence band")
        band = f", {report.confidence:.0%} CI [{auc['low']:.3f}, {auc['high']:.3f}]"
    RocCurveDisplay.from_predictions(y01, score, ax=ax, name=f"out-of-fold{band}",
                                     plot_chance_level=True)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return figure


def _class_curves(display, truth, proba, report, class_metrics, metric, ax, title):
    """One curve per class (against the rest) or per label, its metric and interval in the legend;
    ``truth`` is the 0/1 matrix of the columns of ``proba``."""
    figure, ax = _axes(ax, (5.5, 4.5))
    for k, label in enumerate(report.classes):
        m = class_metrics[k][metric]
        interval = (f", {report.confidence:.0%} CI [{m['low']:.3f}, {m['high']:.3f}]" if np.isfinite(m["low"])
                    else "")
        display.from_predictions(truth[:, k], proba[:, k], ax=ax,
                                 name=f"{label}{'' if report.multilabel else ' vs rest'}{interval}")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return figure


def plot_roc(report, ax=None):
    """Pooled out-of-fold ROC curve with its bootstrap band (patients resampled when grouped);
    one curve per class (against the rest) for three or more classes."""
    if report.classes is not None:
        from sklearn.metrics import RocCurveDisplay

        return _class_curves(RocCurveDisplay, report.y_indicator, report.y_score, report, report.class_metrics,
                             "roc_auc", ax, "ROC curve of each label (out-of-fold)" if report.multilabel else
                             "ROC curves, one class against the rest (out-of-fold)")
    return _roc(report.y01, report.y_score, report.groups, report.metrics, report, ax,
                "ROC curve (out-of-fold)")


def plot_patient_roc(report, ax=None):
    """Patient-level ROC curve (one aggregated probability per patient)."""
    from ._groups import aggregate_by_group

    if report.patient_metrics is None:
        raise ValueError("This report has no patient-level results; evaluate with groups=patient IDs.")
    title = f"Patient-level ROC ({report.aggregate} probability)"
    if report.classes is not None:
        from sklearn.metrics import RocCurveDisplay

        from ._multiclass import patient_level

        if report.multilabel:
            _, rows = aggregate_by_group(report.y_score, report.groups, how=report.aggregate)
            _, truth = aggregate_by_group(report.y_indicator, report.groups, how="max")
        else:
            _, codes, rows = patient_level(report.y_codes, report.y_score, report.groups, report.aggregate,
                                           report.ordinal)
            truth = np.eye(len(report.classes), dtype=int)[codes]
        return _class_curves(RocCurveDisplay, truth, rows, report, report.patient_class_metrics, "roc_auc",
                             ax, title)
    _, score = aggregate_by_group(report.y_score, report.groups, how=report.aggregate)
    _, truth = aggregate_by_group(report.y01, report.groups, how="max")
    return _roc(truth.astype(int), score, None, report.patient_metrics, report, ax, title)


def plot_pr(report, ax=None):
    """Pooled out-of-fold precision-recall curve, with the prevalence as chance level; one
    curve per class (against the rest) for three or more classes."""
    from sklearn.metrics import PrecisionRecallDisplay

    if report.classes is not None:
        return _class_curves(PrecisionRecallDisplay, report.y_indicator, report.y_score, report,
                             report.class_metrics, "pr_auc", ax, "Precision-recall of each label (out-of-fold)"
                             if report.multilabel else "Precision-recall, one class against the rest (out-of-fold)")
    figure, ax = _axes(ax)
    PrecisionRecallDisplay.from_predictions(report.y01, report.y_score, ax=ax, name="out-of-fold",
                                            plot_chance_level=True)
    ax.set_title("Precision-recall curve (out-of-fold)")
    ax.legend(loc="lower left", fontsize=8)
    return figure


def plot_confusion(report, ax=None):
    """Confusion matrix of the pooled predictions (at the report's threshold, or the most
    probable class)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    if report.multilabel:
        raise ValueError("A report of several labels has no single confusion matrix; each label's "
                         "sensitivity, specificity, PPV and NPV are in report.to_frame('classes').")
    figure, ax = _axes(ax, (4.5, 4) if not report.multiclass else (5, 4.5))
    labels = list(report.classes) if report.multiclass else [report.neg_label, report.pos_label]
    ConfusionMatrixDisplay.from_predictions(report.y_true, report.y_pred, labels=labels, ax=ax,
                                            colorbar=False, cmap="Blues")
    ax.set_title("Confusion matrix (most probable class)" if report.multiclass
                 else f"Confusion matrix (threshold {report.threshold:g})")
    return figure


def plot_calibration(report, ax=None, n_bins=10):
    """Calibration (reliability) curve of the pooled probabilities (two classes)."""
    from sklearn.calibration import CalibrationDisplay

    if report.classes is not None:
        raise ValueError(f"The calibration plot is drawn for two classes; this report has {len(report.classes)} "
                         f"{'labels' if report.multilabel else 'classes'}.")
    figure, ax = _axes(ax)
    CalibrationDisplay.from_predictions(report.y01, report.y_score, n_bins=n_bins, ax=ax,
                                        name="out-of-fold", strategy="quantile")
    ax.set_title(f"Calibration (Brier {report.metrics['brier']['value']:.3f})")
    return figure


def _prediction_error(report, ax, kind, title):
    from sklearn.metrics import PredictionErrorDisplay

    figure, ax = _axes(ax)
    PredictionErrorDisplay.from_predictions(report.y_true, report.y_score, kind=kind, ax=ax,
                                            subsample=None, scatter_kwargs={"s": 10, "alpha": 0.6})
    m = report.metrics
    ax.set_title(f"{title} (MAE {m['mae']['value']:.3g}, R² {m['r2']['value']:.3f})")
    return figure


def plot_prediction_error(report, ax=None):
    """Predicted against actual values of a regressor (out-of-fold)."""
    return _prediction_error(report, ax, "actual_vs_predicted", "Predicted and actual")


def plot_residuals(report, ax=None):
    """Residuals (actual - predicted) against predicted values of a regressor (out-of-fold)."""
    return _prediction_error(report, ax, "residual_vs_predicted", "Residuals")


def plot_history(report, ax=None):
    """Training loss (and validation loss, if recorded) per epoch, one line per fold."""
    figure, ax = _axes(ax, (6, 4))
    if not any(report.histories):
        raise ValueError("The evaluated estimator records no training history (history_).")
    for fold, history in enumerate(report.histories, 1):
        line, = ax.plot(np.arange(1, len(history.get("loss", [])) + 1), history.get("loss", []),
                        label=f"fold {fold} train")
        if "val_loss" in history:
            ax.plot(np.arange(1, len(history["val_loss"]) + 1), history["val_loss"], linestyle="--",
                    color=line.get_color(), label=f"fold {fold} validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Training history")
    ax.legend(fontsize=7, ncols=2)
    return figure


def plot_kaplan_meier(report, ax=None):
    """Kaplan-Meier curves (with 95% pointwise bands) of the samples whose out-of-fold risk is
    above and at most the median of their fold, and the log-rank test between them."""
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator

    figure, ax = _axes(ax, (5.5, 4.5))
    y = report.y_true
    high = report.y_score > 0  # each fold's risks are centred on their median
    for mask, name, colour in ((~high, "low risk", "tab:blue"), (high, "high risk", "tab:red")):
        if not mask.any():
            continue
        times, survival, (low, upper) = kaplan_meier_estimator(y["event"][mask], y["time"][mask],
                                                               conf_type="log-log")
        ax.step(times, survival, where="post", color=colour,
                label=f"{name} ({int(mask.sum())}, {int(y['event'][mask].sum())} events)")
        ax.fill_between(times, low, upper, step="post", alpha=0.2, color=colour, linewidth=0)
    title = "Kaplan-Meier by predicted risk"
    if high.any() and (~high).any():
        _, p_value = compare_survival(y, high.astype(int))
        title += f" (log-rank p = {p_value:.2g})"
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return figure


def plot_embedding(features, y, *, ax=None, perplexity=30.0, random_state=0, title=None):
    """2-D t-SNE embedding of feature vectors, coloured by label.

    Parameters
    ----------
    features : array-like of shape (n, n_features)
        E.g. the output of :class:`~medcnn.estimators.TransferFeatureExtractor`.
    y : array-like of shape (n,)
        Labels used for the colours.
    ax : matplotlib Axes, optional
        Where to draw (a new figure if omitted).
    perplexity : float, default=30
        t-SNE perplexity (lowered to ``(n - 1) / 3`` for small n).
    random_state : int, default=0
        Seed of the t-SNE.
    title : str, optional
        Title of the plot; by default it names the number of features.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (that of ``ax`` when given), one scatter series per
        label.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from medcnn.evaluation import plot_embedding
    >>> rng = np.random.default_rng(0)
    >>> features = np.vstack([rng.normal(0, 1, (10, 4)), rng.normal(5, 1, (10, 4))])
    >>> figure = plot_embedding(features, [0] * 10 + [1] * 10)
    >>> ax = figure.axes[0]
    >>> ax.get_title(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('t-SNE of 4 features', ['0', '1'])
    >>> [len(c.get_offsets()) for c in ax.collections]
    [10, 10]
    """
    from sklearn.manifold import TSNE

    features = np.asarray(features, dtype=float)
    y = np.asarray(y)
    if features.ndim != 2 or len(features) != len(y):
        raise ValueError(f"features must be (n, n_features) with one row per label; got shape "
                         f"{features.shape} for {len(y)} labels.")
    perplexity = min(perplexity, max(1.0, (len(features) - 1) / 3))
    points = TSNE(2, perplexity=perplexity, random_state=random_state, init="pca").fit_transform(features)
    figure, ax = _axes(ax)
    for label in np.unique(y):
        chosen = y == label
        ax.scatter(points[chosen, 0], points[chosen, 1], s=10, alpha=0.7, label=str(label))
    ax.set_title(title or f"t-SNE of {features.shape[1]} features")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=8)
    return figure
