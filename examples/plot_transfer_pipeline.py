"""Self-trained CNN features + feature selection + random forest, patient-grouped.

A CNN trained on the training patients serves as a frozen feature extractor; a grid
search over the number of selected features then refits only the cheap steps, and
the extractor's ``memory=`` cache means the features are computed once. On a machine
with network access, ``TransferFeatureExtractor("efficientnet_b0")`` gives ImageNet
features instead (weights are downloaded by Keras on first use).
"""

import tempfile
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.datasets import make_histology
from medcnn.evaluation import default_cv

X, y = make_histology(240, image_size=32, random_state=0)
groups = np.repeat([f"P{i:02d}" for i in range(24)], 10)          # 24 patients, 10 patches each
held_out = np.isin(groups, ["P00", "P05", "P10", "P15", "P20", "P23"])
X_train, y_train, g_train = X[~held_out], y[~held_out], groups[~held_out]

cnn = CNNClassifier(architecture="lenet5", epochs=4, random_state=0).fit(X_train, y_train)

with tempfile.TemporaryDirectory() as cache:
    extractor = TransferFeatureExtractor(FrozenEstimator(cnn), memory=cache)
    # ReLU units that never fire give constant features: drop them before scoring
    pipe = Pipeline([("cnn", extractor), ("constant", VarianceThreshold()), ("selectkbest", SelectKBest()),
                     ("rf", RandomForestClassifier(n_estimators=100, random_state=0))])
    search = GridSearchCV(pipe, {"selectkbest__k": [8, 16, 32]},
                          cv=default_cv(3, g_train, random_state=0), scoring="roc_auc")
    search.fit(X_train, y_train, groups=g_train)
    proba = search.predict_proba(X[held_out])[:, 1]
    print(f"best k: {search.best_params_['selectkbest__k']}, "
          f"patient-grouped CV ROC AUC: {search.best_score_:.3f}")
    print(f"held-out patients ROC AUC: {roc_auc_score(y[held_out], proba):.3f}")

    fitted = TransferFeatureExtractor(FrozenEstimator(cnn), memory=cache).fit(X)
    for attempt in ("first", "repeated"):
        start = time.perf_counter()
        fitted.transform(X)
        print(f"{attempt} transform of all {len(X)} patches: {time.perf_counter() - start:.3f} s")
