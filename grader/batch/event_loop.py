"""Running a coroutine to its end from synchronous code, even where an event loop is already
running (`grade_paths` called from a Jupyter notebook)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


def run_coroutine(coroutine: Any) -> Any:
    """asyncio.run, also from inside a running event loop (e.g. called in Jupyter)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
