"""The `bilstm-ner-course` command: start's arguments, the JupyterLab it opens, grade."""

from __future__ import annotations

import stat

import pytest

from bilstm_ner.course import cli
from grader.batch import cli as grader_cli


def fake_jupyter_lab(folder):
    """An executable `jupyter-lab` in `folder` (never run here)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "jupyter-lab"
    script.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def launched(monkeypatch):
    """Record what `start` would launch instead of opening JupyterLab."""
    calls = []
    monkeypatch.setattr(
        cli, "launch", lambda command, directory: calls.append((command, directory)) or 0
    )
    return calls


def test_jupyter_lab_beside_the_python_is_preferred_to_the_one_on_path(tmp_path, monkeypatch):
    beside = fake_jupyter_lab(tmp_path / "venv" / "bin")
    fake_jupyter_lab(tmp_path / "elsewhere")
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))
    command = cli.jupyter_lab_command(
        [], executable=str(tmp_path / "venv/bin/python"), is_root=False
    )
    assert command == [str(beside)]


def test_jupyter_lab_on_path_is_used_when_none_is_beside_the_python(tmp_path, monkeypatch):
    on_path = fake_jupyter_lab(tmp_path / "elsewhere")
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))
    command = cli.jupyter_lab_command([], executable=str(tmp_path / "python"), is_root=False)
    assert command == [str(on_path)]


def test_no_jupyter_lab_anywhere_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip install jupyterlab"):
        cli.jupyter_lab_command([], executable=str(tmp_path / "python"))


@pytest.mark.parametrize(
    ("is_root", "options", "expected"),
    [
        (True, ["--no-browser"], ["--allow-root", "--no-browser"]),
        (False, ["--no-browser"], ["--no-browser"]),
        (True, ["--allow-root"], ["--allow-root"]),
    ],
    ids=["root", "normal-user", "root-already-allowed"],
)
def test_allow_root_is_added_only_as_root(tmp_path, is_root, options, expected):
    fake_jupyter_lab(tmp_path / "bin")
    command = cli.jupyter_lab_command(
        options, executable=str(tmp_path / "bin/python"), is_root=is_root
    )
    assert command[1:] == expected


@pytest.mark.parametrize(
    ("argv", "own", "jupyter"),
    [
        (["start"], ["start"], []),
        (["start", "dir", "--no-browser"], ["start", "dir"], ["--no-browser"]),
        (["start", "--port", "8890"], ["start"], ["--port", "8890"]),
        (["start", "dir", "--copy-only"], ["start", "dir", "--copy-only"], []),
        (["start", "dir", "--", "--copy-only"], ["start", "dir"], ["--copy-only"]),
    ],
    ids=["nothing", "dir-then-option", "option-with-value", "own-option", "after-dashes"],
)
def test_jupyter_options_begin_at_the_first_option_start_does_not_know(argv, own, jupyter):
    assert cli.split_start_arguments(argv) == (own, jupyter)


def test_start_copies_then_opens_jupyter_lab_in_the_folder(tmp_path, monkeypatch, launched, capsys):
    fake_jupyter_lab(tmp_path / "bin")
    monkeypatch.setattr(cli.sys, "executable", str(tmp_path / "bin" / "python"))
    code = cli.main(["start", str(tmp_path / "course"), "--no-browser", "--port=0"])
    assert code == 0
    ((command, directory),) = launched
    assert directory == (tmp_path / "course").resolve()
    assert command[0] == str(tmp_path / "bin" / "jupyter-lab")
    assert command[-2:] == ["--no-browser", "--port=0"]
    assert (directory / "01_data.ipynb").is_file()
    assert "Copied" in capsys.readouterr().out


def test_default_folder_is_bilstm_ner_course_in_the_current_one(tmp_path, monkeypatch, launched):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["start", "--copy-only"]) == 0
    assert (tmp_path / "bilstm-ner-course" / "01_data.ipynb").is_file()
    assert launched == []


def test_start_into_a_file_is_a_usage_error(tmp_path, capsys, launched):
    path = tmp_path / "taken"
    path.write_text("x", encoding="utf-8")
    assert cli.main(["start", str(path)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert launched == []


def test_grade_is_the_graders_grade_with_the_same_arguments(monkeypatch):
    seen = []
    monkeypatch.setattr(grader_cli, "main", lambda argv: seen.append(argv) or 7)
    assert cli.main(["grade", "a.ipynb", "--jobs", "2"]) == 7
    assert seen == [["grade", "a.ipynb", "--jobs", "2"]]


def test_grade_misuse_exits_2_as_the_grader_does(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["grade", "--no-such-option"])
    assert exit_.value.code == 2


def test_a_folder_that_cannot_be_written_is_a_usage_error_naming_it(tmp_path, capsys, monkeypatch):
    from bilstm_ner.course import start

    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(start, "_write_atomically", refuse)
    assert cli.main(["start", str(tmp_path / "locked"), "--copy-only"]) == 2
    error = capsys.readouterr().err
    assert "cannot copy the notebooks into" in error and "Permission denied" in error
