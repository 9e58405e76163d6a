"""Autograder checks for the BiLSTM tagger exercises (see grader/README.md for the layout).

    from grader import check_build_layers, check_compute_loss, check_embedding_training
    report = check_compute_loss(compute_loss)
    report.passed, report.score, report.max_score, report.items

`import grader` is cheap: no TensorFlow and no judge is imported until a check runs.
"""

from __future__ import annotations

from grader.checks import (
    check_build_layers,
    check_compute_loss,
    check_embedding_layer,
    check_embedding_training,
    check_normalize_token,
    check_pad_sentences,
)
from grader.core.report import CheckItem, Report

__all__ = [
    "CheckItem",
    "Report",
    "check_build_layers",
    "check_compute_loss",
    "check_embedding_layer",
    "check_embedding_training",
    "check_normalize_token",
    "check_pad_sentences",
]
