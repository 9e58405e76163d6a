"""check_pad_sentences, inputs (grader side): random sentences of ids and pad indices."""

from __future__ import annotations

import numpy as np

from grader.checks.pad_sentences import ITEMS

TIME_LIMIT = 10.0
"""Seconds one call of the learner's function may take."""


def _sentences(
    rng: np.random.Generator, count: int, pad_index: int, vocabulary_size: int
) -> list[list[int]]:
    """`count` sentences of random ids (never pad_index), of at least two different lengths."""
    while True:
        lengths = rng.integers(1, 7, size=count)
        if count == 1 or len(set(lengths.tolist())) > 1:
            break
    sentences = []
    for length in lengths:
        ids = rng.integers(0, vocabulary_size - 1, size=int(length))
        sentences.append([int(i) + int(i >= pad_index) for i in ids])
    return sentences


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"time_limit", "cases": [{"name", "token_ids": list of lists of ints, "pad_index"}]}.

    The first case pads with 0 (the usual pad id), the second with a random non-zero pad_index
    (so padding with zeros, or with any constant, fails "uses the given pad_index"), the third
    is one sentence (nothing to pad).
    """
    vocabulary_size = int(rng.integers(20, 100))
    longest, pad_index, single = (item.name for item in ITEMS)
    plans = [
        (longest, int(rng.integers(3, 6)), 0),
        (pad_index, int(rng.integers(2, 5)), int(rng.integers(2, vocabulary_size))),
        (single, 1, int(rng.integers(0, vocabulary_size))),
    ]
    cases = [
        {
            "name": name,
            "token_ids": _sentences(rng, count, pad, vocabulary_size),
            "pad_index": pad,
        }
        for name, count, pad in plans
    ]
    return {"time_limit": float(time_limit), "cases": cases}
