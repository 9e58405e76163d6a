"""The training loop: one graph for every padded length, the exercise's schedule, honest history."""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import numpy as np
import pytest
import tensorflow as tf

from bilstm_ner.model import BiLSTMTagger, compute_loss, train_step
from bilstm_ner.training import (
    compile_train_step,
    entity_f1,
    train,
)

PAD, PAD_TAG = 0, 0
TAG_NAMES = ["O", "B-person", "I-person"]
VOCABULARY_SIZE = 24
NAME_IDS = range(1, 6)  # tokens that are always person names in the toy corpus


def toy_corpus(n_sentences: int, seed: int) -> tuple[list[list[int]], list[list[int]]]:
    """Sentences of ids 1..23 where ids 1-5 are one-token persons (B-person), the rest O."""
    rng = np.random.default_rng(seed)
    token_ids, tag_ids = [], []
    for _ in range(n_sentences):
        tokens = rng.integers(1, VOCABULARY_SIZE, size=int(rng.integers(1, 9))).tolist()
        token_ids.append(tokens)
        tag_ids.append([1 if token in NAME_IDS else 0 for token in tokens])
    return token_ids, tag_ids


def small_model(seed: int = 0, dropout_rate: float = 0.0) -> BiLSTMTagger:
    keras.utils.set_random_seed(seed)
    return BiLSTMTagger(
        VOCABULARY_SIZE, len(TAG_NAMES), embedding_dim=8, n_hidden_rnn=8, dropout_rate=dropout_rate
    )


def padded(sentences: list[list[int]], width: int) -> np.ndarray:
    return np.array([s + [PAD] * (width - len(s)) for s in sentences], dtype=np.int32)


def test_batches_of_different_lengths_reuse_one_graph():
    model = small_model()
    step = compile_train_step(train_step, model, keras.optimizers.Adam(0.01), PAD)
    for width in (3, 7, 12):
        input_batch = padded([[1, 2], [3]], width)
        step(input_batch, np.zeros_like(input_batch), np.array([2, 1], np.int32))
    assert step.compiled.experimental_get_tracing_count() == 1


def test_compiled_step_returns_the_loss_before_the_update_and_updates_the_model():
    model = small_model()
    input_batch = padded([[1, 7, 8], [9]], 4)
    tags = np.array([[1, 0, 0, 0], [0, 0, 0, 0]], np.int32)
    lengths = np.array([3, 1], np.int32)
    step = compile_train_step(train_step, model, keras.optimizers.Adam(0.01), PAD)
    before = compute_loss(model(input_batch, lengths), tags, input_batch, PAD)
    embedding_before = model.embedding_matrix.numpy()

    loss = step(input_batch, tags, lengths)

    np.testing.assert_allclose(loss.numpy(), before.numpy(), rtol=1e-6)
    assert not np.allclose(model.embedding_matrix.numpy(), embedding_before)


def test_a_given_optimizer_keeps_its_state_across_compilations():
    model = small_model()
    optimizer = keras.optimizers.SGD(0.01, momentum=0.9)
    compile_train_step(train_step, model, optimizer, PAD)
    slots = [id(variable) for variable in optimizer.variables]
    compile_train_step(train_step, model, optimizer, PAD)
    assert [id(variable) for variable in optimizer.variables] == slots


def test_a_train_step_using_numpy_gets_a_message_about_graph_mode():
    def numpy_train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        return float(tf.reduce_sum(input_batch).numpy())

    step = compile_train_step(numpy_train_step, small_model(), keras.optimizers.Adam(), PAD)
    with pytest.raises(RuntimeError, match="TensorFlow operations only"):
        step(padded([[1]], 1), np.zeros([1, 1], np.int32), np.array([1], np.int32))


def test_a_stub_train_step_raises_not_implemented_unchanged():
    def stub(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        raise NotImplementedError()

    step = compile_train_step(stub, small_model(), keras.optimizers.Adam(), PAD)
    with pytest.raises(NotImplementedError):
        step(padded([[1]], 1), np.zeros([1, 1], np.int32), np.array([1], np.int32))


def test_learning_rate_is_divided_by_the_decay_after_each_epoch():
    token_ids, tag_ids = toy_corpus(8, seed=0)
    history = train(
        small_model(),
        train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=3,
        batch_size=4,
        learning_rate=0.008,
        learning_rate_decay=2.0,
        progress=False,
    )
    assert history.learning_rates == pytest.approx([0.008, 0.004, 0.002])


def test_training_learns_the_toy_task_and_reports_validation_loss_and_f1():
    token_ids, tag_ids = toy_corpus(96, seed=0)
    validation = toy_corpus(32, seed=1)
    history = train(
        small_model(),
        train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=4,
        batch_size=16,
        learning_rate=0.05,
        validation=validation,
        tag_names=TAG_NAMES,
        progress=False,
    )
    losses = history.history["loss"]
    assert len(history.epochs) == 4
    assert losses[-1] < 0.5 * losses[0]
    assert history.epochs[-1].validation_loss < history.epochs[0].validation_loss
    assert history.epochs[-1].validation_f1 > 0.9
    assert history.epochs[0].tokens == sum(map(len, token_ids))


def test_bucketing_by_length_trains_on_the_same_tokens_with_less_padding():
    token_ids, tag_ids = toy_corpus(64, seed=0)

    def first_epoch(bucket: bool):
        return train(
            small_model(), train_step, token_ids, tag_ids, pad_index=PAD,
            pad_tag_index=PAD_TAG, epochs=1, batch_size=8, progress=False,
            bucket_by_length=bucket,
        ).epochs[0]  # fmt: skip

    plain, bucketed = first_epoch(False), first_epoch(True)
    assert plain.tokens == bucketed.tokens == sum(map(len, token_ids))
    assert bucketed.positions < plain.positions
    assert 0.0 <= bucketed.padding_fraction < plain.padding_fraction


def test_the_given_train_step_is_the_one_that_trains():
    def frozen_train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        logits = model(input_batch, lengths, training=True)
        return compute_loss(logits, ground_truth_tags, input_batch, pad_index)

    model = small_model()
    token_ids, tag_ids = toy_corpus(8, seed=0)
    train(
        model,
        train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=1,
        progress=False,
    )
    embedding_before = model.embedding_matrix.numpy()
    train(
        model,
        frozen_train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=1,
        progress=False,
    )
    np.testing.assert_array_equal(model.embedding_matrix.numpy(), embedding_before)


def test_progress_false_prints_nothing(capsys):
    token_ids, tag_ids = toy_corpus(8, seed=0)
    train(
        small_model(),
        train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=1,
        progress=False,
    )
    assert capsys.readouterr() == ("", "")


def test_validation_without_tag_names_is_refused_with_the_fix():
    token_ids, tag_ids = toy_corpus(4, seed=0)
    with pytest.raises(ValueError, match=r"tag_names=tag_vocabulary\.id_to_token"):
        train(
            small_model(),
            train_step,
            token_ids,
            tag_ids,
            pad_index=PAD,
            pad_tag_index=PAD_TAG,
            validation=(token_ids, tag_ids),
            progress=False,
        )


def test_entity_f1_counts_whole_entities():
    true = [["B-person", "I-person", "O"], ["O", "B-person"]]
    assert entity_f1(true, true) == 1.0
    # A half-found entity is both a miss and a false positive: precision = recall = 1/2.
    predicted = [["B-person", "O", "O"], ["O", "B-person"]]
    assert entity_f1(true, predicted) == pytest.approx(0.5)
    assert entity_f1([["O"]], [["O"]]) == 0.0


def test_history_summary_rounds_the_figures():
    token_ids, tag_ids = toy_corpus(8, seed=0)
    history = train(
        small_model(),
        train_step,
        token_ids,
        tag_ids,
        pad_index=PAD,
        pad_tag_index=PAD_TAG,
        epochs=1,
        progress=False,
    )
    line = history.summary(digits=2)
    assert line.startswith("epoch 1: train loss ")
    assert "validation F1   n/a" in line
    assert math.isfinite(history.epochs[0].tokens_per_second)


def test_the_unknown_row_learns_only_when_rare_words_are_read_as_unknown():
    unknown = VOCABULARY_SIZE - 1  # an id no toy sentence holds, as no training token is <UNK>
    token_ids = [[1, 2, 10], [1, 2, 11], [2, 1, 12]]  # 10, 11, 12 occur once
    tag_ids = [[1, 0, 0], [1, 0, 0], [0, 1, 0]]

    def embedding_before_and_after(rate: float) -> tuple[np.ndarray, np.ndarray]:
        model = small_model()
        before = model.embedding_matrix.numpy()
        train(
            model, train_step, token_ids, tag_ids, pad_index=PAD, pad_tag_index=PAD_TAG,
            epochs=1, progress=False, unknown_index=unknown, unknown_rate=rate,
        )  # fmt: skip
        return before, model.embedding_matrix.numpy()

    before, plain = embedding_before_and_after(0.0)
    np.testing.assert_array_equal(plain[unknown], before[unknown])
    before, replaced = embedding_before_and_after(1.0)
    assert np.abs(replaced[unknown] - before[unknown]).max() > 0
    np.testing.assert_array_equal(replaced[10:13], before[10:13])  # always read as <UNK>


def test_an_unknown_rate_without_the_unknown_id_is_refused():
    token_ids, tag_ids = toy_corpus(4, seed=0)
    with pytest.raises(ValueError, match=r"unknown_index=token_vocabulary\.unk_index"):
        train(
            small_model(), train_step, token_ids, tag_ids, pad_index=PAD, pad_tag_index=PAD_TAG,
            epochs=1, progress=False, unknown_rate=0.5,
        )  # fmt: skip
