"""Calling learner code safely (LEARNER side): time limits, captured output, readable errors.

Every call into learner code goes through `call_learner`; a failure becomes a `LearnerError`
whose `.message` is a sentence for the learner, recorded by `learner_failure` as plain data.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from grader.core.text import error_text
from grader.learner_side.failures import describe_failure, learner_line

OUTPUT_LIMIT = 2000
"""Characters of a learner's printed output kept; the rest is counted, not stored."""


class LearnerError(Exception):
    """Learner code failed or returned something unusable; `.message` is a sentence for them."""

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.output = output


class NotAttempted(LearnerError):
    """The learner's function still raises the stub's `NotImplementedError`."""


class TimedOut(LearnerError):
    """The learner's code did not finish within its time limit."""


class _TimeLimitExceeded(BaseException):
    """Raised inside learner code when its time is up (BaseException: `except Exception` in
    learner code must not swallow it)."""


class _CappedWriter(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and only counts the rest."""

    def __init__(self, limit: int = OUTPUT_LIMIT) -> None:
        super().__init__()
        self.limit = limit
        self._parts: list[str] = []
        self._kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            text = str(text)
        room = self.limit - self._kept
        if room > 0:
            self._parts.append(text[:room])
            self._kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self._parts)
        if self.dropped:
            text += f"\n... [{self.dropped} more characters of output not shown]"
        return text


def call_learner(
    fn: Callable[..., Any],
    *args: Any,
    check: str,
    what: str,
    time_limit: float = 30.0,
    **kwargs: Any,
) -> Any:
    """Call learner code `fn(*args, **kwargs)` with a time limit and captured output.

    Returns what `fn` returns. Raises `NotAttempted` for the stub's `NotImplementedError` and
    `LearnerError` (naming `what`, the exception and the learner's line) for anything else,
    including a time-out (naming `check`) and `SystemExit`. `KeyboardInterrupt` propagates.
    After the time limit the interruption repeats every 0.1 s, so code that swallows it once
    (a bare `except:`) is stopped too; a loop catching it at every turn cannot be stopped from
    inside the process (the grading tool's kernel time-out is the backstop there).
    """
    result, _ = call_learner_with_output(
        fn, *args, check=check, what=what, time_limit=time_limit, **kwargs
    )
    return result


def call_learner_with_output(
    fn: Callable[..., Any],
    *args: Any,
    check: str,
    what: str,
    time_limit: float = 30.0,
    **kwargs: Any,
) -> tuple[Any, str]:
    """Like `call_learner`, and also return what `fn` printed (truncated to ~2 kB)."""
    writer = _CappedWriter()
    try:
        with (
            _quiet_tensorflow_logger(),
            _time_limit(time_limit),
            contextlib.redirect_stdout(writer),
            contextlib.redirect_stderr(writer),
        ):
            result = fn(*args, **kwargs)
    except _TimeLimitExceeded:
        raise TimedOut(
            f"{what} did not finish within {time_limit:g} s while running {check}: "
            "look for a loop that never ends (or work far bigger than the check's tiny inputs).",
            output=writer.getvalue(),
        ) from None
    except KeyboardInterrupt:
        raise
    except NotImplementedError as error:
        if "symbolic" in error_text(error):  # NumPy on a graph tensor, not the stub
            raise LearnerError(describe_failure(error, what), output=writer.getvalue()) from None
        raise NotAttempted(
            f"{what} is not attempted yet: replace the `raise NotImplementedError()` "
            "with your code and run the cell again.",
            output=writer.getvalue(),
        ) from error
    except SystemExit as error:
        raise LearnerError(
            f"{what} called exit() (SystemExit {error.code!r}){learner_line(error)}: "
            "return a value instead of exiting.",
            output=writer.getvalue(),
        ) from None
    except BaseException as error:  # anything learner code throws is reported
        raise LearnerError(describe_failure(error, what), output=writer.getvalue()) from None
    return result, writer.getvalue()


@contextlib.contextmanager
def _quiet_tensorflow_logger():
    """Keep TensorFlow's Python log (e.g. the TensorArray dump of a failed LSTM, logged as an
    ERROR on a stream opened at import) out of the learner's notebook during the call: what
    went wrong reaches them as one translated sentence instead."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise `_TimeLimitExceeded` in this thread after `seconds` (SIGALRM in the main thread)."""
    if seconds is None or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


_REPEAT = 0.1
"""After the time limit, seconds between further interruptions (for code that swallows one)."""


@contextlib.contextmanager
def _alarm(seconds: float):
    def on_alarm(signum, frame):
        raise _TimeLimitExceeded()

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:  # an outer timer was running: give it back what is left of it
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Outside the main thread: a watchdog thread injects the exception asynchronously."""
    thread_id = threading.get_ident()
    done = threading.Event()

    def interrupt_until_done() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread_id), ctypes.py_object(_TimeLimitExceeded)
            )
            done.wait(_REPEAT)

    watchdog = threading.Thread(target=interrupt_until_done, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()
        # An exception injected just before `done` was set may still be pending: clear it.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)


def learner_failure(error: LearnerError) -> dict:
    """The observation recording a learner failure: {"error": message, "not_attempted": bool}."""
    return {"error": error.message, "not_attempted": isinstance(error, NotAttempted)}


@contextlib.contextmanager
def quiet_tensorflow_warnings():
    """Silence TensorFlow's Python warnings meanwhile: each check traces the learner's
    tf.function afresh, and after five checks TF would warn the learner about retracing."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)
