"""Padded batches of sentences: what the tagger eats (as in the original exercise).

Each batch is padded to its own longest sentence: `input_batch` holds `pad_index` and
`ground_truth_tags` holds `pad_tag_index` after each sentence's end, and `lengths` says where
that end is, so the model and the loss can ignore the padding.

With `bucket_by_length=True` the sentences of each pool of `BUCKET_POOL_BATCHES` shuffled
batches are sorted by length before they are cut into batches, and the batches are shuffled
again: each batch then holds sentences of similar length, so far fewer padded positions are
computed (and thrown away by the mask). Every sentence still appears once an epoch; what
changes is which sentences share a batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

BUCKET_POOL_BATCHES = 50
"""How many batches' worth of shuffled sentences `bucket_by_length` sorts together."""


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
    bucket_by_length: bool = False,
) -> Iterator[Batch]:
    """One epoch of padded `Batch`es; every sentence appears once (shuffled with `seed`).

    The last batch is smaller when the sentences do not divide evenly, unless
    `allow_smaller_last_batch=False`, which drops those sentences. With
    `bucket_by_length=True` each batch holds sentences of similar length (see
    `bucketed_batch_order`), so less padding; the default keeps plain shuffled batches.
    Arguments are checked right away, not at the first batch.
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
    batches = [
        order[start : start + batch_size] for start in range(0, n_batches * batch_size, batch_size)
    ]
    if bucket_by_length:
        lengths = np.array([len(tokens) for tokens in token_ids])
        batches = bucketed_batch_order(
            np.concatenate(batches) if batches else order[:0],
            lengths,
            batch_size,
            np.random.default_rng(seed if shuffle else 0),
        )

    def generate() -> Iterator[Batch]:
        for chosen in batches:
            yield _pad(
                [token_ids[i] for i in chosen],
                [tag_ids[i] for i in chosen],
                pad_index,
                pad_tag_index,
            )

    return generate()


def bucketed_batch_order(
    order: np.ndarray,
    lengths: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    pool_batches: int = BUCKET_POOL_BATCHES,
) -> list[np.ndarray]:
    """Cut `order` (sentence indices) into batches of sentences of similar length.

    Each run of `pool_batches * batch_size` indices is sorted by `lengths` (stable, so ties
    keep the shuffled order) and cut into batches of `batch_size`; then the batches are
    shuffled with `rng`, so short and long batches alternate. Only the last batch of the whole
    epoch can be smaller, as without bucketing.
    """
    pool = pool_batches * batch_size
    pooled = [
        order[start : start + pool][np.argsort(lengths[order[start : start + pool]], kind="stable")]
        for start in range(0, len(order), pool)
    ]
    flat = np.concatenate(pooled) if pooled else order
    batches = [flat[start : start + batch_size] for start in range(0, len(flat), batch_size)]
    full = [batch for batch in batches if len(batch) == batch_size]
    rest = [batch for batch in batches if len(batch) < batch_size]
    return [full[i] for i in rng.permutation(len(full))] + rest


def padding_fraction(batches: Sequence[Batch]) -> float:
    """The share of padded positions in `batches` (0.0: no padding at all)."""
    positions = sum(batch.input_batch.size for batch in batches)
    real = sum(int(batch.lengths.sum()) for batch in batches)
    return 1.0 - real / positions if positions else 0.0
