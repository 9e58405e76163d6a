"""Autograder checks for the BiLSTM tagger exercises.

    from grader import check_build_layers, check_compute_loss, check_embedding_training
    report = check_compute_loss(compute_loss)
    report.passed, report.score, report.max_score, report.items

Names are imported lazily, so `import grader` stays cheap and never imports TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.checks import check_build_layers, check_compute_loss, check_embedding_training
    from grader.report import CheckItem, Report

__all__ = [
    "CheckItem",
    "Report",
    "check_build_layers",
    "check_compute_loss",
    "check_embedding_training",
]

_HOMES = {
    "CheckItem": "grader.report",
    "Report": "grader.report",
    "check_build_layers": "grader.checks",
    "check_compute_loss": "grader.checks",
    "check_embedding_training": "grader.checks",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'grader' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
