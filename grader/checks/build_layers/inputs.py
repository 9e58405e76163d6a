"""check_build_layers, inputs (grader side, NumPy only): random sizes, one padded batch and its
variants, each isolating one property of the tagger.

The variants: a reordered batch with one sentence rewritten (sentences independent), extra
padding and random ids at padded positions (masking), a changed last / first / random word
(backward context, forward context, each word's own influence). A second, larger model size
gives enough embedding values to test their initialisation.
"""

from __future__ import annotations

import math

import numpy as np

from grader.core.randomness import random_padded_batch

TIME_LIMIT = 30.0
OUTPUT_TARGETS = (-40.0, -20.0)
"""The output layer's weights are multiplied by a negative factor that makes the largest logit
about this large (`rescaling_factor`): an activation after an affine layer then saturates or
bends (tanh, hard_tanh, leaky relu...) and cannot give that factor times the logits."""
STATS_VALUES = 4000
"""At least this many embedding values for the initialisation statistics (std error ~1%)."""


def _other_id(rng: np.random.Generator, current: int, vocabulary_size: int, pad_index: int) -> int:
    """A random id that is neither `current` nor `pad_index`."""
    choices = [i for i in range(vocabulary_size) if i not in (current, pad_index)]
    return int(rng.choice(choices))


def random_sizes(rng: np.random.Generator) -> dict:
    """Small random model and batch sizes: V 20-60, K 3-11, D 4-16, H 3-12 (H != D, so a size
    passed in the wrong place shows), B 3-6, T 4-9.

    K differs from D, H, 2H, 3H and 4H (and V > K), so the output layer's weights are the only
    ones (the embedding aside) with an axis of K entries.
    """
    vocabulary_size, n_tags = int(rng.integers(20, 61)), int(rng.integers(3, 10))
    embedding_dim, n_hidden_rnn = int(rng.integers(4, 17)), int(rng.integers(3, 13))
    if n_hidden_rnn == embedding_dim:
        n_hidden_rnn -= 1
    while n_tags in {embedding_dim, *(k * n_hidden_rnn for k in range(1, 5))}:
        n_tags += 1
    return {
        "vocabulary_size": vocabulary_size,
        "n_tags": n_tags,
        "embedding_dim": embedding_dim,
        "n_hidden_rnn": n_hidden_rnn,
        "batch_size": int(rng.integers(3, 7)),
        "max_time": int(rng.integers(4, 10)),
    }


def rescaling_factor(target: float, logits: np.ndarray) -> float:
    """The factor c for the output layer's weights that makes max |c x logits| = |target|."""
    largest = float(np.abs(logits).max()) if np.size(logits) else 0.0
    return float(target) / max(largest, 1e-3)


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Sizes, one padded batch and its variants (plain NumPy int32 arrays), for the probe."""
    sizes = random_sizes(rng)
    vocabulary_size, batch_size = sizes["vocabulary_size"], sizes["batch_size"]
    pad_index = int(rng.integers(0, vocabulary_size))
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=sizes["n_tags"],
        batch_size=batch_size,
        max_time=sizes["max_time"],
        pad_index=pad_index,
    )
    input_batch, lengths = batch["input_batch"], batch["lengths"]
    max_time = input_batch.shape[1]

    # Reorder the sentences and give the (new) first one other words: the logits of the other
    # sentences must just follow the order (an op over the batch axis, even a symmetric one like
    # a mean over sentences, shows up here).
    permutation = rng.permutation(batch_size)
    if np.array_equal(permutation, np.arange(batch_size)):
        permutation = np.roll(permutation, 1)
    permuted = input_batch[permutation].copy()
    for t in range(lengths[permutation[0]]):
        permuted[0, t] = _other_id(rng, permuted[0, t], vocabulary_size, pad_index)

    extra = int(rng.integers(2, 4))
    padded = np.concatenate(
        [input_batch, np.full((batch_size, extra), pad_index, dtype=np.int32)], axis=1
    )
    real = np.arange(max_time + extra)[None, :] < lengths[:, None]
    junk = rng.integers(0, vocabulary_size, size=padded.shape)
    junk_padded = np.where(real, padded, junk).astype(np.int32)

    last_changed, first_changed, own_changed = (input_batch.copy() for _ in range(3))
    own_positions = np.zeros(batch_size, dtype=np.int32)
    for b, length in enumerate(lengths):
        if length >= 2:
            last_changed[b, length - 1] = _other_id(
                rng, input_batch[b, length - 1], vocabulary_size, pad_index
            )
            first_changed[b, 0] = _other_id(rng, input_batch[b, 0], vocabulary_size, pad_index)
        own_positions[b] = rng.integers(0, length)
        own_changed[b, own_positions[b]] = _other_id(
            rng, input_batch[b, own_positions[b]], vocabulary_size, pad_index
        )

    embedding_dim = sizes["embedding_dim"]
    stats_vocabulary_size = max(400, math.ceil(STATS_VALUES / embedding_dim))
    return {
        "sizes": sizes,
        "pad_index": pad_index,
        "input_batch": input_batch,
        "lengths": lengths,
        "permutation": permutation.astype(np.int32),
        "permuted": permuted,
        "padded": padded.astype(np.int32),
        "junk_padded": junk_padded,
        "last_changed": last_changed,
        "first_changed": first_changed,
        "own_changed": own_changed,
        "own_positions": own_positions,
        "stats_sizes": dict(sizes, vocabulary_size=stats_vocabulary_size),
        "step_seed": int(rng.integers(0, 2**31 - 1)),
        "output_target": float(rng.uniform(*OUTPUT_TARGETS)),
        # The logits' weights in the sum whose gradient tells which weights affect them (random:
        # a sum of plain logits has no gradient when a model centres its logits over tags).
        "influence_weights": rng.normal(size=(batch_size, max_time, sizes["n_tags"])).astype(
            np.float32
        ),
        "time_limit": float(time_limit),
    }
