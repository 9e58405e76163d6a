"""Start a graded kernel that can never start, or become, another program.

    python -m grader.learner_side.one_process -f CONNECTION_FILE

Before ipykernel starts, a seccomp filter is installed in this process (and so in every thread
it will have): creating a process (fork, vfork, clone without CLONE_THREAD) fails with EPERM and
replacing the program (execve, execveat) too; clone3 reports ENOSYS, so that the C library
creates threads with clone instead. Threads still work (TensorFlow needs them). A filter cannot
be removed once installed, so nothing the notebook runs later escapes it: no forked helper can
work on the grader's inputs outside the probe's sight, and no replacement program can answer in
the kernel's place. On machines other than x86-64 and ARM64 no filter is installed, and a
warning on the kernel's stderr says so.
"""

from __future__ import annotations

import ctypes
import os
import platform
import runpy
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_THREAD = 0x00010000
ALLOW = 0x7FFF0000
EPERM = 0x00050000 | 1
ENOSYS = 0x00050000 | 38

# Per machine: (audit architecture, fork, vfork, clone, clone3, execve, execveat); -1: none.
SYSCALLS = {
    "x86_64": (0xC000003E, 57, 58, 56, 435, 59, 322),
    "aarch64": (0xC00000B7, -1, -1, 220, 435, 221, 281),
}
_LOAD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ARCH, _NR, _ARG0 = 4, 0, 16  # offsets in struct seccomp_data
_X32 = 0x40000000  # x32 system call numbers: never used by this Python


def filter_program(machine: str) -> bytes | None:
    """The classic-BPF seccomp program for `machine` (`platform.machine()`), or None."""
    if machine not in SYSCALLS:
        return None
    arch, fork, vfork, clone, clone3, execve, execveat = SYSCALLS[machine]
    # (code, jump-if-true label, jump-if-false label, k); None: the next instruction.
    program: list[tuple[str | None, int, str | None, str | None, int]] = [
        (None, _LOAD, None, None, _ARCH),
        (None, _JEQ, None, "refuse", arch),
        (None, _LOAD, None, None, _NR),
        (None, _JGE, "refuse", None, _X32),
        *((None, _JEQ, "refuse", None, n) for n in (fork, vfork, execve, execveat) if n >= 0),
        (None, _JEQ, "nosys", None, clone3),
        (None, _JEQ, "flags", "allow", clone),
        ("flags", _LOAD, None, None, _ARG0),  # clone's flags: the low 32 bits of args[0]
        (None, _JSET, "allow", "refuse", CLONE_THREAD),
        ("allow", _RET, None, None, ALLOW),
        ("refuse", _RET, None, None, EPERM),
        ("nosys", _RET, None, None, ENOSYS),
    ]
    where = {label: index for index, (label, *_rest) in enumerate(program) if label}

    def offset(index: int, label: str | None) -> int:
        return 0 if label is None else where[label] - index - 1

    return b"".join(
        struct.pack("=HBBI", code, offset(i, true), offset(i, false), k)
        for i, (_label, code, true, false, k) in enumerate(program)
    )


def install() -> bool:
    """Install the filter in this process; True when it is installed."""
    program = filter_program(platform.machine())
    if program is None:
        return False
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    fprog = Program(count, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
    return True


def without_working_folder() -> None:
    """Take the working folder off the import path, and keep ipykernel from putting it back:
    a module the notebook writes there and imports would run code the scan never read."""
    from ipykernel.kernelapp import IPKernelApp

    here = os.path.realpath(os.getcwd())
    sys.path[:] = [entry for entry in sys.path if entry and os.path.realpath(entry) != here]
    IPKernelApp.init_path = lambda self: None  # it inserts "" (the working folder) first


if __name__ == "__main__":
    if not install():
        print(f"warning: no seccomp filter for {platform.machine()}", file=sys.stderr)
    without_working_folder()
    import ipykernel.debugger  # noqa: F401  (debugpy sets a trace function while it is imported)

    from grader.learner_side import introspection_guard

    introspection_guard.install(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    # Plain tracebacks (the tool keeps only an error's name and message): the verbose ones hand
    # frames around in stack_data, which the guard would take for the notebook's takes.
    sys.argv[0:1] = ["ipykernel_launcher", "--InteractiveShell.xmode=Plain"]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
