"""Calling a learner's function on each of a list of cases (LEARNER side), recording plain data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.learner_side.calling import LearnerError, NotAttempted, TimedOut, call_learner
from grader.learner_side.conversions import describe
from grader.learner_side.reuse import watching_for

DEFAULT_TIME_LIMIT = 10.0
"""Seconds one call may take when the inputs do not say."""

MAX_TEXT = 200
"""A returned string longer than this is recorded cut to this length."""

MAX_VALUES = 10_000
"""A larger returned array is recorded only by its shape and dtype."""


def probe_each_case(
    function: Any,
    inputs: dict,
    *,
    arguments: Callable[[dict], tuple],
    record: Callable[[Any], dict],
    title: str,
    what: str,
    course_answers: Sequence[str] = (),
) -> dict:
    """Call the learner's `function(*arguments(case))` for each of `inputs["cases"]`, guarded.

    Returns {"results": [record(value) | {"error": message}], "not_attempted": bool,
    "reused": [each of `course_answers` ("module:function") that ran during a call]}; stops at
    the stub's NotImplementedError or at a time-out.
    """
    cases = inputs["cases"]
    if not callable(function):
        message = f"pass your function: `{title}({what})`."
        return {"results": [{"error": message}] * len(cases), "not_attempted": False}
    results: list[dict] = []
    with watching_for(course_answers) as reused:
        for case in cases:
            try:
                value = call_learner(
                    function,
                    *arguments(case),
                    check=title,
                    what=what,
                    time_limit=float(inputs.get("time_limit", DEFAULT_TIME_LIMIT)),
                )
            except NotAttempted as error:
                return {"results": [{"error": error.message}], "not_attempted": True}
            except TimedOut as error:
                results.append({"error": error.message})
                break
            except LearnerError as error:
                results.append({"error": error.message})
                continue
            results.append(record(value))
    return {"results": results, "not_attempted": False, "reused": sorted(reused)}


def record_text(value: Any) -> dict:
    """A returned string as plain data (cut), or a description of what came back instead."""
    if type(value) is str:
        return {"value": value[:MAX_TEXT]}
    return {"returned": describe(value)}


def record_array(value: Any) -> dict:
    """{"array": a copy} for a small numeric ndarray; else {"returned": description}."""
    if type(value) is not np.ndarray:
        return {"returned": describe(value)}
    if value.dtype.kind not in "biuf" or value.size > MAX_VALUES:
        return {"returned": f"a NumPy array of dtype {value.dtype} and shape {value.shape}"}
    return {"array": np.array(value, copy=True)}
