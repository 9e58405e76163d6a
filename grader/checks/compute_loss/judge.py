"""check_compute_loss, judge (grader side): the observed losses against the NumPy reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.compute_loss import (
    DIFFERENTIABLE,
    EXTREME_LOGITS,
    FINITE_SCALAR,
    IGNORES_PADDED_LOGITS,
    ITEMS,
    MATCHES_ANY_PAD,
    MATCHES_PAD_ZERO,
    TITLE,
)
from grader.checks.compute_loss.compare import ABSOLUTE_TOLERANCE
from grader.checks.compute_loss.compare import close as _close
from grader.checks.compute_loss.compare import scalar as _scalar
from grader.checks.compute_loss.judge_gradient import (
    blind_positions_message,
    extreme_message,
    gradient_message,
    observed_dict,
)
from grader.checks.compute_loss.reference import (
    DIAGNOSIS_TOLERANCE,
    arguments,
    diagnose,
    per_sentence_losses,
    reference_loss,
)
from grader.checks.judging import finite_allclose
from grader.core.report import CheckItem, Report
from grader.core.spec import not_attempted_report


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
        if finite_allclose(value, expected, rtol=DIAGNOSIS_TOLERANCE, atol=ABSOLUTE_TOLERANCE):
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
        if not _close(_scalar(values[index]), reference_loss(*arguments(cases[index])))
    ]
    if not wrong:
        return None
    scalars = [_scalar(value) if type(value) is np.ndarray else None for value in values]
    diagnosis = diagnose(cases, scalars, vocabulary_size)
    first = wrong[0]
    expected = reference_loss(*arguments(cases[first]))
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
        and _close(scalars[index], reference_loss(*arguments(cases[index])))
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
    real_changed = _observed(observations, "real_changed_values", count)
    real_changed_errors = _observed(observations, "real_changed_errors", count)
    not_attempted = type(observations) is dict and observations.get("not_attempted") is True
    for index in range(count):
        if type(errors[index]) is str:
            values[index] = errors[index]
        if type(garbage_errors[index]) is str:
            garbage_values[index] = garbage_errors[index]
        if type(real_changed_errors[index]) is str:
            real_changed[index] = real_changed_errors[index]

    if not_attempted:
        message = next((e for e in errors + garbage_errors if type(e) is str), None)
        return not_attempted_report(TITLE, ITEMS, message)

    constant = _constant_message(values) or _blind_to_logits_message(cases, values, real_changed)
    if constant:  # a loss that ignores the logits is "finite" and "ignores padding" for free
        finite, padded = (False, constant), constant
    else:
        finite, padded = _finite_scalar(cases, values, garbage_values), None
    items = [CheckItem(FINITE_SCALAR, *finite, points=1.0)]
    pad_zero = [index for index, case in enumerate(cases) if case["pad_index"] == 0]
    other_pads = [index for index, case in enumerate(cases) if case["pad_index"] != 0]
    vocabulary_size = int(inputs["vocabulary_size"])
    for name, indices in ((MATCHES_PAD_ZERO, pad_zero), (MATCHES_ANY_PAD, other_pads)):
        message = _mismatch_message(cases, values, indices, vocabulary_size)
        items.append(CheckItem(name, message is None, message or "", points=2.0))
    message = (
        padded
        or _padded_logits_message(cases, values, garbage_values)
        or blind_positions_message(
            cases[inputs.get("gradient_case", 0)], observed_dict(observations, "gradient")
        )
    )
    items.append(CheckItem(IGNORES_PADDED_LOGITS, message is None, message or "", points=1.0))
    gradient_case = inputs.get("gradient_case", 0)
    message = gradient_message(cases[gradient_case], observed_dict(observations, "gradient"))
    items.append(CheckItem(DIFFERENTIABLE, message is None, message or "", points=1.0))
    message = extreme_message(inputs["extreme"], observed_dict(observations, "extreme"))
    items.append(CheckItem(EXTREME_LOGITS, message is None, message or "", points=1.0))
    return Report(title=TITLE, items=items)


def _constant_message(values: list) -> str | None:
    """Why a loss that returned one same number for every batch earns nothing, or None."""
    numbers = [_scalar(value) for value in values]
    if len(numbers) < 2 or any(number is None or not np.isfinite(number) for number in numbers):
        return None
    if max(numbers) - min(numbers) > 1e-9 * max(1.0, abs(numbers[0])):
        return None
    return (
        f"compute_loss returned {numbers[0]:.6g} for every one of {len(numbers)} different "
        "batches: it does not depend on the logits yet, so it cannot be finite or ignore "
        "padding for the right reason. Compute the cross-entropy of the logits with "
        "tf.nn.sparse_softmax_cross_entropy_with_logits, then mask it."
    )


def _blind_to_logits_message(cases: list[dict], values: list, real_changed: list) -> str | None:
    """Why a loss that kept its value when the logits of real tokens changed (one batch is
    enough) earns nothing for being finite or ignoring padding, or None. A loss with no
    recorded value there is not credited either: it cannot be told from one that ignores the
    logits."""
    for case, clean, changed in zip(cases, values, real_changed, strict=True):
        if type(clean) is not np.ndarray or _scalar(clean) is None:
            return None  # no scalar: the items fail on that already
        if type(changed) is str:
            return f"With other logits at real positions, compute_loss failed: {changed}"
        if type(changed) is not np.ndarray or _scalar(changed) is None:
            return "Not checked: compute_loss gave no scalar for other logits at real positions."
        if np.isfinite(_scalar(clean)) and _close(_scalar(changed), _scalar(clean)):
            return (
                f"Changing the logits at the real positions of {_describe_case(case)} left your "
                f"loss at {_scalar(clean):.6g}: it does not depend on the logits, so it cannot "
                "be finite or ignore padding for the right reason. Compute the cross-entropy "
                "of the logits with tf.nn.sparse_softmax_cross_entropy_with_logits, then mask it."
            )
    return None


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
