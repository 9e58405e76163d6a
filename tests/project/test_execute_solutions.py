"""Stored solution outputs hold no machine-dependent TensorFlow start-up lines."""

from __future__ import annotations

import nbformat
import pytest

from tools.execute_solutions import SOLUTIONS, drop_native_log_lines, scrub_outputs

CUDA_PROBE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795528208.744104   13306 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.\n"
)


def test_tensorflow_native_log_lines_are_dropped():
    assert drop_native_log_lines(CUDA_PROBE) == ""


def test_other_stderr_lines_are_kept_verbatim():
    text = "epoch 1/4: 100%|##########| 157/157\nUserWarning: something a learner should see\n"
    assert drop_native_log_lines(CUDA_PROBE + text) == text


def test_a_stderr_output_left_empty_is_removed_and_stdout_is_untouched():
    cell = nbformat.v4.new_code_cell("import tensorflow")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=CUDA_PROBE),
        nbformat.v4.new_output("stream", name="stdout", text=CUDA_PROBE),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    scrub_outputs(notebook)
    assert [output["name"] for output in notebook.cells[0].outputs] == ["stdout"]


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.name)
def test_stored_solution_outputs_have_no_native_log_lines(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                text = output["text"]
                assert drop_native_log_lines(text) == text, (
                    f"{path.name}, cell {index}: TensorFlow start-up lines stored; "
                    "run `make solutions`"
                )
