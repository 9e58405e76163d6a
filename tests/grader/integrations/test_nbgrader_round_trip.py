"""The nbgrader export with the real nbgrader (the `nbgrader` extra, which `make install`
installs): `python -m grader export nbgrader`, then `nbgrader generate_assignment` and
`nbgrader autograde` of a solution (full marks), a stub (0) and a partly right answer (the
score `python -m grader grade` gives the same file). Notebook 04 (6 points, about 5 s a
kernel) stands for the course; test_nbgrader_export.py covers every notebook's cells.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_files import COURSE_POINTS, ROOT, partly_right_loss, write

from grader.batch.cli import main

try:
    from nbgrader.api import Gradebook
except ImportError:  # CI installs it (make install): there, a missing nbgrader is a failure
    if os.environ.get("CI"):
        raise
    pytest.skip("nbgrader is not installed: pip install -e '.[nbgrader]'", allow_module_level=True)

ASSIGNMENT = "04_compute_loss"
POINTS = COURSE_POINTS[ASSIGNMENT]
FORGED_GRADER = f"""
class _FullMarks:
    score = max_score = {POINTS}

def check_compute_loss(compute_loss):
    return _FullMarks()
"""


def nbgrader(course_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run the nbgrader command line in `course_dir` (its venv's bin on PATH: it runs alembic)."""
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.run(
        [str(Path(bin_dir) / "nbgrader"), *arguments],
        cwd=course_dir,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=900,
    )


def notebook_path(course_dir: Path, folder: str, student: str | None = None) -> Path:
    parts = [folder, *([student] if student else []), ASSIGNMENT, f"{ASSIGNMENT}.ipynb"]
    return course_dir.joinpath(*parts)


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    """The exported course, the assignment generated, three students submitted and graded."""
    course_dir = tmp_path_factory.mktemp("nbgrader") / "course"
    assert main(["export", "nbgrader", str(course_dir)]) == 0
    generated = nbgrader(course_dir, "generate_assignment", ASSIGNMENT)
    assert generated.returncode == 0, generated.stderr[-3000:]
    source = nbformat.read(notebook_path(course_dir, "source"), as_version=4)
    release = nbformat.read(notebook_path(course_dir, "release"), as_version=4)
    submissions = {
        "alice_solution": source,
        "bob_stub": release,
        "carol_partly_right": partly_right_loss(_with_solutions(release, source)),
    }
    for student, notebook in submissions.items():
        write(notebook_path(course_dir, "submitted", student), notebook)
    forged = notebook_path(course_dir, "submitted", "bob_stub").with_name("grader.py")
    forged.write_text(FORGED_GRADER)  # handed in beside the stub: must not stand in for ours
    graded = nbgrader(course_dir, "autograde", ASSIGNMENT)
    assert graded.returncode == 0, graded.stderr[-3000:]
    return course_dir


def _with_solutions(release: nbformat.NotebookNode, source: nbformat.NotebookNode):
    """The released notebook with its solution cells answered as in the source."""
    answered = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell, original in zip(answered.cells, source.cells, strict=True):
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = original.source
    return answered


def score(course_dir: Path, student: str) -> tuple[float, float]:
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return submission.score, submission.max_score


def test_generate_assignment_leaves_the_same_stubs_as_make_notebooks(course_dir):
    release = nbformat.read(notebook_path(course_dir, "release"), as_version=4)
    learner = nbformat.read(ROOT / "notebooks" / f"{ASSIGNMENT}.ipynb", as_version=4)
    stubs = [c.source for c in release.cells if "raise NotImplementedError()" in c.source]
    assert stubs and stubs == [
        c.source for c in learner.cells if "raise NotImplementedError()" in c.source
    ]
    assert "BEGIN SOLUTION" not in json.dumps(release)


def test_the_solution_earns_full_marks(course_dir):
    assert score(course_dir, "alice_solution") == (POINTS, POINTS)


def test_the_stub_earns_nothing_even_with_a_grader_py_beside_it(course_dir):
    assert (notebook_path(course_dir, "autograded", "bob_stub").parent / "grader.py").exists()
    assert score(course_dir, "bob_stub") == (0, POINTS)


def test_a_partly_right_answer_earns_what_python_m_grader_grade_gives_it(course_dir, tmp_path):
    submitted = notebook_path(course_dir, "submitted", "carol_partly_right")
    results = tmp_path / "results.json"
    course = ROOT / "solutions" / f"{ASSIGNMENT}.ipynb"
    arguments = ["grade", str(submitted), "--course", str(course), "--json", str(results)]
    assert main(arguments) == 0
    graded = json.loads(results.read_text())["submissions"][0]
    earned = graded["score"]
    assert score(course_dir, "carol_partly_right") == (earned, POINTS) and 0 < earned < POINTS


def test_a_kernel_that_cannot_import_the_course_fails_autograde_loudly(course_dir, tmp_path):
    broken = tmp_path / "course"
    shutil.copytree(course_dir, broken, ignore=shutil.ignore_patterns("autograded"))
    venv = tmp_path / "venv"  # the course's sources, but none of its dependencies
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = next(venv.glob("lib/python3*/site-packages"))
    (purelib / "course-sources.pth").write_text(f"{ROOT}\n")
    kernel = broken / "kernels" / "bilstm-ner-course" / "kernel.json"
    spec = json.loads(kernel.read_text())
    spec["argv"][0] = str(venv / "bin" / "python")
    kernel.write_text(json.dumps(spec))
    done = nbgrader(broken, "autograde", ASSIGNMENT, "--student", "alice_solution", "--force")
    assert done.returncode != 0
    assert "bilstm-ner course kernel: the course does not import in" in done.stderr
    assert "No module named 'numpy'" in done.stderr
