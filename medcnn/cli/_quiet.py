"""Starting TensorFlow from the command line without its start-up log.

TensorFlow's C++ start-up lines (oneDNN, CUDA drivers, CPU instructions) go to the
process's stderr through Abseil logging, which ignores ``TF_CPP_MIN_LOG_LEVEL`` until
Abseil's logging is initialised, and no Python call can do that. The command line
therefore imports TensorFlow and Keras and lets TensorFlow look for its devices with
file descriptor 2 pointed at a temporary file, then writes back every line of it that
is not such a start-up line. The library itself never does this, and never changes
the user's logging configuration.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

__all__ = ["start_tensorflow_quietly", "is_startup_log"]

#: Lines of TensorFlow's start-up log: Abseil's notice, log records (``I0000 00:00:... file.cc:N]``)
#: and the CPU-instructions note that continues one of them.
_STARTUP = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
                      r"|[IW]\d{4} [\d:.]+\s+\d+ \S+:\d+\] "
                      r"|E\d{4} [\d:.]+\s+\d+ cuda\w*\.cc:\d+\] "  # no GPU: cuInit fails
                      r"|To enable the following instructions: )")


def is_startup_log(line: str) -> bool:
    """Whether ``line`` belongs to TensorFlow's start-up log.

    Examples
    --------
    >>> is_startup_log("I0000 00:00:1796.37 5057 port.cc:153] oneDNN custom operations are on.")
    True
    >>> is_startup_log("medcnn demo: error: no images")
    False
    """
    return bool(_STARTUP.match(line))


def _start_tensorflow():
    """Import Keras (and so TensorFlow) and have TensorFlow look for its devices."""
    import keras
    import tensorflow as tf

    tf.config.list_physical_devices()
    return keras


def start_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras and list the devices, keeping their start-up log off stderr."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 to redirect: import as it comes
        saved = None
    if saved is None:
        _start_tensorflow()
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            _start_tensorflow()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        lines = captured.read().decode("utf-8", "replace").splitlines()
    kept = [line for line in lines if line.strip() and not is_startup_log(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
