"""The grid of ``bench_defaults.py --sizes``: training budgets across data sizes and domains.

Training subsets of the IDC ``Train`` folder are drawn by whole patients (each patient
has 10 benign and 10 malignant patches), seeded; every fit is scored on the 560
``Valid`` patches of 28 other patients. Conditions:

- ``ratio``: ``1:1`` keeps every patch of the drawn patients; ``1:9`` keeps their
  benign patches and a seeded random ninth as many malignant ones;
- ``colour``: ``rgb50`` (the patches as they are, 50x50 RGB) or ``grey28`` (converted
  to greyscale and resized to 28x28, training and Valid alike);
- ``budget``: ``today`` (``epochs=15, class_weight=None`` and patch_cnn's batch
  normalisation at Keras' momentum 0.99: the defaults before ``epochs="auto"``), ``auto`` (``CNNClassifier()``: every parameter at its default),
  ``long`` (``epochs=60``, 30 on the full Train, otherwise the defaults),
  ``unweighted`` (the defaults with ``class_weight=None``), ``early`` (the defaults with
  ``validation_fraction=0.2, early_stopping=20``), and on the full Train the quality
  levers ``ema`` (AdamW with an exponential moving average of the weights),
  ``smooth`` (label smoothing 0.1), ``tta8`` (the ``auto`` network predicting with 8
  test-time views), ``side64`` (``image_size=64``) and ``seeds3``
  (``CNNEnsemble.from_seeds`` of three default networks, seeds 0-2, averaging their
  probabilities; fit seconds are the three fits').

Images are decoded once into arrays, so fit times are training times. A fit whose
effective parameters equal an earlier one's (``today`` and ``auto`` on the full
balanced Train) is not run twice.

Every fit prints a ``defaults_fit`` line; every condition and size a ``defaults_rule``
line: the mean ROC AUC of ``auto`` minus that of the best fixed budget (``today`` or
``long``), with the target ``>= -0.01``, and whether any ``auto`` fit predicted a
single class on Valid.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

FULL_BUDGET = ("today", "auto", "long")
#: (ratio, colour, size, budgets, seeds); sizes are images, drawn by whole patients
GRID = (
    ("1:1", "rgb50", 250, FULL_BUDGET + ("early",), (0, 1, 2)),
    ("1:1", "rgb50", 500, FULL_BUDGET + ("early",), (0, 1)),
    ("1:1", "rgb50", 1000, FULL_BUDGET, (0,)),
    ("1:1", "rgb50", 2000, FULL_BUDGET, (0,)),
    ("1:1", "rgb50", 4460, FULL_BUDGET + ("ema", "smooth", "tta8", "side64", "seeds3"), (0,)),
    ("1:9", "rgb50", 250, ("today", "auto", "unweighted"), (0,)),
    ("1:9", "rgb50", 1000, ("today", "auto", "unweighted"), (0,)),
    ("1:9", "rgb50", 2000, ("today", "auto", "unweighted"), (0,)),
    # the skewed small subsets spread most between draws: two more seeds
    ("1:9", "rgb50", 250, ("today", "auto"), (1, 2)),
    ("1:9", "rgb50", 1000, ("today", "auto"), (1, 2)),
    ("1:1", "grey28", 250, FULL_BUDGET, (0,)),
    ("1:1", "grey28", 1000, FULL_BUDGET, (0,)),
    ("1:1", "grey28", 4460, FULL_BUDGET, (0,)),
)
QUICK_GRID = (
    ("1:1", "rgb50", 250, ("today", "auto"), (0,)),
    ("1:9", "rgb50", 500, ("today", "auto"), (0,)),
    ("1:1", "grey28", 500, ("today", "auto"), (0,)),
)
RULE_TARGET = -0.01


def load_idc(folder: Path, colour: str):
    """``(images, labels, patients)`` of an IDC split, decoded into one array."""
    from PIL import Image

    paths = sorted(p for p in folder.glob("*/*.png"))
    mode, side = ("RGB", 50) if colour == "rgb50" else ("L", 28)
    images = np.stack([np.asarray(Image.open(p).convert(mode).resize((side, side), Image.BILINEAR))
                       for p in paths])
    labels = np.array([int(p.parent.name) for p in paths])
    patients = np.array([p.name.split("_")[0] for p in paths])
    return images, labels, patients


def draw_subset(labels, patients, size, ratio, seed):
    """Indices of a training subset of about ``size`` images drawn by whole patients."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(np.unique(patients))
    if size >= len(labels):
        order = np.unique(patients)
    benign_share = 0.5 if ratio == "1:1" else 0.9
    chosen, benign = [], 0
    for patient in order:
        if benign >= benign_share * size:
            break
        chosen.append(patient)
        benign += int(((patients == patient) & (labels == 0)).sum())
    in_patients = np.isin(patients, chosen)
    benign_idx = np.flatnonzero(in_patients & (labels == 0))
    malignant_idx = np.flatnonzero(in_patients & (labels == 1))
    if ratio == "1:9":
        malignant_idx = np.sort(rng.choice(malignant_idx, max(1, round(len(benign_idx) / 9)), replace=False))
    return np.concatenate([benign_idx, malignant_idx]), len(chosen)


def budget_params(budget, n_train):
    """CNNClassifier parameters of a budget (beyond ``random_state``)."""
    import keras

    if budget == "today":
        return {"epochs": 15, "class_weight": None, "architecture_params": {"bn_momentum": 0.99}}
    if budget == "long":
        return {"epochs": 30 if n_train >= 4000 else 60}
    if budget == "unweighted":
        return {"class_weight": None}
    if budget == "early":
        return {"validation_fraction": 0.2, "early_stopping": 20}
    if budget == "ema":
        return {"optimizer": keras.optimizers.AdamW(use_ema=True)}
    if budget == "smooth":
        return {"loss": keras.losses.CategoricalCrossentropy(label_smoothing=0.1)}
    if budget == "side64":
        return {"image_size": 64}
    return {}  # auto, tta8


def budget_epochs(budget, params, n_train):
    """The epochs a budget trains for (``epochs="auto"`` resolved as ``fit`` resolves it)."""
    from medcnn._defaults import auto_epochs

    if "epochs" in params:
        return params["epochs"]
    early = budget == "early"
    n_fitted = n_train - math.ceil(n_train * params["validation_fraction"]) if early else n_train  # as train_test_split
    return auto_epochs(-(-n_fitted // 64), early)


def effective_key(budget, params, labels, seed):
    """What decides a fit: equal keys give the same network."""
    epochs = budget_epochs(budget, params, len(labels))
    counts = np.bincount(labels)
    weighted = params.get("class_weight", "balanced") is not None and counts.min() != counts.max()
    others = {k: repr(v) for k, v in params.items() if k not in ("epochs", "class_weight")}
    return (epochs, weighted, json.dumps(others, sort_keys=True), seed)


def run_grid(idc: Path, grid, emit, results_path: Path | None = None, previous=()):
    """Fit every cell of ``grid``; ``emit`` receives each result line. Returns the records.

    ``previous`` records (of an interrupted run) stand for the fits with the same
    condition, budget, seed and number of epochs, which are then not run again.
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from medcnn import CNNClassifier

    records, cache, data = [], {}, {}
    for ratio, colour, size, budgets, seeds in grid:
        if colour not in data:
            data[colour] = (load_idc(idc / "Train", colour), load_idc(idc / "Valid", colour))
        (X, y, patients), (X_valid, y_valid, _) = data[colour]
        for seed in seeds:
            index, n_patients = draw_subset(y, patients, size, ratio, seed)
            auto_fit = None  # (network, seconds) of the "auto" budget, which "tta8" predicts with
            for budget in budgets:
                params = budget_params(budget, len(index))
                key = (ratio, colour, size) + effective_key(budget, params, y[index], seed)
                epochs = key[3]
                done = [r for r in previous if (r["ratio"], r["colour"], r["size"], r["budget"], r["seed"],
                                                r["epochs"]) == (ratio, colour, size, budget, seed, epochs)]
                if done and budget not in ("auto", "tta8"):
                    records.append(done[0])
                    _save(done[0], results_path)
                    emit("defaults_fit " + " ".join(f"{k}={_fmt(v)}" for k, v in done[0].items()))
                    continue
                if budget == "tta8":
                    clf, fit_s = auto_fit
                    proba = clf.predict_proba(X_valid, tta=8)[:, 1]
                elif budget == "seeds3":
                    from medcnn.ensemble import CNNEnsemble

                    ensemble = CNNEnsemble.from_seeds(CNNClassifier(), seeds=(seed, seed + 1, seed + 2))
                    start = time.perf_counter()
                    ensemble.fit(X[index], y[index])
                    fit_s = time.perf_counter() - start
                    proba = ensemble.predict_proba(X_valid)[:, 1]
                    clf = ensemble.estimators_[0]
                elif key in cache:
                    clf, fit_s, proba = cache[key]
                else:
                    clf = CNNClassifier(random_state=seed, **params)
                    start = time.perf_counter()
                    clf.fit(X[index], y[index])
                    fit_s = time.perf_counter() - start
                    proba = clf.predict_proba(X_valid)[:, 1]
                    cache[key] = (clf, fit_s, proba)
                if budget == "auto":
                    auto_fit = (clf, fit_s)
                record = dict(ratio=ratio, colour=colour, size=size, n_train=int(len(index)),
                              n_patients=n_patients, malignant=int(y[index].sum()), budget=budget, seed=seed,
                              epochs=int(clf.n_epochs_), epochs_run=len(clf.history_["loss"]),
                              steps=int(clf.n_steps_), roc_auc=float(roc_auc_score(y_valid, proba)),
                              balanced_accuracy=float(balanced_accuracy_score(y_valid, proba >= 0.5)),
                              predicted_classes=int(len(np.unique(proba >= 0.5))), fit_s=float(fit_s))
                records.append(record)
                _save(record, results_path)
                emit("defaults_fit " + " ".join(f"{k}={_fmt(v)}" for k, v in record.items()))
    for line in rule_lines(records):
        emit(line)
    return records


def _save(record, results_path):
    if results_path is not None:
        with open(results_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def summarise(records):
    """Mean and spread per (ratio, colour, size, budget)."""
    groups = defaultdict(list)
    for r in records:
        groups[(r["ratio"], r["colour"], r["size"], r["budget"])].append(r)
    table = {}
    for key, rows in groups.items():
        aucs = np.array([r["roc_auc"] for r in rows])
        table[key] = dict(
            n_train=int(np.mean([r["n_train"] for r in rows])), n_seeds=len(rows),
            epochs=sorted({r["epochs"] for r in rows}), steps=int(np.mean([r["steps"] for r in rows])),
            epochs_run=float(np.mean([r["epochs_run"] for r in rows])),
            roc_auc=float(aucs.mean()), roc_auc_sd=float(aucs.std(ddof=1)) if len(rows) > 1 else None,
            balanced_accuracy=float(np.mean([r["balanced_accuracy"] for r in rows])),
            single_class=sum(r["predicted_classes"] < 2 for r in rows),
            fit_s=float(np.mean([r["fit_s"] for r in rows])))
    return table


def rule_lines(records):
    """One ``defaults_rule`` line per condition and size."""
    table = summarise(records)
    lines = []
    for ratio, colour, size in sorted({k[:3] for k in table}, key=lambda k: (k[0], k[1], k[2])):
        auto = table.get((ratio, colour, size, "auto"))
        fixed = {b: table[(ratio, colour, size, b)] for b in ("today", "long") if (ratio, colour, size, b) in table}
        if auto is None or not fixed:
            continue
        best = max(fixed, key=lambda b: fixed[b]["roc_auc"])
        gap = auto["roc_auc"] - fixed[best]["roc_auc"]
        today = fixed.get("today")
        time_ratio = "" if today is None else f" ratio_auto_over_today_s={auto['fit_s'] / today['fit_s']:.2f}"
        lines.append(
            f"defaults_rule ratio={ratio} colour={colour} n={auto['n_train']} seeds={auto['n_seeds']} "
            f"auto_roc_auc={auto['roc_auc']:.4f} best_fixed={best} best_fixed_roc_auc={fixed[best]['roc_auc']:.4f}"
            f"{time_ratio} auto_single_class_fits={auto['single_class']} auto_minus_best_fixed={gap:.4f} "
            f"target>={RULE_TARGET} ok={gap >= RULE_TARGET and auto['single_class'] == 0}")
    return lines


def rst_table(records) -> str:
    """The grid as a reStructuredText list-table (means over seeds)."""
    table = summarise(records)
    header = ("Ratio", "Input", "Images", "Budget", "Epochs", "Steps", "Seeds", "ROC AUC", "Bal. acc.",
              "One class", "Fit s")
    rows = []
    for (ratio, colour, size, budget), t in sorted(table.items(), key=lambda kv: (
            kv[0][1], kv[0][0], kv[0][2], _BUDGET_ORDER.index(kv[0][3]))):
        auc = f"{t['roc_auc']:.3f}" + (f" ± {t['roc_auc_sd']:.3f}" if t["roc_auc_sd"] is not None else "")
        epochs = "/".join(map(str, t["epochs"]))
        if t["epochs_run"] < max(t["epochs"]):
            epochs += f" (ran {t['epochs_run']:.0f})"
        rows.append((ratio, colour, str(t["n_train"]), budget, epochs, str(t["steps"]), str(t["n_seeds"]), auc,
                     f"{t['balanced_accuracy']:.3f}", str(t["single_class"]), f"{t['fit_s']:.0f}"))
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in (header,) + tuple(rows):
        out.append("   * - " + row[0])
        out.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(out) + "\n"


_BUDGET_ORDER = ("today", "auto", "long", "unweighted", "early", "ema", "smooth", "tta8", "side64", "seeds3")


SIDES = (32, 64, 128, 256, 512)


def side_costs(emit, sides=SIDES, n_images=128, seed=0):
    """Training seconds per image and epoch of the default network at each input side.

    Greyscale noise images of ``side`` x ``side`` (the cost does not depend on the
    content); the time of a 3-epoch fit minus that of a 1-epoch fit, over 2 epochs,
    so that building and tracing the network cancel out.
    """
    from medcnn import CNNClassifier

    rng = np.random.default_rng(seed)
    costs = {}
    for side in sides:
        X = rng.integers(0, 256, size=(n_images, side, side, 1), dtype=np.uint8)
        y = np.arange(n_images) % 2
        seconds = {}
        for epochs in (1, 3):
            start = time.perf_counter()
            CNNClassifier(epochs=epochs, image_size=side, random_state=seed).fit(X, y)
            seconds[epochs] = time.perf_counter() - start
        costs[side] = max(seconds[3] - seconds[1], 1e-9) / (2 * n_images)
    for side in sides:
        emit(f"defaults_side side={side} n={n_images} ms_per_image_epoch={1e3 * costs[side]:.3f} "
             f"ratio_side_over_side64={costs[side] / costs[64]:.2f}")
    return costs
