"""check_pad_sentences's CheckSpec (grader side): its inputs, probe, judge and items."""

from __future__ import annotations

from grader.checks.pad_sentences import ANSWERS, ITEMS, TITLE
from grader.checks.pad_sentences.inputs import make_inputs
from grader.checks.pad_sentences.judge import judge
from grader.checks.pad_sentences.probe import probe
from grader.core.spec import CheckSpec

SPEC = CheckSpec(
    name="pad_sentences",
    title=TITLE,
    objects=("pad_sentences",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    items=ITEMS,
    answers=ANSWERS,
)
