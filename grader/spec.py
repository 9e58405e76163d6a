"""A check as three pure pieces: make_inputs (grader) -> probe (learner side) -> judge (grader).

The split lets the grading tool run the probe in the learner's kernel and the judge in its own
process: inputs and observations are plain data (see `is_plain_data`), shipped as JSON + .npy.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.safety import LearnerError, NotAttempted

if TYPE_CHECKING:
    from grader.report import Report

ERROR_TEXT_LIMIT = 300
"""At most this many characters of an internal error's own message go into its report."""


@dataclass(frozen=True)
class CheckSpec:
    """One exercise's check: which learner objects it needs and its three pieces."""

    name: str
    title: str
    objects: tuple[str, ...]
    optional_objects: tuple[str, ...]
    make_inputs: Callable[[np.random.Generator], dict]
    probe: Callable[[Mapping[str, Any], dict], dict]
    judge: Callable[[dict, dict], Report]


def run_check(spec: CheckSpec, objects: Mapping[str, Any], *, seed: int | None = None) -> Report:
    """Run `spec` in this process on the learner's `objects`; never raises.

    Randomised at every call unless `seed` is given. Anything the grader itself fails on
    becomes a failed item "internal grader error: ..." rather than an exception.
    """
    try:
        inputs = spec.make_inputs(np.random.default_rng(seed))
        observations = spec.probe(objects, inputs)
        return spec.judge(inputs, observations)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a check must never raise into the notebook
        return internal_error_report(spec.title, error)


def internal_error_report(title: str, error: BaseException) -> Report:
    """A one-item failed report for a bug in the grader itself (which should never happen)."""
    from grader.report import CheckItem, Report

    where = traceback.extract_tb(error.__traceback__)
    place = f" at {where[-1].filename}:{where[-1].lineno}" if where else ""
    text = _shortened(_error_text(error), ERROR_TEXT_LIMIT)
    return Report(
        title=title,
        items=[
            CheckItem(
                name="internal grader error",
                passed=False,
                message=(
                    f"internal grader error: {type(error).__name__}: {text}{place}. "
                    "This is a bug in the grader, not in your code: please report it."
                ),
                points=1.0,
            )
        ],
    )


def _error_text(error: BaseException) -> str:
    """str(error) on one line, even when the exception's __str__ is broken."""
    try:
        text = str(error)
    except Exception:
        return "(the exception could not be printed)"
    if type(text) is not str:
        return "(the exception could not be printed)"
    return " ".join(text.split())


def _shortened(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def learner_failure(error: LearnerError) -> dict:
    """The observation recording a learner failure: {"error": message, "not_attempted": bool}."""
    return {"error": error.message, "not_attempted": isinstance(error, NotAttempted)}


_PLAIN_SCALARS = (type(None), bool, int, float, str)


def is_plain_data(value: Any) -> bool:
    """True if `value` holds only None/bool/int/float/str, lists/tuples, str-keyed dicts and
    numeric or bool NumPy arrays: what may cross between the learner's kernel and the grader."""
    if type(value) in _PLAIN_SCALARS:
        return True
    if type(value) is np.ndarray:
        return value.dtype.kind in "biuf"
    if type(value) in (list, tuple):
        return all(is_plain_data(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and is_plain_data(item) for key, item in value.items())
    return False
