"""Every solution notebook follows the course skeleton (STYLE.md) and is stored executed.

Small lint rules in the spirit of tensorflow/docs: one reason to fail each, named after it.
"""

from __future__ import annotations

import re
import statistics

import nbformat
import pytest

from tools.make_notebooks import SOLUTIONS_DIR

SOLUTIONS = sorted(SOLUTIONS_DIR.glob("*.ipynb"))
CHECK_CALLS = {
    "normalize_token": "check_normalize_token(",
    "pad_sentences": "check_pad_sentences(",
    "embedding_layer": "check_embedding_layer(",
    "build_layers": "check_build_layers(",
    "compute_loss": "check_compute_loss(",
    "embedding_training": "check_embedding_training(",
}
TENSORFLOW_IMPORT = re.compile(
    r"^\s*(import|from)\s+(tensorflow|keras|tf_keras|grader|bilstm_ner(?!\.quiet_start))\b", re.M
)

pytestmark = pytest.mark.parametrize("path", SOLUTIONS, ids=lambda path: path.name)


def read(path):
    return nbformat.read(path, as_version=4)


def markdown_text(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_opens_with_a_title_and_what_you_will_learn_and_need(path):
    notebook = read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "What you will learn" in first.source and "What you need" in first.source


def test_has_no_badge_of_its_own_since_make_notebooks_writes_them_from_the_address(path):
    first = read(path).cells[0].source
    assert "mybinder.org" not in first and "colab.research.google.com" not in first


def test_ends_with_a_summary_and_going_further(path):
    text = markdown_text(read(path))
    assert "## Summary" in text and "Going further" in text


def test_setup_cell_starts_tensorflow_quietly_before_importing_it(path):
    notebook = read(path)
    setup = code_cells(notebook)[0].source
    first_import = TENSORFLOW_IMPORT.search(setup)
    assert first_import, "the first code cell should import what the notebook uses"
    code = "\n".join(cell.source for cell in code_cells(notebook))
    if not re.search(r"^\s*(import|from)\s+(tensorflow|keras)\b", code, re.M):
        return  # no TensorFlow here (notebook 01): nothing to start
    assert "start_tensorflow()" in setup[: first_import.start()], (
        "call bilstm_ner.quiet_start.start_tensorflow() before importing TensorFlow or Keras"
    )


def test_code_cells_are_short(path):
    lengths = [len(cell.source.strip().split("\n")) for cell in code_cells(read(path))]
    assert statistics.median(lengths) <= 8
    assert max(lengths) <= 40


def test_declares_its_grader_checks_and_calls_each_of_them(path):
    notebook = read(path)
    checks = notebook.metadata.get("grader", {}).get("checks")
    assert isinstance(checks, list), 'set notebook metadata "grader": {"checks": [...]}'
    code = "\n".join(cell.source for cell in code_cells(notebook))
    for entry in checks:
        name = entry if isinstance(entry, str) else entry["check"]
        assert CHECK_CALLS[name] in code, f"declares {name} but never calls {CHECK_CALLS[name]}"


def test_is_stored_executed_without_errors(path):
    cells = code_cells(read(path))
    assert all(cell.execution_count is not None for cell in cells), "run it and save outputs"
    errors = [o for cell in cells for o in cell.outputs if o.output_type == "error"]
    assert errors == []
