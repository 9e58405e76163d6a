"""The result writers: our JSON, Gradescope's results.json, the summary CSV and the table."""

from __future__ import annotations

import csv
import io
import json

from grader.batch import SubmissionResult
from grader.batch.results import (
    atomic_write_text,
    gradescope_json,
    results_json,
    results_table,
    summary_csv,
    write_csv,
    write_gradescope,
    write_json,
)
from grader.core.report import CheckItem, Report


def a_result(path="alice.ipynb", passed=True, errors=()) -> SubmissionResult:
    report = Report(
        "check_double(double)",
        [
            CheckItem("right shape", True, "", 1.0),
            CheckItem("doubles every value", passed, "" if passed else "expected 2 * x", 2.0),
        ],
    )
    return SubmissionResult(
        path=path, status="graded", reports=[("double", report)], errors=list(errors), seconds=2.4
    )


def test_our_json_lists_every_item_with_its_check_and_points():
    data = results_json([a_result(), a_result("bob.ipynb", passed=False, errors=["cell 3: E"])])
    bob = data["submissions"][1]
    assert (bob["path"], bob["score"], bob["max_score"]) == ("bob.ipynb", 1.0, 3.0)
    assert bob["items"][1] == {
        "check": "double",
        "title": "check_double(double)",
        "name": "doubles every value",
        "passed": False,
        "points": 2.0,
        "score": 0.0,
        "attempted": True,
        "message": "expected 2 * x",
    }
    assert bob["errors"] == ["cell 3: E"] and bob["seconds"] == 2.4
    assert data["total"] == {"submissions": 2, "score": 4.0, "max_score": 6.0}


def test_gradescope_json_has_the_shape_gradescope_reads():
    data = gradescope_json(a_result(passed=False, errors=["cell 3: NameError: x"]))
    assert set(data) == {"score", "execution_time", "output", "tests"}
    assert data["score"] == 1.0 and data["execution_time"] == 2
    assert "cell 3: NameError: x" in data["output"]
    failing = data["tests"][1]
    assert failing["name"] == "check_double(double): doubles every value"
    assert (failing["score"], failing["max_score"], failing["status"]) == (0.0, 2.0, "failed")
    assert failing["output"] == "expected 2 * x"
    assert data["tests"][0]["status"] == "passed"


def test_the_csv_has_one_row_per_submission_and_a_column_per_check():
    rows = list(csv.DictReader(io.StringIO(summary_csv([a_result(), a_result("b", False)]))))
    assert [row["submission"] for row in rows] == ["alice.ipynb", "b"]
    assert [row["double_score"] for row in rows] == ["3", "1"]
    assert rows[0]["max_score"] == "3" and rows[0]["status"] == "graded"


def test_the_csv_escapes_control_characters_in_a_path_and_keeps_other_text():
    text = summary_csv([a_result(path="Zoë\nforged,15,15\x1b[31m.ipynb")])
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["submission"] == "Zoë\\nforged,15,15\\x1b[31m.ipynb"
    assert len(text.splitlines()) == 2  # the header and one row


def test_the_table_gives_each_submission_one_line_whatever_its_name():
    table = results_table([a_result("01_data\nfake.ipynb  15/15  graded"), a_result("\x1b[2J")])
    assert len(table.splitlines()) == 4 and "\x1b" not in table
    assert "01_data\\nfake.ipynb" in table and "\\x1b[2J" in table


def test_the_csv_defuses_paths_that_look_like_spreadsheet_formulas():
    text = summary_csv([a_result(path="=HYPERLINK(1).ipynb")])
    assert "'=HYPERLINK" in text


def test_the_table_shows_score_status_and_time():
    table = results_table([a_result(), a_result("bob.ipynb", passed=False)])
    lines = table.splitlines()
    assert lines[0].split() == ["submission", "score", "status", "errors", "time"]
    assert "bob.ipynb" in lines[3] and "1/3" in lines[3] and "2.4 s" in lines[3]


def test_files_are_written_atomically_and_leave_no_temporary_files(tmp_path):
    write_json(tmp_path / "out" / "results.json", [a_result()])
    write_gradescope(tmp_path / "out" / "gradescope.json", a_result())
    write_csv(tmp_path / "out" / "summary.csv", [a_result()])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "gradescope.json",
        "results.json",
        "summary.csv",
    ]
    assert json.loads((tmp_path / "out" / "results.json").read_text())["total"]["score"] == 3


def test_an_existing_file_is_replaced_whole(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old " * 1000)
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
