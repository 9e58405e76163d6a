"""check_build_layers: is the learner's `BiLSTMTagger` a real, masked, bidirectional tagger?

inputs (grader) -> probe (learner's kernel: builds the model, calls it on variants of one batch,
returns plain arrays) -> judge (grader: compares the arrays, writes one item per property).

    build_layers_inputs            random sizes, a padded batch and its variants (NumPy only)
    build_layers_probe             LEARNER side: the only place this check runs learner code
    build_layers_judge             grader side: construction, logits, then the items below
    build_layers_judge_embedding   the embedding variable and its starting values
    build_layers_judge_behaviour   masking, both directions, no dropout/softmax at inference
    build_layers_items             the items' names

The in-notebook entry point is `grader.check_build_layers` (grader/checks.py).
"""

from __future__ import annotations

from grader.build_layers_inputs import (
    STATS_VALUES,
    TIME_LIMIT,
    make_build_layers_inputs,
    random_sizes,
)
from grader.build_layers_items import ITEM_NAMES, TITLE
from grader.build_layers_judge import judge_build_layers
from grader.build_layers_judge_behaviour import CHANGED_ATOL, SAME_ATOL
from grader.build_layers_probe import probe_build_layers
from grader.probing import MODEL_KEYWORDS, build_learner_model, call_model, embedding_facts, is_a
from grader.spec import CheckSpec

__all__ = [
    "BUILD_LAYERS",
    "CHANGED_ATOL",
    "ITEM_NAMES",
    "MODEL_KEYWORDS",
    "SAME_ATOL",
    "STATS_VALUES",
    "TIME_LIMIT",
    "TITLE",
    "build_learner_model",
    "call_model",
    "embedding_facts",
    "is_a",
    "judge_build_layers",
    "make_build_layers_inputs",
    "probe_build_layers",
    "random_sizes",
]

BUILD_LAYERS = CheckSpec(
    name="build_layers",
    title=TITLE,
    objects=("BiLSTMTagger",),
    optional_objects=(),
    make_inputs=make_build_layers_inputs,
    probe=probe_build_layers,
    judge=judge_build_layers,
)
