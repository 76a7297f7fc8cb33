"""Keras losses medcnn adds to Keras' own: binary cross-entropy (or focal loss) weighted per
label, and the negative Cox partial log-likelihood of survival times.

The classes are defined on first use (it subclasses a Keras class, and importing medcnn
does not import Keras) and registered with Keras under ``medcnn>``, so that model
files compiled with it load in Keras' safe mode: :func:`register` runs before every
model file is read.
"""

from __future__ import annotations

__all__ = ["cox_partial_likelihood", "label_weighted_binary_crossentropy", "register"]

_CLASSES = {}


def register():
    """Define and register the loss classes with Keras (once); return them by name."""
    if _CLASSES:
        return _CLASSES
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="medcnn")
    class LabelWeightedBinaryCrossentropy(keras.losses.Loss):
        """Binary cross-entropy of sigmoid outputs, each label's positives and negatives
        weighted apart, ``-(p_l y (1 - q)^g log q + n_l (1 - y) q^g log(1 - q))``, averaged
        over labels; ``gamma`` g > 0 makes it the focal loss of Lin et al. (2017)."""

        def __init__(self, positive_weights, negative_weights, gamma=0.0,
                     name="label_weighted_binary_crossentropy", **kwargs):
            super().__init__(name=name, **kwargs)
            self.positive_weights = [float(w) for w in positive_weights]
            self.negative_weights = [float(w) for w in negative_weights]
            self.gamma = float(gamma)

        def call(self, y_true, y_pred):
            y_true = ops.cast(y_true, y_pred.dtype)
            epsilon = keras.config.epsilon()
            y_pred = ops.clip(y_pred, epsilon, 1.0 - epsilon)
            positive = ops.convert_to_tensor(self.positive_weights, dtype=y_pred.dtype)
            negative = ops.convert_to_tensor(self.negative_weights, dtype=y_pred.dtype)
            loss = -(positive * y_true * (1.0 - y_pred) ** self.gamma * ops.log(y_pred)
                     + negative * (1.0 - y_true) * y_pred ** self.gamma * ops.log(1.0 - y_pred))
            return ops.mean(loss, axis=-1)

        def get_config(self):
            return {**super().get_config(), "positive_weights": self.positive_weights,
                    "negative_weights": self.negative_weights, "gamma": self.gamma}

    @keras.saving.register_keras_serializable(package="medcnn")
    class CoxPartialLikelihood(keras.losses.Loss):
        """Negative Cox partial log-likelihood of a batch, Breslow's method for tied times.

        ``y_true`` is ``(time, event)`` per sample (time as any increasing code, such as
        its rank), ``y_pred`` the log-risk score. Per sample the value is
        ``event * (log sum over the batch's risk set exp(score) - score)``, scaled so
        that the batch mean is the sum over its events divided by their number; a
        batch without events gives 0.
        """

        def __init__(self, name="cox_partial_likelihood", **kwargs):
            super().__init__(name=name, **kwargs)

        def call(self, y_true, y_pred):
            y_true = ops.cast(y_true, "float32")
            score = ops.cast(ops.reshape(y_pred, (-1,)), "float32")
            time, event = y_true[:, 0], y_true[:, 1]
            at_risk = ops.greater_equal(time[None, :], time[:, None])  # [i, j]: j still at risk at time i
            risk_set = ops.logsumexp(ops.where(at_risk, score[None, :], -1e30), axis=1)
            batch = ops.cast(ops.shape(score)[0], "float32")
            return event * (risk_set - score) * batch / ops.maximum(ops.sum(event), 1.0)

    _CLASSES["LabelWeightedBinaryCrossentropy"] = LabelWeightedBinaryCrossentropy
    _CLASSES["CoxPartialLikelihood"] = CoxPartialLikelihood
    return _CLASSES


def label_weighted_binary_crossentropy(positive_weights, negative_weights, gamma=0.0):
    """The loss: binary cross-entropy (focal with ``gamma`` > 0) with one weight for the
    positives and one for the negatives of each label."""
    return register()["LabelWeightedBinaryCrossentropy"](positive_weights, negative_weights, gamma)


def cox_partial_likelihood():
    """The negative Cox partial log-likelihood (Breslow's ties) of a batch's risk scores."""
    return register()["CoxPartialLikelihood"]()
