"""Grading on Gradescope: what `run_autograder` runs for every submission.

Gradescope unpacks the bundle (`gradescope_bundle`) into `/autograder/source`, puts the
learner's files in `/autograder/submission` and reads `/autograder/results/results.json`
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). Here:

* every course notebook found in the submission is graded (names matched as
  `python -m grader grade` does: case, spaces and punctuation ignored, a suffix such as
  Gradescope's ` (1)` allowed; the first exact match wins, other files are ignored);
* the checks come from the course's copies in `source/course/` (metadata only: no solution
  ships in the bundle), never from the submission;
* a course notebook that is missing scores 0 for each of its items, saying so;
* results.json has one test per item (`name`, `score`, `max_score`, `status`, `output`,
  `visibility`, `tags`), a 0-point "notebooks found" test that is always visible, and the
  top-level `score`, `execution_time`, `output`, `visibility` and `stdout_visibility`.

`AUTOGRADER_ROOT` (or `--root`) replaces `/autograder`, so the whole bundle runs anywhere.

    python -m grader.integrations.gradescope run [--root DIR]     # run_autograder's command
    python -m grader.integrations.gradescope check [--root DIR]   # setup.sh's last step
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from grader.batch.course import load_course
from grader.batch.grading import grade_paths
from grader.batch.options import (
    DEFAULT_MEMORY_LIMIT_MB,
    MAX_MEMORY_LIMIT_MB,
    MAX_TIMEOUT,
    GradingOptions,
    limit_problem,
)
from grader.batch.output_paths import check_output_paths
from grader.batch.result import SubmissionResult
from grader.batch.results import atomic_write_text, gradescope_json, results_table
from grader.batch.sandbox import NO_SANDBOX_WARNING
from grader.batch.sandbox import resolve as resolve_sandbox
from grader.batch.submissions import UsageError, load_registry
from grader.core.text import printable
from grader.integrations.gradescope_submission import Found, course_result, find_notebooks
from grader.integrations.gradescope_submission import missing_result as missing_result  # as before

ROOT_VARIABLE = "AUTOGRADER_ROOT"
DEFAULT_ROOT = Path("/autograder")
SETTINGS_FILE = "autograder.json"
COURSE_FOLDER = "course"
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
FOUND_TEST = "Notebooks found in your submission"


@dataclass(frozen=True)
class Settings:
    """How the bundle grades: written to `source/autograder.json` when it is built."""

    visibility: str = "visible"
    """Of every test and the total: "after_due_date" hides them until the due date."""
    timeout: float = 300.0
    """Seconds per notebook (Gradescope's own timeout must cover every notebook)."""
    memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB
    jobs: int = 1
    sandbox: str = "auto"
    """"auto": bubblewrap where namespaces are allowed, else the unprivileged user setup.sh
    creates (Gradescope's Docker refuses namespaces), else none."""
    registry: str = "grader.checks"
    python_path: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise UsageError(
                f"visibility must be one of {', '.join(VISIBILITIES)}, got {self.visibility!r}"
            )
        if not self.jobs >= 1:
            raise UsageError(f"jobs must be at least 1, got {self.jobs!r}")
        for problem in (
            limit_problem("timeout", self.timeout, MAX_TIMEOUT),
            limit_problem("memory_limit_mb", self.memory_limit_mb, MAX_MEMORY_LIMIT_MB),
        ):
            if problem is not None:
                raise UsageError(problem)
        if self.sandbox not in ("auto", "bwrap", "user", "none"):
            raise UsageError(f"sandbox must be auto, bwrap, user or none, got {self.sandbox!r}")

    def to_json(self) -> str:
        """The settings as the JSON file the bundle carries."""
        return json.dumps({**asdict(self), "python_path": list(self.python_path)}, indent=2) + "\n"

    @classmethod
    def read(cls, path: Path) -> Settings:
        """The settings in `path` (a missing file: the defaults)."""
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["python_path"] = tuple(known.get("python_path", ()))
        return cls(**known)


def results_json(
    graded: Sequence[tuple[str, SubmissionResult]],
    found: Found,
    settings: Settings,
    seconds: float,
) -> dict:
    """Gradescope's results.json for the course notebooks `graded` (name, result) in order."""
    tests: list[dict] = []
    lines: list[str] = []
    for name, result in graded:
        part = gradescope_json(result)
        for test in part["tests"]:
            tests.append(
                {
                    **test,
                    "name": f"{name} · {test['name']}",
                    "visibility": settings.visibility,
                    "tags": [*test.get("tags", []), name],
                }
            )
        if result.status == "missing":
            lines.append(f"{name}: 0/{_points(result.max_score)} points: not in your submission.")
        else:
            lines.append(f"{name} ({printable(Path(result.path).name)}): {part['output']}")
    missing = [name for name, result in graded if result.status == "missing"]
    listing = [
        f"graded: {printable(found.notebooks[name].name)} as {name}" for name in found.notebooks
    ]
    listing += [
        f"invalid: {printable(found.not_files[name].name)} as {name} (not a notebook file)"
        for name in found.not_files
    ]
    listing += [f"missing: {name}.ipynb" for name in missing]
    listing += [f"ignored: {printable(entry)}" for entry in found.ignored]
    tests.insert(
        0,
        {
            "name": FOUND_TEST,
            "score": 0.0,
            "max_score": 0.0,
            "status": "failed" if missing else "passed",
            "output": "\n".join(listing) or "no files",
            "visibility": "visible",
        },
    )
    score = sum(result.score for _, result in graded)
    maximum = sum(result.max_score for _, result in graded)
    summary = f"{_points(score)}/{_points(maximum)} points over {len(graded)} notebooks."
    if found.ignored:
        summary += "\nNot graded: " + "; ".join(map(printable, found.ignored))
    return {
        "score": float(score),
        "execution_time": max(0, round(seconds)),
        "output": summary + "\n\n" + "\n\n".join(lines),
        "visibility": settings.visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def grade_submission(root: Path, settings: Settings) -> dict:
    """Grade `root`/submission with the course in `root`/source/course; results.json data."""
    started = time.monotonic()
    registry = load_registry(settings.registry, settings.python_path)
    course_dir = root / "source" / COURSE_FOLDER
    course = load_course(course_dir, registry)
    found = find_notebooks(root / "submission", course)
    sandbox = choose_sandbox(settings)
    print(f"gradescope: kernels run with sandbox {sandbox}")
    if sandbox == "none":
        print(f"gradescope: {NO_SANDBOX_WARNING}")
    options = GradingOptions(
        course=str(course_dir),
        registry=settings.registry,
        python_path=settings.python_path,
        timeout=settings.timeout,
        memory_limit_mb=settings.memory_limit_mb,
        jobs=settings.jobs,
        sandbox=sandbox,
    )
    paths = list(found.notebooks.values())  # regular files only: never a folder to walk
    results = {Path(r.path): r for r in grade_paths(paths, options)} if paths else {}
    graded = [
        (name, course_result(name, requests, found, results, registry))
        for name, requests in sorted(course.assignments.items())
        if requests
    ]
    print(results_table([replace(result, path=Path(result.path).name) for _, result in graded]))
    for name, result in graded:
        for error in result.errors:
            print(f"{name}: {printable(error)}")
    return results_json(graded, found, settings, time.monotonic() - started)


def choose_sandbox(settings: Settings) -> str:
    """The sandbox kernels run in: for "auto", bubblewrap where namespaces are allowed, else
    the unprivileged user setup.sh creates, else (said on stdout) none: a learner still gets
    results when neither can run."""
    try:
        return resolve_sandbox(settings.sandbox, settings.jobs)
    except ValueError as error:
        if settings.sandbox != "auto":
            raise UsageError(str(error)) from None
        print(f"gradescope: {error}")
        return "none"


def failure_json(error: BaseException, seconds: float) -> dict:
    """results.json when the autograder itself failed: say so rather than leave none."""
    return {
        "score": 0.0,
        "execution_time": max(0, round(seconds)),
        "output": (
            f"The autograder itself failed ({type(error).__name__}: {error}); this is not a "
            "verdict on your work. Your instructor can see the details and regrade."
        ),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def run(root: Path) -> int:
    """Grade `root`/submission and write `root`/results/results.json; 0, or 1 on a failure,
    or 2 (nothing graded) when results.json could not be written there."""
    started = time.monotonic()
    target = root / "results" / "results.json"
    try:
        check_output_paths({"results": target})
    except UsageError as error:
        print(f"gradescope: {error}", file=sys.stderr)
        return 2
    try:
        data = grade_submission(root, Settings.read(root / "source" / SETTINGS_FILE))
        code = 0
    except Exception as error:  # results.json is written whatever happens
        traceback.print_exc(file=sys.stdout)
        data, code = failure_json(error, time.monotonic() - started), 1
    atomic_write_text(target, json.dumps(data, indent=2, allow_nan=False) + "\n")
    print(f"gradescope: {data['score']:g} points, written to {target}")
    return code


def check(root: Path) -> int:
    """setup.sh's last step: the course loads, and the kernels will find what they import."""
    try:
        settings = Settings.read(root / "source" / SETTINGS_FILE)
        registry = load_registry(settings.registry, settings.python_path)
        course = load_course(root / "source" / COURSE_FOLDER, registry)
    except (UsageError, ValueError) as error:
        print(f"gradescope check: {error}", file=sys.stderr)
        return 1
    missing = [m for m in ("tensorflow", "ipykernel", "bilstm_ner") if not _importable(m)]
    if missing:
        print(f"gradescope check: cannot import {', '.join(missing)}", file=sys.stderr)
        return 1
    points = sum(
        registry[r.name].max_score(r.graded_objects(registry[r.name]))
        for requests in course.assignments.values()
        for r in requests
    )
    names = [name for name, requests in course.assignments.items() if requests]
    print(f"gradescope check: ok, {len(names)} graded notebooks, {points:g} points")
    print(f"gradescope check: kernels will run with sandbox {choose_sandbox(settings)}")
    return 0


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _points(value: float) -> str:
    return f"{value:g}"


def main(argv: Sequence[str] | None = None) -> int:
    """`run` or `check` the bundle under --root (default $AUTOGRADER_ROOT or /autograder)."""
    parser = argparse.ArgumentParser(prog="python -m grader.integrations.gradescope")
    parser.add_argument("action", choices=("run", "check"))
    parser.add_argument("--root", default=os.environ.get(ROOT_VARIABLE) or str(DEFAULT_ROOT))
    arguments = parser.parse_args(argv)
    root = Path(arguments.root).resolve()
    return run(root) if arguments.action == "run" else check(root)


if __name__ == "__main__":
    sys.exit(main())
