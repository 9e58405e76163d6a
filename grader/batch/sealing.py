"""Taking a kernel's results once it has sealed them, and only then (grading process).

The probe cell ends in `grader.learner_side.kernel_probe._seal`: the results folder, made only
after every probe returned, gets a SEALED marker and the kernel stops itself. The tool waits for
that marker in the results folder whose random name only it and the probe know, copies the
results out while the kernel is stopped, then kills it. The marker holds the HMAC of every byte
the probe wrote, keyed with a secret that only the probe cell's source carried: results that
anything else wrote or changed (a helper left running by the notebook, say) do not match it and
none are taken. A probe cell that ends any other way left results nobody can vouch for: none
are taken either.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import stat
from pathlib import Path
from typing import Any

from grader.core.transport import MalformedPayload, read_payload, results_digest
from grader.learner_side.kernel_probe import SEALED

SEAL_POLL = 0.02
"""Seconds between looks for the kernel's seal while the probe cell runs."""
UNSEALED = (
    "grader's probe cell: it ended without sealing its results, so none were taken (did the "
    "notebook replace or break Python built-ins, or the grader's own code?)"
)


FORGED = (
    "grader's probe cell: its results do not match the seal the probe made (something else in "
    "the kernel wrote or changed them), so none were taken"
)
MAX_RESULT_BYTES = 256 * 2**20
"""What the tool copies out of a results folder at most (the payload limits are below it)."""


async def wait_for_seal(execution: asyncio.Future, marker: Path, client: Any) -> bool:
    """Wait for the probe cell: True (and the cell's tasks cancelled) once the kernel has sealed
    its results, False when the cell ended without sealing them."""
    while not execution.done():
        if marker.is_file():
            execution.cancel()
            with contextlib.suppress(BaseException):
                await execution
            _cancel_tasks_of(client)
            return True
        await asyncio.wait({execution}, timeout=SEAL_POLL)
    return False


def _cancel_tasks_of(client: Any) -> None:
    """Cancel what nbclient left running for `client`'s cancelled cell: its "is the kernel
    alive?" poll would fail with an AssertionError on stderr once the kernel is gone."""
    for task in asyncio.all_tasks():
        frame = getattr(task.get_coro(), "cr_frame", None)
        if frame is not None and frame.f_locals.get("self") is client:
            task.cancel()


def read_outcomes(output_dir: Path, count: int) -> dict[int, Any]:
    """Check number -> its decoded result payload, or the MalformedPayload it raised."""
    outcomes: dict[int, Any] = {}
    for number in range(count):
        directory = output_dir / str(number)
        if not directory.exists():
            continue
        try:
            outcomes[number] = read_payload(directory)
        except MalformedPayload as error:
            outcomes[number] = error
    return outcomes


def take_sealed(output_dir: Path, snapshot: Path, key: str, count: int) -> dict[int, Any] | None:
    """Copy the results folder into `snapshot` (a private, new folder), check the seal against
    every byte copied, and read the outcomes from the copy; None when the seal does not match
    (or the folder holds anything but the probe's regular files)."""
    files = _copy_regular_files(output_dir, snapshot)
    if files is None:
        return None
    claimed = files.pop(SEALED, b"")
    if not hmac.compare_digest(claimed, results_digest(files, key).encode()):
        return None
    return read_outcomes(snapshot, count)


def _copy_regular_files(source: Path, destination: Path) -> dict[str, bytes] | None:
    """{relative path: bytes} of the files in `source` (two levels: SEALED, <n>/<file>),
    copied into `destination`; None for a link, a device, deeper nesting or too many bytes."""
    files: dict[str, bytes] = {}
    total = 0
    for root, folders, names in os.walk(source, followlinks=False):
        relative = Path(root).relative_to(source)
        if len(relative.parts) > 1 or any((Path(root) / f).is_symlink() for f in folders):
            return None
        for name in names:
            path = Path(root) / name
            try:
                descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                return None
            with os.fdopen(descriptor, "rb") as file:
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    return None
                content = file.read(MAX_RESULT_BYTES - total + 1)
            total += len(content)
            if total > MAX_RESULT_BYTES:
                return None
            files[(relative / name).as_posix()] = content
            (destination / relative).mkdir(parents=True, exist_ok=True)
            (destination / relative / name).write_bytes(content)
    return files
