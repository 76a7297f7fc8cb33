"""The TensorFlow runtime of a fit: threads, distribution, precision, XLA, seeding and memory release.

Shared by every estimator; nothing here knows about images or tasks.
"""

from ._distribute import (DISTRIBUTE_MODES, check_batch_shares, make_strategy, replicas, single_device,
                          strategy_scope)
from ._precision import PRECISIONS, float32_network, precision_policy, resolve_precision
from ._seeding import fresh_keras_state, seeded
from ._xla import is_xla_failure, warn_xla_fallback
from ._threads import ENV_VAR, configure_tensorflow_threads, ensure_tensorflow_threads, requested_threads

__all__ = ["DISTRIBUTE_MODES", "check_batch_shares", "make_strategy", "replicas", "single_device",
           "strategy_scope", "fresh_keras_state", "seeded", "PRECISIONS", "float32_network", "precision_policy",
           "resolve_precision", "ENV_VAR", "configure_tensorflow_threads",
           "ensure_tensorflow_threads", "requested_threads", "is_xla_failure", "warn_xla_fallback"]
