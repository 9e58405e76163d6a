"""check_embedding_layer, inputs (grader side): random sizes and a batch of ids."""

from __future__ import annotations

import numpy as np

TIME_LIMIT = 30.0
"""Seconds one learner call (building or calling the layer) may take."""


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"vocabulary_size" (300-500), "embedding_dim" (12-24): at least 3,600 values, so the
    standard deviation is known to a few per cent; "input_batch": int32 [2-3, 3-6];
    "time_limit"}."""
    vocabulary_size = int(rng.integers(300, 501))
    embedding_dim = int(rng.integers(12, 25))
    shape = (int(rng.integers(2, 4)), int(rng.integers(3, 7)))
    input_batch = rng.integers(0, vocabulary_size, size=shape).astype(np.int32)
    return {
        "vocabulary_size": vocabulary_size,
        "embedding_dim": embedding_dim,
        "input_batch": input_batch,
        "step_seed": int(rng.integers(0, 2**31 - 1)),
        "time_limit": float(time_limit),
    }
