"""`--sandbox user`: where namespaces are refused (Docker, Gradescope) the kernel runs as a
dedicated unprivileged user; the tool says exactly what is missing before grading anything."""

from __future__ import annotations

import os
import pwd
import subprocess

import pytest

from grader.batch import sandbox


def test_it_needs_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "must run as root" in sandbox.user_sandbox_problem()


def test_it_needs_the_kernel_user(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox, "KERNEL_USER", "no-such-user-here")
    assert "useradd --system no-such-user-here" in sandbox.user_sandbox_problem()


def test_it_grades_one_submission_at_a_time(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        sandbox,
        "_kernel_user",
        lambda: pwd.struct_passwd(("k", "x", 999, 999, "", "/", "/bin/false")),
    )
    assert "--jobs 1" in sandbox.user_sandbox_problem(jobs=2)


def test_asking_for_it_where_it_cannot_run_says_why(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ValueError, match=r"--sandbox user cannot run here: .*root"):
        sandbox.resolve("user")


def test_its_kernel_command_drops_to_the_user_with_limits(monkeypatch, tmp_path):
    monkeypatch.setattr(
        sandbox,
        "_kernel_user",
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
        user = pwd.getpwnam(sandbox.KERNEL_USER)
    except KeyError:
        pytest.skip(f"no {sandbox.KERNEL_USER} user here")
    sleeper = subprocess.Popen([*sandbox._as_user(user), "sleep", "600"], start_new_session=True)
    mine = subprocess.Popen(["sleep", "600"])
    sandbox.kill_user_processes()
    assert sleeper.wait(timeout=10) != 0
    assert mine.poll() is None
    mine.kill()
