"""The assignment decides what is graded: which checks apply to a submission, and so its
maximum, come from the course's own notebook of the same name (or from `--checks`), never from
the submission's metadata.

A course is a folder of notebooks (default: this repository's `solutions/`), each declaring its
checks in its metadata (`{"grader": {"checks": [...]}}`), or one notebook that every submission
is graded as. A submission matches the course notebook whose name starts its own, ignoring case,
spaces and punctuation, so `05_Training (2).ipynb` and `05_training-alice.ipynb` are graded as
`05_training.ipynb`; the longest such name wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.batch.sandbox import REPOSITORY
from grader.batch.submissions import (
    CheckRequest,
    UsageError,
    declared_checks,
    duplicates,
    read_notebook,
)
from grader.core.spec import CheckSpec

DEFAULT_COURSE = REPOSITORY / "solutions"
"""The course's solution notebooks, beside the installed package (an editable install)."""


def default_course() -> Path:
    """`DEFAULT_COURSE` in a checkout; installed from a wheel (no solutions in it), the learner
    notebooks packaged with the course, which declare the same checks."""
    if DEFAULT_COURSE.is_dir():
        return DEFAULT_COURSE
    from bilstm_ner.course.files import learner_notebooks_dir

    try:
        return learner_notebooks_dir()
    except FileNotFoundError:
        return DEFAULT_COURSE


def normalized(name: str) -> str:
    """A notebook's name as matched: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass(frozen=True)
class Course:
    """The course's notebooks: name -> the checks its submissions are graded with."""

    assignments: Mapping[str, tuple[CheckRequest, ...]]
    single: bool = False
    """One course notebook given: every submission is graded as it, whatever its name."""

    def requests_for(self, submission: Path) -> tuple[str, tuple[CheckRequest, ...]] | None:
        """(course notebook name, its checks) for `submission`, or None when none matches."""
        if self.single:
            return next(iter(self.assignments.items()))
        key = normalized(submission.stem)
        matches = [name for name in self.assignments if key.startswith(normalized(name))]
        if not matches:
            return None
        best = max(matches, key=lambda name: len(normalized(name)))
        return best, self.assignments[best]

    def names(self) -> list[str]:
        """The course notebooks' names, sorted."""
        return sorted(self.assignments)


def read_course(
    path: str | Path | None, registry: Mapping[str, CheckSpec]
) -> tuple[list[tuple[Path, nbformat.NotebookNode, list[CheckRequest]]], bool]:
    """The course notebooks at `path` (a folder of notebooks, or one notebook; None:
    `default_course()`), each with its declared checks, and whether it was one notebook.

    Raises `UsageError` when it cannot be read or a course notebook declares checks wrongly:
    the course is the instructor's, so its mistakes stop grading before any kernel starts.
    """
    folder = Path(path) if path is not None else default_course()
    if folder.is_file():
        paths, single = [folder], True
    elif folder.is_dir():
        paths, single = sorted(folder.glob("*.ipynb")), False
    else:
        hint = " (give the course with --course DIR, or the checks with --checks)"
        raise UsageError(f"course {folder}: no such file or folder{hint}")
    found = []
    for notebook_path in paths:
        try:
            notebook = read_notebook(notebook_path)
        except ValueError as error:
            raise UsageError(f"course notebook {error}") from None
        requests, problems = declared_checks(notebook, registry)
        if problems:
            raise UsageError(f"course notebook {notebook_path.name}: {problems[0]}")
        if repeated := duplicates(request.name for request in requests):
            raise UsageError(
                f"course notebook {notebook_path.name}: declares {', '.join(repeated)} more "
                "than once (each check is graded once, with its objects)"
            )
        found.append((notebook_path, notebook, requests))
    if not any(requests for _, _, requests in found) and not single:
        raise UsageError(f"course {folder}: no notebook declares grader checks")
    return found, single


def load_course(path: str | Path | None, registry: Mapping[str, CheckSpec]) -> Course:
    """The course at `path` (see `read_course`), as the checks each submission gets."""
    found, single = read_course(path, registry)
    assignments = {
        notebook_path.stem: tuple(requests)
        for notebook_path, _, requests in found
        if requests or single
    }
    return Course(assignments, single)
