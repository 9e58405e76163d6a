"""Writing grading results: a text table, our JSON, Gradescope's results.json, a summary CSV.

Every file is written atomically (a temporary file in the same folder, then a rename), so a
reader never sees half a file and an interrupted run leaves the previous file in place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from grader.batch.notebook_files import non_file_kind
from grader.batch.result import SubmissionResult
from grader.core.text import printable

JSON_FORMAT_VERSION = 1


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` (UTF-8) atomically: readers see the old file or the new one.

    Text that cannot be UTF-8 (a lone surrogate from a learner's message, a file name that
    is not UTF-8) is written as a backslash escape rather than failing the whole write. Only
    a regular file is replaced: a device, pipe or folder there raises ValueError (renaming
    over `/dev/full` would turn it into a file).
    """
    path = Path(path)
    kind = non_file_kind(path)
    if kind is not None:
        raise ValueError(f"{path} is {kind}: results are written to regular files only")
    path = Path(os.path.realpath(path))  # a link stays a link: the file it names is replaced
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(
            descriptor, "w", encoding="utf-8", errors="backslashreplace", newline=""
        ) as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def results_json(
    results: Sequence[SubmissionResult],
    run: dict | None = None,
    tool_phases: dict[str, float] | None = None,
) -> dict:
    """Our machine-readable results: totals and, per submission, every item and error; `run`
    says what decided the grading (course, checks, seed, shard); `tool_phases` (if given) the
    tool's own seconds outside any submission (`grade_paths`)."""
    data = {
        "format_version": JSON_FORMAT_VERSION,
        "run": run,
        "submissions": [result.to_dict() for result in results],
        "total": {
            "submissions": len(results),
            "score": sum(result.score for result in results),
            "max_score": sum(result.max_score for result in results),
        },
    }
    if tool_phases is not None:
        data["tool_phases"] = {name: round(seconds, 3) for name, seconds in tool_phases.items()}
    return data


def gradescope_json(result: SubmissionResult) -> dict:
    """One submission in Gradescope's results.json shape (one test per check item)."""
    tests = []
    for check, report in result.reports:
        for item in report.items:
            tests.append(
                {
                    "name": f"{report.title}: {item.name}",
                    "score": float(item.score),
                    "max_score": float(item.points),
                    "output": item.message if not item.passed else "",
                    "status": "passed" if item.passed else "failed",
                    "tags": [check],
                }
            )
    summary = f"{_points(result.score)}/{_points(result.max_score)} points ({result.status})."
    if result.errors:
        summary += "\n\nProblems found while running your notebook:\n" + "\n".join(
            f"- {printable(error)}" for error in result.errors
        )
    return {
        "score": float(result.score),
        "execution_time": max(0, round(result.seconds)),
        "output": summary,
        "tests": tests,
    }


def summary_csv(results: Sequence[SubmissionResult]) -> str:
    """One row per submission: path, score, max_score, status, seconds, errors, per-check scores.
    A path's control characters are escaped (`printable`): a newline or a terminal escape in a
    file name reaches neither a spreadsheet's rows nor a terminal showing the file."""
    checks = list(dict.fromkeys(check for result in results for check, _ in result.reports))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["submission", "score", "max_score", "status", "seconds", "errors"]
        + [f"{check}_score" for check in checks]
    )
    for result in results:
        per_check = {check: report.score for check, report in result.reports}
        writer.writerow(
            [
                _safe_cell(printable(result.path)),
                _points(result.score),
                _points(result.max_score),
                result.status,
                f"{result.seconds:.1f}",
                len(result.errors),
            ]
            + [_points(per_check[check]) if check in per_check else "" for check in checks]
        )
    return buffer.getvalue()


def _safe_cell(text: str) -> str:
    """Keep spreadsheet programs from running a path that starts like a formula (control
    characters in it are already escaped, `printable`)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def results_table(results: Sequence[SubmissionResult]) -> str:
    """A plain-text table: submission, score/max, status, errors, time; one line per
    submission, whatever its name holds (control characters escaped, `printable`)."""
    rows = [("submission", "score", "status", "errors", "time")]
    for result in results:
        rows.append(
            (
                printable(result.path),
                f"{_points(result.score)}/{_points(result.max_score)}",
                printable(result.status),
                str(len(result.errors)),
                f"{result.seconds:.1f} s",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(
    path: str | os.PathLike,
    results: Sequence[SubmissionResult],
    run: dict | None = None,
    tool_phases: dict[str, float] | None = None,
) -> None:
    """Write `results_json(results, run, tool_phases)` to `path` atomically."""
    text = json.dumps(results_json(results, run, tool_phases), indent=2, allow_nan=False)
    atomic_write_text(path, text + "\n")


def write_gradescope(path: str | os.PathLike, result: SubmissionResult) -> None:
    """Write `gradescope_json(result)` to `path` atomically."""
    atomic_write_text(path, json.dumps(gradescope_json(result), indent=2) + "\n")


def write_csv(path: str | os.PathLike, results: Sequence[SubmissionResult]) -> None:
    """Write `summary_csv(results)` to `path` atomically."""
    atomic_write_text(path, summary_csv(results))


def _points(value: float) -> str:
    return f"{value:g}"
