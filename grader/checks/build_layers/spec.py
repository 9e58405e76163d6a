"""check_build_layers's CheckSpec (grader side): its inputs, probe, judge and items."""

from __future__ import annotations

from grader.checks.build_layers import ANSWERS, ITEMS, TITLE
from grader.checks.build_layers.inputs import make_inputs
from grader.checks.build_layers.judge import judge
from grader.checks.build_layers.probe import probe
from grader.core.spec import CheckSpec

SPEC = CheckSpec(
    name="build_layers",
    title=TITLE,
    objects=("BiLSTMTagger",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    items=ITEMS,
    answers=ANSWERS,
)
