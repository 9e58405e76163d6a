"""Running learner code safely: time limits, captured output, readable errors, exact conversions.

Every call into learner code goes through `call_learner`; every value the learner returns is
turned into plain NumPy by `to_float64` before the grader looks at it. Neither imports
TensorFlow: `to_float64` recognises TensorFlow/Keras types only if TensorFlow is already loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import linecache
import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

OUTPUT_LIMIT = 2000
"""Characters of a learner's printed output kept; the rest is counted, not stored."""

_GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
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
        raise LearnerError(
            f"{what} raised {type(error).__name__}: {_short(_text_of(error))}"
            f"{_learner_line(error)}",
            output=writer.getvalue(),
        ) from None
    return result, writer.getvalue()


def _text_of(error: BaseException) -> str:
    """str(error), even when the learner's exception class breaks __str__."""
    try:
        text = str(error)
    except Exception:
        return "(the exception could not be printed)"
    return text if isinstance(text, str) else "(the exception could not be printed)"


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_library_file(filename: str) -> bool:
    path = os.path.abspath(filename)
    if path.startswith(_GRADER_DIR + os.sep):
        return True
    if any(path.startswith(directory + os.sep) for directory in _LIBRARY_DIRS):
        return True
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


# --- exact conversions -------------------------------------------------------------------------

_PYTHON_NUMBERS = (bool, int, float)
_NUMPY_SCALARS = frozenset(
    np.dtype(code).type for code in np.typecodes["AllInteger"] + np.typecodes["Float"] + "?"
)


def _tensorflow_types() -> tuple[type, ...]:
    """The exact classes of eager tensors and variables, if TensorFlow is already imported."""
    if "tensorflow" not in sys.modules:
        return ()
    import tensorflow as tf

    types: list[type] = [type(tf.constant(0.0)), type(tf.Variable(0.0))]
    if "keras" in sys.modules:
        import keras

        types.append(type(keras.Variable(0.0)))
    return tuple(types)


_TF_TYPES: dict[tuple[bool, bool], tuple[type, ...]] = {}


def _known_tensor_types() -> tuple[type, ...]:
    """Cached per (TensorFlow imported?, Keras imported?), since either may come later."""
    key = ("tensorflow" in sys.modules, "keras" in sys.modules)
    if key not in _TF_TYPES:
        _TF_TYPES[key] = _tensorflow_types()
    return _TF_TYPES[key]


def describe(value: Any) -> str:
    """'None', 'a list', 'an object of type Foo' (never calls the value's own methods)."""
    if value is None:
        return "None"
    kind = type(value)
    if kind.__module__ == "builtins":
        return f"a {kind.__qualname__}"
    name = kind.__qualname__
    if kind.__module__.split(".")[0] in ("numpy", "tensorflow", "keras"):
        name = f"{kind.__module__}.{name}"
    return f"an object of type {name}"


def to_float64(value: Any, *, what: str, shape: tuple | None = None) -> np.ndarray:
    """Convert a number, NumPy array/scalar or TensorFlow tensor/variable to a float64 ndarray.

    Only exact known types are converted (subclasses and unknown objects are refused without
    calling any of their methods). Raises `LearnerError` saying what was expected and found;
    with `shape`, the result must have exactly that shape.
    """
    kind = type(value)
    expected = "a tensor (or a NumPy array or a number)"
    if kind in _PYTHON_NUMBERS:
        array = np.array(float(value), dtype=np.float64)
    elif kind in _NUMPY_SCALARS:
        array = np.array(value, dtype=np.float64)
    elif kind is np.ndarray:
        if value.dtype.kind not in "biuf":
            raise LearnerError(
                f"{what} returned a NumPy array of dtype {value.dtype}; expected {expected} "
                "of numbers (float32)."
            )
        array = np.array(value, dtype=np.float64)
    elif kind in _known_tensor_types():
        dtype = value.dtype
        dtype = getattr(dtype, "as_numpy_dtype", dtype)
        numpy_dtype = np.dtype(dtype)
        if numpy_dtype.kind not in "biuf":
            raise LearnerError(
                f"{what} returned a tensor of dtype {numpy_dtype}; expected a tensor of numbers "
                "(float32)."
            )
        array = np.array(np.asarray(value.numpy()), dtype=np.float64)
    else:
        hint = ""
        if isinstance(value, list | tuple):
            hint = " Combine the values into one tensor with TensorFlow ops instead."
        elif value is None:
            hint = " Did you forget the `return` statement?"
        raise LearnerError(f"{what} returned {describe(value)}; expected {expected}.{hint}")
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise LearnerError(
            f"{what} returned a value of shape {tuple(array.shape)}; expected shape {tuple(shape)}."
        )
    return array
