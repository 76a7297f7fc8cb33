"""The self-contained HTML page of an evaluation report (images embedded as data URIs)."""

from __future__ import annotations

import base64
import datetime
import html

import numpy as np

from ._metrics import METRICS, REGRESSION_METRICS, SURVIVAL_METRICS
from ._multiclass import CLASS_METRICS, MULTICLASS_METRICS
from ._multilabel import MULTILABEL_METRICS

__all__ = ["render_html"]

CAPTIONS = {
    "roc": "ROC curve of the pooled out-of-fold probabilities; the band is the bootstrap "
           "confidence band of the true positive rate.",
    "confusion": "Confusion matrix of the pooled out-of-fold predictions at the decision threshold.",
    "pr": "Precision-recall curve; the dashed line is the prevalence (chance level).",
    "calibration": "Calibration: observed frequency of the positive class against the predicted "
                   "probability, in bins of equal size.",
    "history": "Training loss per epoch of each fold's model.",
    "patient_roc": "ROC curve with one aggregated probability per patient.",
    "prediction_error": "Out-of-fold predictions against the actual values; the diagonal is a perfect prediction.",
    "residuals": "Residuals (actual - predicted) against the predicted values; a trend or a funnel shows "
                 "a bias or an error that grows with the value.",
    "kaplan_meier": "Kaplan-Meier survival curves (95% pointwise bands) of the samples whose out-of-fold risk is "
                    "above (high risk) and at most (low risk) the median of their fold, with the log-rank test.",
}

#: Captions that differ for three or more classes.
MULTICLASS_CAPTIONS = {
    "roc": "ROC curve of each class against the rest, from the pooled out-of-fold probabilities; "
           "the legend gives each class's ROC AUC with its bootstrap confidence interval.",
    "pr": "Precision-recall curve of each class against the rest.",
    "confusion": "Confusion matrix of the pooled out-of-fold predictions (the most probable class).",
    "patient_roc": "ROC curve of each class against the rest, one aggregated probability per patient.",
}

#: Captions that differ for several labels per sample.
MULTILABEL_CAPTIONS = {
    "roc": "ROC curve of each label from the pooled out-of-fold probabilities; the legend gives each "
           "label's ROC AUC with its bootstrap confidence interval.",
    "pr": "Precision-recall curve of each label.",
    "patient_roc": "ROC curve of each label, one aggregated probability per patient.",
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 980px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.key { background: #f3f7fb; border-left: 4px solid #2b6cb0; padding: 0.6em 1em; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; flex: 1 1 420px; } figure img { max-width: 100%; }
figcaption { font-size: 0.85em; color: #555; } .small { font-size: 0.85em; color: #555; }
"""

# Marks each image with its decoded size once the page has loaded (for checks in a browser).
SCRIPT = """
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    img.setAttribute("data-natural-width", img.naturalWidth);
    img.setAttribute("data-loaded", img.complete && img.naturalWidth > 0 ? "yes" : "no");
  });
  document.body.setAttribute("data-ready", "yes");
});
"""


def _number(value, digits=3):
    return "&ndash;" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _descriptions(report):
    if report.survival:
        return SURVIVAL_METRICS
    if report.regression:
        return REGRESSION_METRICS
    if report.multilabel:
        return MULTILABEL_METRICS
    if report.multiclass:
        return MULTICLASS_METRICS
    return _binary_descriptions()


def _binary_descriptions():
    return {name: description for name, (_, description) in METRICS.items()}


def _interval(m):
    return "" if not np.isfinite(m["low"]) else f"{_number(m['low'])} &ndash; {_number(m['high'])}"


def _metric_rows(metrics, confidence, descriptions):
    rows = []
    for name, description in descriptions.items():
        m = metrics[name]
        rows.append(f"<tr><td>{html.escape(description)}</td><td>{_number(m['value'])}</td>"
                    f"<td>{_interval(m)}</td></tr>")
    head = f"<tr><th>Metric</th><th>Value</th><th>{confidence:.0%} CI</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _fold_table(report):
    names = list(_descriptions(report))
    counts = ([("Events", "n_events")] if report.survival else [] if report.classes is not None or report.regression
              else [("Positives", "n_positive")])
    head = "<tr><th>Fold</th><th>Test samples</th>" + "".join(f"<th>{c}</th>" for c, _ in counts) + "".join(
        f"<th>{html.escape(n)}</th>" for n in names) + "</tr>"
    rows = "".join(
        f"<tr><td>{f['fold']}</td><td>{f['n_test']}</td>" + "".join(f"<td>{f[k]}</td>" for _, k in counts)
        + "".join(f"<td>{_number(f[n])}</td>" for n in names) + "</tr>" for f in report.fold_metrics)
    return f"<table>{head}{rows}</table>"


def _class_table(report, class_metrics):
    """One row per class (each one-vs-rest metric) or per label (its binary metrics), with intervals."""
    described = _binary_descriptions() if report.multilabel else CLASS_METRICS
    head = (f"<tr><th>{'Label' if report.multilabel else 'Class'}</th>"
            f"<th>{'Positives' if report.multilabel else 'Samples'}</th>"
            + "".join(f"<th>{html.escape(d)}</th>" for d in described.values()) + "</tr>")
    counts = report.y_indicator.sum(axis=0)
    rows = "".join(
        f"<tr><td>{html.escape(str(label))}</td><td>{counts[k]}</td>" + "".join(
            f"<td>{_number(named[n]['value'])}<br><span class='small'>{_interval(named[n])}</span></td>"
            for n in described) + "</tr>"
        for k, (label, named) in enumerate(zip(report.classes, class_metrics)))
    return f"<table>{head}{rows}</table>"


def _headline(report, summary, units):
    """(title, the line under the heading, the key result) of the page."""
    m = report.metrics
    if report.survival:
        key = "; ".join(f"{label} <b>{_number(m[name]['value'])}</b> ({report.confidence:.0%} CI "
                        f"{_number(m[name]['low'])}&ndash;{_number(m[name]['high'])})" for name, label in (
                            ("c_index", "Harrell's C-index"),
                            ("c_index_uno", f"Uno's C (to time {report.truncation_time:.4g})"))) + "."
        times = report.y_true["time"]
        line = (f"{summary['n_events']} events, {summary['n_samples'] - summary['n_events']} censored; times from "
                f"{_number(float(times.min()))} to {_number(float(times.max()))}")
        return "survival", line, key
    if report.regression:
        key = "; ".join(f"{label} <b>{_number(m[name]['value'])}</b> ({report.confidence:.0%} CI "
                        f"{_number(m[name]['low'])}&ndash;{_number(m[name]['high'])})"
                        for name, label in (("mae", "MAE"), ("rmse", "RMSE"), ("r2", "R²"))) + "."
        line = (f"targets from {_number(float(np.min(report.y_true)))} to {_number(float(np.max(report.y_true)))}, "
                f"mean {_number(float(np.mean(report.y_true)))}")
        return "regression", line, key
    if report.classes is not None:
        counts = ", ".join(f"<b>{html.escape(name)}</b> ({count})" for name, count in summary["n_per_class"].items())
        auc = m["roc_auc_macro"]
        key = (f"ROC AUC ({'macro over labels' if report.multilabel else 'one-vs-rest, macro'}) "
               f"<b>{_number(auc['value'])}</b> ({report.confidence:.0%} CI {_number(auc['low'])}&ndash;"
               f"{_number(auc['high'])}); ")
        if report.multilabel:
            key += (f"at threshold {report.threshold:g}: subset accuracy <b>{_number(m['subset_accuracy']['value'])}"
                    f"</b>, Hamming loss <b>{_number(m['hamming_loss']['value'])}</b>.")
            title = " + ".join(html.escape(str(c)) for c in report.classes)
            return title, f"{len(report.classes)} labels (samples with each): {counts}", key
        key += (f"balanced accuracy <b>{_number(m['balanced_accuracy']['value'])}</b>, Cohen's kappa"
                f"{' (quadratic weights)' if report.ordinal else ''} <b>{_number(m['kappa']['value'])}</b>.")
        title = " / ".join(html.escape(str(c)) for c in report.classes)
        return title, f"{len(report.classes)} classes{' (ordered)' if report.ordinal else ''}: {counts}", key
    key = (f"ROC AUC <b>{_number(m['roc_auc']['value'])}</b> "
           f"({report.confidence:.0%} CI {_number(m['roc_auc']['low'])}&ndash;{_number(m['roc_auc']['high'])}); "
           f"at threshold {report.threshold:g}: sensitivity <b>{_number(m['sensitivity']['value'])}</b>, "
           f"specificity <b>{_number(m['specificity']['value'])}</b>.")
    title = f"{html.escape(str(report.pos_label))} vs {html.escape(str(report.neg_label))}"
    line = (f"positive class <b>{html.escape(str(report.pos_label))}</b> ({summary['n_positive']} of "
            f"{summary['n_samples']}), negative class <b>{html.escape(str(report.neg_label))}</b>")
    return title, line, key


def _patient_section(report):
    if report.groups is None:
        return ""
    if report.patient_metrics is None:
        why = {"regression": "there are too few patients",
               "survival": "the samples of a patient have different outcomes, or too few patients have an event",
               "multiclass": "the patients' classes do not cover every class",
               "multilabel": "a label is on every patient or on none",
               "binary": "every patient has samples of the positive class"}[report.task]
        return f"<h2>Per patient</h2><p>No patient-level table: {why}, so patient-level metrics are undefined.</p>"
    truth = {"regression": "the mean of its samples' targets", "survival": "its outcome (event, time)",
             "multiclass": "its highest class" if report.ordinal else "its most frequent class",
             "multilabel": "whether any of its samples has the label",
             "binary": "whether the patient has any positive sample"}[report.task]
    per = {"multiclass": ", per class", "multilabel": ", per label"}.get(report.task, "")
    value = {"regression": "prediction", "survival": "risk"}.get(report.task, "probability")
    text = (f"<h2>Per patient</h2><p>One {value} per patient (the {html.escape(report.aggregate)} "
            f"of its samples' out-of-fold {value.replace('y', 'ie')}s{per}), "
            f"scored against {truth}.</p>{_metric_rows(report.patient_metrics, report.confidence, _descriptions(report))}")
    if report.classes is not None:
        text += _class_table(report, report.patient_class_metrics).replace("<th>Samples</th>", "<th>Samples (all)</th>")
    return text


def _versions(summary):
    """The software line of the Method section (empty for a report without versions)."""
    versions = summary.get("versions") or {}
    names = {"medcnn": "medcnn", "tensorflow": "TensorFlow", "keras": "Keras", "scikit-learn": "scikit-learn",
             "numpy": "NumPy", "python": "Python"}
    listed = ", ".join(f"{label} {html.escape(str(versions[key]))}" for key, label in names.items()
                       if versions.get(key))
    if not listed:
        return ""
    where = f" on {html.escape(str(versions['platform']))}" if versions.get("platform") else ""
    return f'<p class="small" id="versions">Made with {listed}{where}.</p>'


def render_html(report, images):
    """The report page; ``images`` maps plot kinds to PNG bytes."""
    summary = report.summary()
    grouped = report.groups is not None
    units = f"{summary['n_samples']} samples" + (f" from {summary['n_groups']} patients" if grouped else "")
    title, line, key = _headline(report, summary, units)
    captions = {**CAPTIONS, **{"multiclass": MULTICLASS_CAPTIONS, "multilabel": MULTILABEL_CAPTIONS}.get(
        report.task, {})}
    figures = "".join(
        f'<figure><img alt="{html.escape(kind)} plot" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{html.escape(captions.get(kind, kind))}'
        "</figcaption></figure>" for kind, png in images.items())
    patient = _patient_section(report)
    heading = "Per label" if report.multilabel else "Per class (one class against the rest)"
    per_class = (f"<h2>{heading}</h2>" + _class_table(report, report.class_metrics)
                 if report.classes is not None else "")
    bca = report.ci_method == "bca"
    method = (f"{report.confidence:.0%} confidence intervals: "
              + ("bias-corrected and accelerated (BCa)" if bca else "percentile")
              + f" bootstrap with {report.n_bootstraps} resamples of "
              + ("whole patients" if grouped else "samples")
              + (f", the acceleration from the jackknife over {'patients' if grouped else 'samples'}" if bca else "")
              + ". Metrics computed with " + {
                  "survival": "scikit-survival on the pooled out-of-fold risks (each fold's centred on its median)",
                  "regression": "scikit-learn on the pooled out-of-fold predictions"}.get(
                  report.task, "scikit-learn on the pooled out-of-fold probabilities") + ".")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation report: {title}</title>
<style>{STYLE}</style><script>{SCRIPT}</script></head>
<body>
<h1>Evaluation report</h1>
<p class="small">{datetime.date.today().isoformat()} &middot; {line} &middot; {html.escape(units)}</p>
<p class="key">{key}</p>
<div class="figures">{figures}</div>
<h2>Pooled out-of-fold results</h2>
<p>Every sample was predicted by a model that did not see it in training
({len(report.fold_metrics)}-fold cross-validation{', patients kept whole' if grouped else ''}).</p>
{_metric_rows(report.metrics, report.confidence, _descriptions(report))}
{per_class}
{patient}
<h2>Per fold</h2>
{_fold_table(report)}
<h2>Method</h2>
<p class="small">{html.escape(method)}</p>
<p class="small">Model: <code>{html.escape(report.estimator)}</code><br>
Splitter: <code>{html.escape(report.cv)}</code></p>
{_versions(summary)}
</body></html>
"""
