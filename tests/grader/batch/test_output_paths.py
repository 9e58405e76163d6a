"""Output paths (`--json`, `--csv`, Gradescope's results.json) are checked before the first kernel
starts: results go to a regular file (new or replaced whole), never over a device, a pipe, a
submitted notebook or the other output."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import DOUBLE, TOY_CLI, write_notebook
from grader.batch.cli import main
from grader.batch.output_paths import check_output_paths
from grader.batch.results import atomic_write_text
from grader.batch.submissions import UsageError


def refusal(capsys, *arguments: str) -> str:
    """The one line `grade ... arguments` exits 2 with."""
    assert main(["grade", *arguments, *TOY_CLI]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    return err


def test_a_new_file_or_an_existing_regular_file_is_fine(tmp_path):
    (tmp_path / "old.csv").write_text("old")
    check_output_paths({"--json": tmp_path / "new" / "r.json", "--csv": tmp_path / "old.csv"})


def test_a_device_is_refused_unwritten():  # only looked at: /dev/null is never written here
    with pytest.raises(UsageError, match=r"--csv /dev/null: is a device"):
        check_output_paths({"--csv": "/dev/null"})


def test_a_named_pipe_is_refused_before_any_kernel_starts_and_stays_a_pipe(capsys, tmp_path):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    os.mkfifo(tmp_path / "pipe")
    err = refusal(capsys, str(tmp_path / "a.ipynb"), "--csv", str(tmp_path / "pipe"))
    assert "is a named pipe" in err
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_json_and_csv_may_not_be_the_same_file(capsys, tmp_path):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    same = str(tmp_path / "out")
    err = refusal(capsys, str(tmp_path / "a.ipynb"), "--json", same, "--csv", f"{same}/../out")
    assert "--json and --csv are the same file" in err


def test_a_hard_link_is_the_same_file(tmp_path):
    (tmp_path / "one").write_text("")
    os.link(tmp_path / "one", tmp_path / "two")
    with pytest.raises(UsageError, match="are the same file"):
        check_output_paths({"--json": tmp_path / "one", "--csv": tmp_path / "two"})


def test_a_submitted_notebook_is_never_overwritten(capsys, tmp_path):
    notebook = write_notebook(tmp_path / "folder" / "a.ipynb", DOUBLE)
    before = notebook.read_text()
    err = refusal(capsys, str(tmp_path / "folder"), "--json", str(notebook))
    assert "is a submitted notebook" in err
    assert notebook.read_text() == before


def test_the_submitted_notebook_check_follows_links(tmp_path):
    notebook = write_notebook(tmp_path / "a.ipynb", DOUBLE)
    (tmp_path / "link").symlink_to(notebook)
    with pytest.raises(UsageError, match="link: is a submitted notebook"):
        check_output_paths({"--json": tmp_path / "link"}, [notebook])


def test_a_name_ending_in_ipynb_is_refused_as_it_would_be_graded_next_time(tmp_path):
    with pytest.raises(UsageError, match=r"--csv .*R.IPYNB: results are not a notebook"):
        check_output_paths({"--csv": tmp_path / "R.IPYNB"})


def test_gradescope_format_checks_its_default_results_json(capsys, tmp_path, monkeypatch):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    (tmp_path / "results.json").mkdir()
    monkeypatch.chdir(tmp_path)
    err = refusal(capsys, "a.ipynb", "--format", "gradescope")
    assert "--json results.json: is a folder" in err


def test_merge_checks_its_outputs_before_reading_anything(capsys, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert main(["merge", str(tmp_path / "missing.json"), "--csv", str(tmp_path / "pipe")]) == 2
    assert "is a named pipe" in capsys.readouterr().err


def test_writing_over_a_pipe_is_refused_even_unchecked(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match="is a named pipe: results are written to regular files"):
        atomic_write_text(tmp_path / "pipe", "text")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_dev_stdout_is_refused_even_when_stdout_is_a_file(tmp_path):
    # /dev/stdout -> /proc/self/fd/1 -> a log file: renaming over it once replaced the link
    with pytest.raises(UsageError, match=r"--json /dev/stdout: is a device or a process's stream"):
        check_output_paths({"--json": "/dev/stdout"})
    with pytest.raises(ValueError, match="in /dev or /proc"):
        atomic_write_text("/dev/stdout", "text")


def test_an_output_that_is_a_link_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "target.json").write_text("old")
    (tmp_path / "link.json").symlink_to(tmp_path / "target.json")
    check_output_paths({"--json": tmp_path / "link.json"})
    atomic_write_text(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "target.json").read_text() == "new"
