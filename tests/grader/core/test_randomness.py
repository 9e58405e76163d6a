"""Are the grader's random batches as awkward as promised?"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.core.randomness import random_padded_batch


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    vocabulary_size=st.integers(2, 40),
    batch_size=st.integers(1, 6),
    max_time=st.integers(1, 9),
    data=st.data(),
)
def test_padding_sits_exactly_after_each_length(seed, vocabulary_size, batch_size, max_time, data):
    pad_index = data.draw(st.integers(0, vocabulary_size - 1))
    batch = random_padded_batch(
        np.random.default_rng(seed),
        vocabulary_size=vocabulary_size,
        n_tags=3,
        batch_size=batch_size,
        max_time=max_time,
        pad_index=pad_index,
    )
    lengths = batch["lengths"]
    real = np.arange(max_time)[None, :] < lengths[:, None]
    assert batch["input_batch"].dtype == np.int32 and batch["input_batch"].shape == real.shape
    assert np.array_equal(batch["input_batch"] != pad_index, real)
    assert batch["input_batch"].min() >= 0 and batch["input_batch"].max() < vocabulary_size
    assert batch["ground_truth_tags"].min() >= 0 and batch["ground_truth_tags"].max() < 3
    assert batch["pad_index"] == pad_index and type(batch["pad_index"]) is int
    if batch_size >= 2:
        assert lengths.min() == 1 and lengths.max() == max_time


def test_some_real_tokens_are_tagged_o():
    batch = random_padded_batch(
        np.random.default_rng(0), vocabulary_size=9, n_tags=5, batch_size=4, max_time=6, pad_index=3
    )
    real = batch["input_batch"] != 3
    assert (batch["ground_truth_tags"][real] == 0).any()
    assert (batch["ground_truth_tags"][real] != 0).any()


@pytest.mark.parametrize("padded_tags, expected", [("zero", 0), ("pad", 3 % 4)])
def test_padded_tags_can_be_fixed(padded_tags, expected):
    batch = random_padded_batch(
        np.random.default_rng(1),
        vocabulary_size=9,
        n_tags=4,
        batch_size=5,
        max_time=6,
        pad_index=3,
        padded_tags=padded_tags,
    )
    assert (batch["ground_truth_tags"][batch["input_batch"] == 3] == expected).all()


def test_a_pad_index_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="pad_index must be in"):
        random_padded_batch(
            np.random.default_rng(0),
            vocabulary_size=5,
            n_tags=3,
            batch_size=2,
            max_time=3,
            pad_index=5,
        )
