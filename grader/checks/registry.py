"""The registry of checks, built from imports: `CHECKS`, every check's spec by name, in course
order. Importing it imports no TensorFlow (the probes import it only when they run)."""

from __future__ import annotations

from grader.checks.build_layers.spec import SPEC as BUILD_LAYERS
from grader.checks.compute_loss.spec import SPEC as COMPUTE_LOSS
from grader.checks.embedding_layer.spec import SPEC as EMBEDDING_LAYER
from grader.checks.embedding_training.spec import SPEC as EMBEDDING_TRAINING
from grader.checks.normalize_token.spec import SPEC as NORMALIZE_TOKEN
from grader.checks.pad_sentences.spec import SPEC as PAD_SENTENCES
from grader.core.spec import CheckSpec

CHECKS: dict[str, CheckSpec] = {
    spec.name: spec
    for spec in (
        NORMALIZE_TOKEN,
        PAD_SENTENCES,
        EMBEDDING_LAYER,
        BUILD_LAYERS,
        COMPUTE_LOSS,
        EMBEDDING_TRAINING,
    )
}
"""Every check by name ("normalize_token", ..., "embedding_training"), in course order."""
