"""Where results may be written, checked before the first kernel starts.

Results are written atomically (a temporary file beside the target, then a rename), so a
target that exists must be a regular file: renaming over `/dev/full`, a named pipe or a socket
would replace it with a file. Two outputs may not share a file (one would be lost), and no
output may overwrite a submitted notebook or be named like one (the next run would grade it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.batch.notebook_files import is_notebook_name, non_file_kind
from grader.batch.submissions import UsageError


def check_output_paths(
    outputs: Mapping[str, str | os.PathLike | None], submitted: Iterable[Path] = ()
) -> None:
    """Raise `UsageError` (one line, naming the option) unless every output in `outputs`
    ({option: path, or None when not asked for}) can take a results file: a regular file or a
    new one in a writable folder, none the same file as another, none a `submitted` notebook."""
    given = {option: Path(path) for option, path in outputs.items() if path is not None}
    submitted = list(submitted)
    for option, target in given.items():
        if any(same_file(target, notebook) for notebook in submitted):
            raise UsageError(f"{option} {target}: is a submitted notebook; write results elsewhere")
        _check_one(option, target)
    options = list(given)
    for number, option in enumerate(options):
        for other in options[number + 1 :]:
            if same_file(given[option], given[other]):
                raise UsageError(
                    f"{option} and {other} are the same file ({given[option]}): give each its own"
                )


def _check_one(option: str, target: Path) -> None:
    """One output path: not a folder or other non-file, not named like a notebook, and in a
    folder that exists (or can be made) and may be written."""
    kind = non_file_kind(target)
    if kind == "a folder":
        raise UsageError(f"{option} {target}: is a folder; give a file name")
    if kind is not None:
        raise UsageError(
            f"{option} {target}: is {kind}; results are written to a regular file (replacing "
            "it would turn it into one), so give a file name"
        )
    if is_notebook_name(target.name):
        raise UsageError(
            f"{option} {target}: results are not a notebook; a name ending in .ipynb would be "
            "taken for a submission"
        )
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {target}: cannot be written ({parent} is not a writable folder)"
        )


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same path once links are resolved, or (both
    existing) the same file on disk, as hard links are."""
    try:
        if first.resolve() == second.resolve():
            return True
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except (OSError, RuntimeError):  # a loop of links: no file to share
        return False
