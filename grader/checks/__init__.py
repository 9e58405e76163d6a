"""The checks, one folder per exercise in course order, each holding its declaration
(`__init__`: title, items, points), `inputs`, `probe` (LEARNER side), `judge` and `spec`.

`CHECKS` (the registry, `grader.checks.registry`) is imported lazily, so a learner's kernel
that imports one probe never imports a judge; the in-notebook entry points `check_<exercise>`
(`grader.checks.entry_points`) import no judge until they run. No TensorFlow either way.
"""

from __future__ import annotations

from typing import Any

from grader.checks.entry_points import (
    check_build_layers,
    check_compute_loss,
    check_embedding_layer,
    check_embedding_training,
    check_normalize_token,
    check_pad_sentences,
)

__all__ = [
    "CHECKS",
    "check_build_layers",
    "check_compute_loss",
    "check_embedding_layer",
    "check_embedding_training",
    "check_normalize_token",
    "check_pad_sentences",
]


def __getattr__(name: str) -> Any:
    """`CHECKS`, imported from the registry on first use."""
    if name == "CHECKS":
        from grader.checks.registry import CHECKS

        return CHECKS
    raise AttributeError(f"module 'grader.checks' has no attribute {name!r}")
