"""Is the grader's NumPy reference loss the exercise's formula, whatever the batch?"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks.compute_loss.inputs import make_inputs
from grader.checks.compute_loss.reference import (
    MISTAKES,
    hard_coded_pad_loss,
    log_softmax,
    reference_loss,
)
from grader.core.randomness import random_padded_batch


@st.composite
def batches(draw, padded=True):
    """A random padded batch with float32 logits, as the grader makes them."""
    seed = draw(st.integers(0, 2**32 - 1))
    vocabulary_size = draw(st.integers(2, 30))
    rng = np.random.default_rng(seed)
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=draw(st.integers(2, 6)),
        batch_size=draw(st.integers(1, 5)),
        max_time=draw(st.integers(1, 7)),
        pad_index=draw(st.integers(0, vocabulary_size - 1)),
    )
    n_tags = int(batch["ground_truth_tags"].max()) + 2
    shape = (*batch["input_batch"].shape, n_tags)
    scale = draw(st.floats(0.1, 20.0))
    batch["logits"] = (rng.normal(size=shape) * scale).astype(np.float32)
    if not padded:
        batch["input_batch"] = np.where(
            batch["input_batch"] == batch["pad_index"],
            (batch["pad_index"] + 1) % vocabulary_size,
            batch["input_batch"],
        )
    return batch


def _arguments(batch):
    return batch["logits"], batch["ground_truth_tags"], batch["input_batch"], batch["pad_index"]


def naive_loss(logits, ground_truth_tags, input_batch, pad_index):
    """The formula written as loops over sentences and tokens, with math.log/exp."""
    sentence_losses = []
    for b in range(len(input_batch)):
        total, count = 0.0, 0
        for t in range(len(input_batch[b])):
            if input_batch[b][t] == pad_index:
                continue
            row = [float(x) for x in logits[b][t]]
            top = max(row)
            log_sum = top + math.log(sum(math.exp(x - top) for x in row))
            total += log_sum - row[ground_truth_tags[b][t]]
            count += 1
        sentence_losses.append(total / count)
    return sum(sentence_losses) / len(sentence_losses)


@settings(max_examples=80, deadline=None)
@given(batch=batches())
def test_reference_equals_a_naive_loop(batch):
    assert reference_loss(*_arguments(batch)) == pytest.approx(naive_loss(*_arguments(batch)))


@settings(max_examples=50, deadline=None)
@given(batch=batches(), data=st.data())
def test_padded_logits_and_tags_do_not_matter(batch, data):
    padding = batch["input_batch"] == batch["pad_index"]
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    changed = dict(batch)
    changed["logits"] = np.where(
        padding[..., None], rng.normal(size=batch["logits"].shape) * 50, batch["logits"]
    )
    changed["ground_truth_tags"] = np.where(padding, 0, batch["ground_truth_tags"])
    assert reference_loss(*_arguments(changed)) == pytest.approx(
        reference_loss(*_arguments(batch)), rel=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(batch=batches(padded=False))
def test_without_padding_it_is_the_plain_mean_cross_entropy(batch):
    logits, tags, _, _ = _arguments(batch)
    token_losses = -np.take_along_axis(log_softmax(logits), tags[..., None], axis=-1)
    assert reference_loss(*_arguments(batch)) == pytest.approx(float(token_losses.mean()))


@settings(max_examples=50, deadline=None)
@given(batch=batches(), data=st.data())
def test_the_order_of_sentences_does_not_matter(batch, data):
    order = data.draw(st.permutations(range(len(batch["lengths"]))))
    shuffled = {
        key: (value[list(order)] if isinstance(value, np.ndarray) else value)
        for key, value in batch.items()
    }
    assert reference_loss(*_arguments(shuffled)) == pytest.approx(
        reference_loss(*_arguments(batch)), rel=1e-12
    )


def test_a_length_one_sentence_weighs_as_much_as_a_long_one():
    logits = np.zeros((2, 3, 2))
    logits[0, 0] = [0.0, 5.0]  # sentence 0: one token, confidently wrong
    tags = np.zeros((2, 3), dtype=np.int32)
    input_batch = np.array([[4, 0, 0], [4, 4, 4]])
    expected = (np.logaddexp(0.0, 5.0) + np.log(2.0)) / 2
    assert reference_loss(logits, tags, input_batch, 0) == pytest.approx(expected)


def test_huge_logits_stay_finite():
    logits = np.array([[[1e4, -1e4, 0.0]]])
    assert np.isfinite(reference_loss(logits, np.array([[1]]), np.array([[3]]), 0))


@pytest.mark.parametrize("seed", range(20))
def test_every_known_mistake_is_caught_by_the_checks_batches(seed):
    """On the six batches check_compute_loss makes, no mistake agrees with the reference."""
    inputs = make_inputs(np.random.default_rng(seed))
    cases = [_arguments(case) for case in inputs["cases"]]
    expected = np.array([reference_loss(*case) for case in cases])
    wrong_losses = [mistake.loss for mistake in MISTAKES] + [hard_coded_pad_loss(c) for c in (0, 1)]
    for loss in wrong_losses:
        values = np.array([loss(*case) for case in cases])
        assert not np.allclose(values, expected, rtol=1e-3), loss
