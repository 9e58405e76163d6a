"""End to end at toy size: the commands the benchmarks run still exist and still work.

`python -m grader grade` on a notebook using the grading tool's TensorFlow-free toy checks,
and `pytest --nbval` on a two-cell notebook: a few seconds each (a kernel starts).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import nbformat.v4 as v4

from benchmarks import grading_phases, grading_tool, notebook_suite
from benchmarks.harness import ROOT

TOY_CHECKS = ROOT / "tests" / "grader" / "batch"


def test_the_grading_tool_grades_a_batch_and_reports_full_marks(tmp_path):
    notebook = v4.new_notebook(cells=[v4.new_code_cell("def double(x):\n    return 2 * x")])
    notebook.metadata["grader"] = {"checks": ["double"]}
    source = tmp_path / "double.ipynb"
    nbformat.write(notebook, str(source))
    extra = [
        "--checks-module",
        "toy_checks",
        "--python-path",
        str(TOY_CHECKS),
        "--checks",
        "double",
    ]
    copies = grading_tool.copy_batch(source, 2, tmp_path / "batch")
    child, submissions = grading_tool.grade(copies, jobs=2, extra=extra)
    assert [s["score"] for s in submissions] == [s["max_score"] for s in submissions]
    assert child.wall > 0 and child.tree_peak_mb >= child.peak_rss_mb > 0


def test_the_grading_phases_of_a_real_run_add_up_to_its_wall_time(tmp_path):
    notebook = v4.new_notebook(cells=[v4.new_code_cell("def double(x):\n    return 2 * x")])
    source = tmp_path / "double.ipynb"
    nbformat.write(notebook, str(source))
    extra = ["--checks-module", "toy_checks", "--python-path", str(TOY_CHECKS)]
    parts, sandbox = grading_phases.grade_once(source, [*extra, "--checks", "double"])
    assert list(parts) == list(grading_phases.PARTS) and sandbox in ("bwrap", "user", "none")
    assert parts["tool_startup"] > 0 and parts["kernel_start"] > 0 and parts["probes"] > 0
    assert all(seconds >= 0 for seconds in parts.values())


def test_the_notebook_suite_times_each_notebook_under_nbval(tmp_path):
    cells = [
        v4.new_code_cell("print(6 * 7)", outputs=[v4.new_output("stream", text="42\n")]),
        v4.new_code_cell("x = 1"),
    ]
    cells[0].execution_count = 1
    notebook = tmp_path / "tiny.ipynb"
    notebook.write_text(json.dumps(v4.new_notebook(cells=cells)), encoding="utf-8")
    figures = list(notebook_suite.collect(1, [Path(notebook)]))
    assert [f.name for f in figures] == ["nbval tiny.ipynb", "nbval suite (1 notebooks)"]
    assert 0 < figures[0].value <= figures[1].value
