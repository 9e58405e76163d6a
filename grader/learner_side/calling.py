"""Calling learner code safely (LEARNER side): time limits, captured output, readable errors.

Every call into learner code goes through `call_learner`; a failure becomes a `LearnerError`
whose `.message` is a sentence for the learner, recorded by `learner_failure` as plain data.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import linecache
import logging
import os
import re
import signal
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from grader.core.text import error_text, one_line

OUTPUT_LIMIT = 2000
"""Characters of a learner's printed output kept; the rest is counted, not stored."""

_GRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    {
        os.path.abspath(path)
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (path := sysconfig.get_paths().get(key))
    }
)


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
            f"{what} called exit() (SystemExit {error.code!r}){_learner_line(error)}: "
            "return a value instead of exiting.",
            output=writer.getvalue(),
        ) from None
    except BaseException as error:  # anything learner code throws is reported
        raise LearnerError(describe_failure(error, what), output=writer.getvalue()) from None
    return result, writer.getvalue()


def describe_failure(error: BaseException, what: str) -> str:
    """One or two sentences for the learner: the learner's line, then what the error means
    and the fix when it is a known TensorFlow error (its own text, short, at the end), else
    the error itself."""
    original = _user_code_error(error)
    line = _learner_line(error) or _user_code_line(error)
    hint = translate_error(type(error).__name__, original, line)
    if hint is None:
        return f"{what} raised {type(error).__name__}: {_short(original)}{line}"
    return f"{what} failed{line}: {hint} (TensorFlow said: {_short(original, 160)})"


# --- raw TensorFlow errors, translated --------------------------------------------------------

_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    (
        r"SymbolicTensor' object has no attribute 'numpy'|Cannot convert a symbolic "
        r"(tf\.)?Tensor|symbolic `?tf\.Tensor`? as a Python `?bool|"
        r"OperatorNotAllowedInGraphError",
        "inside a tf.function (notebook 05 compiles the training step into one) a tensor has "
        "no value yet, so `.numpy()`, NumPy functions and Python `if`s on tensors fail; keep "
        "to TensorFlow operations and return the tensor itself.",
    ),
    (
        r"Attempt to convert a value \(None\)|No gradients provided for any variable",
        "a gradient is None: the loss was not computed from the model's output inside "
        "`with tf.GradientTape() as tape:` (call the model in that block), or part of it went "
        "through NumPy, which the tape cannot follow.",
    ),
    (
        r"of bool is not in the list of allowed values|DataType bool not in list of allowed|"
        r"expected to be a \w+ tensor but is a bool tensor",
        "a boolean mask (from tf.not_equal or tf.sequence_mask) went into arithmetic; "
        "`losses * mask` with a bool mask even gives a bool tensor, so cast it first: "
        "`mask = tf.cast(mask, losses.dtype)`.",
    ),
    (
        r"labels\.shape\.rank` must equal `logits\.shape\.rank - 1|must have rank \(ndim\) "
        r"`target\.ndim - 1`",
        "one-hot labels were given to a sparse loss: "
        "tf.nn.sparse_softmax_cross_entropy_with_logits takes the tag ids themselves "
        "(ground_truth_tags, int [batch, time]); one-hot labels go to "
        "tf.nn.softmax_cross_entropy_with_logits.",
    ),
    (
        r"logits and labels must be broadcastable|SoftmaxCrossEntropyWithLogits.*input shapes|"
        r"`target` and `output` must have the same rank|"
        r"Incompatible shapes.*(?<!sparse_)softmax_cross_entropy_with_logits\(",
        "tag ids were given to a loss that wants one-hot labels: pass ground_truth_tags to "
        "tf.nn.sparse_softmax_cross_entropy_with_logits (or one-hot them with "
        "tf.one_hot(ground_truth_tags, n_tags) first).",
    ),
    (
        r"Tried to read from index \d+ but array size is|Trying to access element \d+ in a "
        r"list with \d+ elements",
        "the mask has fewer time steps than the batch: tf.sequence_mask(lengths) stops at the "
        "longest length, so pass maxlen: `tf.sequence_mask(lengths, maxlen=tf.shape("
        "input_batch)[1])`.",
    ),
    (
        r"tf\.function only supports singleton tf\.Variables created on the first call",
        "it creates new variables (an optimizer, a layer or a model) every time it runs, "
        "which a tf.function (notebook 05 compiles the training step into one) refuses: use "
        "the `optimizer` and `model` passed to train_step, created once outside it.",
    ),
    (
        r"`x` and `y` must have the same dtype|must have the same dtype",
        "TensorFlow does not mix dtypes in one operation: cast one side, e.g. "
        "`tf.cast(mask, tf.float32)` or `tf.cast(lengths, losses.dtype)`.",
    ),
)


def translate_error(type_name: str, text: str, line: str = "") -> str | None:
    """What a known TensorFlow error means and how to fix it, or None; `line` (the learner's
    line, as `_learner_line` gives it) tells apart errors whose text alone is ambiguous."""
    probe = f"{type_name}: {text} {line}"
    for pattern, hint in _TRANSLATIONS:
        if re.search(pattern, probe):
            return hint
    return None


_USER_CODE_FRAME = re.compile(r'File "([^"]+)", line (\d+), in [^\n]*\n\s*(\S[^\n]*)')


def _user_code_error(error: BaseException) -> str:
    """The error's text on one line; from AutoGraph's "in user code: File ... Error: message"
    text, only the error at its end."""
    text = error_text(error)
    if "in user code:" not in text:
        return text
    try:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    except Exception:
        return text
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"[\w.]+(Error|Exception): ", lines[index]):
            return one_line(" ".join(lines[index:]))
    return text


def _user_code_line(error: BaseException) -> str:
    """' (file, line N: `code`)' from the last learner frame AutoGraph lists in its message."""
    try:
        text = str(error)
    except Exception:
        return ""
    if "in user code:" not in text:
        return ""
    for filename, number, code in reversed(_USER_CODE_FRAME.findall(text)):
        if _is_library_file(filename):
            continue
        is_cell = "ipykernel_" in filename or filename.startswith("<ipython-input")
        where = "your cell" if is_cell else os.path.basename(filename)
        code = code.strip()
        return f" ({where}, line {number}: `{_short(code, 120)}`)"
    return ""


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


def _short(text: str, limit: int = 300) -> str:
    """One line of at most `limit` characters (learner text can be huge)."""
    text = one_line(text[: 4 * limit])
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_library_file(filename: str) -> bool:
    path = os.path.abspath(filename)
    if path.startswith(_GRADER_DIR + os.sep):
        return True
    if any(path.startswith(directory + os.sep) for directory in _LIBRARY_DIRS):
        return True
    if os.path.basename(path).startswith("__autograph_generated_file"):
        return True  # AutoGraph's rewrite of a learner's function: its message names their line
    parts = path.split(os.sep)
    return "tensorflow" in parts or "keras" in parts or "site-packages" in parts


def _learner_line(error: BaseException) -> str:
    """' (your cell, line 4: `x = ...`)' for the last traceback frame in learner code, or ''."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<frozen") and not _is_library_file(frame.filename)
    ]
    if not frames:
        return ""
    frame = frames[-1]
    filename = frame.filename
    is_cell = "ipykernel_" in filename or filename.startswith("<ipython-input")
    where = "your cell" if is_cell else os.path.basename(filename)
    source = (frame.line or linecache.getline(filename, frame.lineno or 0)).strip()
    code = f": `{_short(source, 120)}`" if source else ""
    return f" ({where}, line {frame.lineno}{code})"


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
