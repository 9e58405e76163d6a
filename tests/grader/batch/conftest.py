"""Fixtures for the grading tool's tests: notebook builders and the TF-free toy checks."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import nbformat.v4 as v4
import pytest

from grader.batch import GradingOptions

HERE = Path(__file__).resolve().parent
TOY_COURSE = HERE / "toy_course"
"""The toy course: double.ipynb, greet.ipynb and renamed.ipynb (double looked up as times_two)."""
DOUBLE_COURSE = str(TOY_COURSE / "double.ipynb")

if str(HERE) not in sys.path:  # `toy_checks` must import here as it does in the kernels
    sys.path.insert(0, str(HERE))

DOUBLE = "def double(x):\n    return 2 * x"


def write_notebook(
    path: Path, *cells: str, checks: list | None = None, tags: dict[int, list[str]] | None = None
) -> Path:
    """A notebook of code cells at `path`, declaring `checks` (default ["double"]) in its own
    metadata, which graded runs ignore: the course decides."""
    notebook = v4.new_notebook(cells=[v4.new_code_cell(source) for source in cells])
    for index, cell_tags in (tags or {}).items():
        notebook.cells[index].metadata["tags"] = cell_tags
    notebook.metadata["grader"] = {"checks": ["double"] if checks is None else checks}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def toy_options(**changes) -> GradingOptions:
    """Options grading with `toy_checks` (no TensorFlow), quick limits."""
    settings = {
        "registry": "toy_checks",
        "python_path": (str(HERE),),
        "timeout": 60.0,
        "course": DOUBLE_COURSE,
    }
    settings.update(changes)
    return GradingOptions(**settings)


TOY_CLI = ["--checks-module", "toy_checks", "--python-path", str(HERE), "--course", DOUBLE_COURSE]


@pytest.fixture
def notebook_dir(tmp_path: Path) -> Path:
    """An empty folder for submissions."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    return folder
