"""scikit-learn's own estimator checks on CNNClassifier and TransferFeatureExtractor.

2-D inputs are valid for CNNClassifier (each row is a one-pixel-high strip
image), so the whole check suite runs instead of being skipped.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from medcnn import CNNClassifier, TransferFeatureExtractor

# Each expected failure carries the reason it cannot pass for a network trained by
# mini-batch gradient descent.
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "Mini-batch SGD: a sample of weight 2 is not the same as the sample repeated, "
        "because repetition changes the batches, the number of steps per epoch and "
        "the channel statistics of the input standardisation."
    ),
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS if isinstance(estimator, CNNClassifier) else {}


@parametrize_with_checks(
    # the checks' data are tiny 2-D arrays (rows of one-pixel-high strips): a small network at
    # a constant rate, without flips and quarter turns of the strips, learns them in 5 epochs
    [CNNClassifier(architecture="lenet5", epochs=5, batch_size=32, learning_rate=1e-2, optimizer="adam",
                   lr_schedule=None, augment=None, random_state=0),
     TransferFeatureExtractor(backbone="lenet5", weights=None, random_state=0)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_at_most_three_expected_failures_each_with_a_reason():
    assert len(EXPECTED_FAILED_CHECKS) <= 3
    assert all(len(reason) > 40 for reason in EXPECTED_FAILED_CHECKS.values())
