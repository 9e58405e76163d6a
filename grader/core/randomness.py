"""Random, awkward test batches: varied lengths, a random pad index, real tokens tagged O."""

from __future__ import annotations

import numpy as np


def random_padded_batch(
    rng: np.random.Generator,
    *,
    vocabulary_size: int,
    n_tags: int,
    batch_size: int,
    max_time: int,
    pad_index: int,
    padded_tags: str = "random",
) -> dict:
    """A padded batch of plain NumPy arrays.

    Returns {"input_batch": int32 [B, T], "ground_truth_tags": int32 [B, T],
    "lengths": int32 [B], "pad_index": int}. Real tokens (t < lengths[b]) are ids in
    [0, vocabulary_size) other than `pad_index`; padded positions hold `pad_index`. When
    batch_size >= 2 the lengths include 1 and max_time. Some real tokens are tagged 0 ("O").
    Padded positions are tagged at random ("random"), 0 ("zero") or `pad_index % n_tags`
    ("pad"), so a mask taken from the tags rather than the inputs is caught.
    """
    if vocabulary_size < 2:
        raise ValueError(
            f"vocabulary_size must be at least 2 (pad + one word), got {vocabulary_size}"
        )
    if not 0 <= pad_index < vocabulary_size:
        raise ValueError(f"pad_index must be in [0, {vocabulary_size}), got {pad_index}")
    if batch_size < 1 or max_time < 1 or n_tags < 2:
        raise ValueError(
            "batch_size and max_time must be at least 1 and n_tags at least 2, got "
            f"batch_size={batch_size}, max_time={max_time}, n_tags={n_tags}"
        )
    if padded_tags not in ("random", "zero", "pad"):
        raise ValueError(f"padded_tags must be 'random', 'zero' or 'pad', got {padded_tags!r}")

    lengths = rng.integers(1, max_time + 1, size=batch_size)
    if batch_size >= 2:
        ends = rng.choice(batch_size, size=2, replace=False)
        lengths[ends[0]], lengths[ends[1]] = 1, max_time
    else:
        lengths[0] = max_time
    real = np.arange(max_time)[None, :] < lengths[:, None]

    # Real ids drawn from [0, V - 1) and shifted past pad_index, so they never equal it.
    words = rng.integers(0, vocabulary_size - 1, size=(batch_size, max_time))
    words = words + (words >= pad_index)
    input_batch = np.where(real, words, pad_index)

    tags = rng.integers(0, n_tags, size=(batch_size, max_time))
    tags = np.where(rng.random((batch_size, max_time)) < 0.35, 0, tags)
    if real.any():  # at least one real token tagged O and one tagged otherwise
        rows, cols = np.nonzero(real)
        picks = rng.permutation(len(rows))
        tags[rows[picks[0]], cols[picks[0]]] = 0
        if len(rows) > 1:
            tags[rows[picks[1]], cols[picks[1]]] = int(rng.integers(1, n_tags))
    padding = {
        "random": rng.integers(0, n_tags, size=(batch_size, max_time)),
        "zero": np.zeros((batch_size, max_time), dtype=np.int64),
        "pad": np.full((batch_size, max_time), pad_index % n_tags),
    }[padded_tags]
    ground_truth_tags = np.where(real, tags, padding)

    return {
        "input_batch": input_batch.astype(np.int32),
        "ground_truth_tags": ground_truth_tags.astype(np.int32),
        "lengths": lengths.astype(np.int32),
        "pad_index": int(pad_index),
    }


KNOWN_STEP_SCALE = 0.01
"""The known gradient is N(0, 1) times this: large against float32 rounding, small enough not
to disturb a model that is measured afterwards."""


def known_gradient(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient a probe's known training step applies to an embedding matrix: float32
    [V, D] from `seed`; the judge makes the same one to check how the matrix moved."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * KNOWN_STEP_SCALE).astype(np.float32)
