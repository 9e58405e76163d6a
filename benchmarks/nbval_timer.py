"""A pytest plugin (`-p benchmarks.nbval_timer`): each notebook's summed cell times, as JSON.

Set BENCH_NBVAL_TIMES to a file path; at the end of the session it holds
{"seconds": {notebook file name: seconds}, "failed": ["name::Cell 3", ...]}, where a notebook's
seconds add up the setup, call and teardown of its cells (the kernel starts in the first setup).
"""

from __future__ import annotations

import json
import os

import pytest

ENVIRONMENT_VARIABLE = "BENCH_NBVAL_TIMES"
_seconds: dict[str, float] = {}
_failed: list[str] = []


def pytest_runtest_makereport(item, call) -> None:
    """Add this phase's duration to its notebook; remember cells that raised (not skipped)."""
    name = item.path.name
    _seconds[name] = _seconds.get(name, 0.0) + call.duration
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        _failed.append(f"{name}::{item.name}")


def pytest_sessionfinish(session, exitstatus) -> None:
    """Write the collected times where BENCH_NBVAL_TIMES says (nothing when it is unset)."""
    target = os.environ.get(ENVIRONMENT_VARIABLE)
    if target:
        with open(target, "w", encoding="utf-8") as output:
            json.dump({"seconds": _seconds, "failed": _failed}, output)
