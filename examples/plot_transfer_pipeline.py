"""Self-trained CNN features + SelectKBest + random forest, evaluated by patient
=============================================================================

A small CNN trained on the training patients serves, frozen, as the feature
extractor of ``Pipeline([TransferFeatureExtractor, SelectKBest, RandomForest])``. A
patient-grouped grid search tunes the number of selected features; the extractor's
``memory=`` cache means each fold's features are computed once, not once per
candidate. Patients held out from everything give the final estimate.

On a machine with network access, ``TransferFeatureExtractor("efficientnet_b0")``
uses ImageNet features instead (Keras downloads the weights into ~/.keras/models on
first use; offline, a WeightsUnavailableError says which file to pass as
``weights=``). See docs/transfer.rst.
"""

import tempfile
import time
import warnings

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from medcnn import CNNClassifier, TransferFeatureExtractor
from medcnn.datasets import make_histology
from medcnn.evaluation import default_cv

# ReLU units of the small CNN that never fire on this data give constant features;
# SelectKBest ranks them last and warns about each of them, which is noise here.
warnings.filterwarnings("ignore", message="Features .* are constant", category=UserWarning)
warnings.filterwarnings("ignore", message="invalid value encountered in divide", category=RuntimeWarning)

X, y = make_histology(240, image_size=32, random_state=0)        # synthetic H&E patches
groups = np.repeat([f"P{i:02d}" for i in range(24)], 10)          # 24 patients, 10 patches each
held_out = np.isin(groups, ["P00", "P05", "P10", "P15", "P20", "P23"])
X_train, y_train, groups_train = X[~held_out], y[~held_out], groups[~held_out]
print(f"{len(set(groups_train))} training patients ({len(X_train)} patches), "
      f"{len(set(groups[held_out]))} held-out patients ({held_out.sum()} patches)")

# The feature network: trained on the training patients only, then frozen, so that
# cloning in GridSearchCV does not retrain it. (An unfitted CNNClassifier as backbone
# would instead be retrained inside every fold.) With network access, replace it by
# TransferFeatureExtractor("efficientnet_b0") for ImageNet features.
cnn = CNNClassifier(architecture="lenet5", epochs=4, random_state=0).fit(X_train, y_train)

with tempfile.TemporaryDirectory() as cache:
    pipe = Pipeline([("cnn", TransferFeatureExtractor(FrozenEstimator(cnn), memory=cache)),
                     ("selectkbest", SelectKBest()),
                     ("rf", RandomForestClassifier(n_estimators=100, random_state=0))])
    search = GridSearchCV(pipe, {"selectkbest__k": [8, 32, 84]},       # lenet5 gives 84 features
                          cv=default_cv(3, groups_train, random_state=0), scoring="roc_auc")
    start = time.perf_counter()
    search.fit(X_train, y_train, groups=groups_train)
    print(f"grid search (3 patient-grouped folds x 3 values of k, then refit): "
          f"{time.perf_counter() - start:.1f} s")
    print(f"best k: {search.best_params_['selectkbest__k']}, "
          f"patient-grouped CV ROC AUC: {search.best_score_:.3f}")
    proba = search.predict_proba(X[held_out])[:, list(search.classes_).index(1)]
    print(f"held-out patients ROC AUC: {roc_auc_score(y[held_out], proba):.3f}")

    # The cache: the same images through the same network are read back, not recomputed.
    extractor = TransferFeatureExtractor(FrozenEstimator(cnn), memory=cache).fit(X)
    timings = []
    for attempt in ("first", "repeated"):
        start = time.perf_counter()
        features = extractor.transform(X)
        timings.append(time.perf_counter() - start)
        print(f"{attempt} transform of all {len(X)} patches: {timings[-1] * 1000:.1f} ms "
              f"-> {features.shape[1]} features each")
    print(f"the cached transform is {timings[0] / timings[1]:.0f}x faster")
