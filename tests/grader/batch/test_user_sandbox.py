"""`--sandbox user`: where namespaces are refused (Docker, Gradescope) the kernel runs as a
dedicated unprivileged user; the tool says exactly what is missing before grading anything.
With no mount namespace, permissions keep kernels apart: one run at a time per machine, and no
submitted folder that user may enter."""

from __future__ import annotations

import fcntl
import os
import pwd
import subprocess

import pytest

from conftest import DOUBLE, TOY_CLI, write_notebook
from grader.batch import grade_command, sandbox, user_sandbox
from grader.batch.cli import main


def test_it_needs_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "must run as root" in user_sandbox.user_sandbox_problem()


def test_it_needs_the_kernel_user(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(user_sandbox, "KERNEL_USER", "no-such-user-here")
    assert "useradd --system no-such-user-here" in user_sandbox.user_sandbox_problem()


def test_it_grades_one_submission_at_a_time(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        user_sandbox,
        "kernel_user",
        lambda: pwd.struct_passwd(("k", "x", 999, 999, "", "/", "/bin/false")),
    )
    assert "--jobs 1" in user_sandbox.user_sandbox_problem(jobs=2)


def test_asking_for_it_where_it_cannot_run_says_why(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ValueError, match=r"--sandbox user cannot run here: .*root"):
        sandbox.resolve("user")


def test_its_kernel_command_drops_to_the_user_with_limits(monkeypatch, tmp_path):
    monkeypatch.setattr(
        user_sandbox,
        "kernel_user",
        lambda: pwd.struct_passwd(("k", "x", 999, 998, "", "/", "/bin/false")),
    )
    places = sandbox.KernelPlaces(tmp_path, tmp_path, tmp_path, tmp_path)
    command = sandbox.wrap("user", ["python", "-m", "ipykernel_launcher"], places, 60)
    assert command[:5] == [
        "setpriv",
        "--reuid=999",
        "--regid=998",
        "--clear-groups",
        "--no-new-privs",
    ]
    assert "prlimit" in command and "--cpu=60" in command
    # through the launcher that forbids new processes and programs (one_process)
    assert command[-3:] == [os.path.abspath("python"), "-m", "grader.learner_side.one_process"]


def test_kill_user_processes_ends_a_process_of_that_user_only():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    try:
        user = pwd.getpwnam(user_sandbox.KERNEL_USER)
    except KeyError:
        pytest.skip(f"no {user_sandbox.KERNEL_USER} user here")
    sleeper = subprocess.Popen(
        [*user_sandbox._as_user(user), "sleep", "600"], start_new_session=True
    )
    mine = subprocess.Popen(["sleep", "600"])
    user_sandbox.kill_user_processes()
    assert sleeper.wait(timeout=10) != 0
    assert mine.poll() is None
    mine.kill()


def test_a_second_run_on_the_same_machine_waits_for_the_first(tmp_path, capsys):
    with user_sandbox.one_user_sandbox_run(tmp_path):
        other = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)  # what a second run does
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    with user_sandbox.one_user_sandbox_run(tmp_path):  # free again once the first run ended
        pass
    assert capsys.readouterr().err == ""


def test_it_locks_a_folder_its_kernel_user_is_refused():
    assert user_sandbox.LOCKED_FOLDER == sandbox.REPOSITORY / "grader"
    assert "grader" in user_sandbox.COURSE_SOURCES  # user_sandbox_problem: unreadable to that user


def test_submitted_folders_the_kernel_user_may_enter_are_found(monkeypatch, tmp_path):
    monkeypatch.setattr(
        user_sandbox,
        "kernel_user",
        lambda: pwd.struct_passwd(("k", "x", 999, 998, "", "/", "/bin/false")),
    )
    monkeypatch.setattr(user_sandbox, "_enterable_by", lambda user, folder: folder.name == "open")
    folders = [tmp_path / "open", tmp_path / "private"]
    assert user_sandbox.folders_open_to_kernel_user(folders) == [tmp_path / "open"]


def test_grade_refuses_a_submitted_folder_the_kernel_user_may_enter(monkeypatch, capsys, tmp_path):
    write_notebook(tmp_path / "alice.ipynb", DOUBLE)
    write_notebook(tmp_path / "bob.ipynb", DOUBLE)
    monkeypatch.setattr(grade_command, "resolve_sandbox", lambda kind, jobs: "user")
    monkeypatch.setattr(grade_command, "folders_open_to_kernel_user", lambda folders: folders)
    assert main(["grade", str(tmp_path), "--sandbox", "user", *TOY_CLI]) == 2
    err = capsys.readouterr().err
    assert f"may enter {tmp_path}, so each kernel could read the other submissions" in err


def test_asking_for_it_where_it_cannot_run_stops_before_any_progress_bar(
    monkeypatch, capsys, tmp_path
):
    write_notebook(tmp_path / "alice.ipynb", DOUBLE)
    write_notebook(tmp_path / "bob.ipynb", DOUBLE)  # two: grading them would draw a progress bar
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    sandbox.resolve.cache_clear()
    try:
        assert main(["grade", str(tmp_path), "--sandbox", "user", *TOY_CLI]) == 2
    finally:
        sandbox.resolve.cache_clear()
    err = capsys.readouterr().err
    assert "--sandbox user cannot run here: the tool must run as root" in err
    assert "notebook/s" not in err


def test_what_the_kernel_user_left_in_a_shared_folder_is_removed(tmp_path):
    shared, outside = tmp_path / "tmp", tmp_path / "outside.txt"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp
    (shared / "left.txt").write_text("for the next kernel")
    (shared / "folder").mkdir()
    (shared / "folder" / "inside.txt").write_text("for the next kernel")
    outside.write_text("not the kernel's")
    (shared / "link").symlink_to(outside)
    user_sandbox.remove_files_of(os.getuid(), [shared])
    assert list(shared.iterdir()) == []
    assert outside.read_text() == "not the kernel's"  # the link was removed, not followed


def test_what_others_own_in_a_shared_folder_stays(tmp_path):
    (tmp_path / "theirs.txt").write_text("another user's")
    user_sandbox.remove_files_of(os.getuid() + 1, [tmp_path])
    assert (tmp_path / "theirs.txt").read_text() == "another user's"
