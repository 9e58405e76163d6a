"""Each check declares its items, so a submission that gives no usable result is scored 0 out of
the check's full maximum, whatever its kernel returned (or did not)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grader.batch.submissions import CheckRequest, declared_checks, read_notebook
from grader.batch.verdicts import judge_outcome
from grader.checks import CHECKS
from grader.core.report import CheckItem, Report
from grader.core.spec import conform
from grader.core.transport import MalformedPayload

ROOT = Path(__file__).resolve().parents[3]
FULL_MARKS = {  # what the course's notebooks are worth, check by check
    "01_data.ipynb": {"normalize_token": 12, "pad_sentences": 3},
    "02_embeddings.ipynb": {"embedding_layer": 6},
    "03_build_layers.ipynb": {"build_layers": 11, "embedding_training": 5},
    "04_compute_loss.ipynb": {"compute_loss": 8},
    "05_training.ipynb": {"embedding_training": 7},
}
NO_RESULT = [
    ("timed out", None),
    ("kernel died", None),
    ("out of memory", None),
    ("out of disk", None),
    ("graded", MalformedPayload("not JSON")),
    ("graded", {"status": "ok", "observations": {}}),
    ("graded", {"status": "ok", "observations": {"model": "x", "train_step": 3}}),
    ("graded", {"status": "missing", "missing": ["train_step"]}),
    ("graded", {"status": "error", "error": "boom"}),
    ("graded", {"status": "surprise"}),
    ("graded", ["not", "a", "dict"]),
]


def course_requests(notebook: str) -> list[CheckRequest]:
    requests, problems = declared_checks(read_notebook(ROOT / "solutions" / notebook), CHECKS)
    assert not problems
    return requests


@pytest.mark.parametrize("notebook", sorted(FULL_MARKS))
def test_each_course_notebook_declares_checks_worth_its_full_marks(notebook):
    worth = {
        request.name: CHECKS[request.name].max_score(request.graded_objects(CHECKS[request.name]))
        for request in course_requests(notebook)
    }
    assert worth == FULL_MARKS[notebook]


@pytest.mark.parametrize("notebook", sorted(FULL_MARKS))
@pytest.mark.parametrize(("status", "outcome"), NO_RESULT)
def test_no_usable_result_scores_zero_out_of_the_full_maximum(notebook, status, outcome):
    for request in course_requests(notebook):
        spec = CHECKS[request.name]
        graded = request.graded_objects(spec)
        inputs = spec.make_inputs(np.random.default_rng(0))
        report = judge_outcome(
            spec, graded, inputs, outcome, status=status, errors=["the kernel died"]
        )
        assert report.score == 0
        assert report.max_score == FULL_MARKS[notebook][request.name]
        assert all(item.message for item in report.items)


def test_a_judge_cannot_add_items_change_points_or_drop_an_item():
    spec = CHECKS["compute_loss"]
    made_up = Report(
        "t",
        [
            CheckItem(spec.items[0].name, True, points=100.0),
            CheckItem("a bonus item", True, points=5.0),
            CheckItem("a note", True, "worth nothing", points=0.0),
        ],
    )
    report = conform(made_up, spec.items, spec.title)
    assert (report.score, report.max_score) == (1.0, spec.max_score())
    assert [item.name for item in report.items] == ["a note", *(i.name for i in spec.items)]


def test_graded_must_name_objects_of_the_check(tmp_path):
    import nbformat.v4 as v4

    notebook = v4.new_notebook()
    notebook.metadata["grader"] = {
        "checks": [{"check": "embedding_training", "graded": ["optimizer"]}]
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    requests, problems = declared_checks(read_notebook(path), CHECKS)
    assert not requests and "graded" in problems[0]


def test_a_judge_that_trips_over_hostile_observations_gives_malformed_not_internal_error():
    import dataclasses

    def fragile(inputs, observations):
        return observations["values"][0] + 1  # a judge bug meeting data it did not foresee

    spec = dataclasses.replace(CHECKS["compute_loss"], judge=fragile)
    errors: list[str] = []
    outcome = {"status": "ok", "observations": {"values": ["x"]}}
    report = judge_outcome(spec, ("compute_loss",), {}, outcome, status="graded", errors=errors)
    assert (report.score, report.max_score) == (0, spec.max_score())
    assert all("malformed results" in item.message for item in report.items)
    assert "the judge failed on the kernel's observations" in errors[0]
