"""The `user` sandbox: a learner's kernel run as a dedicated unprivileged user.

Where namespaces are refused (as inside Docker on Gradescope) bubblewrap cannot run; there the
tool runs as root and starts the kernel as `grader-kernel` (or $GRADER_KERNEL_USER) with the
same limits, fresh HOME and library as under bwrap. Only its working copy and exchange folder
are its own, and the course's sources must be unreadable to it (checked before grading:
`user_sandbox_problem`). Nothing of that user's outlives a submission: its processes are killed
after each one (`kill_user_processes`), so it grades one submission at a time (--jobs 1), and
one run at a time per machine (`one_user_sandbox_run`). `grade` also refuses submitted folders
that user may enter (`folders_open_to_kernel_user`): without a mount namespace, permissions
alone keep other learners' notebooks from a kernel.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import grader
from grader.batch.sandbox import REPOSITORY, KernelPlaces

KERNEL_USER = os.environ.get("GRADER_KERNEL_USER", "grader-kernel")
COURSE_SOURCES = ("grader", "bilstm_ner", "solutions", "notebooks", "tests")
"""Folders of the repository the `user` sandbox's kernel must not be able to read."""
LOCKED_FOLDER = Path(grader.__file__).resolve().parent
"""Locked while a run uses the `user` sandbox: the grader's own folder, which its kernel user
cannot open (`user_sandbox_problem`), so no kernel can take the lock itself."""
SHARED_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
"""World-writable folders where a kernel's files would outlive it (no private /tmp without a
mount namespace) for the next submission's kernel to read: emptied of them after each."""


def kernel_user() -> pwd.struct_passwd | None:
    """The kernel user's account (None: there is none here)."""
    try:
        return pwd.getpwnam(KERNEL_USER)
    except KeyError:
        return None


def user_sandbox_problem(jobs: int = 1) -> str | None:
    """Why `--sandbox user` cannot run here (None: it can)."""
    if os.geteuid() != 0:
        return "the tool must run as root to start kernels as another user"
    user = kernel_user()
    if user is None:
        return f"there is no user {KERNEL_USER!r}: create it with `useradd --system {KERNEL_USER}`"
    if user.pw_uid == 0:
        return f"{KERNEL_USER!r} is root"
    if jobs != 1:
        return (
            "it grades one submission at a time (--jobs 1): each ends by killing the user's "
            "processes"
        )
    python = os.path.abspath(sys.executable)
    if subprocess.run([*_as_user(user), python, "-c", "pass"], capture_output=True).returncode:
        return (
            f"{KERNEL_USER!r} cannot run this Python ({python}, "
            f"{os.path.realpath(sys.executable)}): install it where other users can (e.g. "
            "/usr/local or /opt, as in the Dockerfile)"
        )
    readable = [
        str(REPOSITORY / folder)
        for folder in COURSE_SOURCES
        if (REPOSITORY / folder).exists() and _readable_by(user, REPOSITORY / folder)
    ]
    if readable:
        return (
            f"{KERNEL_USER!r} can read the course's files ({', '.join(readable)}): make them "
            f"unreadable to it, e.g. `chmod -R o-rwx {' '.join(readable)}`"
        )
    return None


def _readable_by(user: pwd.struct_passwd, folder: Path) -> bool:
    """Whether `user` may list `folder` (asked of the system, as that user)."""
    done = subprocess.run(
        [*_as_user(user), "test", "-r", str(folder), "-a", "-x", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _as_user(user: pwd.struct_passwd) -> list[str]:
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--no-new-privs",
        "--",
    ]


def wrap_as_kernel_user(command: list[str], limits: list[str], places: KernelPlaces) -> list[str]:
    """The kernel's `command` (already through `sandbox.one_process`), run as the kernel user
    under the `prlimit` `limits`; hands it the kernel's connection file."""
    user = kernel_user()
    assert user is not None
    connection = places.exchange / "jupyter" / "connection.json"
    if connection.exists():  # written (0600, root's) just before the command is made
        os.chown(connection, user.pw_uid, user.pw_gid)
    command = [os.path.abspath(command[0]), *command[1:]]  # no ../ through hidden folders
    return [*_as_user(user), *limits, *command]


def hand_over(places: KernelPlaces) -> None:
    """Give the `user` sandbox's kernel user its folders: the working copy, exchange folder
    and HOME become its own; the library and the folders above them stay root's, readable."""
    for folder in (places.workdir, places.exchange, places.home):
        give_to_kernel_user(folder)
    for parent in {places.workdir.parent, places.library.parent}:
        parent.chmod(0o711)  # mkdtemp's 0700: the kernel may pass through, not list
    for path in [places.library, *places.library.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def give_to_kernel_user(folder: Path) -> None:
    """Make `folder` and everything in it the `user` sandbox's kernel user's own."""
    user = kernel_user()
    assert user is not None
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


def folders_open_to_kernel_user(folders: Iterable[Path]) -> list[Path]:
    """Those of `folders` the `user` sandbox's kernel user may enter, and so read every file in
    them it can name: a folder of other learners' submissions must not be one (asked of the
    system, as that user)."""
    user = kernel_user()
    if user is None:
        return []
    return [folder for folder in folders if _enterable_by(user, folder)]


def _enterable_by(user: pwd.struct_passwd, folder: Path) -> bool:
    done = subprocess.run(
        [*_as_user(user), "test", "-x", str(folder)], capture_output=True, check=False
    )
    return done.returncode == 0


@contextlib.contextmanager
def one_user_sandbox_run(locked: Path = LOCKED_FOLDER) -> Iterator[None]:
    """Be the machine's only grading run using the `user` sandbox until the block ends; another
    (a second shard started on the same machine) waits, saying so. Their kernels would run as
    one user, so each could read the other's working copy and results folder, and each run's
    end-of-submission kill would stop the other's kernel."""
    descriptor = os.open(locked, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                "python -m grader: waiting for another grading run with --sandbox user to end "
                "(its kernels run as the same user)",
                file=sys.stderr,
            )
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # and so the lock


def kill_user_processes() -> None:
    """End everything the `user` sandbox's kernel user runs (its kernel, and whatever the
    kernel started in a new session)."""
    user = kernel_user()
    if user is not None:
        subprocess.run(["pkill", "-KILL", "-U", str(user.pw_uid)], check=False)


def remove_kernel_user_files(folders: Sequence[Path] = SHARED_FOLDERS) -> None:
    """Remove what the `user` sandbox's kernel user left in the world-writable `folders`, so
    the next submission's kernel (the same user) finds nothing of this one's there."""
    user = kernel_user()
    if user is not None:
        remove_files_of(user.pw_uid, folders)


def remove_files_of(uid: int, folders: Sequence[Path]) -> None:
    """Remove every entry `uid` owns in `folders`, and in the world-writable folders inside
    them (the only others it could write in); links are removed, never followed."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            is_folder = stat.S_ISDIR(info.st_mode)
            if info.st_uid == uid and is_folder:
                shutil.rmtree(entry.path, ignore_errors=True)
            elif info.st_uid == uid:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            elif is_folder and info.st_mode & stat.S_IWOTH:
                remove_files_of(uid, [Path(entry.path)])
