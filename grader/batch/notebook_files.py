"""Which entries of a submitted folder are notebooks, and whether one is a file at all.

A notebook is a regular file named `*.ipynb`. A folder (or a FIFO, socket or device) named like
one is still found, so that it is reported as what it is rather than silently dropped, but it
is never walked into: `02_embeddings.ipynb/.01_data.ipynb` must not be graded as a notebook of
the course, in place of the one its folder's name claims to be.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

NOTEBOOK_SUFFIX = ".ipynb"
CHECKPOINTS = ".ipynb_checkpoints"


def is_notebook_name(name: str) -> bool:
    """Whether `name` is named like a notebook (`*.ipynb` in any case, as course names are
    matched: `01_DATA.IPYNB` is graded as `01_data.ipynb`; not just the suffix)."""
    lowered = name.lower()
    return lowered.endswith(NOTEBOOK_SUFFIX) and lowered != NOTEBOOK_SUFFIX


def notebook_entries(folder: Path) -> list[Path]:
    """Every entry below `folder` named like a notebook, files or not, in a stable order.

    Skips `.ipynb_checkpoints`; never enters a folder named like a notebook (it is listed
    itself) nor follows a symbolic link to a folder (no loops, no leaving the folder).
    """
    found: list[Path] = []
    for current, folders, files in os.walk(folder, followlinks=False):
        here = Path(current)
        found += [here / name for name in files if is_notebook_name(name)]
        notebook_like = [name for name in folders if is_notebook_name(name)]
        found += [here / name for name in notebook_like]
        folders[:] = [name for name in folders if name != CHECKPOINTS and name not in notebook_like]
    return sorted(found)


def not_a_file_problem(path: Path) -> str | None:
    """Why `path` cannot be a notebook although it is named like one (None: a regular file, or
    nothing there, which reading reports itself). Follows symbolic links; never opens it."""
    kind = non_file_kind(path)
    if kind is None:
        return None
    return f"{path.name} is {kind}, not a notebook file: submit the .ipynb file itself"


SYSTEM_FOLDERS = ("/dev", "/proc")
"""Where a path names a device or a process's stream (`/dev/stdout` -> `/proc/self/fd/1`),
whatever it is at the moment: replacing it would break it for every later program."""


def system_stream(path: Path) -> bool:
    """Whether `path`, as given or once its links are resolved, is in /dev or /proc."""
    for where in (os.path.abspath(path), os.path.realpath(path)):
        if any(where == f or where.startswith(f + os.sep) for f in SYSTEM_FOLDERS):
            return True
    return False


def non_file_kind(path: Path) -> str | None:
    """What `path` is when it is not a regular file ("a folder", "a named pipe", ...); None
    for a regular file or nothing at all."""
    if system_stream(path):
        return "a device or a process's stream (in /dev or /proc)"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"
