"""check_embedding_training, inputs (grader side, NumPy only): sizes, a padded batch whose real
words use only half of the vocabulary (so many rows are certainly absent), seeds and settings
(a fresh learning rate, the optimizer's weight decay, the fixed dropout mask's seed)."""

from __future__ import annotations

import numpy as np

from grader.checks.build_layers.inputs import random_sizes
from grader.core.randomness import random_padded_batch

TIME_LIMIT = 30.0
LEARNING_RATES = (0.05, 0.2)
"""SGD learning rate, drawn afresh: clipped steps move weights by ~1e-3..1e-1, far above float32
noise, and an optimizer the step makes itself cannot guess it."""
DECAY_PER_STEP = 0.01
"""learning_rate * weight_decay of the optimizer train_step is given: each step it applies shrinks
every variable it updates by 1%, so how many steps it took shows in the values themselves."""
DROPOUT_RATE = 0.5
OUTPUT_SCALE = 30.0
"""The reference model's output kernel is multiplied by this so most gradients have norm > 1."""


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Sizes, a padded batch whose words use only part of the vocabulary, seeds and settings."""
    sizes = random_sizes(rng)
    learning_rate = round(float(rng.uniform(*LEARNING_RATES)), 4)
    sizes["vocabulary_size"] = int(rng.integers(40, 61))
    vocabulary_size = sizes["vocabulary_size"]
    pad_index = int(rng.integers(0, vocabulary_size))
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=sizes["n_tags"],
        batch_size=sizes["batch_size"],
        max_time=sizes["max_time"],
        pad_index=pad_index,
    )
    # Real words come from half of the vocabulary, so many rows are certainly not in the batch.
    words = np.array([i for i in range(vocabulary_size) if i != pad_index])
    used = rng.choice(words, size=len(words) // 2, replace=False)
    lengths = batch["lengths"]
    real = np.arange(sizes["max_time"])[None, :] < lengths[:, None]
    input_batch = np.where(real, used[batch["input_batch"] % len(used)], pad_index)
    return {
        "sizes": sizes,
        "pad_index": pad_index,
        "input_batch": input_batch.astype(np.int32),
        "ground_truth_tags": batch["ground_truth_tags"],
        "lengths": lengths,
        "weights_seed": int(rng.integers(0, 2**31 - 1)),
        "step_seed": int(rng.integers(0, 2**31 - 1)),
        "learning_rate": learning_rate,
        "weight_decay": DECAY_PER_STEP / learning_rate,
        "dropout_rate": DROPOUT_RATE,
        "dropout_seed": int(rng.integers(0, 2**31 - 1)),
        "output_scale": OUTPUT_SCALE,
        "time_limit": float(time_limit),
    }
