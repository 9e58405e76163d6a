"""How a batch is graded: which checks, where kernels run, limits, parallelism, shard."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_LIMIT_MB = 4096.0
MAX_TIMEOUT = 24 * 3600.0
"""Seconds per submission: a day. A larger limit means no limit (and `inf` once crashed every
kernel's CPU limit, an int)."""
MAX_MEMORY_LIMIT_MB = float(2**20)
"""1 TiB."""


def limit_problem(name: str, value: float, maximum: float) -> str | None:
    """Why `value` cannot be the limit `name` (None: it can): it must be a finite number above 0
    and at most `maximum`."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        return f"{name} must be a positive number, got {value!r}"
    if value > maximum:
        return f"{name} must be at most {maximum:g}, got {value:g}"
    return None


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which checks (None: what each notebook declares), limits, parallelism."""

    checks: tuple[str, ...] | None = None
    course: str | None = None
    """The course's notebooks (a folder, or one notebook), deciding each submission's checks
    when `checks` is None; None: this repository's solutions/."""
    registry: str = "grader.checks"
    timeout: float = DEFAULT_TIMEOUT
    memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB
    jobs: int = 1
    seed: int | None = None
    python_path: tuple[str, ...] = ()
    kernel_name: str = "python3"
    sandbox: str = "auto"
    """Where kernels run: "auto" (bwrap where it works), "bwrap", or "none" (must be asked for)."""
    allow_flagged: bool = False
    """Grade submissions whose code reaches into the grading machinery (after a review)."""
    shard: tuple[int, int] | None = None
    """(K, N): grade only shard K of N of the collected notebooks (`grader.batch.shards`)."""
