"""Grade submitted notebooks: execute each in a fresh kernel, probe there, judge here.

For each notebook: read it and find its checks (`submissions`); fix each check's items and
maximum and generate its inputs in this process; run the notebook and then the probes in a
fresh kernel (`kernel_run`, `grader.learner_side.kernel_probe`); judge the observations it
returned, read as hostile data (`grader.core.transport`), here (`verdicts`). Learner code
never runs in this process, and this process never imports TensorFlow itself. Entry points:
`grade_paths` and `python -m grader`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grader.batch.course import Course, load_course
from grader.batch.event_loop import run_coroutine
from grader.batch.kernel_run import KernelLimits, run_notebook
from grader.batch.options import (
    MAX_MEMORY_LIMIT_MB,
    MAX_TIMEOUT,
    GradingOptions,
    limit_problem,
)
from grader.batch.phases import PhaseClock, process_age
from grader.batch.recompute_worker import (
    RECOMPUTE_FAILED,
    RecomputeFailed,
    RecomputeWorker,
    recompute_outcome,
)
from grader.batch.result import SubmissionResult
from grader.batch.sandbox import resolve as resolve_sandbox
from grader.batch.shards import select
from grader.batch.submissions import (
    CheckRequest,
    UsageError,
    collect_with_roots,
    duplicates,
    load_registry,
    read_notebook,
)
from grader.batch.tampering import scan_notebook
from grader.batch.user_sandbox import one_user_sandbox_run
from grader.batch.verdicts import failed_reports, judge_outcome, tool_failure
from grader.core.spec import CheckSpec, failed_report, internal_error_report
from grader.core.transport import write_payload

# --- grading ----------------------------------------------------------------------------------


def grade_paths(
    paths: Sequence[str | os.PathLike],
    options: GradingOptions | None = None,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
    tool_phases: dict[str, float] | None = None,
) -> list[SubmissionResult]:
    """Grade every notebook under `paths`, `options.jobs` at a time; results in path order.

    Never raises for a bad submission (each gets a result saying what went wrong); raises
    `UsageError` for bad paths or options. `on_result` is called as each submission finishes.
    `tool_phases`, when given, gets "startup" (seconds from this process's start until the
    first submission's grading began; absent where unknown) and "worker_stop" (stopping the
    recompute worker after the last submission).
    """
    options = options or GradingOptions()
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {options.jobs}")
    for problem in (
        limit_problem("--timeout", options.timeout, MAX_TIMEOUT),
        limit_problem("--memory-limit", options.memory_limit_mb, MAX_MEMORY_LIMIT_MB),
    ):
        if problem is not None:
            raise UsageError(problem)
    registry = load_registry(options.registry, options.python_path)
    if options.checks is not None:
        unknown = [name for name in options.checks if name not in registry]
        if unknown:
            raise UsageError(
                f"unknown check(s) {', '.join(unknown)} (known: {', '.join(sorted(registry))})"
            )
        if repeated := duplicates(options.checks):  # each would count twice in the maximum
            raise UsageError(f"--checks lists {', '.join(repeated)} more than once")
    try:
        sandbox = resolve_sandbox(options.sandbox, options.jobs)
    except ValueError as error:
        raise UsageError(str(error)) from None
    course = None if options.checks is not None else load_course(options.course, registry)
    notebooks = select(collect_with_roots(paths), options.shard)
    tool_phases = {} if tool_phases is None else tool_phases
    # One kernel user for every run on this machine: one such run at a time.
    with one_user_sandbox_run() if sandbox == "user" else contextlib.nullcontext():
        return run_coroutine(
            _grade_all(notebooks, registry, course, options, on_result, tool_phases)
        )


async def _grade_all(
    notebooks: list[tuple[Path, Path]],
    registry: Mapping[str, CheckSpec],
    course: Course | None,
    options: GradingOptions,
    on_result: Callable[[SubmissionResult], None] | None,
    tool_phases: dict[str, float],
) -> list[SubmissionResult]:
    slots = asyncio.Semaphore(options.jobs)
    worker = RecomputeWorker(options.registry, options.python_path, options.timeout)

    async def grade_one(path: Path, root: Path) -> SubmissionResult:
        async with slots:
            if "startup" not in tool_phases and (age := process_age()) is not None:
                tool_phases["startup"] = age
            started = time.monotonic()
            try:
                result = await grade_notebook(
                    path, registry, options, course, root=root, worker=worker
                )
            except Exception as error:  # a bug here must not stop the batch, nor lose points
                result = _internal_error_result(path, registry, options, course, error)
            result.seconds = time.monotonic() - started
        if on_result is not None:
            on_result(result)
        return result

    try:
        return list(await asyncio.gather(*(grade_one(path, root) for path, root in notebooks)))
    finally:
        stopping = time.perf_counter()
        worker.close()
        tool_phases["worker_stop"] = time.perf_counter() - stopping


async def grade_notebook(
    path: Path,
    registry: Mapping[str, CheckSpec],
    options: GradingOptions,
    course: Course | None = None,
    *,
    root: Path | None = None,
    worker: RecomputeWorker | None = None,
) -> SubmissionResult:
    """Grade one notebook (see the module docstring); never raises for a bad submission.

    Its checks are `options.checks`, else those of its course notebook (`course`, loaded from
    `options.course` when not given): fixed before the submission is even read. `worker`
    recomputes what judges compare with (default: one of its own, stopped at the end).
    The result's `phases` say where its time went (`grader.batch.phases`).
    """
    if worker is None:
        with RecomputeWorker(options.registry, options.python_path, options.timeout) as own:
            return await grade_notebook(path, registry, options, course, root=root, worker=own)
    clock = PhaseClock()
    result = SubmissionResult(path=str(path), status="graded")
    if options.checks is None:
        course = course or load_course(options.course, registry)
    requests = _requests(path, options, course)
    if requests is None:
        result.status = "not a course notebook"
        result.errors.append(
            f"{path.name} is not one of the course's notebooks ({', '.join(course.names())})"
            ": name it after one of them, or grade it with --checks"
        )
        return _timed(result, clock, "setup")
    planned = [(request, registry[request.name]) for request in requests]
    try:
        notebook = read_notebook(path, root)
    except ValueError as error:
        result.status = "invalid notebook"
        result.errors.append(str(error))
        result.reports = failed_reports(planned, str(error), attempted=False)
        return _timed(result, clock, "setup")
    if not requests:
        result.status = "no checks"
        result.errors.append("the course grades nothing in this notebook")
        return _timed(result, clock, "setup")
    findings = scan_notebook(notebook)
    result.errors.extend(f"flagged: {finding}" for finding in findings[:20])
    if findings and not options.allow_flagged:
        what = (
            "imports a module graded runs do not allow"
            if findings[0].rule == "unlisted-module"
            else "reaches into the grading machinery"
        )
        reason = (
            f"flagged, not graded: {findings[0]} {what} (rule "
            f"{findings[0].rule}; {len(findings)} finding(s) in all, listed with the errors). "
            "An instructor who has reviewed the notebook can grade it with --allow-flagged."
        )
        return _timed(_flagged(result, planned, reason), clock, "setup")

    inputs: dict[int, Any] = {}
    for number, (request, spec) in enumerate(planned):
        try:
            inputs[number] = spec.make_inputs(_rng(options.seed, request.name))
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
        hidden = tuple(
            dict.fromkeys(
                answer
                for request, spec in planned
                for answer in spec.hidden_answers(request.graded_objects(spec))
            )
        )
        limits = _limits(options, hidden, () if root is None else (root,))
        result.sandbox = limits.sandbox
        run = await run_notebook(notebook, path.name, planned, inputs, limits, private_dir, clock)
    clock.lap("kernel_shutdown")  # with its private folders removed
    result.status = run.status
    result.errors.extend(run.errors)
    result.timings = run.timings
    result.peak_memory_mb = run.peak_memory_mb
    if run.trips:  # the guard stopped the kernel: nothing it computed is graded
        result.errors.extend(f"flagged: {trip}" for trip in run.trips)
        first = run.trips[0]
        where = f"cell {first.cell}, line {first.line}" if first.cell else "the notebook's code"
        reason = (
            f"flagged, not graded: {where} took the running program's frames or objects "
            f"({first.code}), which reaches into the grading machinery, and the kernel was "
            "stopped (rule run-time-introspection)"
        )
        return _timed(_flagged(result, planned, reason), clock, "judging")

    for number, (request, spec) in enumerate(planned):
        graded = request.graded_objects(spec)
        spec_inputs = inputs[number]
        if isinstance(spec_inputs, Exception):
            report = internal_error_report(spec.title, spec_inputs)
            message = report.items[0].message
            report = failed_report(spec, graded, message, attempted=True)
        else:
            outcome = run.outcomes.get(number)
            clock.lap("judging")  # the checks judged before this one
            try:
                recomputed = await recompute_outcome(worker, spec, spec_inputs, outcome, clock)
            except RecomputeFailed as error:
                result.errors.append(f"{spec.name}: the grader's recomputation failed: {error}")
                report = failed_report(
                    spec, graded, f"{RECOMPUTE_FAILED} ({error})", attempted=True
                )
            else:
                report = judge_outcome(
                    spec,
                    graded,
                    spec_inputs,
                    outcome,
                    status=result.status,
                    errors=result.errors,
                    recomputed=recomputed,
                )
        result.reports.append((request.name, report))
    return _timed(result, clock, "judging")


def _flagged(result: SubmissionResult, planned: list, reason: str) -> SubmissionResult:
    """`result` flagged: every check's items failed with `reason`, as attempted."""
    result.status = "flagged"
    result.reports = failed_reports(planned, reason, attempted=True)
    return result


def _timed(result: SubmissionResult, clock: PhaseClock, phase: str) -> SubmissionResult:
    """`result` with its phases, the time since the clock's last lap charged to `phase`."""
    clock.lap(phase)
    result.phases = clock.as_dict()
    return result


def _internal_error_result(
    path: Path,
    registry: Mapping[str, CheckSpec],
    options: GradingOptions,
    course: Course | None,
    error: Exception,
) -> SubmissionResult:
    """A submission the tool failed on, with every item its checks declare at 0."""
    requests = _requests(path, options, course) or []
    return tool_failure(path, [(r, registry[r.name]) for r in requests], error)


def _requests(
    path: Path, options: GradingOptions, course: Course | None
) -> list[CheckRequest] | None:
    """The checks `path` is graded with: `--checks`, else its course notebook's (None: it
    matches no course notebook)."""
    if options.checks is not None:
        return [CheckRequest(name) for name in options.checks]
    match = course.requests_for(path) if course is not None else None
    return list(match[1]) if match else None


def _limits(
    options: GradingOptions, hidden: tuple[str, ...], roots: tuple[Path, ...] = ()
) -> KernelLimits:
    return KernelLimits(
        timeout=options.timeout,
        memory_limit_mb=options.memory_limit_mb,
        registry=options.registry,
        jobs=options.jobs,
        python_path=options.python_path,
        kernel_name=options.kernel_name,
        sandbox=resolve_sandbox(options.sandbox, options.jobs),
        hidden=hidden,
        submission_roots=roots,
    )


def _rng(seed: int | None, check_name: str) -> np.random.Generator:
    """Fresh randomness per run; with a seed, the same inputs for a check in every notebook."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, zlib.crc32(check_name.encode())])
