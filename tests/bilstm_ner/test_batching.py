"""Padded batches: examples, argument errors, and the invariants padding must keep."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bilstm_ner.batching import (
    Batch,
    batches_generator,
    bucketed_batch_order,
    count_batches,
    pad_batch,
    padding_fraction,
)

PAD, PAD_TAG = 1, 0


def test_pad_batch_pads_to_the_longest_sentence():
    batch = pad_batch([[5, 6, 7], [8]], [[2, 3, 2], [4]], pad_index=PAD, pad_tag_index=PAD_TAG)
    np.testing.assert_array_equal(batch.input_batch, [[5, 6, 7], [8, PAD, PAD]])
    np.testing.assert_array_equal(batch.ground_truth_tags, [[2, 3, 2], [4, PAD_TAG, PAD_TAG]])
    np.testing.assert_array_equal(batch.lengths, [3, 1])
    assert {a.dtype for a in batch} == {np.dtype(np.int32)}


def test_a_batch_unpacks_like_the_exercise():
    input_batch, ground_truth_tags, lengths = pad_batch([[5]], [[2]], PAD, PAD_TAG)
    assert input_batch.shape == ground_truth_tags.shape == (1, 1) and lengths.shape == (1,)


def test_unshuffled_batches_keep_the_order_and_the_last_batch_is_smaller():
    token_ids = [[10], [11, 12], [13], [14, 15, 16], [17]]
    batches = list(
        batches_generator(2, token_ids, token_ids, pad_index=PAD, pad_tag_index=0, shuffle=False)
    )
    assert [b.input_batch.shape for b in batches] == [(2, 2), (2, 3), (1, 1)]
    np.testing.assert_array_equal(batches[1].input_batch, [[13, PAD, PAD], [14, 15, 16]])


def test_disallowing_a_smaller_last_batch_drops_the_remainder():
    token_ids = [[10], [11], [12]]
    batches = list(
        batches_generator(
            2, token_ids, token_ids, pad_index=PAD, pad_tag_index=0, shuffle=False,
            allow_smaller_last_batch=False,
        )
    )  # fmt: skip
    assert len(batches) == 1 and batches[0].input_batch.shape == (2, 1)


@pytest.mark.parametrize(
    ("n_sentences", "batch_size", "allow_smaller", "expected"),
    [(10, 3, True, 4), (10, 3, False, 3), (9, 3, True, 3), (2, 5, False, 0), (0, 4, True, 0)],
)
def test_count_batches(n_sentences, batch_size, allow_smaller, expected):
    assert count_batches(n_sentences, batch_size, allow_smaller) == expected


@pytest.mark.parametrize("batch_size", [0, -3])
def test_batch_size_below_one_is_refused_right_away(batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be at least 1, found {batch_size}"):
        batches_generator(batch_size, [[1]], [[0]], pad_index=PAD, pad_tag_index=0)


def test_mismatched_tokens_and_tags_name_the_sentence():
    with pytest.raises(ValueError, match="sentence 2 has 2 token ids but 1 tag ids"):
        batches_generator(2, [[1], [2], [3, 4]], [[0], [0], [0]], pad_index=PAD, pad_tag_index=0)


def test_different_numbers_of_token_and_tag_sequences_are_refused():
    with pytest.raises(ValueError, match="found 2 token sequences and 1 tag sequences"):
        pad_batch([[1], [2]], [[0]], PAD, PAD_TAG)


def test_an_empty_sentence_is_refused_with_its_index():
    with pytest.raises(ValueError, match="sentence 1 is empty"):
        batches_generator(2, [[1], []], [[0], []], pad_index=PAD, pad_tag_index=0)


def test_no_sentences_is_refused():
    with pytest.raises(ValueError, match="no sentences"):
        batches_generator(2, [], [], pad_index=PAD, pad_tag_index=0)


# Property-based tests: token ids >= 2 so that they never collide with PAD (1) or a pad tag (0).
sentences = st.lists(st.lists(st.integers(2, 50), min_size=1, max_size=8), min_size=1, max_size=20)


def _tags_for(token_ids: list[list[int]]) -> list[list[int]]:
    """Tags that differ from the tokens, so a token/tag mix-up would show."""
    return [[token % 5 + 100 for token in sentence] for sentence in token_ids]


def _unpad(batch: Batch) -> tuple[list[list[int]], list[list[int]]]:
    tokens = [row[:n].tolist() for row, n in zip(batch.input_batch, batch.lengths, strict=True)]
    tags = [row[:n].tolist() for row, n in zip(batch.ground_truth_tags, batch.lengths, strict=True)]
    return tokens, tags


@settings(max_examples=60, deadline=None)
@given(token_ids=sentences)
def test_unpadding_a_batch_gives_back_exactly_the_input_sentences(token_ids):
    tag_ids = _tags_for(token_ids)
    assert _unpad(pad_batch(token_ids, tag_ids, PAD, PAD_TAG)) == (token_ids, tag_ids)


@settings(max_examples=60, deadline=None)
@given(token_ids=sentences, batch_size=st.integers(1, 7), seed=st.integers(0, 2**32 - 1))
def test_every_sentence_appears_exactly_once_per_epoch(token_ids, batch_size, seed):
    tag_ids = _tags_for(token_ids)
    seen_tokens, seen_tags = [], []
    for batch in batches_generator(
        batch_size, token_ids, tag_ids, pad_index=PAD, pad_tag_index=PAD_TAG, seed=seed
    ):
        assert 1 <= len(batch.lengths) <= batch_size
        tokens, tags = _unpad(batch)
        seen_tokens += tokens
        seen_tags += tags
    assert sorted(zip(seen_tokens, seen_tags, strict=True)) == sorted(
        zip(token_ids, tag_ids, strict=True)
    )


@settings(max_examples=60, deadline=None)
@given(token_ids=sentences, batch_size=st.integers(1, 7))
def test_lengths_are_the_real_lengths_and_padding_holds_pad_ids(token_ids, batch_size):
    tag_ids = _tags_for(token_ids)
    batches = batches_generator(
        batch_size, token_ids, tag_ids, pad_index=PAD, pad_tag_index=PAD_TAG, shuffle=False
    )
    for number, batch in enumerate(batches):
        chosen = token_ids[number * batch_size : (number + 1) * batch_size]
        assert batch.lengths.tolist() == [len(sentence) for sentence in chosen]
        assert batch.input_batch.shape[1] == max(batch.lengths)
        padding = np.arange(batch.input_batch.shape[1]) >= batch.lengths[:, None]
        assert (batch.input_batch[padding] == PAD).all()
        assert (batch.ground_truth_tags[padding] == PAD_TAG).all()
        assert (batch.input_batch[~padding] != PAD).all()  # lengths never count padding


@settings(max_examples=30, deadline=None)
@given(token_ids=sentences, seed=st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_the_same_order(token_ids, seed):
    def epoch() -> list[list[int]]:
        batches = batches_generator(
            3, token_ids, token_ids, pad_index=PAD, pad_tag_index=PAD_TAG, seed=seed
        )
        return [row.tolist() for batch in batches for row in batch.input_batch]

    assert epoch() == epoch()


def test_different_seeds_shuffle_differently():
    token_ids = [[i] for i in range(2, 40)]

    def order(seed: int) -> list[int]:
        batches = batches_generator(
            4, token_ids, token_ids, pad_index=PAD, pad_tag_index=0, seed=seed
        )
        return [int(b.input_batch[0, 0]) for b in batches]

    assert order(0) != order(1)


@settings(max_examples=60, deadline=None)
@given(
    token_ids=sentences,
    batch_size=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
    allow_smaller=st.booleans(),
)
def test_bucketed_batches_still_hold_every_sentence_once_and_only_the_last_is_smaller(
    token_ids, batch_size, seed, allow_smaller
):
    tag_ids = _tags_for(token_ids)
    batches = list(
        batches_generator(
            batch_size, token_ids, tag_ids, pad_index=PAD, pad_tag_index=PAD_TAG, seed=seed,
            allow_smaller_last_batch=allow_smaller, bucket_by_length=True,
        )
    )  # fmt: skip
    assert len(batches) == count_batches(len(token_ids), batch_size, allow_smaller)
    assert all(len(batch.lengths) == batch_size for batch in batches[:-1])
    seen = Counter(
        map(str, (pair for batch in batches for pair in zip(*_unpad(batch), strict=True)))
    )
    every = Counter(map(str, zip(token_ids, tag_ids, strict=True)))
    assert seen == every if allow_smaller else not seen - every


def test_bucketing_sorts_each_pool_by_length_and_shuffles_the_batches():
    lengths = np.array([5, 1, 4, 2, 6, 3, 8, 7])
    rng = np.random.default_rng(0)
    batches = bucketed_batch_order(np.arange(8), lengths, 2, rng, pool_batches=2)
    # pools [5, 1, 4, 2] and [6, 3, 8, 7], each sorted, then cut in twos, then shuffled
    assert [lengths[b].tolist() for b in batches] == [[3, 6], [1, 2], [4, 5], [7, 8]]


def test_bucketing_by_length_saves_padding_on_mixed_lengths():
    rng = np.random.default_rng(0)
    token_ids = [[2] * int(n) for n in rng.integers(1, 40, size=640)]

    def padding(bucket: bool) -> float:
        batches = batches_generator(
            32, token_ids, token_ids, pad_index=PAD, pad_tag_index=0, seed=0,
            bucket_by_length=bucket,
        )  # fmt: skip
        return padding_fraction(list(batches))

    assert padding(False) > 0.4 and padding(True) < 0.05


def test_padding_fraction_counts_padded_positions():
    batch = pad_batch([[5, 6, 7], [8]], [[2, 3, 2], [4]], pad_index=PAD, pad_tag_index=PAD_TAG)
    assert padding_fraction([batch]) == pytest.approx(2 / 6)
    assert padding_fraction([]) == 0.0
