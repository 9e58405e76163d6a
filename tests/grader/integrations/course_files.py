"""Course notebooks as a learner would submit them, for the integrations' tests."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[3]
BATCH_TESTS = ROOT / "tests" / "grader" / "batch"
TOY_COURSE = BATCH_TESTS / "toy_course"
"""double.ipynb (3 points), greet.ipynb (1) and renamed.ipynb (3): checks from `toy_checks`."""


def course_points() -> dict[str, float]:
    """{course notebook: its maximum}, as the course (solutions/) and the checks declare it."""
    from grader.batch.course import load_course
    from grader.batch.submissions import load_registry

    registry = load_registry("grader.checks")
    return {
        name: sum(registry[r.name].max_score(r.graded_objects(registry[r.name])) for r in requests)
        for name, requests in load_course(None, registry).assignments.items()
        if requests
    }


COURSE_POINTS = course_points()
COURSE_TOTAL = sum(COURSE_POINTS.values())


def solution(name: str) -> nbformat.NotebookNode:
    """The course's solution notebook `name` (e.g. "04_compute_loss")."""
    return nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)


def stub(name: str) -> nbformat.NotebookNode:
    """The learner notebook `name` as handed out (every exercise a stub)."""
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


PAD_ZERO = ("tf.not_equal(input_batch, pad_index)", "tf.not_equal(input_batch, 0)")
"""Notebook 04 with the padding id hard-coded as 0: right for pad_index 0 only, so some of its
points (a scalar, the loss with pad_index 0) on every run, and not the others."""


def partly_right_loss(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """`notebook` (04_compute_loss, solution or nbgrader source) with PAD_ZERO's mistake."""
    changed = 0
    for cell in notebook.cells:
        if (
            cell.cell_type == "code"
            and PAD_ZERO[0] in cell.source
            and "def compute_loss" in cell.source
        ):
            cell.source = cell.source.replace(*PAD_ZERO)
            changed += 1
    assert changed == 1, "04_compute_loss no longer computes its mask as expected"
    return notebook


def code_notebook(*sources: str, metadata: dict | None = None) -> nbformat.NotebookNode:
    """A notebook of code cells, with `metadata` of its own (graded runs ignore it)."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata.update(metadata or {})
    return notebook


def write(path: Path, notebook: nbformat.NotebookNode) -> Path:
    """Write `notebook` to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path
