"""Where grading time goes: one submission's wall time split into named phases (grading process).

Every stamp is `time.perf_counter()` taken in the grading process; nothing the kernel says is
used. A `PhaseClock` charges the time since its previous lap to a phase, so the phases of a
submission add up to its wall time, give or take the microseconds before the first stamp.

The phases, in the order they happen (`PHASES`; each is present, 0.0 when it did not happen):

* setup: before the kernel is launched: reading the notebook, the tampering scan, the checks'
  inputs, the kernel's private folders and library.
* kernel_start: the sandbox and the kernel process, until the kernel answers.
* tensorflow_import: the learner's cell during which TensorFlow's library was loaded into the
  kernel (seen in the kernel's memory maps, read from /proc by this process; where they cannot
  be read, the first cell whose source imports tensorflow or calls start_tensorflow). The
  whole cell counts, with whatever else it does (the course's setup cell also imports NumPy,
  Keras and the course's modules).
* cells: the learner's other cells.
* probes: the grader's probe cell: writing its inputs, until the kernel sealed its results and
  they were read.
* kernel_shutdown: killing the kernel and removing its private folders.
* recompute_start: starting the recompute worker (Python and the checks' modules); charged to
  the submission whose recomputation started it, once a run.
* recompute: this submission's recomputations in the worker (the first of a run also imports
  TensorFlow there).
* judging: judging the observations into reports.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable

PHASES = (
    "setup",
    "kernel_start",
    "tensorflow_import",
    "cells",
    "probes",
    "kernel_shutdown",
    "recompute_start",
    "recompute",
    "judging",
)
TENSORFLOW_LIBRARIES = (b"libtensorflow_framework", b"_pywrap_tensorflow_internal")
"""File names in a process's memory maps that say TensorFlow was imported there."""
_IMPORTS_TENSORFLOW = re.compile(r"^\s*(import|from)\s+tensorflow\b|start_tensorflow\s*\(", re.M)


class PhaseClock:
    """Wall seconds per phase of `PHASES`, charged lap by lap (perf_counter)."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._last = time.perf_counter()

    def lap(self, phase: str) -> float:
        """Charge the time since the previous lap (or the clock's start) to `phase`; return it."""
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        self.charge(phase, elapsed)
        return elapsed

    def charge(self, phase: str, seconds: float) -> None:
        """Add `seconds` to `phase` (KeyError for a name not in PHASES)."""
        if phase not in self.seconds:
            raise KeyError(f"unknown grading phase {phase!r} (known: {', '.join(PHASES)})")
        self.seconds[phase] += seconds

    def move(self, seconds: float, source: str, target: str) -> None:
        """Re-charge `seconds` already charged to `source` to `target` instead."""
        seconds = min(seconds, self.seconds[source])
        self.charge(source, -seconds)
        self.charge(target, seconds)

    def as_dict(self) -> dict[str, float]:
        """Every phase's seconds, in PHASES order."""
        return dict(self.seconds)


def tensorflow_loaded(pids: Iterable[int]) -> bool | None:
    """Whether any of the processes `pids` has TensorFlow's library mapped (None: none of
    their memory maps could be read, e.g. off Linux)."""
    readable = False
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps", "rb") as maps:
                text = maps.read()
        except OSError:
            continue
        readable = True
        if any(library in text for library in TENSORFLOW_LIBRARIES):
            return True
    return False if readable else None


def kernel_processes(pid: int | None) -> list[int]:
    """The kernel process `pid` (the sandbox's, under bwrap) and all its descendants."""
    if pid is None:
        return []
    import psutil

    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        return [pid, *(child.pid for child in root.children(recursive=True))]
    return []


def imports_tensorflow(source: str) -> bool:
    """Whether a cell's source imports tensorflow or calls start_tensorflow (the fallback when
    the kernel's memory maps cannot be read)."""
    return bool(_IMPORTS_TENSORFLOW.search(source))


def process_age() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat, 10 ms steps), else None."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, "starttime"
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
