"""What counts as a submitted notebook: a regular file named *.ipynb, in any case. A folder (or a
named pipe) named like one is reported as an invalid notebook, never walked into nor opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DOUBLE, TOY_CLI, TOY_COURSE, toy_options, write_notebook
from grader.batch import grade_paths
from grader.batch.cli import main
from grader.batch.submissions import collect_notebooks, read_notebook


def test_a_folder_named_like_a_notebook_is_listed_but_not_what_it_holds(tmp_path):
    write_notebook(tmp_path / "double.ipynb", DOUBLE)
    write_notebook(tmp_path / "greet.ipynb" / ".double.ipynb", DOUBLE)
    write_notebook(tmp_path / "greet.ipynb" / "double.ipynb", DOUBLE)
    found = collect_notebooks([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["double.ipynb", "greet.ipynb"]


def test_a_folder_named_like_a_notebook_is_invalid_keeping_its_maximum(tmp_path):
    write_notebook(tmp_path / "double.ipynb", DOUBLE)
    write_notebook(tmp_path / "greet.ipynb" / ".double.ipynb", DOUBLE)  # 3 points, not greet's 1
    results = {
        Path(r.path).name: r for r in grade_paths([tmp_path], toy_options(course=str(TOY_COURSE)))
    }
    assert sorted(results) == ["double.ipynb", "greet.ipynb"]
    greet = results["greet.ipynb"]
    assert (greet.status, greet.score, greet.max_score) == ("invalid notebook", 0, 1)
    assert greet.errors == [
        "greet.ipynb is a folder, not a notebook file: submit the .ipynb file itself"
    ]
    assert results["double.ipynb"].score == 3


def test_the_grade_command_reports_such_a_folder_in_a_folder_given(capsys, tmp_path):
    write_notebook(tmp_path / "greet.ipynb" / ".double.ipynb", DOUBLE)
    assert main(["grade", str(tmp_path), *TOY_CLI]) == 0
    out = capsys.readouterr().out
    assert "greet.ipynb: invalid notebook" in out and ".double.ipynb" not in out


def test_a_named_pipe_named_like_a_notebook_is_invalid_and_never_opened(tmp_path):
    os.mkfifo(tmp_path / "double.ipynb")  # opening it to read would wait for a writer forever
    (result,) = grade_paths([tmp_path], toy_options())
    assert (result.status, result.score, result.max_score) == ("invalid notebook", 0, 3)
    assert "is a named pipe, not a notebook file" in result.errors[0]


def test_reading_a_folder_as_a_notebook_says_what_it_is(tmp_path):
    (tmp_path / "a.ipynb").mkdir()
    with pytest.raises(ValueError, match=r"^a.ipynb is a folder, not a notebook file"):
        read_notebook(tmp_path / "a.ipynb")


def test_a_named_pipe_given_as_a_path_exits_2(capsys, tmp_path):
    os.mkfifo(tmp_path / "a.ipynb")
    assert main(["grade", str(tmp_path / "a.ipynb"), *TOY_CLI]) == 2
    assert "a named pipe, neither a notebook file nor a folder" in capsys.readouterr().err


def test_a_folder_given_as_a_path_is_a_folder_of_submissions_whatever_its_name(tmp_path):
    write_notebook(tmp_path / "batch.ipynb" / "double.ipynb", DOUBLE)
    (result,) = grade_paths([tmp_path / "batch.ipynb"], toy_options())
    assert (Path(result.path).name, result.score) == ("double.ipynb", 3)


def test_an_upper_case_suffix_is_graded_under_its_course_name(tmp_path):
    write_notebook(tmp_path / "GREET.IPYNB", "def greet(name):\n    return f'hello {name}'")
    (result,) = grade_paths([tmp_path], toy_options(course=str(TOY_COURSE)))
    assert (Path(result.path).name, result.status, result.score) == ("GREET.IPYNB", "graded", 1)
