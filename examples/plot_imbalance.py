"""Class imbalance: weighting, per-epoch sampling, focal loss and operating points
===============================================================================

Malignant patches are often a small minority. A network trained on such data without
any correction favours the majority class: at the default threshold of 0.5 it misses
many minority cases, and accuracy looks better than sensitivity. This example trains
on synthetic H&E patches with 10% malignant and compares, on a stratified held-out
set, by balanced accuracy, sensitivity, specificity and ROC AUC:

1. moving the decision threshold of the uncorrected network:
   ``sklearn.model_selection.TunedThresholdClassifierCV`` picks the threshold with the
   best cross-validated balanced accuracy, and an operating point reaching a target
   sensitivity (here 0.9) is read off the ROC curve (``sklearn.metrics.roc_curve``)
   of cross-validated out-of-fold probabilities;
2. correcting the training of :class:`medcnn.CNNClassifier` instead:
   ``class_weight="balanced"``, ``sampling="oversample"``, ``sampling="undersample"``
   and ``loss="focal"`` with ``focal_alpha``;
3. SMOTE from imbalanced-learn on deep features: the network's features, synthetic
   minority feature vectors, and a random forest, as one ``imblearn`` pipeline.

Thresholds are chosen on the training set only; the held-out set scores them. The
data and the training (400 patches of 28x28 pixels, a few epochs of a small network)
are kept tiny so that the script runs within a minute on a laptop CPU: the scores
show the procedure, not what to expect from these options on real images. See
docs/imbalance.rst for measurements on the IDC breast histopathology patches.
"""

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score, recall_score, roc_auc_score, roc_curve
from sklearn.model_selection import (StratifiedKFold, TunedThresholdClassifierCV,
                                     cross_val_predict, train_test_split)

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.datasets import make_histology

TARGET_SENSITIVITY = 0.9

X, y = make_histology(400, image_size=28, weights=(0.9, 0.1), random_state=0)   # 1 = malignant
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
print(f"training set: {len(y_train)} patches, {y_train.sum()} malignant; "
      f"held-out set: {len(y_test)} patches, {y_test.sum()} malignant")


def cnn(**params):
    """The network of every comparison: small and briefly trained, seeded, and without a
    correction of the class balance unless ``params`` asks for one (the library's default
    is ``class_weight="balanced"``)."""
    return CNNClassifier(architecture="workshop_cnn", epochs=5, batch_size=16, learning_rate=1e-3,
                         optimizer="adam", lr_schedule=None, augment=None, random_state=0,
                         **{"class_weight": None, **params})


# 1a. The uncorrected network with a tuned threshold. TunedThresholdClassifierCV fits it
# on 3 folds of the training set, picks the threshold with the best out-of-fold balanced
# accuracy, then refits it on the whole training set: tuned.estimator_ is the uncorrected
# network (the same as cnn().fit(X_train, y_train), same data and seed).
cv = StratifiedKFold(3, shuffle=True, random_state=0)
tuned = TunedThresholdClassifierCV(cnn(), scoring="balanced_accuracy", cv=cv).fit(X_train, y_train)
baseline = tuned.estimator_
print(f"TunedThresholdClassifierCV: threshold {tuned.best_threshold_:.3f} "
      f"(cross-validated balanced accuracy {tuned.best_score_:.3f})")

# 1b. An operating point for a target sensitivity: out-of-fold probabilities of the
# training set, their ROC curve, and the highest threshold reaching the target (the
# one that keeps the most specificity), applied to the network fitted on all of it.
oof = cross_val_predict(cnn(), X_train, y_train, cv=cv, method="predict_proba")[:, 1]
fpr, tpr, thresholds = roc_curve(y_train, oof)
reached = np.flatnonzero(tpr >= TARGET_SENSITIVITY)[0]
threshold = float(thresholds[reached])
print(f"sensitivity >= {TARGET_SENSITIVITY}: threshold {threshold:.3f} (out-of-fold sensitivity "
      f"{tpr[reached]:.3f}, specificity {1 - fpr[reached]:.3f})")

# 2. Corrections while training, each at the default threshold (the most probable class).
corrected = {
    'class_weight="balanced"': cnn(class_weight="balanced"),
    'sampling="oversample"': cnn(sampling="oversample"),
    'sampling="undersample"': cnn(sampling="undersample"),
    'loss="focal", focal_alpha=0.9': cnn(loss="focal", focal_alpha=0.9),
}

# 3. imbalanced-learn on deep features: the uncorrected network, frozen, as feature
# extractor; SMOTE adds interpolated minority feature vectors (in fit only, never when
# predicting); a random forest classifies.
smote = make_pipeline(TransferFeatureExtractor(FrozenEstimator(baseline)),
                      SMOTE(k_neighbors=3, random_state=0),
                      RandomForestClassifier(n_estimators=200, random_state=0))

print(f"\n{'held-out set':<44}{'bal.acc':>8}{'sens.':>8}{'spec.':>8}{'ROC AUC':>8}")


def report(name, y_pred, score):
    print(f"{name:<44}{balanced_accuracy_score(y_test, y_pred):8.3f}"
          f"{recall_score(y_test, y_pred, pos_label=1):8.3f}"
          f"{recall_score(y_test, y_pred, pos_label=0):8.3f}{roc_auc_score(y_test, score):8.3f}")


def report_model(name, model):
    """predict() is the most probable class, i.e. probability of class 1 above 0.5."""
    proba = model.predict_proba(X_test)
    report(name, model.classes_[proba.argmax(axis=1)], proba[:, 1])


p_baseline = baseline.predict_proba(X_test)[:, 1]
report_model("no handling, threshold 0.5", baseline)
report(f"no handling, tuned threshold {tuned.best_threshold_:.3f}", tuned.predict(X_test),
       p_baseline)
report(f"no handling, threshold {threshold:.3f} (sens. target)",
       (p_baseline >= threshold).astype(int), p_baseline)
for name, clf in corrected.items():
    report_model(name, clf.fit(X_train, y_train))
report_model("CNN features -> SMOTE -> random forest", smote.fit(X_train, y_train))
