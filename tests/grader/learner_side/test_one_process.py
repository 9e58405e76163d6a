"""The graded kernel's seccomp filter: threads yes, new processes and new programs no."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from grader.learner_side.one_process import SYSCALLS, filter_program

TRY_EACH = """
import os, subprocess, threading
from grader.learner_side.one_process import install
assert install()
out = []
thread = threading.Thread(target=out.append, args=[1]); thread.start(); thread.join()
print("thread", out == [1])
for name, attempt in [
    ("fork", os.fork),
    ("subprocess", lambda: subprocess.run(["true"])),
    ("posix_spawn", lambda: os.posix_spawn("/bin/true", ["true"], {})),
    ("execv", lambda: os.execv("/bin/true", ["true"])),
]:
    try:
        if attempt() == 0:
            os._exit(0)
        print(name, "ran")
    except PermissionError:
        print(name, "refused")
"""


@pytest.mark.skipif(platform.machine() not in SYSCALLS, reason="no filter for this machine")
def test_threads_run_but_no_process_or_program_can_be_started():
    run = subprocess.run([sys.executable, "-c", TRY_EACH], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:5] == [
        "thread True",
        "fork refused",
        "subprocess refused",
        "posix_spawn refused",
        "execv refused",
    ]


@pytest.mark.parametrize("machine", sorted(SYSCALLS))
def test_each_supported_machine_gets_a_whole_program_of_bpf_instructions(machine):
    program = filter_program(machine)
    assert program is not None and len(program) % 8 == 0
    assert len(program) // 8 <= 20  # short: checked on every system call


def test_a_machine_without_a_table_gets_no_filter():
    assert filter_program("riscv64") is None
