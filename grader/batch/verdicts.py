"""Turning what a learner's kernel returned for one check into a report (grading process).

The observations are hostile data: the check's judge reads them, and the report it returns is
made to hold exactly the items the check declares for the graded objects, at their declared
points (`conform`), so neither the kernel nor a judge bug changes the maximum. A check with no
usable result gets every declared item at 0, each saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.batch.result import SubmissionResult
from grader.batch.submissions import CheckRequest
from grader.core.report import Report
from grader.core.spec import CheckSpec, conform, failed_report, internal_error_report
from grader.core.transport import MalformedPayload

MALFORMED = "the submission's kernel returned malformed results"

NO_RESULT_REASONS = {
    "timed out": "not graded: the notebook did not finish within the time limit (a loop "
    "that never ends? a long cell not tagged `skip-when-grading`? an output or error message "
    "of over 16 MB, which is dropped unread?)",
    "out of memory": "not graded: the notebook used more memory than allowed and was "
    "stopped (a huge array or model?)",
    "out of disk": "not graded: the notebook wrote more to its folders than allowed and "
    "was stopped (files saved in a loop?)",
    "kernel died": "not graded: the notebook's kernel died (`exit()`, `os._exit()` or a "
    "crash in a cell?)",
    "kernel failed to start": "not graded: the notebook's kernel could not be started",
}


def no_result_reason(status: str, errors: list[str]) -> str:
    """Why a check got no result, from the submission's status and its last error."""
    if status in NO_RESULT_REASONS and errors:
        return f"{NO_RESULT_REASONS[status]} [{errors[-1]}]"
    return NO_RESULT_REASONS.get(
        status,
        "the submission's kernel returned no results for this check (did the notebook replace "
        "or break Python built-ins?)",
    )


def judge_outcome(
    spec: CheckSpec,
    graded: tuple[str, ...],
    inputs: dict,
    outcome: Any,
    *,
    status: str,
    errors: list[str],
    recomputed: Any = None,
) -> Report:
    """The report of one check from its kernel `outcome`; may append to `errors`, never raises.

    `outcome`: the decoded result payload, a `MalformedPayload`, or None (no result).
    `recomputed`: what the check's `recompute` gave for it, in the grading side's worker.
    """
    if outcome is None:
        return failed_report(spec, graded, no_result_reason(status, errors), attempted=True)
    if isinstance(outcome, MalformedPayload):
        errors.append(f"{spec.name}: malformed results from the kernel: {outcome}")
        return failed_report(spec, graded, MALFORMED, attempted=True)
    kind = outcome.get("status") if type(outcome) is dict else None
    if kind == "ok" and type(outcome.get("observations")) is dict:
        try:
            report = spec.judge_observations(inputs, outcome["observations"], recomputed)
            if not isinstance(report, Report):
                raise TypeError(f"judge returned {type(report).__name__}, not a Report")
        except Exception as error:  # hostile data a judge did not foresee: still the data's fault
            where = internal_error_report(spec.title, error).items[0].message
            errors.append(f"{spec.name}: the judge failed on the kernel's observations ({where})")
            return failed_report(spec, graded, MALFORMED, attempted=True)
        return conform(report, spec.declared_items(graded), spec.title)
    if kind == "missing" and _is_str_list(outcome.get("missing")):
        names = " and ".join(f"`{name}`" for name in outcome["missing"][:5])
        verb = "is" if len(outcome["missing"]) == 1 else "are"
        reason = f"{names} {verb} not defined in the notebook: did you rename it or skip its cell?"
        first_cell_error = next((e for e in errors if e.startswith("cell ")), None)
        if first_cell_error:
            reason += f" (The notebook's first error: {first_cell_error}.)"
        return failed_report(spec, graded, reason, attempted=False)
    if kind == "error" and type(outcome.get("error")) is str:
        errors.append(f"{spec.name}: the check failed in the kernel: {outcome['error'][:500]}")
        reason = f"the check could not run in your notebook: {outcome['error'][:500]}"
        return failed_report(spec, graded, reason, attempted=True)
    errors.append(f"{spec.name}: malformed results from the kernel")
    return failed_report(spec, graded, MALFORMED, attempted=True)


def _is_str_list(value: Any) -> bool:
    return type(value) is list and bool(value) and all(type(item) is str for item in value)


def failed_reports(
    requests: Sequence[tuple[CheckRequest, CheckSpec]], reason: str, *, attempted: bool
) -> list[tuple[str, Report]]:
    """(check name, report) for each requested check, every declared item failed with `reason`."""
    return [
        (
            request.name,
            failed_report(spec, request.graded_objects(spec), reason, attempted=attempted),
        )
        for request, spec in requests
    ]


def tool_failure(
    path: Path, requests: Sequence[tuple[CheckRequest, CheckSpec]], error: Exception
) -> SubmissionResult:
    """The result of a submission the tool itself failed on: every declared item at 0, saying
    so, so its maximum stays what the course gives it."""
    message = f"internal grader error: {type(error).__name__}: {str(error)[:300]}"
    reason = f"not graded: {message} (a bug in the grader: please report it)"
    reports = failed_reports(requests, reason, attempted=True)
    return SubmissionResult(
        path=str(path), status="internal error", reports=reports, errors=[message]
    )
