"""Gradescope: which course notebooks a submission folder holds, and each one's result (graded,
invalid or missing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.course import Course, normalized
from grader.batch.notebook_files import not_a_file_problem, notebook_entries
from grader.batch.result import SubmissionResult
from grader.batch.submissions import CheckRequest
from grader.batch.verdicts import tool_failure
from grader.core.spec import CheckSpec, failed_report

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX"}


@dataclass
class Found:
    """What a submission folder holds: course notebook name -> the file graded as it."""

    notebooks: dict[str, Path] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    """Files not graded, each with why (relative to the submission folder)."""
    not_files: dict[str, Path] = field(default_factory=dict)
    """Course notebook name -> what was submitted for it named like a notebook but not a file
    (a folder `02_embeddings.ipynb`), when nothing better was: that notebook is invalid."""


def find_notebooks(submission: Path, course: Course) -> Found:
    """Match the notebooks under `submission` to the course's graded notebooks by name.

    When several files match one course notebook, an exact name (ignoring case, spaces and
    punctuation) wins, then the shortest name: `04_compute_loss.ipynb` over
    `04_compute_loss (1).ipynb`. Notebooks matching no course notebook are ignored. A folder
    (or other non-file) named like a notebook is never entered, and counts for its course
    notebook only when no file does (then in `not_files`, graded as invalid).
    """
    found = Found()
    candidates: dict[str, list[Path]] = {}
    paths = notebook_entries(submission) if submission.is_dir() else []
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
            key=lambda p: (
                not_a_file_problem(p) is not None,
                normalized(p.stem) != normalized(name),
                len(p.name),
                str(p),
            ),
        )
        chosen = ranked[0]
        if not_a_file_problem(chosen) is None:
            found.notebooks[name] = chosen
        else:
            found.not_files[name] = chosen
        found.ignored += [
            f"{p.relative_to(submission)} ({chosen.name} is graded as {name})" for p in ranked[1:]
        ]
    return found


def course_result(
    name: str,
    requests: Sequence[CheckRequest],
    found: Found,
    results: Mapping[Path, SubmissionResult],
    registry: Mapping[str, CheckSpec],
) -> SubmissionResult:
    """Course notebook `name`'s result: its file's, else invalid (a folder was submitted for
    it), else missing; a file without a result (a bug) fails its items rather than the run."""
    if name in found.notebooks:
        path = found.notebooks[name]
        if path in results:
            return results[path]
        error = RuntimeError(f"no result for {path.name}")
        return tool_failure(path, [(r, registry[r.name]) for r in requests], error)
    if name in found.not_files:
        return not_a_file_result(name, found.not_files[name], requests, registry)
    return missing_result(name, requests, registry)


def not_a_file_result(
    name: str, path: Path, requests: Sequence[CheckRequest], registry: Mapping[str, CheckSpec]
) -> SubmissionResult:
    """A course notebook submitted as something not a file (a folder): each item 0, its
    maximum kept, saying why; nothing inside it is read."""
    reason = not_a_file_problem(path) or f"{path.name} is not a notebook file"
    result = _unsubmitted(name, requests, registry, reason)
    result.path, result.status, result.errors = str(path), "invalid notebook", [reason]
    return result


def missing_result(
    name: str, requests: Sequence[CheckRequest], registry: Mapping[str, CheckSpec]
) -> SubmissionResult:
    """A course notebook absent from the submission: each of its items 0, saying why."""
    reason = f"{name}.ipynb was not found in your submission: upload it with that name."
    return _unsubmitted(name, requests, registry, reason)


def _unsubmitted(
    name: str, requests: Sequence[CheckRequest], registry: Mapping[str, CheckSpec], reason: str
) -> SubmissionResult:
    """Course notebook `name` not graded: every item of its checks 0 for `reason`."""
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
