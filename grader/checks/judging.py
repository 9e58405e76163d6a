"""Small helpers the judges share (grader side): they read observations and never trust them.

Every helper takes whatever the probe sent and returns None (or a failure) for anything that
is not exactly what it expects, so a malformed observation never raises in a judge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.core.report import CheckItem, Report
from grader.core.spec import ItemSpec, not_attempted_report

ItemMaker = Callable[..., CheckItem]
"""`item(key, passed, message="", attempted=True) -> CheckItem`, as each judge defines it."""


def error_of(observation: Any) -> tuple[str, bool]:
    """(message, attempted) of a failure observation {"error": str, "not_attempted": bool};
    ("", True) for anything else."""
    if type(observation) is dict and type(observation.get("error")) is str:
        return observation["error"], not bool(observation.get("not_attempted"))
    return "", True


def finite_array(value: Any, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
    """`value` as a finite float64 array (of `shape`), or None if it is anything else."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf":
        return None
    if shape is not None and tuple(value.shape) != tuple(shape):
        return None
    if not np.all(np.isfinite(value)):
        return None
    return value.astype(np.float64)


def finite_allclose(found: Any, expected: Any, *, rtol: float, atol: float) -> bool:
    """Whether `found` and `expected` are arrays of one shape, all finite, equal within
    `atol + rtol * |expected|` entry by entry; NaN and infinities never match (np.allclose
    counts inf == inf)."""
    found, expected = np.asarray(found), np.asarray(expected)
    if found.dtype.kind not in "biuf" or expected.dtype.kind not in "biuf":
        return False
    if found.shape != expected.shape:
        return False
    found, expected = found.astype(np.float64), expected.astype(np.float64)
    if not (np.all(np.isfinite(found)) and np.all(np.isfinite(expected))):
        return False
    return bool(np.all(np.abs(found - expected) <= atol + rtol * np.abs(expected)))


def observed_values(observation: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The finite float64 "values" array of `shape` in an observation dict, or None."""
    if type(observation) is not dict:
        return None
    return finite_array(observation.get("values"), shape)


def finite_number(value: Any) -> float | None:
    """`value` as a float if it is a finite Python int or float, else None."""
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    return None


def rows_summary(rows: np.ndarray | list, limit: int = 8) -> str:
    """The first `limit` row numbers, comma-separated, with ", ..." when there are more."""
    rows = [int(r) for r in rows]
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (", ..." if len(rows) > limit else "")


def loss_drop_item(
    item: ItemMaker, key: str, loss_before: float | None, loss_after: float | None, failure: str
) -> CheckItem:
    """Passes when the loss went down; `failure` is formatted with {before} and {after}."""
    if loss_before is None or loss_after is None:
        return item(key, False, "The loss before or after the step is not finite.")
    if loss_after < loss_before:
        return item(key, True)
    return item(key, False, failure.format(before=loss_before, after=loss_after))


def case_results(observations: Any) -> list:
    """The per-case "results" list of an observation (empty for anything else)."""
    value = observations.get("results") if type(observations) is dict else None
    return value if type(value) is list else []


def cases_not_attempted(observations: Any) -> bool:
    """Whether the probe reported the stub's NotImplementedError."""
    return type(observations) is dict and observations.get("not_attempted") is True


def first_error(results: list) -> str | None:
    """The error message of the first per-case result, if it is one."""
    first = results[0] if results and type(results[0]) is dict else {}
    return first.get("error") if type(first.get("error")) is str else None


def reuse_message(observations: Any) -> str | None:
    """Why a function that ran the course's own answer earns nothing, or None."""
    reused = observations.get("reused") if type(observations) is dict else None
    if type(reused) is not list or not reused or not all(type(n) is str for n in reused):
        return None
    names = ", ".join(f"`{name.replace(':', '.')}`" for name in reused[:3])
    return (
        f"Your function runs the course's own answer ({names}): it earns no points. Write the "
        "rules yourself, in your function's own code."
    )


def judge_each_case(
    title: str,
    items: Sequence[ItemSpec],
    inputs: dict,
    observations: Any,
    problem: Callable[[Any, dict], str | None],
) -> Report:
    """One item per case of `inputs["cases"]` (named by the case): failed when the learner's
    function stopped before the case or raised on it, else with `problem(result, case)` (None:
    passed); the stub's report when not attempted."""
    results = case_results(observations)
    if cases_not_attempted(observations):
        return not_attempted_report(title, items, first_error(results))
    reused = reuse_message(observations)
    if reused:
        return Report(title, [CheckItem(case["name"], False, reused) for case in inputs["cases"]])
    report = []
    for index, case in enumerate(inputs["cases"]):
        result = results[index] if index < len(results) else None
        if type(result) is not dict:
            message = "Not checked: your function stopped before this case (see above)."
        elif type(result.get("error")) is str:
            message = result["error"]
        else:
            message = problem(result, case)
        report.append(CheckItem(case["name"], message is None, message or ""))
    return Report(title, report)
