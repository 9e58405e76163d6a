"""Where grading time goes: one graded submission split into the tool's start-up, the phases the
grading process stamps (`grader.batch.phases`: kernel start, the TensorFlow import cell, the
other cells, probes, the recompute worker, judging...) and the tool's shutdown.

Each run is a fresh `python -m grader grade --json` child. Its start-up is the JSON's
`tool_phases.startup` (this child's start until its first submission began); its shutdown is
what remains of the child's wall time (stopping the recompute worker, writing the results,
printing, the interpreter's exit). The submission is 05_training.ipynb by default: the slowest
to grade (the most code cells, a training demo, and the recompute worker's train_step
recomputation, which 01, 02 and 04 never start). Inputs are seeded (`--seed`), so every run
does the same work; a submission without full marks is an error, not a timing.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks.grading_tool import SOLUTIONS, Runner, declared_checks, read_results
from benchmarks.harness import Figure, python_module, run_child

NOTEBOOK = SOLUTIONS / "05_training.ipynb"
SEED = "14"
PARTS = {
    "tool_startup": "tool start-up (process start to first submission)",
    "setup": "setup (read, scan, inputs, kernel library)",
    "kernel_start": "sandbox + kernel start",
    "tensorflow_import": "TensorFlow import (the cell loading it)",
    "cells": "the learner's other cells",
    "probes": "probes (probe cell until sealed)",
    "kernel_shutdown": "kernel shutdown",
    "recompute_start": "recompute worker start",
    "recompute": "recompute requests",
    "judging": "judging",
    "tool_shutdown": "tool shutdown (worker stop, results, exit)",
}


def graded_notebooks(folder: Path = SOLUTIONS) -> list[Path]:
    """The course's notebooks the grader grades (those declaring checks), in course order."""
    return [n for n in sorted(folder.glob("*.ipynb")) if declared_checks(n)]


def grade_once(
    notebook: Path, extra: Sequence[str] = (), run: Runner = run_child
) -> tuple[dict[str, float], str]:
    """Grade `notebook` in one child; (seconds per part of PARTS, the sandbox that ran)."""
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as folder:
        results = Path(folder) / "results.json"
        command = python_module(
            "grader", "grade", str(notebook), "--json", str(results), "--seed", SEED, *extra
        )
        child = run(command)
        (submission,) = read_results(results, 1)
        tool = json.loads(results.read_text(encoding="utf-8")).get("tool_phases", {})
    return parts_of(child.wall, submission, tool), str(submission.get("sandbox", ""))


def parts_of(wall: float, submission: dict, tool: dict) -> dict[str, float]:
    """One run's seconds per part: the tool's start-up, the submission's phases, and the rest
    of the child's `wall` time as the tool's shutdown (so the parts add up to `wall`)."""
    phases = submission.get("phases") or {}
    names = [name for name in PARTS if name not in ("tool_startup", "tool_shutdown")]
    missing = [name for name in names if name not in phases]
    if missing or "startup" not in tool:
        raise ValueError(
            f"the grader's JSON has no {', '.join(missing) or 'tool_phases.startup'}: "
            "is it older than its grading phases?"
        )
    parts = {"tool_startup": float(tool["startup"])}
    parts |= {name: float(phases[name]) for name in names}
    parts["tool_shutdown"] = max(0.0, wall - sum(parts.values()))
    return parts


def breakdown(runs: Sequence[dict[str, float]], notebook: str, sandbox: str) -> list[Figure]:
    """Figures: each part's median seconds (its share of the total, and its range, in the
    note), the total, and the largest part's median share."""
    totals = [sum(run.values()) for run in runs]
    shares = {
        name: [run[name] / total for run, total in zip(runs, totals, strict=True)] for name in PARTS
    }
    figures = [
        Figure.of_runs(
            f"{label} ({notebook})",
            [run[name] for run in runs],
            "s",
            note=f"{statistics.median(shares[name]):.0%} of total; "
            f"{min(run[name] for run in runs):.2f}-{max(run[name] for run in runs):.2f} s",
        )
        for name, label in PARTS.items()
    ]
    largest = max(PARTS, key=lambda name: statistics.median(shares[name]))
    figures.append(
        Figure.of_runs(
            f"grade one submission ({notebook}), all parts", totals, "s", note=f"sandbox: {sandbox}"
        )
    )
    figures.append(
        Figure.of_runs(
            f"largest part of grading {notebook}",
            [100 * share for share in shares[largest]],
            "% of total",
            note=PARTS[largest],
        )
    )
    return figures


def collect(
    repeat: int,
    notebook: Path = NOTEBOOK,
    others: Sequence[Path] | None = None,
    extra: Sequence[str] = (),
    run: Runner = run_child,
) -> Iterator[Figure]:
    """Figures: `notebook`'s parts over `repeat` runs (`breakdown`), then each of `others`
    (default: every other graded course notebook) graded once: its total, its largest parts."""
    runs, sandboxes = [], set()
    for _ in range(repeat):
        parts, sandbox = grade_once(notebook, extra, run)
        runs.append(parts)
        sandboxes.add(sandbox)
    yield from breakdown(runs, notebook.name, "/".join(sorted(sandboxes)))
    if others is None:
        others = [n for n in graded_notebooks() if n.name != notebook.name]
    for other in others:
        parts, sandbox = grade_once(other, extra, run)
        total = sum(parts.values())
        top = sorted(parts, key=parts.get, reverse=True)[:3]
        yield Figure.of_runs(
            f"grade one submission ({other.name}), all parts",
            [total],
            "s",
            note=f"sandbox: {sandbox}; "
            + ", ".join(f"{name} {parts[name]:.1f} s ({parts[name] / total:.0%})" for name in top),
        )
