"""The training benchmark's contenders: a fair peer (same loss, same masking) that still trains."""

from __future__ import annotations

import inspect
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks import grader_latency
from benchmarks.training import (
    EncodedCorpus,
    TrainingConfig,
    build_keras_model,
    measure,
    padded_dataset,
    parse_config,
    steady_throughput,
)
from bilstm_ner.model import compute_loss
from bilstm_ner.training import train

TINY = {"embedding_dim": 4, "n_hidden_rnn": 4, "train_limit": 48, "validation_limit": 16}
TOY = EncodedCorpus(
    train_tokens=[[2, 3, 4, 5], [6, 2], [7, 8, 9]],
    train_tags=[[1, 0, 0, 2], [0, 1], [2, 0, 1]],
    validation_tokens=[],
    validation_tags=[],
    vocabulary_size=10,
    tag_names=["O", "B-person", "I-person"],
    pad_index=1,
    pad_tag_index=0,
)


def test_the_benchmark_trains_as_the_course_loop_does_by_default():
    defaults = inspect.signature(train).parameters
    config = TrainingConfig()
    for name in ("epochs", "batch_size", "learning_rate", "learning_rate_decay"):
        assert getattr(config, name) == defaults[name].default, name
    assert (config.embedding_dim, config.n_hidden_rnn) == (200, 200)


def test_throughput_leaves_out_the_first_epoch_which_traces_the_graphs():
    assert steady_throughput([100, 100, 100], [10.0, 1.0, 1.0]) == 100.0
    assert steady_throughput([100], [4.0]) == 25.0


def test_the_command_line_sets_sizes_and_limits():
    config = parse_config(["--contender", "keras-fit", "--embedding-dim", "8", "--train-limit=9"])
    assert (config.contender, config.embedding_dim, config.train_limit) == ("keras-fit", 8, 9)


def test_the_peers_weighted_sum_loss_is_the_exercises_per_sentence_loss():
    dataset = padded_dataset(TOY.train_tokens, TOY.train_tags, TOY, 3, shuffle_seed=None)
    input_batch, ground_truth_tags, weights = next(iter(dataset))
    logits = tf.random.stateless_normal([3, 4, 3], seed=(1, 2))
    peer = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    expected = compute_loss(logits, ground_truth_tags, input_batch, TOY.pad_index)
    actual = peer(ground_truth_tags, logits, sample_weight=weights)
    np.testing.assert_allclose(float(actual), float(expected), rtol=1e-6)
    assert input_batch[1].numpy().tolist() == [6, 2, 1, 1]  # padded with pad_index


def test_the_peer_model_ignores_padding_like_the_course_model():
    keras.utils.set_random_seed(0)
    model = build_keras_model(TrainingConfig(embedding_dim=4, n_hidden_rnn=4), TOY)
    short = model(np.array([[2, 3, 4]], np.int32), training=False)
    padded = model(np.array([[2, 3, 4, 1, 1, 1]], np.int32), training=False)
    np.testing.assert_allclose(padded[:, :3], short, atol=1e-6)


@pytest.mark.parametrize("contender", ["course", "keras-fit"])
def test_each_contender_trains_and_reports_real_tokens_per_second(contender):
    result = measure(TrainingConfig(contender=contender, epochs=2, **TINY))
    assert result["train_sentences"] == 48
    assert len(result["epoch_seconds"]) == 2
    assert result["epoch_tokens"][0] == result["epoch_tokens"][1] > 48  # real tokens only
    assert result["tokens_per_second"] > 0
    assert 0.0 <= result["validation_f1"] <= 1.0


def test_an_unknown_contender_is_refused():
    with pytest.raises(ValueError, match="contender must be one of"):
        measure(TrainingConfig(contender="pytorch"))


def test_grader_latency_times_the_first_and_later_calls_of_a_check():
    timings = grader_latency.measure(["check_compute_loss"], repeat=2)
    assert set(timings["cold"]) == {"check_compute_loss", "all"}
    assert timings["cold"]["all"] == timings["cold"]["check_compute_loss"] > 0
    assert len(timings["warm"]["check_compute_loss"]) == 1
