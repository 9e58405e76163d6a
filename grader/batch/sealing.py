"""Taking a kernel's results once it has sealed them, and only then (grading process).

The probe cell ends in `grader.learner_side.kernel_probe._seal`: the results folder, made only
after every probe returned, gets a SEALED marker and the kernel stops itself. The tool waits for
that marker in the results folder whose random name only it and the probe know, reads the
results while the kernel is stopped, then kills it. A probe cell that ends any other way left
results nobody can vouch for: none are taken.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from grader.core.transport import MalformedPayload, read_payload

SEAL_POLL = 0.02
"""Seconds between looks for the kernel's seal while the probe cell runs."""
UNSEALED = (
    "grader's probe cell: it ended without sealing its results, so none were taken (did the "
    "notebook replace or break Python built-ins, or the grader's own code?)"
)


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
