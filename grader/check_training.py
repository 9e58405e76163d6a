"""check_embedding_training: does training reach the embedding, and does `train_step` do one step?

Two experiments, each judged on its own so a broken piece never hides a correct one:

1. The learner's model with the grader's masked loss and the grader's own step (plain SGD, each
   gradient clipped by norm 1.0): `embedding_matrix` must be in `trainable_variables`, the loss's
   gradient must reach it as `tf.IndexedSlices` of the batch's rows, and the step must change
   exactly the rows of the batch's real words (not the PAD row, not absent words).
2. When `train_step` is given: the learner's `train_step` on the course's reference
   `BiLSTMTagger` (no dropout, output weights scaled up so gradients are far above norm 1), with
   a fresh SGD optimizer. Every variable's change is compared with -lr * clip_by_norm(gradient,
   1.0) computed from the grader's own gradient, which tells "not clipped", "clipped by global
   norm", "optimizer not used", "embedding left out" and "nothing applied" apart.

    training_inputs          sizes, a batch using half of the vocabulary, settings (NumPy only)
    training_reference       the grader's own TensorFlow loss and reference model
    training_probe           LEARNER side: the only place this check runs learner code
    training_judge_model     grader side: experiment 1's items
    training_judge_step      grader side: experiment 2's items (training_judge_clipping: clipping)
    training_items           the items' names

The in-notebook entry point is `grader.check_embedding_training` (grader/checks.py).
"""

from __future__ import annotations

from grader.report import Report
from grader.spec import CheckSpec
from grader.training_inputs import LEARNING_RATE, OUTPUT_SCALE, TIME_LIMIT, make_training_inputs
from grader.training_items import CHANGED, MODEL_ITEMS, ON_REFERENCE, STEP_ITEMS, TITLE
from grader.training_judge_clipping import STEP_RTOL
from grader.training_judge_model import judge_learner_model
from grader.training_judge_step import judge_learner_step
from grader.training_probe import (
    CHECK,
    probe_embedding_training,
    probe_learner_model,
    probe_learner_step,
)
from grader.training_reference import reference_model

__all__ = [
    "CHANGED",
    "CHECK",
    "EMBEDDING_TRAINING",
    "LEARNING_RATE",
    "MODEL_ITEMS",
    "ON_REFERENCE",
    "OUTPUT_SCALE",
    "STEP_ITEMS",
    "STEP_RTOL",
    "TIME_LIMIT",
    "TITLE",
    "judge_embedding_training",
    "judge_learner_model",
    "judge_learner_step",
    "make_training_inputs",
    "probe_embedding_training",
    "probe_learner_model",
    "probe_learner_step",
    "reference_model",
]


def judge_embedding_training(inputs: dict, observations: dict) -> Report:
    """Items for the learner's model and (when given) their train_step; never raises."""
    observations = observations if type(observations) is dict else {}
    items = judge_learner_model(inputs, observations.get("model"))
    if "train_step" in observations:
        items.extend(judge_learner_step(inputs, observations["train_step"]))
    return Report(TITLE, items)


EMBEDDING_TRAINING = CheckSpec(
    name="embedding_training",
    title=TITLE,
    objects=("BiLSTMTagger", "train_step"),
    optional_objects=("train_step",),
    make_inputs=make_training_inputs,
    probe=probe_embedding_training,
    judge=judge_embedding_training,
)
