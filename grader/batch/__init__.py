"""The batch grading tool, `python -m grader grade`: grading loop (`grading`), command line
(`cli`), submissions and their declared checks (`submissions`), the kernel run (`kernel_run`),
judging its results (`verdicts`) and the output formats (`results`). Nothing here runs in a
learner's kernel, and nothing here imports TensorFlow.
"""

from __future__ import annotations

from grader.batch.grading import grade_notebook, grade_paths
from grader.batch.options import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT, GradingOptions
from grader.batch.result import SubmissionResult
from grader.batch.submissions import UsageError, collect_notebooks, load_registry

__all__ = [
    "DEFAULT_MEMORY_LIMIT_MB",
    "DEFAULT_TIMEOUT",
    "GradingOptions",
    "SubmissionResult",
    "UsageError",
    "collect_notebooks",
    "grade_notebook",
    "grade_paths",
    "load_registry",
]
