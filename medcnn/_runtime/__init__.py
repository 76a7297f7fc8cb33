"""The TensorFlow runtime of a fit: threads, distribution, seeding and memory release.

Shared by every estimator; nothing here knows about images or tasks.
"""

from ._distribute import (DISTRIBUTE_MODES, check_batch_shares, make_strategy, replicas, single_device,
                          strategy_scope)
from ._seeding import fresh_keras_state, seeded
from ._threads import ENV_VAR, configure_tensorflow_threads, ensure_tensorflow_threads, requested_threads

__all__ = ["DISTRIBUTE_MODES", "check_batch_shares", "make_strategy", "replicas", "single_device",
           "strategy_scope", "fresh_keras_state", "seeded", "ENV_VAR", "configure_tensorflow_threads",
           "ensure_tensorflow_threads", "requested_threads"]
