"""`python -m grader grade`: check the options, grade, write the results, then print them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.batch.grading import GradingOptions, grade_paths
from grader.batch.output_paths import check_output_paths
from grader.batch.sandbox import NO_SANDBOX_WARNING
from grader.batch.sandbox import resolve as resolve_sandbox
from grader.batch.submissions import (
    UsageError,
    collect_notebooks,
    collect_with_roots,
    load_registry,
)
from grader.batch.user_sandbox import KERNEL_USER, folders_open_to_kernel_user
from grader.core.text import printable, printable_lines

EXIT_OK, EXIT_BELOW_THRESHOLD = 0, 1


def run_grade(arguments: argparse.Namespace) -> int:
    """Run `grade` with parsed `arguments`; the exit code (0, or 1 below --fail-under)."""
    from grader.batch import results as writers

    for stream in (sys.stdout, sys.stderr):  # learner text may not be encodable: escape it
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    notebooks = collect_notebooks(arguments.paths)
    _check_sandbox(arguments)
    json_path = arguments.json or ("results.json" if arguments.format == "gradescope" else None)
    check_output_paths({"--json": json_path, "--csv": arguments.csv}, notebooks)
    if arguments.format == "gradescope" and len(notebooks) != 1:
        raise UsageError(
            f"--format gradescope grades one submission per run, found {len(notebooks)} notebooks"
        )
    options = GradingOptions(
        checks=arguments.checks,
        course=arguments.course,
        sandbox=arguments.sandbox,
        allow_flagged=arguments.allow_flagged,
        registry=arguments.checks_module,
        timeout=arguments.timeout,
        memory_limit_mb=arguments.memory_limit,
        jobs=arguments.jobs,
        seed=arguments.seed,
        python_path=tuple(arguments.python_path),
        shard=arguments.shard,
    )
    load_registry(options.registry, options.python_path)  # misuse shows before any work
    if arguments.sandbox == "none":
        print(f"python -m grader: {NO_SANDBOX_WARNING}", file=sys.stderr)
    progress = None
    tool_phases: dict[str, float] = {}
    if len(notebooks) > 1 and not arguments.no_progress:
        from tqdm import tqdm

        progress = tqdm(total=len(notebooks), unit="notebook", file=sys.stderr, leave=False)
    try:  # the paths as given: each notebook keeps the folder it was found in (its root), and
        # a folder x.ipynb found in one is reported, not walked into as if it were a folder given
        results = grade_paths(
            arguments.paths,
            options,
            on_result=(lambda _: progress.update(1)) if progress is not None else None,
            tool_phases=tool_phases,
        )
    finally:
        if progress is not None:
            progress.close()

    if arguments.format == "gradescope":
        writers.write_gradescope(arguments.json or "results.json", results[0])
    elif arguments.json:
        writers.write_json(
            arguments.json, results, run=run_description(arguments), tool_phases=tool_phases
        )
    if arguments.csv:
        writers.write_csv(arguments.csv, results)

    if arguments.verbose or len(results) == 1:
        for result in results:
            where = f" (sandbox: {result.sandbox})" if result.sandbox else ""
            print(f"== {printable(result.path)}: {printable(result.status)}{where}")
            for error in result.errors:
                print(f"   ! {printable(error)}")
            for _, report in result.reports:
                print(printable_lines(str(report)))
            print()
    print(writers.results_table(results))  # its cells escaped

    if arguments.fail_under is not None and any(
        result.score < arguments.fail_under for result in results
    ):
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


def _check_sandbox(arguments: argparse.Namespace) -> None:
    """Refuse a sandbox that cannot run here, and under `--sandbox user` (no mount namespace: a
    kernel sees what its user may read) submitted folders that user may enter: every kernel
    could read the other submissions."""
    try:
        sandbox = resolve_sandbox(arguments.sandbox, arguments.jobs)
    except ValueError as error:  # said now, not under a progress bar already drawn
        raise UsageError(str(error)) from None
    if sandbox != "user":
        return
    roots = sorted({root for _, root in collect_with_roots(arguments.paths)})
    reachable = folders_open_to_kernel_user(roots)
    if reachable:
        raise UsageError(
            f"--sandbox user: {KERNEL_USER} may enter {reachable[0]}, so each kernel could read "
            "the other submissions there; make it private first (chmod o-rwx "
            f"{reachable[0]}, or a parent folder)"
        )


def run_description(arguments: argparse.Namespace) -> dict:
    """What decided the grading of this run, so `merge` can refuse shards of different runs."""
    shard = arguments.shard
    return {
        "checks": list(arguments.checks) if arguments.checks is not None else None,
        "course": str(Path(arguments.course).resolve()) if arguments.course else None,
        "checks_module": arguments.checks_module,
        "seed": arguments.seed,
        "shard": None if shard is None else {"index": shard[0], "count": shard[1]},
    }
