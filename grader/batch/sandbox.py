"""Where a learner's kernel runs in a graded run: a bubblewrap sandbox, or (asked for) none.

`bwrap` (Debian package `bubblewrap`): no network, its own process namespace (nothing it starts
outlives it or sees another submission), a read-only view of the system with the course's
sources, solutions and judges hidden under an empty tmpfs, a private /tmp, a fresh HOME and
Jupyter/IPython folders (no profile or startup file is read or kept), and limits on processes,
file size and CPU time. Writable: only its working copy and the folder of its exchange with the
grading process. Jupyter talks to it over ipc sockets in that folder (no TCP across namespaces).

`none` runs the kernel as the tool's own user, with only the kernel-side library on its path;
it must be asked for, and every report says which sandbox ran.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grader

KINDS = ("auto", "bwrap", "none")
REPOSITORY = Path(grader.__file__).resolve().parents[1]
"""The folder holding the course's sources, solutions and judges: hidden from the kernel."""

MAX_PROCESSES = 512
MAX_FILE_BYTES = 512 * 2**20
NO_SANDBOX_WARNING = (
    "warning: --sandbox none: learner code runs as your own user, with your files and network; "
    "grade only trusted notebooks this way"
)


@dataclass(frozen=True)
class KernelPlaces:
    """The folders one kernel may see: its working copy, its exchange folder, its HOME, and
    the kernel-side library (plus any extra read-only folders, e.g. a test's toy checks)."""

    workdir: Path
    exchange: Path
    home: Path
    library: Path
    readable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    """Folders hidden under an empty tmpfs besides the repository and the user's HOME (the
    folders submissions came from: other learners' notebooks)."""


@functools.cache
def bwrap_works() -> bool:
    """Whether bubblewrap is installed and may create namespaces here (not inside most Docker
    containers, whose seccomp profile refuses them)."""
    if shutil.which("bwrap") is None:
        return False
    try:
        done = subprocess.run(
            [*_bwrap_base(), "--", "true"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def resolve(kind: str) -> str:
    """The sandbox that will run for `kind` ("auto": bwrap where it works); raises ValueError
    with what to do when the one asked for cannot run here."""
    if kind not in KINDS:
        raise ValueError(f"--sandbox must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "none":
        return "none"
    if bwrap_works():
        return "bwrap"
    raise ValueError(
        "no sandbox can run here: install bubblewrap (`make system-packages`, Debian package "
        "`bubblewrap`) where namespaces are allowed, or grade trusted notebooks with "
        "--sandbox none"
    )


def _bwrap_base() -> list[str]:
    return [
        "bwrap",
        "--die-with-parent",
        "--unshare-all",
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]


def wrap(kind: str, command: list[str], places: KernelPlaces, cpu_seconds: int) -> list[str]:
    """The kernel's `command`, run in the sandbox `kind` with its limits."""
    limits = [
        "prlimit",
        f"--nproc={MAX_PROCESSES}",
        f"--fsize={MAX_FILE_BYTES}",
        f"--cpu={max(1, int(cpu_seconds))}",
        "--",
    ]
    if kind == "none":
        return [*limits, *command]
    arguments = _bwrap_base()
    hidden = _outermost([REPOSITORY, Path.home().resolve(), *places.hidden])
    for folder in hidden:
        arguments += ["--tmpfs", str(folder)]
    for environment in {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}:
        if any(environment.is_relative_to(folder) for folder in hidden):  # keep Python usable
            arguments += ["--ro-bind", str(environment), str(environment)]
    for folder in (places.library, *places.readable):
        arguments += ["--ro-bind", str(folder), str(folder)]
    for folder in (places.workdir, places.exchange, places.home):
        arguments += ["--bind", str(folder), str(folder)]
    arguments += ["--chdir", str(places.workdir), "--"]
    # In its own PID namespace the kernel's parent is not the tool's pid, so ipykernel would
    # take itself for orphaned and quit; bwrap --die-with-parent does that job instead.
    return [*arguments, *limits, *command, "--IPKernelApp.parent_handle=1"]


def _outermost(folders: list[Path]) -> list[Path]:
    """The folders that are not inside another one of them (and not / or /tmp), sorted."""
    folders = sorted({folder.resolve() for folder in folders if folder.exists()})
    kept: list[Path] = []
    for folder in folders:
        if folder in (Path("/"), Path("/tmp")):
            continue
        if not any(folder.is_relative_to(outer) for outer in kept):
            kept.append(folder)
    return kept


def fresh_home_env(home: Path) -> dict[str, str]:
    """Environment variables giving the kernel a fresh, empty HOME and Jupyter/IPython folders,
    so no profile, startup file or configuration of the user's is read or kept."""
    return {
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / ".local" / "share" / "jupyter" / "runtime"),
        "JUPYTER_PATH": "",
        "JUPYTER_CONFIG_PATH": "",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "TMPDIR": "/tmp",
        "PYTHONNOUSERSITE": "1",
        "PYTHONSTARTUP": "",
    }
