"""How many threads TensorFlow uses in a process that trains medcnn estimators.

TensorFlow runs operations on two thread pools, the intra-op pool (one operation
split over threads) and the inter-op pool (independent operations side by side),
each as large as the number of CPU cores by default. When several processes train
at once, the workers of a parallel grid search or of a Dask cluster, each of them
takes every core and they slow each other down. So the first time an estimator uses
TensorFlow in a process, medcnn sets both pools to a number of threads chosen by
this rule, the first that applies:

1. the environment variable ``MEDCNN_NUM_THREADS`` (an integer >= 1);
2. inside a Dask worker (``distributed.get_worker()`` succeeds): that worker's
   number of threads;
3. inside a worker process of joblib's default ``loky`` backend (which scikit-learn's
   ``n_jobs`` uses): ``OMP_NUM_THREADS``, which joblib sets in every worker it starts
   to its share of the cores: ``inner_max_num_threads`` of
   ``joblib.parallel_config`` when given, else the parent's ``OMP_NUM_THREADS``, else
   ``cpu_count() // n_jobs``;
4. otherwise TensorFlow's default is left alone.

``OMP_NUM_THREADS`` is read only in loky workers: there joblib chose it to share
the cores between workers, whereas in a user's own process it is often set for
other libraries (or by cluster and conda environments), and the TensorFlow wheels
do not read it themselves.

TensorFlow accepts the setting only before it has run its first operation. When it
has (the user's own code ran TensorFlow first), the setting is left as it is and a
warning says so, once per process; a fit never fails because of it.
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import warnings

__all__ = ["ENV_VAR", "configure_tensorflow_threads", "ensure_tensorflow_threads", "requested_threads"]

#: Environment variable giving the number of TensorFlow threads per process.
ENV_VAR = "MEDCNN_NUM_THREADS"

_LOKY_EXECUTOR = "joblib.externals.loky.process_executor"
_lock = threading.Lock()
_state = {"applied": False}


def _positive_int(text):
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if value >= 1 else None


def _dask_worker_threads():
    """The thread count of the Dask worker running this code, or None outside one."""
    distributed = sys.modules.get("distributed")  # a Dask worker has imported it already
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except Exception:  # ValueError outside a worker task
        return None
    nthreads = getattr(getattr(worker, "state", worker), "nthreads", None)
    return nthreads if isinstance(nthreads, int) and nthreads >= 1 else None


def _loky_worker_threads():
    """``OMP_NUM_THREADS`` inside a joblib loky worker process, or None elsewhere.

    loky sets the module global ``_CURRENT_DEPTH`` of its executor to the nesting
    depth (1 and more) in the worker processes it starts; it is 0 in other processes.
    """
    executor = sys.modules.get(_LOKY_EXECUTOR)
    if executor is None or getattr(executor, "_CURRENT_DEPTH", 0) < 1:
        return None
    return _positive_int(os.environ.get("OMP_NUM_THREADS"))


def requested_threads():
    """The number of TensorFlow threads the rule asks for in this process, and why.

    Returns
    -------
    num_threads : int or None
        Threads for each of TensorFlow's two pools; None keeps TensorFlow's default.
    reason : str
        Where the number comes from.
    """
    raw = os.environ.get(ENV_VAR)
    if raw is not None and raw.strip():
        value = _positive_int(raw)
        if value is not None:
            return value, f"{ENV_VAR}={raw.strip()}"
        warnings.warn(f"{ENV_VAR}={raw!r} is not an integer >= 1 and is ignored; set it to the number "
                      "of threads TensorFlow may use in each process, or unset it.", UserWarning,
                      stacklevel=2)
    value = _dask_worker_threads()
    if value is not None:
        return value, f"Dask worker with {value} thread(s)"
    value = _loky_worker_threads()
    if value is not None:
        return value, f"joblib worker process with OMP_NUM_THREADS={value}"
    return None, "TensorFlow's default"


def configure_tensorflow_threads(num_threads=None):
    """Set the number of threads TensorFlow uses in this process.

    Sets both of TensorFlow's thread pools (intra-op and inter-op) to
    ``num_threads``, or to the number medcnn's rule chooses: the environment variable
    ``MEDCNN_NUM_THREADS``, else the thread count of the Dask worker running the call,
    else ``OMP_NUM_THREADS`` inside a joblib (loky) worker process, else nothing is
    changed. The estimators apply the rule by themselves the first time they use
    TensorFlow in a process; call this function to apply it, or a number of your own,
    before your own code starts TensorFlow.

    TensorFlow takes the setting only before it has run its first operation; after
    that the setting is left as it is, with a warning when it differs.

    Parameters
    ----------
    num_threads : int, optional
        Threads per pool. Default: the rule above.

    Returns
    -------
    int
        TensorFlow's intra-op thread setting after the call; 0 means TensorFlow's
        default (one thread per core).

    Raises
    ------
    ValueError
        If ``num_threads`` is not an integer >= 1.

    Examples
    --------
    >>> from medcnn.estimators import configure_tensorflow_threads
    >>> threads = configure_tensorflow_threads()  # 0 unless the rule applies here
    >>> isinstance(threads, int)
    True
    """
    if num_threads is None:
        num_threads, reason = requested_threads()
    elif not isinstance(num_threads, numbers.Integral) or isinstance(num_threads, bool) or num_threads < 1:
        raise ValueError(f"num_threads={num_threads!r} is not valid; give an integer >= 1, or None "
                         f"to use {ENV_VAR} or the worker's share of the cores.")
    else:
        reason = f"num_threads={num_threads}"
    return _apply(num_threads, reason)


def _apply(num_threads, reason):
    """Set both pools to ``num_threads`` (None: leave them); warn if TensorFlow refuses."""
    import tensorflow as tf

    pools = tf.config.threading
    if num_threads is not None:
        refused = []
        for name, setter in (("intra-op", pools.set_intra_op_parallelism_threads),
                             ("inter-op", pools.set_inter_op_parallelism_threads)):
            try:
                setter(int(num_threads))
            except RuntimeError:  # TensorFlow is initialised: only an unchanged value is accepted
                refused.append(name)
        if refused:
            current = pools.get_intra_op_parallelism_threads()
            warnings.warn(
                f"TensorFlow had already started in this process (intra-op threads: "
                f"{current or 'default'}), so medcnn could not set its {' and '.join(refused)} "
                f"threads to {num_threads} ({reason}). To share the CPU cores between parallel "
                f"workers, let medcnn start TensorFlow, or call "
                f"medcnn.estimators.configure_tensorflow_threads() before other TensorFlow code.",
                UserWarning, stacklevel=3)
    return int(pools.get_intra_op_parallelism_threads())


def ensure_tensorflow_threads():
    """Apply the rule once per process (the estimators call this before using TensorFlow).

    Never raises: a failure to configure the threads must not fail a fit. Runs, and so
    warns, at most once per process.
    """
    if _state["applied"]:
        return
    with _lock:
        if _state["applied"]:
            return
        _state["applied"] = True
        try:
            num_threads, reason = requested_threads()
            if num_threads is not None:
                _apply(num_threads, reason)
        except Exception as exc:  # pragma: no cover - defensive: never fail a fit over threads
            warnings.warn(f"medcnn could not configure TensorFlow's threads: {exc}", UserWarning,
                          stacklevel=2)
