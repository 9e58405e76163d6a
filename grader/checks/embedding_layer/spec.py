"""check_embedding_layer's CheckSpec (grader side): its inputs, probe, judge and items."""

from __future__ import annotations

from grader.checks.embedding_layer import ANSWERS, ITEMS, TITLE
from grader.checks.embedding_layer.inputs import make_inputs
from grader.checks.embedding_layer.judge import judge
from grader.checks.embedding_layer.probe import probe
from grader.core.spec import CheckSpec

SPEC = CheckSpec(
    name="embedding_layer",
    title=TITLE,
    objects=("EmbeddingLayer",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    items=ITEMS,
    answers=ANSWERS,
)
