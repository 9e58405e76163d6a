"""Start TensorFlow without its C++ start-up log lines reaching a learner's cell outputs.

Setting `TF_CPP_MIN_LOG_LEVEL` is not enough: the full `tensorflow` wheel logs "Could not find
cuda drivers" (absl, before its log level is read) while it is imported, and "failed call to
cuInit" when it first looks for devices, on every machine without a GPU. Jupyter's kernel
shows whatever reaches file descriptor 2 as a pink stderr box, so `start_tensorflow` imports
TensorFlow and lists its devices with that descriptor pointed at a temporary file, then writes
back every line that is not one of those known start-up lines (a real problem stays visible).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

QUIET_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # no C++ INFO or WARNING lines once TensorFlow has started
    "TF_ENABLE_ONEDNN_OPTS": "0",  # the same numbers on every CPU
}

# "I0000 00:00:1796135108.219243   25622 cudart_stub.cc:31] Could not find cuda drivers ..."
# and the older "2024-01-02 03:04:05.678901: I tensorflow/core/util/port.cc:113] oneDNN ...".
_NATIVE_LOG_LINE = re.compile(
    r"^(?:(?P<level>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<old_level>[IWEF]) \S+:\d+\] )"
    r"(?P<message>.*)$"
)
_START_UP_NOTES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "To enable the following instructions:",  # second line of the CPU-feature note
)
_START_UP_ERRORS = (
    "failed call to cuInit",  # no GPU (or no driver) on this machine
    "Unable to register cu",  # GPU builds (Colab): cuDNN/cuFFT/cuBLAS factories registered twice
    "computation placer already registered",
)


def is_native_log_line(line: str) -> bool:
    """True if `line` (no newline) is an absl/TensorFlow C++ log line, at any level."""
    return _NATIVE_LOG_LINE.match(line) is not None or line.startswith(_START_UP_NOTES)


def is_start_up_noise(line: str) -> bool:
    """True if `line` is a C++ line TensorFlow prints on start-up that means nothing to a learner.

    INFO and WARNING lines, the absl and CPU-feature notes, and the few ERROR lines a machine
    without a GPU (or Colab's GPU build) always prints; any other ERROR or FATAL line is kept.
    """
    if line.startswith(_START_UP_NOTES):
        return True
    match = _NATIVE_LOG_LINE.match(line)
    if match is None:
        return False
    level = match.group("level") or match.group("old_level")
    return level in "IW" or any(error in match.group("message") for error in _START_UP_ERRORS)


def set_quiet_environment() -> None:
    """Set the variables TensorFlow reads when it starts (unless already set by the learner)."""
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


@contextlib.contextmanager
def captured_native_stderr() -> Iterator[list[str]]:
    """Point file descriptor 2 at a temporary file; the list yielded gets its lines at the end.

    Python's own `sys.stderr` in a Jupyter kernel does not write to descriptor 2, so warnings
    raised meanwhile still show as usual. Without a usable descriptor 2, captures nothing.
    """
    lines: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:
        yield lines
        return
    with tempfile.TemporaryFile() as capture:
        _flush(sys.stderr)
        os.dup2(capture.fileno(), 2)
        try:
            yield lines
        finally:
            _flush(sys.stderr)
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines.extend(capture.read().decode("utf-8", errors="replace").splitlines())


def start_tensorflow() -> ModuleType:
    """Import TensorFlow (once) and find its devices quietly; return the `tensorflow` module.

    Call it before anything imports TensorFlow, Keras or the course's models (a notebook's setup
    cell does, first). Lines that are not start-up noise are written back to stderr.
    """
    set_quiet_environment()
    with captured_native_stderr() as lines:
        import tensorflow as tf

        tf.config.list_physical_devices()  # the "failed call to cuInit" line comes from here
    kept = [line for line in lines if not is_start_up_noise(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
    return tf


def _flush(stream: object) -> None:
    """Flush `stream` if it can be flushed (sys.stderr may be None or replaced)."""
    with contextlib.suppress(Exception):
        stream.flush()  # type: ignore[attr-defined]
