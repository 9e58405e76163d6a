"""`python -m grader grade`: options, exit codes, output files, and the notebook convention."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import nbformat.v4 as v4
import pytest

from conftest import DOUBLE, TOY_CLI, TOY_COURSE, toy_options, write_notebook
from grader.batch import grade_paths
from grader.batch.cli import main
from grader.batch.grading import _rng
from grader.batch.submissions import (
    UsageError,
    collect_notebooks,
    declared_checks,
    load_registry,
)


def run_cli(capsys, *arguments: str) -> tuple[int, str, str]:
    """Run `python -m grader` in this process; (exit code, stdout, stderr)."""
    try:
        code = main(list(arguments))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["grade", "does/not/exist.ipynb"], "no such file or folder"),
        (["grade", "--jobs", "0", "x.ipynb"], "--jobs"),
        (["grade", "--timeout", "-1", "x.ipynb"], "--timeout"),
        (["grade", "--format", "pdf", "x.ipynb"], "--format"),
        (["grade"], "PATH"),
        (["mark", "x.ipynb"], "invalid choice"),
    ],
)
def test_misuse_exits_2_with_one_line(capsys, arguments, message):
    code, out, err = run_cli(capsys, *arguments)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_a_folder_without_notebooks_exits_2(capsys, notebook_dir):
    code, _, err = run_cli(capsys, "grade", str(notebook_dir), *TOY_CLI)
    assert code == 2 and "no notebooks (*.ipynb) found" in err


def test_an_unknown_check_exits_2_naming_the_known_ones(capsys, notebook_dir):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    code, _, err = run_cli(capsys, "grade", str(notebook_dir), "--checks", "tripple", *TOY_CLI)
    assert code == 2 and "tripple" in err and "double, greet" in err


def test_a_check_listed_twice_exits_2_naming_it(capsys, notebook_dir):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    twice = ["--checks", "double,double"]
    code, _, err = run_cli(capsys, "grade", str(notebook_dir), *twice, *TOY_CLI)
    assert code == 2 and "double listed more than once" in err  # once: 6/6 instead of 3/3


def test_grade_paths_refuses_a_check_listed_twice(notebook_dir):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    with pytest.raises(UsageError, match="--checks lists double more than once"):
        grade_paths([notebook_dir], toy_options(checks=("double", "greet", "double")))


def test_a_course_notebook_declaring_a_check_twice_exits_2(capsys, tmp_path):
    write_notebook(tmp_path / "course" / "double.ipynb", checks=["double", "double"])
    write_notebook(tmp_path / "double.ipynb", DOUBLE)
    arguments = [*TOY_CLI[:4], "--course", str(tmp_path / "course")]
    code, _, err = run_cli(capsys, "grade", str(tmp_path / "double.ipynb"), *arguments)
    assert code == 2 and "declares double more than once" in err


def test_an_unknown_checks_module_exits_2(capsys, notebook_dir):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    code, _, err = run_cli(capsys, "grade", str(notebook_dir), "--checks-module", "no_such_mod")
    assert code == 2 and "cannot import the checks module" in err


def test_gradescope_format_grades_one_submission_per_run(capsys, notebook_dir):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    write_notebook(notebook_dir / "b.ipynb", DOUBLE)
    code, _, err = run_cli(capsys, "grade", str(notebook_dir), "--format", "gradescope", *TOY_CLI)
    assert code == 2 and "one submission per run" in err


def test_the_course_decides_the_checks_whatever_the_submission_declares(tmp_path):
    write_notebook(tmp_path / "plain.ipynb", DOUBLE, checks=[])
    write_notebook(tmp_path / "thrice.ipynb", DOUBLE, checks=["double", "double", "double"])
    write_notebook(tmp_path / "greets.ipynb", "def double(x):\n    return x", checks=["greet"])
    results = {Path(r.path).stem: r for r in grade_paths([tmp_path], toy_options())}
    assert (results["plain"].score, results["plain"].max_score) == (3, 3)
    assert (results["thrice"].score, results["thrice"].max_score) == (3, 3)
    assert (results["greets"].score, results["greets"].max_score) == (1, 3)  # cannot drop double


def test_submissions_are_matched_to_course_notebooks_by_name(tmp_path):
    write_notebook(tmp_path / "Double (2).ipynb", DOUBLE, checks=[])
    write_notebook(tmp_path / "renamed_alice.ipynb", "times_two = lambda x: 2 * x", checks=[])
    write_notebook(tmp_path / "essay.ipynb", DOUBLE)
    results = {
        Path(r.path).stem: r for r in grade_paths([tmp_path], toy_options(course=str(TOY_COURSE)))
    }
    assert (results["Double (2)"].score, results["Double (2)"].max_score) == (3, 3)
    assert results["renamed_alice"].score == 3  # the course maps double to times_two
    essay = results["essay"]
    assert (essay.status, essay.score, essay.max_score) == ("not a course notebook", 0, 0)
    assert "double, greet, renamed" in essay.errors[0] and "--checks" in essay.errors[0]


def test_a_course_that_cannot_be_read_exits_2_before_grading(capsys, tmp_path):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    arguments = [*TOY_CLI[:4], "--course", str(tmp_path / "missing")]
    code, _, err = run_cli(capsys, "grade", str(tmp_path), *arguments)
    assert code == 2 and "no such file or folder" in err


def test_one_submission_in_gradescope_format_writes_results_json(capsys, tmp_path, monkeypatch):
    write_notebook(tmp_path / "submission.ipynb", DOUBLE)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "grade", "submission.ipynb", "--format", "gradescope", *TOY_CLI)
    assert code == 0
    assert "✓ doubles every value" in out  # a single submission is printed in full
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 3.0 and len(results["tests"]) == 2


def test_a_batch_writes_json_and_csv_and_fails_under_the_threshold(capsys, tmp_path):
    folder = tmp_path / "submissions"
    write_notebook(folder / "good.ipynb", DOUBLE)
    write_notebook(folder / "wrong.ipynb", "def double(x):\n    return x")
    write_notebook(folder / ".ipynb_checkpoints" / "good-checkpoint.ipynb", "1/0")
    code, out, err = run_cli(
        capsys,
        "grade",
        str(folder),
        "--jobs",
        "2",
        "--json",
        str(tmp_path / "results.json"),
        "--csv",
        str(tmp_path / "summary.csv"),
        "--fail-under",
        "3",
        *TOY_CLI,
    )
    assert code == 1  # wrong.ipynb scored 1 < 3
    assert "0/2 [" in err  # the progress bar, on stderr
    assert "good.ipynb" in out and "3/3" in out and "1/3" in out
    submissions = json.loads((tmp_path / "results.json").read_text())["submissions"]
    assert [s["score"] for s in submissions] == [3.0, 1.0]
    rows = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert [row["score"] for row in rows] == ["3", "1"]


def test_fail_under_is_met_by_full_marks(capsys, tmp_path):
    write_notebook(tmp_path / "good.ipynb", DOUBLE)
    code, _, _ = run_cli(
        capsys, "grade", str(tmp_path / "good.ipynb"), "--fail-under", "3", *TOY_CLI
    )
    assert code == 0


def test_python_dash_m_grader_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--memory-limit" in done.stdout


# --- the pieces the CLI is made of ------------------------------------------------------------


def test_folders_are_searched_recursively_skipping_checkpoints(tmp_path):
    for name in ("b.ipynb", "a/c.ipynb", ".ipynb_checkpoints/b-checkpoint.ipynb", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = collect_notebooks([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/c.ipynb", "b.ipynb"]


def test_declared_checks_accept_names_and_object_mappings():
    registry = load_registry("toy_checks")
    notebook = v4.new_notebook()
    notebook.metadata["grader"] = {
        "checks": ["double", {"check": "greet", "objects": {"greet": "hello"}}]
    }
    requests, problems = declared_checks(notebook, registry)
    assert [(r.name, dict(r.objects)) for r in requests] == [
        ("double", {}),
        ("greet", {"greet": "hello"}),
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({"checks": "double"}, 'must be {"checks": [...]}'),
        ({"checks": ["tripple"]}, "unknown check 'tripple'"),
        ({"checks": [{"check": "double", "objects": {"double": 3}}]}, "must map str to str"),
        ({"checks": [42]}, "cannot read the check entry"),
    ],
)
def test_malformed_check_declarations_are_reported(metadata, problem):
    notebook = v4.new_notebook()
    notebook.metadata["grader"] = metadata
    requests, problems = declared_checks(notebook, load_registry("toy_checks"))
    assert requests == [] and problem in problems[0]


def test_inputs_are_fresh_each_run_unless_a_seed_is_given():
    assert _rng(7, "double").integers(10**9) == _rng(7, "double").integers(10**9)
    assert _rng(None, "double").integers(10**9) != _rng(None, "double").integers(10**9)


def test_checks_given_on_the_command_line_override_the_notebooks_metadata(capsys, tmp_path):
    path = tmp_path / "plain.ipynb"
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell(DOUBLE)]), str(path))
    code, out, _ = run_cli(capsys, "grade", str(path), "--checks", "double", *TOY_CLI)
    assert code == 0 and "3/3" in out


def test_a_kernel_that_cannot_start_is_a_result_not_a_crash(tmp_path):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    (result,) = grade_paths([tmp_path], toy_options(kernel_name="no-such-kernel"))
    assert (result.status, result.score, result.max_score) == ("kernel failed to start", 0, 3)
    assert "NoSuchKernel" in result.errors[-1]


def test_a_check_module_that_failed_to_load_stops_grading_instead_of_zeroing_everyone(
    capsys, notebook_dir
):
    write_notebook(notebook_dir / "a.ipynb", DOUBLE)
    code, _, err = run_cli(
        capsys, "grade", str(notebook_dir), *TOY_CLI[2:], "--checks-module", "broken_checks"
    )
    assert code == 2
    assert "could not be loaded" in err and "double: SyntaxError" in err


def test_ctrl_c_stops_the_tool_and_its_kernels(tmp_path):
    import signal
    import time

    import psutil

    write_notebook(tmp_path / "endless.ipynb", DOUBLE, "while True:\n    pass")
    tool = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", str(tmp_path), "--timeout", "120", *TOY_CLI],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        kernels = []
        while not kernels and time.monotonic() < deadline:
            time.sleep(0.5)
            kernels = psutil.Process(tool.pid).children()
        assert kernels, "the kernel never started"
        time.sleep(2)  # let it reach the endless cell
        tool.send_signal(signal.SIGINT)
        _, err = tool.communicate(timeout=30)
    finally:
        tool.kill()
    assert tool.returncode == 130 and "interrupted" in err
    assert not any(kernel.is_running() and kernel.status() != "zombie" for kernel in kernels)


def test_terminal_escapes_in_learner_messages_are_printed_harmlessly(capsys, tmp_path):
    write_notebook(tmp_path / "a.ipynb", "def double(x):\n    raise ValueError('\\x1b[2J\\x9b')")
    code, out, _ = run_cli(capsys, "grade", str(tmp_path / "a.ipynb"), *TOY_CLI)
    assert code == 0 and "ValueError" in out
    assert "\x1b" not in out and "\x9b" not in out and "\\x1b[2J" in out


def test_a_newline_in_a_file_name_cannot_forge_a_row_of_the_summary(capsys, tmp_path):
    write_notebook(tmp_path / "wrong\nbob.ipynb  3/3  graded  0  1.0 s\n.ipynb", "x = 1")
    write_notebook(tmp_path / "b\x1b[2J.ipynb", DOUBLE)
    code, out, _ = run_cli(capsys, "grade", str(tmp_path), *TOY_CLI)
    assert code == 0 and "\x1b" not in out
    assert not any(line.startswith("bob.ipynb") for line in out.splitlines())
    assert len(out.strip().splitlines()) == 4  # header, rule, one line per submission


def test_a_file_name_in_an_error_message_is_printed_escaped(capsys, tmp_path):
    code, _, err = run_cli(capsys, "grade", str(tmp_path / "a\nforged: ok.ipynb"), *TOY_CLI)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "a\\nforged" in err


def test_an_unreadable_notebook_exits_2(capsys, tmp_path, monkeypatch):
    write_notebook(tmp_path / "locked.ipynb", DOUBLE)
    monkeypatch.setattr(
        "grader.batch.submissions.os.access", lambda path, mode: False
    )  # we may be root
    code, _, err = run_cli(capsys, "grade", str(tmp_path), *TOY_CLI)
    assert code == 2 and "cannot read" in err and "locked.ipynb" in err


@pytest.mark.parametrize(
    "options",
    [
        ["--seed", "-1"],
        ["--fail-under", "nan"],
        ["--fail-under", "inf"],
        ["--seed", "x"],
        ["--timeout", "inf"],  # once accepted: every submission an OverflowError
        ["--timeout", "1e400"],
        ["--timeout", "nan"],
        ["--timeout", "0"],
        ["--timeout", "100000"],  # more than a day
        ["--memory-limit", "inf"],
        ["--memory-limit", "-5"],
        ["--memory-limit", "1e7"],  # more than 1 TiB
    ],
)
def test_bad_numbers_are_refused_before_grading(capsys, tmp_path, options):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    code, _, err = run_cli(capsys, "grade", str(tmp_path), *TOY_CLI, *options)
    assert code == 2 and options[0] in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timeout": float("inf")}, "--timeout must be a positive number"),
        ({"timeout": 1e6}, "--timeout must be at most 86400"),
        ({"memory_limit_mb": float("nan")}, "--memory-limit must be a positive number"),
    ],
)
def test_grade_paths_refuses_limits_that_are_no_limits(tmp_path, change, message):
    write_notebook(tmp_path / "a.ipynb", DOUBLE)
    with pytest.raises(UsageError, match=message):
        grade_paths([tmp_path], toy_options(**change))


def test_an_output_path_that_is_a_folder_is_refused_before_any_kernel_starts(capsys, tmp_path):
    write_notebook(tmp_path / "a.ipynb", "import time; time.sleep(60)", DOUBLE)
    (tmp_path / "out").mkdir()
    started = time.monotonic()
    code, _, err = run_cli(
        capsys, "grade", str(tmp_path), *TOY_CLI, "--json", str(tmp_path / "out")
    )
    assert code == 2 and "is a folder" in err
    assert time.monotonic() - started < 30  # refused up front, not after the minute-long cell


def test_text_that_is_not_utf8_is_escaped_in_every_output(capsys, tmp_path):
    surrogate = "def double(x):\n    raise ValueError('bad \\ud800 text')"
    write_notebook(tmp_path / "sub.ipynb", surrogate)
    results = tmp_path / "results.json"
    code, _, _ = run_cli(
        capsys, "grade", str(tmp_path), *TOY_CLI, "--format", "gradescope", "--json", str(results)
    )
    assert code == 0 and results.exists()
    assert json.loads(results.read_text())["score"] == 0
    odd = tmp_path / os.fsdecode(b"caf\xe9")  # a file name that is not UTF-8
    write_notebook(odd / "n.ipynb", DOUBLE)
    code, _, _ = run_cli(capsys, "grade", str(odd), *TOY_CLI, "--csv", str(tmp_path / "s.csv"))
    assert code == 0 and "caf\\udce9" in (tmp_path / "s.csv").read_text()
