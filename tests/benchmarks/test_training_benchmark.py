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
from benchmarks.flop_count import flop_per_real_token, gemm_flop, lstm_step_gemm_shape
from benchmarks.gemm_rate import gemm_gflops
from benchmarks.keras_peer import build_keras_model, padded_dataset
from benchmarks.torch_tagger import torch_available
from benchmarks.training import measure, parse_config
from benchmarks.training_data import (
    EncodedCorpus,
    TrainingConfig,
    chunk_throughputs,
    steady_throughput,
)
from bilstm_ner.model import compute_loss
from bilstm_ner.training import train

needs_torch = pytest.mark.skipif(
    not torch_available(), reason="PyTorch is the bench extra: pip install -e '.[bench]'"
)

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


def test_each_measured_epoch_is_a_chunk_whose_spread_can_be_reported():
    assert chunk_throughputs([100, 100, 100], [10.0, 1.0, 2.0]) == [100.0, 50.0]
    assert chunk_throughputs([100], [4.0]) == [25.0]


def test_a_real_token_costs_three_times_the_forward_products_of_both_directions_and_the_dense():
    # forward: 2 directions x 2*(200+200)*(4*200), dense 2*400*11; backward twice the forward
    assert flop_per_real_token(200, 200, 11) == 3 * (2 * 2 * 400 * 800 + 2 * 400 * 11)
    assert flop_per_real_token(200, 200, 11) == 3_866_400  # about 3.9 MFLOP


def test_the_step_gemm_has_the_lstm_gates_shape():
    assert lstm_step_gemm_shape(32, 200, 200) == (32, 400, 800)
    assert gemm_flop(32, 400, 800) == 2 * 32 * 400 * 800


def test_the_gemm_rate_is_a_positive_gflops_figure():
    assert 0.01 < gemm_gflops(8, 16, 32, seconds=0.01, repeats=1) < 10_000


def test_the_command_line_sets_sizes_and_limits():
    config = parse_config(["--contender", "keras-fit", "--embedding-dim", "8", "--train-limit=9"])
    assert (config.contender, config.embedding_dim, config.train_limit) == ("keras-fit", 8, 9)
    config = parse_config(["--contender=torch", "--bucket-by-length", "--intra-op-threads=1"])
    assert (config.contender, config.bucket_by_length, config.intra_op_threads) == (
        "torch",
        True,
        1,
    )


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


@pytest.mark.parametrize(
    "contender",
    ["course", "keras-fit", "keras-fit-nojit", pytest.param("torch", marks=needs_torch)],
)
def test_each_contender_trains_and_reports_real_tokens_per_second(contender):
    result = measure(TrainingConfig(contender=contender, epochs=2, **TINY))
    assert result["train_sentences"] == 48
    assert len(result["epoch_seconds"]) == 2
    assert result["epoch_tokens"][0] == result["epoch_tokens"][1] > 48  # real tokens only
    assert result["tokens_per_second"] > 0
    assert len(result["chunk_tokens_per_second"]) == 1
    assert 0.0 <= result["validation_f1"] <= 1.0


@pytest.mark.parametrize("contender", ["course", pytest.param("torch", marks=needs_torch)])
def test_bucketing_by_length_trains_the_same_tokens_with_less_padding(contender):
    plain = measure(TrainingConfig(contender=contender, epochs=1, **TINY))
    bucketed = measure(TrainingConfig(contender=contender, epochs=1, bucket_by_length=True, **TINY))
    assert plain["epoch_tokens"] == bucketed["epoch_tokens"]
    assert bucketed["epoch_positions"][0] < plain["epoch_positions"][0]


@needs_torch
def test_the_torch_loss_is_the_exercises_per_sentence_loss():
    import torch

    from benchmarks.torch_tagger import per_sentence_loss

    input_batch = np.array([[2, 3, 4, 5], [6, 2, 1, 1], [7, 8, 9, 1]], np.int32)
    ground_truth_tags = np.array([[1, 0, 0, 2], [0, 1, 0, 0], [2, 0, 1, 0]], np.int32)
    logits = tf.random.stateless_normal([3, 4, 3], seed=(1, 2))
    expected = compute_loss(logits, ground_truth_tags, input_batch, TOY.pad_index)
    actual = per_sentence_loss(
        torch.from_numpy(logits.numpy()),
        torch.from_numpy(ground_truth_tags).long(),
        torch.from_numpy(input_batch).long(),
        TOY.pad_index,
    )
    np.testing.assert_allclose(float(actual), float(expected), rtol=1e-6)


@needs_torch
def test_the_torch_peer_ignores_padding_like_the_course_model():
    import torch

    from benchmarks.torch_tagger import build_torch_tagger

    torch.manual_seed(0)
    model = build_torch_tagger(TrainingConfig(embedding_dim=4, n_hidden_rnn=4), TOY).eval()
    short = model(torch.tensor([[2, 3, 4]]), torch.tensor([3]))
    padded = model(torch.tensor([[2, 3, 4, 1, 1, 1]]), torch.tensor([3]))
    np.testing.assert_allclose(padded[:, :3].detach(), short.detach(), atol=1e-6)


def test_an_unknown_contender_is_refused():
    with pytest.raises(ValueError, match="contender must be one of"):
        measure(TrainingConfig(contender="pytorch"))


def test_the_keras_peers_refuse_bucketing_they_would_silently_ignore():
    with pytest.raises(ValueError, match="bucket-by-length"):
        measure(TrainingConfig(contender="keras-fit", bucket_by_length=True))


def test_grader_latency_times_the_first_and_later_calls_of_a_check():
    timings = grader_latency.measure(["check_compute_loss"], repeat=2)
    assert set(timings["cold"]) == {"check_compute_loss", "all"}
    assert timings["cold"]["all"] == timings["cold"]["check_compute_loss"] > 0
    assert len(timings["warm"]["check_compute_loss"]) == 1
