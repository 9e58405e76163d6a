"""The Gradescope runner on the toy course (no TensorFlow): which notebooks it grades, and the
results.json it writes. The real course, through the built bundle, is in
test_gradescope_end_to_end.py."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from course_files import BATCH_TESTS, ROOT, TOY_COURSE, code_notebook, write

from grader.batch.course import load_course
from grader.batch.submissions import UsageError, load_registry
from grader.integrations.gradescope import FOUND_TEST, Settings, find_notebooks, run
from grader.integrations.gradescope_bundle import course_metadata

DOUBLE = "def double(x):\n    return 2 * x"
GREET = "def greet(name):\n    return f'hello {name}'"
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}


def toy_root(tmp_path: Path, **settings) -> Path:
    """An /autograder folder for the toy course (double 3 points, greet 1, renamed 3)."""
    root = tmp_path / "autograder"
    shutil.copytree(TOY_COURSE, root / "source" / "course")
    options = {"registry": "toy_checks", "python_path": (str(BATCH_TESTS),), "timeout": 60.0}
    (root / "source" / "autograder.json").write_text(Settings(**{**options, **settings}).to_json())
    (root / "submission").mkdir()
    return root


def results(root: Path) -> dict:
    assert run(root) == 0
    return json.loads((root / "results" / "results.json").read_text())


def items_of(data: dict, notebook: str) -> list[dict]:
    return [test for test in data["tests"] if test["name"].startswith(f"{notebook} · ")]


def test_a_right_notebook_earns_its_points_and_a_missing_one_zero_saying_why(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "Double (1).ipynb", code_notebook(DOUBLE))
    data = results(root)
    assert data["score"] == 3.0
    assert sum(t["score"] for t in items_of(data, "double")) == 3.0
    greet = items_of(data, "greet")
    assert [(t["score"], t["max_score"], t["status"]) for t in greet] == [(0.0, 1.0, "failed")]
    assert "greet.ipynb was not found in your submission" in greet[0]["output"]
    assert "greet: 0/1 points: not in your submission" in data["output"]


def test_results_json_has_every_field_gradescope_reads(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "double.ipynb", code_notebook(DOUBLE))
    data = results(root)
    assert {"score", "execution_time", "output", "visibility", "stdout_visibility"} <= set(data)
    assert isinstance(data["execution_time"], int)
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    for test in data["tests"]:
        assert set(test) >= TEST_FIELDS, test["name"]
        assert test["status"] in ("passed", "failed")
    assert sum(t["max_score"] for t in data["tests"]) == 7.0  # the whole course


def test_hiding_until_the_due_date_hides_every_graded_test_but_the_notebooks_found(tmp_path):
    root = toy_root(tmp_path, visibility="after_due_date")
    write(root / "submission" / "double.ipynb", code_notebook(DOUBLE))
    data = results(root)
    assert data["visibility"] == "after_due_date"
    found, *graded = data["tests"]
    assert (found["name"], found["visibility"]) == (FOUND_TEST, "visible")
    assert graded and {test["visibility"] for test in graded} == {"after_due_date"}


def test_the_notebooks_found_test_lists_what_was_graded_missing_and_ignored(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "double.ipynb", code_notebook(DOUBLE))
    write(root / "submission" / "scratch.ipynb", code_notebook("1 + 1"))
    found = results(root)["tests"][0]
    assert found["status"] == "failed" and found["max_score"] == 0
    assert "graded: double.ipynb as double" in found["output"]
    assert "missing: greet.ipynb" in found["output"]
    assert "ignored: scratch.ipynb" in found["output"]


def test_an_exact_name_wins_over_a_copy_with_a_suffix_and_checkpoints_are_skipped(tmp_path):
    course = load_course(TOY_COURSE, load_registry("toy_checks", [str(BATCH_TESTS)]))
    for name in ("double (1).ipynb", "Double.ipynb", "greet_v2.ipynb", "notes.ipynb"):
        write(tmp_path / name, code_notebook(DOUBLE))
    write(tmp_path / ".ipynb_checkpoints" / "greet-checkpoint.ipynb", code_notebook(GREET))
    (tmp_path / "README.md").write_text("not a notebook")
    found = find_notebooks(tmp_path, course)
    assert {name: path.name for name, path in found.notebooks.items()} == {
        "double": "Double.ipynb",
        "greet": "greet_v2.ipynb",
    }
    assert sorted(found.ignored) == [
        "double (1).ipynb (Double.ipynb is graded as double)",
        "notes.ipynb (not one of the course's graded notebooks)",
    ]


def test_an_empty_submission_scores_zero_out_of_the_whole_course(tmp_path):
    root = toy_root(tmp_path)
    (root / "submission" / "answers.txt").write_text("see attached")
    data = results(root)
    assert data["score"] == 0 and sum(t["max_score"] for t in data["tests"]) == 7.0
    assert all("was not found in your submission" in t["output"] for t in data["tests"][1:])


def test_a_submission_cannot_choose_its_checks_through_its_metadata(tmp_path):
    root = toy_root(tmp_path)
    tampered = code_notebook(GREET, metadata={"grader": {"checks": ["greet"]}})
    write(root / "submission" / "double.ipynb", tampered)
    double = items_of(results(root), "double")
    assert sum(t["max_score"] for t in double) == 3.0  # graded as double, and fails it
    assert sum(t["score"] for t in double) == 0.0


def test_a_failure_of_the_autograder_still_writes_results_json_saying_so(tmp_path):
    root = toy_root(tmp_path)
    shutil.rmtree(root / "source" / "course")
    assert run(root) == 1
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "autograder itself failed" in data["output"]


def test_settings_survive_the_bundle_and_refuse_an_unknown_visibility(tmp_path):
    settings = Settings(visibility="after_due_date", timeout=120.0, jobs=2)
    (tmp_path / "autograder.json").write_text(settings.to_json())
    assert Settings.read(tmp_path / "autograder.json") == settings
    with pytest.raises(UsageError, match="visibility must be one of"):
        Settings(visibility="after_lunch")


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), 0.0, 1e9])
def test_settings_refuse_a_timeout_that_is_no_limit(timeout):
    with pytest.raises(UsageError, match="timeout must be"):
        Settings(timeout=timeout)


def test_the_bundle_carries_the_grader_metadata_of_the_course_notebooks_asked_for():
    assert sorted(course_metadata(None)) == [
        "01_data",
        "02_embeddings",
        "03_build_layers",
        "04_compute_loss",
        "05_training",
    ]  # 06_tf1_appendix grades nothing
    one = course_metadata(ROOT / "solutions" / "04_compute_loss.ipynb")
    assert one == {"04_compute_loss": {"checks": ["compute_loss"]}}


def test_a_folder_named_like_a_course_notebook_scores_zero_for_it_keeping_its_maximum(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "double.ipynb", code_notebook(DOUBLE))
    write(root / "submission" / "greet.ipynb" / ".double.ipynb", code_notebook(DOUBLE))
    data = results(root)
    greet = items_of(data, "greet")
    assert [(t["score"], t["max_score"]) for t in greet] == [(0.0, 1.0)]  # greet's, not double's
    assert "greet.ipynb is a folder, not a notebook file" in greet[0]["output"]
    assert data["score"] == 3.0 and sum(t["max_score"] for t in data["tests"]) == 7.0
    assert "invalid: greet.ipynb as greet (not a notebook file)" in data["tests"][0]["output"]


def test_a_folder_holding_another_course_notebook_is_not_walked_into(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "greet.ipynb" / "double.ipynb", code_notebook(DOUBLE))
    data = results(root)  # once "The autograder itself failed" (zip of unequal lengths)
    assert data["score"] == 0.0 and sum(t["max_score"] for t in data["tests"]) == 7.0
    assert "was not found in your submission" in items_of(data, "double")[0]["output"]


def test_a_notebook_file_wins_over_a_folder_of_the_same_name(tmp_path):
    course = load_course(TOY_COURSE, load_registry("toy_checks", [str(BATCH_TESTS)]))
    (tmp_path / "double.ipynb").mkdir()
    write(tmp_path / "double (1).ipynb", code_notebook(DOUBLE))
    found = find_notebooks(tmp_path, course)
    assert {name: path.name for name, path in found.notebooks.items()} == {
        "double": "double (1).ipynb"
    }
    assert found.not_files == {}
    assert found.ignored == ["double.ipynb (double (1).ipynb is graded as double)"]


def test_a_results_json_that_is_not_a_regular_file_stops_the_run_before_grading(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "double.ipynb", code_notebook(DOUBLE))
    (root / "results").mkdir()
    os.mkfifo(root / "results" / "results.json")
    assert run(root) == 2
    assert stat.S_ISFIFO(os.stat(root / "results" / "results.json").st_mode)


def test_an_upper_case_suffix_is_found_and_a_newline_in_a_name_is_listed_escaped(tmp_path):
    root = toy_root(tmp_path)
    write(root / "submission" / "DOUBLE.IPYNB", code_notebook(DOUBLE))
    write(root / "submission" / "notes\ngraded: greet.ipynb as greet.ipynb", code_notebook("1"))
    data = results(root)
    assert data["score"] == 3.0
    listing = data["tests"][0]["output"].splitlines()
    assert "graded: DOUBLE.IPYNB as double" in listing
    assert "graded: greet.ipynb as greet" not in listing
    assert any(line.startswith("ignored: notes\\ngraded") for line in listing)
