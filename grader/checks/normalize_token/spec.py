"""check_normalize_token's CheckSpec (grader side): its inputs, probe, judge and items."""

from __future__ import annotations

from grader.checks.normalize_token import ANSWERS, ITEMS, TITLE
from grader.checks.normalize_token.inputs import make_inputs
from grader.checks.normalize_token.judge import judge
from grader.checks.normalize_token.probe import probe
from grader.core.spec import CheckSpec

SPEC = CheckSpec(
    name="normalize_token",
    title=TITLE,
    objects=("normalize_token",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    items=ITEMS,
    answers=ANSWERS,
)
