"""check_embedding_training's judge of both experiments and its CheckSpec (grader side)."""

from __future__ import annotations

from grader.checks.embedding_training import ANSWERS, ITEMS, TITLE
from grader.checks.embedding_training.inputs import make_inputs
from grader.checks.embedding_training.judge_model import judge_learner_model
from grader.checks.embedding_training.probe import probe
from grader.checks.embedding_training.step.judge import judge_learner_step
from grader.checks.embedding_training.step.recompute import recompute
from grader.core.report import Report
from grader.core.spec import CheckSpec


def judge(inputs: dict, observations: dict, recomputed: dict | None = None) -> Report:
    """Items of experiment 1 (always: the declared items keep only those graded) and of
    experiment 2 when the probe ran it, against the grader's `recomputed` values; never raises
    on malformed observations."""
    observations = observations if type(observations) is dict else {}
    items = judge_learner_model(inputs, observations.get("model"))
    if "train_step" in observations:
        items.extend(judge_learner_step(inputs, observations["train_step"], recomputed))
    return Report(TITLE, items)


SPEC = CheckSpec(
    name="embedding_training",
    title=TITLE,
    objects=("BiLSTMTagger", "train_step"),
    optional_objects=("train_step",),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
    recompute=recompute,
    items=ITEMS,
    answers=ANSWERS,
)
