"""Padded batches of sentences: what the tagger eats (as in the original exercise).

Each batch is padded to its own longest sentence: `input_batch` holds `pad_index` and
`ground_truth_tags` holds `pad_tag_index` after each sentence's end, and `lengths` says where
that end is, so the model and the loss can ignore the padding.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """One padded batch; unpacks as `input_batch, ground_truth_tags, lengths`."""

    input_batch: np.ndarray  # int32 [batch, time]: token ids, pad_index after each sentence
    ground_truth_tags: np.ndarray  # int32 [batch, time]: tag ids, pad_tag_index after each end
    lengths: np.ndarray  # int32 [batch]: the number of real tokens of each sentence


def _check_sentences(
    token_ids: Sequence[Sequence[int]], tag_ids: Sequence[Sequence[int]], what: str
) -> None:
    if len(token_ids) != len(tag_ids):
        raise ValueError(
            f"{what} needs one tag sequence per sentence: found {len(token_ids)} token "
            f"sequences and {len(tag_ids)} tag sequences"
        )
    for index, (tokens, tags) in enumerate(zip(token_ids, tag_ids, strict=True)):
        if len(tokens) != len(tags):
            raise ValueError(
                f"sentence {index} has {len(tokens)} token ids but {len(tags)} tag ids; "
                "every token needs exactly one tag"
            )
        if len(tokens) == 0:
            raise ValueError(
                f"sentence {index} is empty; drop empty sentences before batching "
                "(a sentence of length 0 has nothing to tag and breaks the per-sentence loss)"
            )


def _pad(
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    pad_index: int,
    pad_tag_index: int,
) -> Batch:
    lengths = np.array([len(tokens) for tokens in token_ids], dtype=np.int32)
    shape = (len(token_ids), int(lengths.max()))
    input_batch = np.full(shape, pad_index, dtype=np.int32)
    ground_truth_tags = np.full(shape, pad_tag_index, dtype=np.int32)
    for row, (tokens, tags, length) in enumerate(zip(token_ids, tag_ids, lengths, strict=True)):
        input_batch[row, :length] = tokens
        ground_truth_tags[row, :length] = tags
    return Batch(input_batch, ground_truth_tags, lengths)


def pad_batch(
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    pad_index: int,
    pad_tag_index: int,
) -> Batch:
    """Pad the given sentences to the longest one: int32 [batch, time] arrays and int32 lengths."""
    if len(token_ids) == 0:
        raise ValueError("pad_batch got no sentences; a batch needs at least one")
    _check_sentences(token_ids, tag_ids, "pad_batch")
    return _pad(token_ids, tag_ids, pad_index, pad_tag_index)


def count_batches(n_sentences: int, batch_size: int, allow_smaller_last_batch: bool = True) -> int:
    """How many batches `batches_generator` yields for `n_sentences` in one epoch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, found {batch_size}")
    if n_sentences < 0:
        raise ValueError(f"n_sentences cannot be negative, found {n_sentences}")
    full, rest = divmod(n_sentences, batch_size)
    return full + (1 if allow_smaller_last_batch and rest else 0)


def batches_generator(
    batch_size: int,
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    *,
    pad_index: int,
    pad_tag_index: int,
    shuffle: bool = True,
    seed: int | None = None,
    allow_smaller_last_batch: bool = True,
) -> Iterator[Batch]:
    """One epoch of padded `Batch`es; every sentence appears once (shuffled with `seed`).

    The last batch is smaller when the sentences do not divide evenly, unless
    `allow_smaller_last_batch=False`, which drops those sentences. Arguments are checked
    right away, not at the first batch.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be an int, found {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, found {batch_size}")
    if len(token_ids) == 0:
        raise ValueError("batches_generator got no sentences; check that the data loaded")
    _check_sentences(token_ids, tag_ids, "batches_generator")
    n_sentences = len(token_ids)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n_sentences)
    else:
        order = np.arange(n_sentences)
    n_batches = count_batches(n_sentences, batch_size, allow_smaller_last_batch)

    def generate() -> Iterator[Batch]:
        for start in range(0, n_batches * batch_size, batch_size):
            chosen = order[start : start + batch_size]
            yield _pad(
                [token_ids[i] for i in chosen],
                [tag_ids[i] for i in chosen],
                pad_index,
                pad_tag_index,
            )

    return generate()
