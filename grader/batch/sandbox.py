"""Where a learner's kernel runs in a graded run: a bubblewrap sandbox, or (asked for) none.

`bwrap` (Debian package `bubblewrap`): no network, its own process namespace (nothing it starts
outlives it or sees another submission), a read-only view of the system with the course's
sources, solutions and judges hidden under an empty tmpfs, a private /tmp, a fresh HOME and
Jupyter/IPython folders (no profile or startup file is read or kept), and limits on processes,
file size and CPU time. Writable: only its working copy and the folder of its exchange with the
grading process. Jupyter talks to it over ipc sockets in that folder (no TCP across namespaces).

`user` (where namespaces are refused, as inside Docker on Gradescope): the kernel runs as a
dedicated unprivileged user, kept apart by file permissions (`grader.batch.user_sandbox`).

`none` runs the kernel as the tool's own user, with only the kernel-side library on its path;
it must be asked for, and every report says which sandbox ran.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grader

KINDS = ("auto", "bwrap", "user", "none")
REPOSITORY = Path(grader.__file__).resolve().parents[1]
"""The folder holding the course's sources (a checkout: also its solutions), or the
site-packages the course is installed in (from a wheel, as in a Gradescope bundle)."""

MAX_PROCESSES = 512
MAX_FILE_BYTES = 512 * 2**20
MAX_OPEN_FILES = 4096
"""Descriptors a kernel may hold: each pipe or socket holds kernel memory no watch sees."""
MAX_TMP_BYTES = 2**30
"""What a bwrap kernel may keep in its private /tmp (memory) at once."""
MAX_SHM_BYTES = 64 * 2**20
"""What it may keep in /dev/shm (memory too; read-only where bwrap cannot size a tmpfs)."""
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
            [*_bwrap_base(), *_system_view(), "--", "true"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.cache
def resolve(kind: str, jobs: int = 1) -> str:
    """The sandbox that will run for `kind` ("auto": bwrap where it works, else the dedicated
    user where that is set up); raises ValueError with what to do when it cannot run here."""
    if kind not in KINDS:
        raise ValueError(f"--sandbox must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "none":
        return "none"
    if kind in ("auto", "bwrap") and bwrap_works():
        return "bwrap"
    from grader.batch import user_sandbox  # imported here: it builds on this module

    set_up = kind == "auto" and os.geteuid() == 0 and user_sandbox.kernel_user() is not None
    if kind == "user" or set_up:
        problem = user_sandbox.user_sandbox_problem(jobs)
        if problem is None:
            return "user"
        if kind == "user":
            raise ValueError(f"--sandbox user cannot run here: {problem}")
    raise ValueError(
        "no sandbox can run here: install bubblewrap (`make system-packages`, Debian package "
        "`bubblewrap`) where namespaces are allowed, or set up --sandbox user (as root: "
        f"`useradd --system {user_sandbox.KERNEL_USER}`, course files unreadable to it), or "
        "grade trusted notebooks with --sandbox none"
    )


SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
"""What the kernel sees of the system, read-only: programs, libraries, configuration. Not
/home, /root, /srv, /opt, /work or /mnt: other copies of the course and other learners'
work live in places like those."""
SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers")


def _bwrap_base() -> list[str]:
    # Every tmpfs lives in memory the memory watch cannot see, and bwrap's own (its root, its
    # /dev) may grow to half the machine's: each is read-only or sized.
    sized = _bwrap_sizes_tmpfs()
    shm = ["--size", str(MAX_SHM_BYTES), "--tmpfs", "/dev/shm"] if sized else []
    return [
        "bwrap",
        "--die-with-parent",
        "--unshare-all",
        "--new-session",
        "--dev",
        "/dev",
        "--remount-ro",
        "/dev",
        *shm,
        "--proc",
        "/proc",
        *(["--size", str(MAX_TMP_BYTES)] if sized else []),
        "--tmpfs",
        "/tmp",
    ]


@functools.cache
def _bwrap_sizes_tmpfs() -> bool:
    """Whether this bwrap can size a tmpfs (`--size`, bubblewrap 0.8 and later)."""
    try:
        shown = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--size" in shown.stdout + shown.stderr


def _system_view() -> list[str]:
    """bwrap arguments for a read-only view of the system folders and of this Python (its
    environment and base installation), with the course's own installed packages and a few
    secrets hidden."""
    arguments: list[str] = []
    for folder in SYSTEM_FOLDERS:
        path = Path(folder)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            arguments += ["--ro-bind", folder, folder]
    for environment in _python_folders():
        if not any(environment.is_relative_to(folder) for folder in SYSTEM_FOLDERS):
            arguments += ["--ro-bind", str(environment), str(environment)]
    for package in _installed_course_packages():
        arguments += ["--tmpfs", str(package)]
    for secret in SECRETS:
        if Path(secret).exists():
            arguments += ["--ro-bind", "/dev/null", secret]
    return arguments


def _python_folders() -> list[Path]:
    """This Python's installation, its environment, and any site-packages its path names
    besides (a .pth file may add another environment's, as the Gradescope bundle's test does)."""
    folders = [Path(sys.prefix), Path(sys.base_prefix)]
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if path.name in ("site-packages", "dist-packages") and path.is_dir():
            folders.append(path)
    return _outermost(folders)


def _installed_course_packages() -> list[Path]:
    """The course's packages where the kernel's Python could find them by itself (a wheel in
    site-packages): its unredacted answers and the judges. An editable install points into
    the repository, which the kernel does not see anyway."""
    found = []
    pythons = _python_folders()
    for name in ("grader", "bilstm_ner"):
        for site in map(Path, sys.path):
            candidate = (site / name).resolve()
            inside_python = any(candidate.is_relative_to(f) for f in pythons)
            if inside_python and candidate.is_dir():
                found.append(candidate)
    return sorted(set(found))


def wrap(kind: str, command: list[str], places: KernelPlaces, cpu_seconds: int) -> list[str]:
    """The kernel's `command`, run in the sandbox `kind` with its limits."""
    limits = [
        "prlimit",
        f"--nproc={MAX_PROCESSES}",
        f"--fsize={MAX_FILE_BYTES}",
        f"--nofile={MAX_OPEN_FILES}",
        f"--cpu={max(1, int(cpu_seconds))}",
        "--",
    ]
    if kind == "none":
        return [*limits, *command]
    command = one_process(command)
    if kind == "user":
        from grader.batch.user_sandbox import wrap_as_kernel_user  # built on this module

        return wrap_as_kernel_user(command, limits, places)
    arguments = [*_bwrap_base(), *_system_view()]
    shown = [Path(f) for f in SYSTEM_FOLDERS] + _python_folders()
    # The course, HOME and the submissions are not in that view, unless inside a folder
    # it shows (a course installed under /usr/local, say): then they are emptied.
    emptied = [str(folder) for folder in _installed_course_packages()]
    for folder in _outermost([*course_sources(), Path.home(), *places.hidden]):
        if any(folder.is_relative_to(view) for view in shown):
            arguments += ["--tmpfs", str(folder)]
            emptied.append(str(folder))
    for folder in (places.library, *places.readable):
        arguments += ["--ro-bind", str(folder), str(folder)]
    for folder in (places.workdir, places.exchange, places.home):
        arguments += ["--bind", str(folder), str(folder)]
    # Last, once every mount point is made: the emptied folders and bwrap's own root are
    # memory the memory watch does not see, so they become read-only (the mounts on them
    # keep their own modes).
    for folder in [*emptied, "/"]:
        arguments += ["--remount-ro", folder]
    arguments += ["--chdir", str(places.workdir), "--"]
    # In its own PID namespace the kernel's parent is not the tool's pid, so ipykernel would
    # take itself for orphaned and quit; bwrap --die-with-parent does that job instead.
    return [*arguments, *limits, *command, "--IPKernelApp.parent_handle=1"]


def one_process(command: list[str]) -> list[str]:
    """The kernel `command` started through `grader.learner_side.one_process`, which forbids
    it to start or become another program."""
    if "ipykernel_launcher" not in command:
        return command
    at = command.index("ipykernel_launcher")
    return [*command[:at], "grader.learner_side.one_process", *command[at + 1 :]]


def course_sources(root: Path = REPOSITORY) -> list[Path]:
    """What a kernel must not see of the course: the whole checkout `root` (sources,
    solutions, judges), or, installed from a wheel, only the course's own packages in it (the
    rest of site-packages is the kernel's TensorFlow)."""
    if (root / "pyproject.toml").is_file():
        return [root]
    return [root / "grader", root / "bilstm_ner"]


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
