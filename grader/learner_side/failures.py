"""Describing a learner's failure (LEARNER side): their line, the error, and for the
TensorFlow errors learners meet, what it means and the fix, in one or two sentences."""

from __future__ import annotations

import linecache
import os
import re
import sysconfig
import traceback

from grader.core.text import error_text, one_line

_GRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    {
        os.path.abspath(path)
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (path := sysconfig.get_paths().get(key))
    }
)


def describe_failure(error: BaseException, what: str) -> str:
    """One or two sentences for the learner: the learner's line, then what the error means
    and the fix when it is a known TensorFlow error (its own text, short, at the end), else
    the error itself."""
    original = _user_code_error(error)
    line = learner_line(error) or _user_code_line(error)
    hint = translate_error(type(error).__name__, original, line)
    if hint is None:
        return f"{what} raised {type(error).__name__}: {_short(original)}{line}"
    return f"{what} failed{line}: {hint} (TensorFlow said: {_short(original, 160)})"


# --- raw TensorFlow errors, translated --------------------------------------------------------

_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    (
        r"SymbolicTensor' object has no attribute 'numpy'|Cannot convert a symbolic "
        r"(tf\.)?Tensor|symbolic `?tf\.Tensor`? as a Python `?bool|"
        r"OperatorNotAllowedInGraphError|argument must be [^\n]*not 'SymbolicTensor'",
        "inside a tf.function (notebook 05 compiles the training step into one) a tensor has "
        "no value yet, so `.numpy()`, `float()`, NumPy functions and Python `if`s on tensors "
        "fail; keep to TensorFlow operations and return the tensor itself.",
    ),
    (
        r"Attempt to convert a value \(None\)|No gradients provided for any variable|"
        r"None values not supported",
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
        r"Unknown variable: .*This optimizer can only be called for the variables it was "
        r"originally built with",
        "the optimizer was given variables that are not the model's (notebook 05 builds it on "
        "model.trainable_variables): use the `model` and `optimizer` passed to train_step, and "
        "apply the gradients to model.trainable_variables.",
    ),
    (
        r"`x` and `y` must have the same dtype|must have the same dtype",
        "TensorFlow does not mix dtypes in one operation: cast one side, e.g. "
        "`tf.cast(mask, tf.float32)` or `tf.cast(lengths, losses.dtype)`.",
    ),
)


def translate_error(type_name: str, text: str, line: str = "") -> str | None:
    """What a known TensorFlow error means and how to fix it, or None; `line` (the learner's
    line, as `learner_line` gives it) tells apart errors whose text alone is ambiguous."""
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


def learner_line(error: BaseException) -> str:
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
