"""check_compute_loss's CheckSpec (grader side): its inputs, probe, judge and items."""

from __future__ import annotations

from grader.checks.compute_loss import ANSWERS, ITEMS, TITLE
from grader.checks.compute_loss.inputs import make_inputs
from grader.checks.compute_loss.judge import judge
from grader.checks.compute_loss.probe import probe
from grader.core.spec import CheckSpec

SPEC = CheckSpec(
    name="compute_loss",
    title=TITLE,
    objects=("compute_loss",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    items=ITEMS,
    answers=ANSWERS,
)
