"""`notebooks/` is exactly what `make notebooks` generates from `solutions/`; no solution leaks."""

from __future__ import annotations

import nbformat
import pytest

from tools.make_notebooks import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    NOTEBOOKS_DIR,
    SOLUTIONS_DIR,
    out_of_date,
    render,
)

SOLUTIONS = sorted(SOLUTIONS_DIR.glob("*.ipynb"))
GENERATED = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def solution_lines(notebook: nbformat.NotebookNode) -> tuple[set[str], set[str]]:
    """(lines inside solution regions, lines outside them), stripped, over all code cells."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        in_region = False
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if stripped in (BEGIN_SOLUTION, END_SOLUTION):
                in_region = stripped == BEGIN_SOLUTION
            elif stripped:
                (inside if in_region else outside).add(stripped)
    return inside, outside


def test_every_solution_has_a_generated_twin_and_vice_versa():
    assert [path.name for path in GENERATED] == [path.name for path in SOLUTIONS]


def test_notebooks_are_up_to_date_with_solutions():
    assert out_of_date(SOLUTIONS_DIR, NOTEBOOKS_DIR) == [], "run `make notebooks`"


@pytest.mark.parametrize("path", GENERATED, ids=lambda path: path.name)
def test_no_solution_marker_survives(path):
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda path: path.name)
def test_no_solution_code_survives(path):
    inside, outside = solution_lines(nbformat.read(path, as_version=4))
    learner = nbformat.reads(render(path), as_version=4)
    learner_lines = {
        line.strip()
        for cell in learner.cells
        if cell.cell_type == "code"
        for line in cell.source.split("\n")
    }
    leaked = sorted((inside - outside) & learner_lines)
    assert leaked == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda path: path.name)
def test_solution_has_at_least_one_exercise_or_says_it_has_none(path):
    notebook = nbformat.read(path, as_version=4)
    inside, _ = solution_lines(notebook)
    assert inside or notebook.metadata.get("exercises") == "none", (
        f"{path.name} has no `{BEGIN_SOLUTION}` region: add an exercise, or set the notebook "
        'metadata "exercises": "none" to say it is a reading-only notebook'
    )


@pytest.mark.parametrize("path", GENERATED, ids=lambda path: path.name)
def test_generated_notebooks_have_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(
        cell.outputs == [] and cell.execution_count is None
        for cell in notebook.cells
        if cell.cell_type == "code"
    )
