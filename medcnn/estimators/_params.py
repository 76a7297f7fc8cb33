"""Parameter checks and the optimizer of CNNClassifier (run at the start of fit)."""

from __future__ import annotations

import numbers

from ._imbalance import LOSSES, SAMPLING_MODES
from ._inputs import RESIZE_MODES
from ._training import TRANSFER_MODES

__all__ = ["check_classifier_params", "check_tta", "make_optimizer"]


def _is_int(value, minimum):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def check_tta(tta, name="tta"):
    """The number of test-time views (1 for None)."""
    if tta is None:
        return 1
    if not _is_int(tta, 1):
        raise ValueError(f"{name}={tta!r} is not valid; give an integer >= 1 (views averaged) or None.")
    return int(tta)


def check_classifier_params(params):
    """Raise ValueError naming the first invalid CNNClassifier parameter in ``params``."""
    for name in ("epochs", "batch_size"):
        if not _is_int(params[name], 1):
            raise ValueError(f"{name}={params[name]!r} is not valid; give an integer >= 1.")
    if params["resize_mode"] not in RESIZE_MODES:
        raise ValueError(f"resize_mode={params['resize_mode']!r} is not valid; use one of {RESIZE_MODES}.")
    rate = params["learning_rate"]
    if not (isinstance(rate, numbers.Real) and rate > 0):
        raise ValueError(f"learning_rate={rate!r} is not valid; give a float > 0.")
    fraction = params["validation_fraction"]
    if not (isinstance(fraction, numbers.Real) and 0 <= fraction < 1):
        raise ValueError(f"validation_fraction={fraction!r} is not valid; give a float in [0, 1).")
    patience = params["early_stopping"]
    if not (patience is False or patience is None or _is_int(patience, 1)):
        raise ValueError(f"early_stopping={patience!r} is not valid; give False or a patience (int >= 1).")
    transfer = params["transfer"]
    if transfer not in TRANSFER_MODES:
        raise ValueError(f"transfer={transfer!r} is not valid; use one of {TRANSFER_MODES}.")
    if transfer == "partial" and not _is_int(params["trainable_layers"], 0):
        raise ValueError(f"transfer='partial' needs trainable_layers=<int >= 0>; got "
                         f"{params['trainable_layers']!r}.")
    if params["finetune_epochs"] is not None and not _is_int(params["finetune_epochs"], 1):
        raise ValueError(f"finetune_epochs={params['finetune_epochs']!r} is not valid; give an integer >= 1.")
    if params["sampling"] not in SAMPLING_MODES:
        raise ValueError(f"sampling={params['sampling']!r} is not valid; use one of {SAMPLING_MODES}.")
    loss = params["loss"]
    if isinstance(loss, str) and loss not in LOSSES or not (isinstance(loss, str) or callable(loss)):
        raise ValueError(f"loss={loss!r} is not valid; use one of {LOSSES} or a Keras loss.")
    check_tta(params["tta"])
    if params["architecture_params"] is not None and not isinstance(params["architecture_params"], dict):
        raise ValueError(f"architecture_params={params['architecture_params']!r} must be a dict or None.")


def make_optimizer(optimizer, learning_rate):
    """A fresh Keras optimizer from a name or an instance's config, at ``learning_rate``."""
    import keras

    if isinstance(optimizer, str):
        try:
            optimizer = keras.optimizers.get(optimizer)
        except ValueError as exc:
            raise ValueError(
                f"optimizer={optimizer!r} is not a Keras optimizer name (e.g. 'adam', 'sgd', "
                f"'rmsprop', 'adamw'): {exc}"
            ) from None
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(f"optimizer={optimizer!r} must be a Keras optimizer name or instance.")
    config = optimizer.get_config()
    config["learning_rate"] = float(learning_rate)
    return type(optimizer).from_config(config)
