"""Grade submitted notebooks: execute each in a fresh kernel, probe there, judge here.

For each notebook: read it and find its checks (`grader.submissions`); generate each check's
inputs in this process; run the notebook and then the probes in a fresh kernel
(`grader.kernel_run`, `grader.kernel_probe`); judge the observations it returned, read as
hostile data (`grader.transport`), here. Learner code never runs in this process, and this
process never imports TensorFlow itself. Entry points: `grade_paths` and `python -m grader`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.kernel_run import KernelLimits, run_notebook
from grader.report import CheckItem, Report
from grader.spec import CheckSpec, internal_error_report
from grader.submissions import (
    CheckRequest,
    UsageError,
    collect_notebooks,
    declared_checks,
    load_registry,
    read_notebook,
)
from grader.transport import MalformedPayload, write_payload

__all__ = [
    "DEFAULT_MEMORY_LIMIT_MB",
    "DEFAULT_TIMEOUT",
    "GradingOptions",
    "SubmissionResult",
    "UsageError",
    "collect_notebooks",
    "grade_notebook",
    "grade_paths",
    "load_registry",
]

DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_LIMIT_MB = 4096.0


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which checks (None: what each notebook declares), limits, parallelism."""

    checks: tuple[str, ...] | None = None
    registry: str = "grader.checks"
    timeout: float = DEFAULT_TIMEOUT
    memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB
    jobs: int = 1
    seed: int | None = None
    python_path: tuple[str, ...] = ()
    kernel_name: str = "python3"


@dataclass
class SubmissionResult:
    """What grading one notebook produced: a report per check, a status and what went wrong."""

    path: str
    status: str
    reports: list[tuple[str, Report]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent starting the kernel, running the notebook's cells, and probing."""

    @property
    def score(self) -> float:
        """Points earned over every check."""
        return float(sum(report.score for _, report in self.reports))

    @property
    def max_score(self) -> float:
        """Points available over every check."""
        return float(sum(report.max_score for _, report in self.reports))

    def to_dict(self) -> dict:
        """Plain JSON-able data: path, score, max_score, status, items, errors, time."""
        return {
            "path": self.path,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "peak_memory_mb": self.peak_memory_mb,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
            "errors": list(self.errors),
            "items": [
                {
                    "check": check,
                    "title": report.title,
                    "name": item.name,
                    "passed": bool(item.passed),
                    "points": float(item.points),
                    "score": float(item.score),
                    "attempted": bool(item.attempted),
                    "message": item.message,
                }
                for check, report in self.reports
                for item in report.items
            ],
        }


# --- grading ----------------------------------------------------------------------------------


def grade_paths(
    paths: Sequence[str | os.PathLike],
    options: GradingOptions | None = None,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every notebook under `paths`, `options.jobs` at a time; results in path order.

    Never raises for a bad submission (each gets a result saying what went wrong); raises
    `UsageError` for bad paths or options. `on_result` is called as each submission finishes.
    """
    options = options or GradingOptions()
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {options.jobs}")
    if options.timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {options.timeout:g}")
    registry = load_registry(options.registry, options.python_path)
    if options.checks is not None:
        unknown = [name for name in options.checks if name not in registry]
        if unknown:
            raise UsageError(
                f"unknown check(s) {', '.join(unknown)} (known: {', '.join(sorted(registry))})"
            )
    notebooks = collect_notebooks(paths)
    return _run_coroutine(_grade_all(notebooks, registry, options, on_result))


def _run_coroutine(coroutine: Any) -> Any:
    """asyncio.run, also from inside a running event loop (e.g. called in Jupyter)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _grade_all(
    notebooks: list[Path],
    registry: Mapping[str, CheckSpec],
    options: GradingOptions,
    on_result: Callable[[SubmissionResult], None] | None,
) -> list[SubmissionResult]:
    slots = asyncio.Semaphore(options.jobs)

    async def grade_one(path: Path) -> SubmissionResult:
        async with slots:
            started = time.monotonic()
            try:
                result = await grade_notebook(path, registry, options)
            except Exception as error:  # a bug here must not stop the batch
                result = SubmissionResult(
                    path=str(path),
                    status="internal error",
                    errors=[f"internal grader error: {type(error).__name__}: {error}"],
                )
            result.seconds = time.monotonic() - started
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(grade_one(path) for path in notebooks)))


async def grade_notebook(
    path: Path, registry: Mapping[str, CheckSpec], options: GradingOptions
) -> SubmissionResult:
    """Grade one notebook (see the module docstring); never raises for a bad submission."""
    result = SubmissionResult(path=str(path), status="graded")
    requests = [CheckRequest(name) for name in options.checks] if options.checks is not None else []
    try:
        notebook = read_notebook(path)
    except ValueError as error:
        result.status = "invalid notebook"
        result.errors.append(str(error))
        result.reports = _failed_reports(requests, registry, {}, str(error), attempted=False)
        return result
    if options.checks is None:
        requests, problems = declared_checks(notebook, registry)
        result.errors.extend(problems)
    if not requests:
        result.status = "no checks"
        result.errors.append("no checks declared in this notebook")
        return result

    inputs = {}
    for number, request in enumerate(requests):
        rng = _rng(options.seed, request.name)
        try:
            inputs[number] = registry[request.name].make_inputs(rng)
        except Exception as error:
            inputs[number] = error

    with tempfile.TemporaryDirectory(prefix="grader-", ignore_cleanup_errors=True) as private:
        private_dir = Path(private)
        for number, spec_inputs in inputs.items():  # plain data? (a trial write, then discarded)
            try:
                write_payload(private_dir / "trial" / str(number), spec_inputs)
            except Exception as error:  # make_inputs returned something not plain, or crashed
                inputs[number] = error
        shutil.rmtree(private_dir / "trial", ignore_errors=True)
        run = await run_notebook(
            notebook, path.name, requests, inputs, _limits(options), private_dir
        )
    result.status = run.status
    result.errors.extend(run.errors)
    result.timings = run.timings
    result.peak_memory_mb = run.peak_memory_mb
    observations = run.outcomes

    first_cell_error = next((e for e in result.errors if e.startswith("cell ")), None)
    for number, request in enumerate(requests):
        spec = registry[request.name]
        spec_inputs = inputs[number]
        if isinstance(spec_inputs, Exception):
            result.reports.append((request.name, internal_error_report(spec.title, spec_inputs)))
            continue
        report = _judge(spec, spec_inputs, observations.get(number), result, first_cell_error)
        result.reports.append((request.name, report))
    return result


def _limits(options: GradingOptions) -> KernelLimits:
    return KernelLimits(
        timeout=options.timeout,
        memory_limit_mb=options.memory_limit_mb,
        registry=options.registry,
        jobs=options.jobs,
        python_path=options.python_path,
        kernel_name=options.kernel_name,
    )


def _rng(seed: int | None, check_name: str) -> np.random.Generator:
    """Fresh randomness per run; with a seed, the same inputs for a check in every notebook."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, zlib.crc32(check_name.encode())])


def _judge(
    spec: CheckSpec,
    inputs: dict,
    outcome: dict | MalformedPayload | None,
    result: SubmissionResult,
    first_cell_error: str | None,
) -> Report:
    """Turn what the kernel returned for one check into a report (judged in this process)."""
    if outcome is None:
        reason = _no_result_reason(result)
        return _failed_report(spec, inputs, reason, attempted=True)
    if isinstance(outcome, MalformedPayload):
        result.errors.append(f"{spec.name}: malformed results from the kernel: {outcome}")
        return _failed_report(
            spec, inputs, "the submission's kernel returned malformed results", attempted=True
        )
    status = outcome.get("status") if type(outcome) is dict else None
    if status == "ok" and type(outcome.get("observations")) is dict:
        try:
            report = spec.judge(inputs, outcome["observations"])
            if not isinstance(report, Report):
                raise TypeError(f"judge returned {type(report).__name__}, not a Report")
            return report
        except Exception as error:
            return internal_error_report(spec.title, error)
    if status == "missing" and _is_str_list(outcome.get("missing")):
        names = " and ".join(f"`{name}`" for name in outcome["missing"][:5])
        verb = "is" if len(outcome["missing"]) == 1 else "are"
        reason = f"{names} {verb} not defined in the notebook: did you rename it or skip its cell?"
        if first_cell_error:
            reason += f" (The notebook's first error: {first_cell_error}.)"
        return _failed_report(spec, inputs, reason, attempted=False)
    if status == "error" and type(outcome.get("error")) is str:
        result.errors.append(f"{spec.name}: the check failed in the kernel: {outcome['error']}")
        reason = f"the check could not run in your notebook: {outcome['error'][:500]}"
        return _failed_report(spec, inputs, reason, attempted=True)
    result.errors.append(f"{spec.name}: malformed results from the kernel")
    return _failed_report(
        spec, inputs, "the submission's kernel returned malformed results", attempted=True
    )


def _is_str_list(value: Any) -> bool:
    return type(value) is list and bool(value) and all(type(item) is str for item in value)


def _no_result_reason(result: SubmissionResult) -> str:
    reasons = {
        "timed out": "not graded: the notebook did not finish within the time limit (a loop "
        "that never ends? a long cell not tagged `skip-when-grading`?)",
        "out of memory": "not graded: the notebook used more memory than allowed and was "
        "stopped (a huge array or model?)",
        "kernel died": "not graded: the notebook's kernel died (`exit()`, `os._exit()` or a "
        "crash in a cell?)",
        "kernel failed to start": "not graded: the notebook's kernel could not be started",
    }
    if result.status in reasons and result.errors:
        return f"{reasons[result.status]} [{result.errors[-1]}]"
    return reasons.get(
        result.status,
        "the submission's kernel returned no results for this check (did the notebook replace "
        "or break Python built-ins?)",
    )


def _failed_reports(
    requests: list[CheckRequest],
    registry: Mapping[str, CheckSpec],
    inputs: dict,
    reason: str,
    *,
    attempted: bool,
) -> list[tuple[str, Report]]:
    reports = []
    for request in requests:
        spec = registry[request.name]
        spec_inputs = inputs.get(request.name)
        reports.append((request.name, _failed_report(spec, spec_inputs, reason, attempted)))
    return reports


def _failed_report(spec: CheckSpec, inputs: dict | None, reason: str, attempted: bool) -> Report:
    """Every item the check would have judged, failed with `reason` (keeps max_score right)."""
    items: list[CheckItem] = []
    try:
        if inputs is None:
            inputs = spec.make_inputs(np.random.default_rng(0))
        items = list(spec.judge(inputs, {}).items)
    except Exception:  # the judge only tells us the item names and points here
        items = []
    if not items:
        items = [CheckItem(name=spec.name, passed=False, message=reason)]
    return Report(
        title=spec.title,
        items=[
            CheckItem(
                name=item.name,
                passed=False,
                message=reason,
                points=item.points,
                attempted=attempted,
            )
            for item in items
        ],
    )
