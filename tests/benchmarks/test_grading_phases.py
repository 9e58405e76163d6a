"""The grading-phases benchmark: one submission's time, part by part (children faked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import grading_phases
from benchmarks.grading_phases import PARTS
from benchmarks.harness import ChildRun
from grader.batch.phases import PHASES


def phases(**seconds: float) -> dict[str, float]:
    return dict.fromkeys(PHASES, 0.0) | seconds


def fake_grader(walls: list[float], submission_phases: dict[str, float], startup: float = 1.0):
    """A runner standing in for `python -m grader grade --json`: full marks, the given phases."""
    calls = []

    def run(command):
        calls.append(command)
        submission = {
            "path": command[command.index("grade") + 1],
            "status": "graded",
            "score": 2.0,
            "max_score": 2.0,
            "sandbox": "bwrap",
            "phases": submission_phases,
        }
        results = {"submissions": [submission], "tool_phases": {"startup": startup}}
        json_path = command[command.index("--json") + 1]
        Path(json_path).write_text(json.dumps(results))
        return ChildRun(wall=walls[len(calls) - 1], peak_rss_mb=1, tree_peak_mb=1, stdout="")

    return run, calls


def test_the_parts_add_up_to_the_childs_wall_time_with_the_rest_as_shutdown():
    submission = {"phases": phases(kernel_start=1.0, tensorflow_import=4.0, cells=2.0)}
    parts = grading_phases.parts_of(10.0, submission, {"startup": 2.0})
    assert list(parts) == list(PARTS)
    assert parts["tool_startup"] == 2.0 and parts["tool_shutdown"] == pytest.approx(1.0)
    assert sum(parts.values()) == pytest.approx(10.0)


def test_the_benchmarks_parts_are_the_graders_phases_between_start_up_and_shutdown():
    assert list(PARTS) == ["tool_startup", *PHASES, "tool_shutdown"]


def test_a_result_without_phases_is_an_error_not_a_timing():
    with pytest.raises(ValueError, match="tensorflow_import"):
        grading_phases.parts_of(10.0, {"phases": {"setup": 1.0}}, {"startup": 1.0})
    with pytest.raises(ValueError, match=r"tool_phases\.startup"):
        grading_phases.parts_of(10.0, {"phases": phases()}, {})


def test_each_part_gets_its_median_and_share_and_the_largest_is_named(tmp_path):
    run, calls = fake_grader([10.0, 12.0, 11.0], phases(tensorflow_import=5.0, cells=2.0))
    notebook = tmp_path / "05_training.ipynb"
    figures = {f.name: f for f in grading_phases.collect(3, notebook, others=[], run=run)}
    tensorflow = figures["TensorFlow import (the cell loading it) (05_training.ipynb)"]
    assert tensorflow.value == 5.0 and tensorflow.note.startswith("45% of total")
    shutdown = figures["tool shutdown (worker stop, results, exit) (05_training.ipynb)"]
    assert shutdown.runs == [2.0, 4.0, 3.0]
    total = figures["grade one submission (05_training.ipynb), all parts"]
    assert total.runs == [10.0, 12.0, 11.0] and total.note == "sandbox: bwrap"
    largest = figures["largest part of grading 05_training.ipynb"]
    assert largest.value == pytest.approx(100 * 5 / 11)
    assert largest.note == "TensorFlow import (the cell loading it)"
    assert all("--seed" in command for command in calls)


def test_every_other_graded_course_notebook_is_graded_once_by_default(tmp_path):
    others = [n for n in grading_phases.graded_notebooks() if n.name != "05_training.ipynb"]
    assert [n.name[:2] for n in others] == ["01", "02", "03", "04"]  # 06 grades nothing
    run, calls = fake_grader([10.0] * 3, phases(cells=6.0))
    figures = list(grading_phases.collect(1, tmp_path / "05.ipynb", others=others[:2], run=run))
    assert len(calls) == 3
    assert figures[-1].name == "grade one submission (02_embeddings.ipynb), all parts"
    assert "cells 6.0 s (60%)" in figures[-1].note
