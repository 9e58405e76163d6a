"""Gradescope: which course notebooks a submission folder holds, and the result of a missing one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.course import Course, normalized
from grader.batch.result import SubmissionResult
from grader.batch.submissions import CheckRequest
from grader.core.spec import CheckSpec, failed_report

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX"}


@dataclass
class Found:
    """What a submission folder holds: course notebook name -> the file graded as it."""

    notebooks: dict[str, Path] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    """Files not graded, each with why (relative to the submission folder)."""


def find_notebooks(submission: Path, course: Course) -> Found:
    """Match the notebooks under `submission` to the course's graded notebooks by name.

    When several files match one course notebook, an exact name (ignoring case, spaces and
    punctuation) wins, then the shortest name: `04_compute_loss.ipynb` over
    `04_compute_loss (1).ipynb`. Notebooks matching no course notebook are ignored.
    """
    found = Found()
    candidates: dict[str, list[Path]] = {}
    paths = sorted(submission.rglob("*.ipynb")) if submission.is_dir() else []
    for path in paths:
        relative = path.relative_to(submission)
        if SKIPPED_FOLDERS & set(relative.parts) or relative.name.startswith("."):
            continue
        match = course.requests_for(path)
        if match is None or not match[1]:
            found.ignored.append(f"{relative} (not one of the course's graded notebooks)")
            continue
        candidates.setdefault(match[0], []).append(path)
    for name, matches in candidates.items():
        ranked = sorted(
            matches,
            key=lambda p: (normalized(p.stem) != normalized(name), len(p.name), str(p)),
        )
        found.notebooks[name] = ranked[0]
        found.ignored += [
            f"{p.relative_to(submission)} ({ranked[0].name} is graded as {name})"
            for p in ranked[1:]
        ]
    return found


def missing_result(
    name: str, requests: Sequence[CheckRequest], registry: Mapping[str, CheckSpec]
) -> SubmissionResult:
    """A course notebook absent from the submission: each of its items 0, saying why."""
    reason = f"{name}.ipynb was not found in your submission: upload it with that name."
    reports = [
        (
            request.name,
            failed_report(
                registry[request.name],
                request.graded_objects(registry[request.name]),
                reason,
                attempted=False,
            ),
        )
        for request in requests
    ]
    return SubmissionResult(path=f"{name}.ipynb", status="missing", reports=reports, errors=[])
