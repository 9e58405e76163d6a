"""The nbgrader course kernel: an IPython kernel that refuses to start without the course.

`kernels/bilstm-ner-course/kernel.json` (written by `python -m grader export nbgrader`) runs
`main` here (through `nbgrader_export.KERNEL_BOOT`, which says so too when `grader` itself
cannot be imported), with `-f {connection_file}`. When this interpreter
cannot import the course (`bilstm_ner`, every check of `grader.checks`, TensorFlow, ipykernel),
it says why on stderr and exits 1 before the kernel starts, so `nbgrader autograde` fails for
the instructor to see instead of scoring every learner 0.

nbgrader scores an autograded cell 0 when it writes anything to stderr, so this kernel keeps
stray text off it: output written by C code (TensorFlow's "failed call to cuInit" on a machine
without a GPU) goes to the kernel's log instead of the cell, and Python warnings are shown on
stdout. An exception still fails the cell. The working directory is not put on the import
path (IPython's `ignore_cwd`): a module handed in beside the notebook cannot shadow the course.

    python -m grader.integrations.nbgrader_kernel --check   # only the check: exit 0 or 1
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from collections.abc import Sequence

REQUIRED = ("bilstm_ner", "tensorflow", "ipykernel")


def course_problem() -> str | None:
    """Why this interpreter cannot run the course's notebooks and checks, or None."""
    for module in REQUIRED:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"cannot import {module} in {sys.executable}: install the course there"
    try:
        registry = importlib.import_module("grader.checks.registry")
        importlib.import_module("bilstm_ner")
    except Exception as error:
        return f"the course does not import in {sys.executable}: {type(error).__name__}: {error}"
    broken = getattr(registry, "LOAD_ERRORS", None) or getattr(registry, "_LOAD_ERRORS", None)
    if broken:
        details = "; ".join(f"{name}: {error}" for name, error in dict(broken).items())
        return f"some checks could not be loaded (a bug in the grader): {details}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Check the course, then run an IPython kernel with `argv` (or only check: --check)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    problem = course_problem()
    if problem is not None:
        print(f"bilstm-ner course kernel: {problem}", file=sys.stderr, flush=True)
        return 1
    if arguments == ["--check"]:
        print("bilstm-ner course kernel: the course imports")
        return 0
    from ipykernel.kernelapp import launch_new_instance

    warnings.showwarning = _show_warning_on_stdout
    settings = ["--IPKernelApp.capture_fd_output=False", "--IPKernelApp.ignore_cwd=True"]
    sys.argv = [sys.argv[0], *settings, *arguments]
    launch_new_instance()
    return 0


def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None) -> None:
    """`warnings.showwarning`, writing to stdout (the kernel's, looked up at each warning)."""
    text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stdout).write(text)


if __name__ == "__main__":
    sys.exit(main())
