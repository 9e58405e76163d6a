"""`python -m grader export nbgrader COURSE_DIR`: the course as an nbgrader course directory.

For every course notebook that declares checks, `source/<name>/<name>.ipynb` (nbgrader cell
metadata, schema 3):

* a code cell holding `### BEGIN SOLUTION` / `### END SOLUTION` is a solution cell; nbgrader's
  `generate_assignment` turns each region into `# YOUR CODE HERE` + `raise NotImplementedError()`,
  the same stub as `make notebooks`;
* the cell that calls `check_<name>(...)` becomes an autograded test cell worth the check's
  points (as the course declares them): it prints the report and outputs `report.score`, which
  nbgrader reads as partial credit; a score of 0 raises, so a stub earns nothing; it also
  asserts the report's maximum, so a notebook checked by another version of the grader fails
  rather than being scored on a different scale;
* every other cell is locked (read-only; nbgrader restores it before grading).

Outputs are cleared. The notebooks name the course kernel, written to
`kernels/<KERNEL_NAME>/kernel.json`: this interpreter (or `--python`) started through
`grader.integrations.nbgrader_kernel`, which refuses to start when the course cannot be imported
(and a sentence says so even when `grader` itself cannot),
so a broken environment fails `nbgrader autograde` instead of scoring everyone 0.
`nbgrader_config.py` points nbgrader at the course, at that kernel, and gives cells 10 minutes.
nbgrader runs learners' code in its own kernel, outside this project's sandbox.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import nbformat

from grader.batch.course import read_course
from grader.batch.submissions import (
    CheckRequest,
    UsageError,
    load_registry,
)
from grader.core.parsing import parse
from grader.core.spec import CheckSpec

KERNEL_NAME = "bilstm-ner-course"
KERNEL_DISPLAY_NAME = "BiLSTM NER course (Python 3)"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
SCHEMA_VERSION = 3
CELL_TIMEOUT = 600

CONFIG_TEMPLATE = '''\
"""nbgrader's configuration for this course. Written by `python -m grader export nbgrader`."""

import os

c = get_config()  # noqa: F821 (nbgrader provides it)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = {course_id!r}
# The course kernel, kernels/{kernel_name}/, is found here without `jupyter kernelspec install`.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    folder for folder in (HERE, os.environ.get("JUPYTER_PATH")) if folder
)
# Notebook 05 trains a tagger: allow a cell {timeout} s (nbgrader's default is 30 s).
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
'''


def nbgrader_metadata(
    grade_id: str,
    *,
    solution: bool = False,
    grade: bool = False,
    locked: bool = False,
    points: float | None = None,
) -> dict:
    """One cell's `metadata["nbgrader"]` (schema 3)."""
    metadata = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        metadata["points"] = points
    return metadata


def check_call(source: str, check: str) -> str | None:
    """The source of the first `check_<check>(...)` call in a cell's `source`, or None."""
    try:
        tree = parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == f"check_{check}"
        ):
            return ast.get_source_segment(source, node)
    return None


def default_call(request: CheckRequest, spec: CheckSpec) -> str:
    """`check_<name>(obj, ...)` with the notebook's names for the check's objects, in order."""
    names = [request.objects.get(name, name) for name in spec.objects]
    if request.graded is not None:  # leave out trailing objects that are not graded
        while names and spec.objects[len(names) - 1] not in request.graded:
            names.pop()
    return f"check_{request.name}({', '.join(names)})"


def autograded_source(check: str, call: str, points: float) -> str:
    """The autograded test cell: the report printed, the score as output, 0 an error."""
    shown = f"{points:g}"
    return (
        f"# Autograded by nbgrader ({shown} points): prints the check's report; this cell's\n"
        "# output is your score (an error when it is 0). nbgrader restores this cell before\n"
        "# grading, so editing it changes nothing.\n"
        f"from grader import check_{check}\n"
        "\n"
        f"report = {call}\n"
        "print(report)\n"
        f'assert report.max_score == {shown}, "exported for another grader version: export again"\n'
        'assert report.score > 0, "no points yet: see the report above"\n'
        "report.score"
    )


def source_notebook(
    notebook: nbformat.NotebookNode,
    requests: list[CheckRequest],
    registry: Mapping[str, CheckSpec],
) -> nbformat.NotebookNode:
    """The nbgrader source version of a course notebook (the input is not modified)."""
    result = copy.deepcopy(notebook)
    pending = list(requests)
    cells = []
    for index, cell in enumerate(result.cells):
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        calls = [(r, check_call(cell.source, r.name)) for r in pending]
        request, call = next(((r, c) for r, c in calls if c), (None, None))
        if cell.cell_type == "code" and request is not None and call is not None:
            pending.remove(request)
            cells.append(_autograded_cell(cell, request, registry, call))
        elif cell.cell_type == "code" and BEGIN_SOLUTION in cell.source:
            cell.metadata["nbgrader"] = nbgrader_metadata(f"solution-{index:02d}", solution=True)
            cells.append(cell)
        else:
            cell.metadata["nbgrader"] = nbgrader_metadata(f"cell-{index:02d}", locked=True)
            cells.append(cell)
    for request in pending:  # a check the notebook never calls: test it at the end
        cell = nbformat.v4.new_code_cell()
        spec = registry[request.name]
        cells.append(_autograded_cell(cell, request, registry, default_call(request, spec)))
    result.cells = cells
    result.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
    }
    return result


def _autograded_cell(
    cell: nbformat.NotebookNode,
    request: CheckRequest,
    registry: Mapping[str, CheckSpec],
    call: str,
) -> nbformat.NotebookNode:
    spec = registry[request.name]
    points = spec.max_score(request.graded_objects(spec))
    cell.source = autograded_source(request.name, call, points)
    cell.metadata["nbgrader"] = nbgrader_metadata(
        f"autograde-{request.name}", grade=True, locked=True, points=points
    )
    return cell


KERNEL_BOOT = (
    "import os, sys\n"
    "sys.path[:] = [p for p in sys.path if p not in ('', '.', os.getcwd())]\n"
    "try:\n"
    "    from grader.integrations.nbgrader_kernel import main\n"
    "except Exception as error:\n"
    "    sys.exit(f'bilstm-ner course kernel: the course does not import in {sys.executable}: '\n"
    "             f'{type(error).__name__}: {error}')\n"
    "sys.exit(main())\n"
)
"""`python -c KERNEL_BOOT ...`: the launcher, and a sentence even when `grader` cannot import.
The working directory (a learner's submitted folder) is taken off the import path first, so a
`grader.py` handed in beside the notebook cannot stand in for the course's checks."""


def kernel_spec(python: str) -> dict:
    """The course kernel's kernel.json: `python` started through the checking launcher."""
    return {
        "argv": [python, "-c", KERNEL_BOOT, "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "env": {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"},
        "metadata": {"debugger": True},
    }


def verify_kernel(python: str) -> None:
    """Raise `UsageError` unless `python` can import the course (the launcher's own check)."""
    try:
        done = subprocess.run(
            [python, "-c", KERNEL_BOOT, "--check"],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except OSError as error:
        raise UsageError(f"--python {python}: cannot run it ({error.strerror})") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise UsageError(f"the kernel's Python {python} cannot run the course: {reason[0]}")


def export_course(
    course_dir: Path,
    course: Path | None = None,
    *,
    python: str | None = None,
    course_id: str = "bilstm-ner",
) -> list[Path]:
    """Write the nbgrader course into `course_dir`; return the files written.

    Only this command's own files are (over)written; nbgrader's gradebook, release/,
    submitted/ and autograded/ folders are left alone.
    """
    python = python or sys.executable
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", course_id):
        raise UsageError(f"--course-id must be letters, digits, '.', '_' or '-', got {course_id!r}")
    registry = load_registry("grader.checks")
    notebooks, _ = read_course(course, registry)
    sources = {
        path.stem: source_notebook(notebook, requests, registry)
        for path, notebook, requests in notebooks
        if requests
    }
    if not sources:
        raise UsageError(f"course {course or 'solutions/'}: no notebook declares grader checks")
    verify_kernel(python)

    written = []
    for name, notebook in sources.items():
        target = course_dir / "source" / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
        written.append(target)
    kernel = course_dir / "kernels" / KERNEL_NAME / "kernel.json"
    kernel.parent.mkdir(parents=True, exist_ok=True)
    kernel.write_text(json.dumps(kernel_spec(python), indent=2) + "\n", encoding="utf-8")
    config = course_dir / "nbgrader_config.py"
    config.write_text(
        CONFIG_TEMPLATE.format(course_id=course_id, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT),
        encoding="utf-8",
    )
    return [*written, kernel, config]
