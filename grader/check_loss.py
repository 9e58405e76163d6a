"""check_compute_loss: the learner's masked loss against the NumPy reference, with diagnoses.

make_inputs (grader): six random batches with logits the grader made, so a broken model never
hides a correct loss. probe (learner side): calls compute_loss on each batch as the training
loop does (float32 logits, int32 tensors), then again with garbage logits at padded positions.
judge (grader): compares with `grader.reference` and names the mistake the values match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.randomness import random_padded_batch
from grader.reference import (
    MISTAKES,
    hard_coded_pad_loss,
    hard_coded_pad_message,
    per_sentence_losses,
    reference_loss,
)
from grader.report import CheckItem, Report
from grader.safety import LearnerError, NotAttempted, TimedOut, call_learner, to_float64
from grader.spec import CheckSpec

TITLE = "check_compute_loss(compute_loss)"
TIME_LIMIT = 15.0
"""Seconds one call of the learner's compute_loss may take (the batches are tiny)."""

MAX_VALUES = 10_000
"""Larger results are recorded only by their shape."""

RELATIVE_TOLERANCE = 2e-5
ABSOLUTE_TOLERANCE = 1e-6
DIAGNOSIS_TOLERANCE = 1e-4

FINITE_SCALAR = "returns a finite scalar"
MATCHES_PAD_ZERO = "matches the reference loss (pad_index 0)"
MATCHES_ANY_PAD = "matches the reference loss for any pad_index"
IGNORES_PADDED_LOGITS = "ignores the logits at padded positions"


# --- grader side: inputs ------------------------------------------------------------------------


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Six batches (pad_index 0 in two, random elsewhere; one without padding) with logits.

    Returns {"vocabulary_size", "n_tags", "time_limit" (seconds per learner call),
    "cases": [{"input_batch", "ground_truth_tags", "lengths", "pad_index",
    "logits": float32 [B, T, K], "garbage_logits": the same but for random large values at
    padded positions}]}.
    """
    vocabulary_size = int(rng.integers(20, 61))
    n_tags = int(rng.integers(3, 10))
    # (pad_index is 0?, batch_size, padded tags, padded at all?)
    plans = [
        (True, int(rng.integers(3, 6)), "random", True),
        (False, int(rng.integers(3, 6)), "random", True),
        (False, 2, "zero", True),
        (False, int(rng.integers(2, 5)), "random", False),
        (True, int(rng.integers(3, 6)), "zero", True),
        (False, int(rng.integers(3, 6)), "pad", True),
    ]
    cases = []
    for pad_is_zero, batch_size, padded_tags, padded in plans:
        pad_index = 0 if pad_is_zero else int(rng.integers(2, vocabulary_size))
        max_time = int(rng.integers(4, 9))
        batch = random_padded_batch(
            rng,
            vocabulary_size=vocabulary_size,
            n_tags=n_tags,
            batch_size=batch_size,
            max_time=max_time,
            pad_index=pad_index,
            padded_tags=padded_tags,
        )
        if not padded:
            batch = _without_padding(rng, batch, vocabulary_size)
        elif pad_index >= 2:  # real words 0 and 1 tell a mask hard-coded to 0 or 1 from no mask
            batch = _with_real_ids(rng, batch, (0, 1))
        shape = (batch_size, max_time, n_tags)
        logits = (rng.normal(size=shape) * rng.uniform(1.0, 3.0)).astype(np.float32)
        padding = (batch["input_batch"] == pad_index)[..., None]
        # Large next to the real logits, yet small enough that even log(softmax(x)) written
        # by hand stays finite in float32 (exp(-80) is still a normal float32).
        garbage = rng.uniform(-40.0, 40.0, size=shape).astype(np.float32)
        batch["logits"] = logits
        batch["garbage_logits"] = np.where(padding, garbage, logits).astype(np.float32)
        cases.append(batch)
    return {
        "vocabulary_size": vocabulary_size,
        "n_tags": n_tags,
        "time_limit": float(time_limit),
        "cases": cases,
    }


def _without_padding(rng: np.random.Generator, batch: dict, vocabulary_size: int) -> dict:
    """The same batch with every sentence at full length (real ids where the padding was)."""
    input_batch = batch["input_batch"]
    pad_index = batch["pad_index"]
    words = rng.integers(0, vocabulary_size - 1, size=input_batch.shape)
    words = words + (words >= pad_index)
    filled = np.where(input_batch == pad_index, words, input_batch).astype(np.int32)
    lengths = np.full_like(batch["lengths"], input_batch.shape[1])
    return {**batch, "input_batch": filled, "lengths": lengths}


def _with_real_ids(rng: np.random.Generator, batch: dict, ids: tuple[int, ...]) -> dict:
    """The same batch with `ids` written at random real positions of its longest sentence."""
    input_batch = batch["input_batch"].copy()
    longest = int(np.argmax(batch["lengths"]))
    positions = rng.choice(int(batch["lengths"][longest]), size=len(ids), replace=False)
    input_batch[longest, positions] = ids
    return {**batch, "input_batch": input_batch}


# --- learner side: probe ------------------------------------------------------------------------


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call the learner's compute_loss on every batch (clean, then garbage at padded positions).

    Returns {"values": [float64 array | None], "garbage_values": [...], "errors": [str | None],
    "garbage_errors": [...], "not_attempted": bool}.
    """
    import tensorflow as tf

    cases = inputs["cases"]
    observations: dict = {
        "values": [None] * len(cases),
        "garbage_values": [None] * len(cases),
        "errors": [None] * len(cases),
        "garbage_errors": [None] * len(cases),
        "not_attempted": False,
    }
    compute_loss = objects.get("compute_loss")
    if not callable(compute_loss):
        message = (
            "check_compute_loss needs your compute_loss function: pass it as "
            "`check_compute_loss(compute_loss)`."
        )
        observations["errors"] = [message] * len(cases)
        return observations

    # A learner's @tf.function retraces for each batch shape: keep TensorFlow's warning about it
    # out of the notebook while the check runs.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        time_limit = float(inputs.get("time_limit", TIME_LIMIT))
        _call_on_every_case(compute_loss, cases, observations, time_limit)
    finally:
        logger.setLevel(level)
    return observations


def _call_on_every_case(
    compute_loss: Any, cases: list[dict], observations: dict, time_limit: float
) -> None:
    """Fill `observations` in place; stop at the stub's NotImplementedError or a time-out."""
    import tensorflow as tf

    for index, case in enumerate(cases):
        for logits_key, values_key, errors_key in (
            ("logits", "values", "errors"),
            ("garbage_logits", "garbage_values", "garbage_errors"),
        ):
            try:
                result = call_learner(
                    compute_loss,
                    tf.constant(case[logits_key], dtype=tf.float32),
                    tf.constant(case["ground_truth_tags"], dtype=tf.int32),
                    tf.constant(case["input_batch"], dtype=tf.int32),
                    int(case["pad_index"]),
                    check=TITLE,
                    what="compute_loss",
                    time_limit=time_limit,
                )
                value = to_float64(result, what="compute_loss")
                if value.size > MAX_VALUES:  # keep observations small: the shape says it all
                    raise LearnerError(
                        f"compute_loss returned a value of shape {value.shape}; expected a "
                        "scalar (shape ())."
                    )
                observations[values_key][index] = value
            except NotAttempted as error:
                observations["not_attempted"] = True
                observations[errors_key][index] = error.message
                return
            except TimedOut as error:  # one endless loop is enough: do not wait for the others
                observations[errors_key][index] = error.message
                return
            except LearnerError as error:
                observations[errors_key][index] = error.message
                break  # the garbage call adds nothing when the clean one failed


# --- grader side: judge -------------------------------------------------------------------------


def _close(value: float, expected: float, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    if np.isnan(expected) or np.isnan(value):
        return bool(np.isnan(expected) and np.isnan(value))
    return bool(abs(value - expected) <= ABSOLUTE_TOLERANCE + tolerance * abs(expected))


def _observed(observations: Any, key: str, count: int) -> list:
    """The observed list under `key`, each entry validated (anything malformed becomes None)."""
    if type(observations) is not dict:
        return [None] * count
    values = observations.get(key)
    if type(values) not in (list, tuple) or len(values) != count:
        return [None] * count
    checked = []
    for value in values:
        if type(value) is np.ndarray and value.dtype.kind in "biuf":
            checked.append(np.asarray(value, dtype=np.float64))
        elif type(value) is str:
            checked.append(value)
        else:
            checked.append(None)
    return checked


def _scalar(value: Any) -> float | None:
    if type(value) is np.ndarray and value.size == 1:
        return float(value.reshape(()))
    return None


def _describe_case(case: dict) -> str:
    lengths = [int(length) for length in case["lengths"]]
    return f"the batch with pad_index={case['pad_index']} and lengths {lengths}"


def _shape_message(value: np.ndarray, case: dict) -> str:
    batch_size, max_time = case["input_batch"].shape
    shape = tuple(value.shape)
    if shape == (batch_size,):
        expected = per_sentence_losses(
            case["logits"], case["ground_truth_tags"], case["input_batch"], case["pad_index"]
        )
        if np.allclose(value, expected, rtol=DIAGNOSIS_TOLERANCE, atol=ABSOLUTE_TOLERANCE):
            return (
                f"compute_loss returned the per-sentence losses (shape {shape}); the loss must "
                "be one number: take their mean over sentences with `tf.reduce_mean`."
            )
        return (
            f"compute_loss returned one value per sentence (shape {shape}); expected a scalar: "
            "the mean over sentences of each sentence's mean loss."
        )
    if shape == (batch_size, max_time):
        return (
            f"compute_loss returned one loss per token (shape {shape}); expected a scalar: "
            "mask them, average within each sentence, then over sentences."
        )
    return f"compute_loss returned a value of shape {shape}; expected a scalar (shape ())."


def _not_finite_message(value: float, case: dict) -> str:
    return (
        f"compute_loss returned {value} on {_describe_case(case)}. Look for a division by a "
        "zero count (is the mask built from `input_batch`?) or a log of 0."
    )


def _diagnose(cases: list[dict], values: list[float | None], vocabulary_size: int) -> str | None:
    """The message of the known mistake matching every usable value, or None."""
    usable = [(case, value) for case, value in zip(cases, values, strict=True) if value is not None]
    if not usable:
        return None
    references = [reference_loss(*_arguments(case)) for case, _ in usable]

    def matches(loss) -> bool:
        predicted = [loss(*_arguments(case)) for case, _ in usable]
        differs = any(
            not _close(p, r, DIAGNOSIS_TOLERANCE)
            for p, r in zip(predicted, references, strict=True)
        )
        return differs and all(
            _close(value, p, DIAGNOSIS_TOLERANCE)
            for (_, value), p in zip(usable, predicted, strict=True)
        )

    for mistake in MISTAKES:
        if matches(mistake.loss):
            return mistake.message
    for constant in range(vocabulary_size):
        if matches(hard_coded_pad_loss(constant)):
            return hard_coded_pad_message(constant)
    return None


def _arguments(case: dict) -> tuple:
    return (case["logits"], case["ground_truth_tags"], case["input_batch"], case["pad_index"])


def _mismatch_message(
    cases: list[dict], values: list, indices: list[int], vocabulary_size: int
) -> str | None:
    """None when every case in `indices` matches the reference; otherwise what went wrong."""
    for index in indices:
        value = values[index]
        if type(value) is str:
            return f"Not checked: on {_describe_case(cases[index])}, {value}"
        if value is None or _scalar(value) is None:
            return "Not checked: compute_loss did not return a scalar (see above)."
    wrong = [
        index
        for index in indices
        if not _close(_scalar(values[index]), reference_loss(*_arguments(cases[index])))
    ]
    if not wrong:
        return None
    scalars = [_scalar(value) if type(value) is np.ndarray else None for value in values]
    diagnosis = _diagnose(cases, scalars, vocabulary_size)
    first = wrong[0]
    expected = reference_loss(*_arguments(cases[first]))
    numbers = (
        f"On {_describe_case(cases[first])} your loss is {scalars[first]:.6g}; "
        f"the reference is {expected:.6g}."
    )
    if diagnosis:
        return f"{diagnosis} ({numbers})"
    unpadded = [
        index
        for index, case in enumerate(cases)
        if (case["lengths"] == case["input_batch"].shape[1]).all()
    ]
    if unpadded and all(
        scalars[index] is not None
        and _close(scalars[index], reference_loss(*_arguments(cases[index])))
        for index in unpadded
    ):
        return (
            f"{numbers} It agrees only when no sentence is padded: check how your mask "
            "(`input_batch != pad_index`) enters the per-sentence sums and counts."
        )
    return (
        f"{numbers} Per sentence: sum the masked token cross-entropies and divide by the number "
        "of real tokens; then take the mean over sentences."
    )


def judge(inputs: dict, observations: dict) -> Report:
    """Grade the observed losses against the NumPy reference; never calls learner code."""
    cases = inputs["cases"]
    count = len(cases)
    values = _observed(observations, "values", count)
    garbage_values = _observed(observations, "garbage_values", count)
    errors = _observed(observations, "errors", count)
    garbage_errors = _observed(observations, "garbage_errors", count)
    not_attempted = type(observations) is dict and observations.get("not_attempted") is True
    for index in range(count):
        if type(errors[index]) is str:
            values[index] = errors[index]
        if type(garbage_errors[index]) is str:
            garbage_values[index] = garbage_errors[index]

    if not_attempted:
        message = next((e for e in errors + garbage_errors if type(e) is str), "not attempted")
        return Report(
            title=TITLE,
            items=[
                CheckItem(FINITE_SCALAR, False, message, points=1.0, attempted=False),
                CheckItem(MATCHES_PAD_ZERO, False, "Not attempted yet.", 2.0, attempted=False),
                CheckItem(MATCHES_ANY_PAD, False, "Not attempted yet.", 2.0, attempted=False),
                CheckItem(IGNORES_PADDED_LOGITS, False, "Not attempted yet.", 1.0, False),
            ],
        )

    items = [CheckItem(FINITE_SCALAR, *_finite_scalar(cases, values, garbage_values), points=1.0)]
    pad_zero = [index for index, case in enumerate(cases) if case["pad_index"] == 0]
    other_pads = [index for index, case in enumerate(cases) if case["pad_index"] != 0]
    vocabulary_size = int(inputs["vocabulary_size"])
    for name, indices in ((MATCHES_PAD_ZERO, pad_zero), (MATCHES_ANY_PAD, other_pads)):
        message = _mismatch_message(cases, values, indices, vocabulary_size)
        items.append(CheckItem(name, message is None, message or "", points=2.0))
    message = _padded_logits_message(cases, values, garbage_values)
    items.append(CheckItem(IGNORES_PADDED_LOGITS, message is None, message or "", points=1.0))
    return Report(title=TITLE, items=items)


def _finite_scalar(cases: list[dict], values: list, garbage_values: list) -> tuple[bool, str]:
    for case, value in zip(cases, values, strict=True):
        if type(value) is str:
            return False, value
        if value is None:
            stopped = next((text for text in garbage_values if type(text) is str), None)
            return False, stopped or "The check recorded no value for compute_loss."
        if value.size != 1:
            return False, _shape_message(value, case)
        if not np.isfinite(value).all():
            return False, _not_finite_message(_scalar(value), case)
    return True, ""


def _padded_logits_message(cases: list[dict], values: list, garbage_values: list) -> str | None:
    for case, clean, garbage in zip(cases, values, garbage_values, strict=True):
        if type(clean) is not np.ndarray or _scalar(clean) is None:
            return "Not checked: compute_loss did not return a scalar (see above)."
        if type(garbage) is str:
            return (
                "With other logits at padded positions (only there), compute_loss failed: "
                f"{garbage}"
            )
        if type(garbage) is not np.ndarray or _scalar(garbage) is None:
            return "Not checked: compute_loss did not return a scalar (see above)."
        if not _close(_scalar(garbage), _scalar(clean)):
            return (
                f"Changing only the logits at padded positions of {_describe_case(case)} changed "
                f"your loss from {_scalar(clean):.6g} to {_scalar(garbage):.6g}: padded "
                "positions must not count. Multiply the token losses by the mask built from "
                "`input_batch != pad_index`."
            )
    return None


COMPUTE_LOSS = CheckSpec(
    name="compute_loss",
    title=TITLE,
    objects=("compute_loss",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
)
