"""check_build_layers: correct taggers pass, inputs are sound, the judge survives anything."""

from __future__ import annotations

import numpy as np
import pytest

from grader import check_build_layers
from grader.checks.build_layers import ITEM_NAMES
from grader.checks.build_layers.inputs import make_inputs as make_build_layers_inputs
from grader.checks.build_layers.judge import judge as judge_build_layers
from grader.checks.build_layers.spec import SPEC as BUILD_LAYERS
from grader.core.spec import is_plain_data


def test_a_correct_tagger_passes_in_every_style(correct_tagger):
    report = check_build_layers(correct_tagger, seed=11)
    assert report.passed, str(report)
    assert report.score == report.max_score == len(ITEM_NAMES)


@pytest.mark.parametrize("seed", range(20))
def test_inputs_are_plain_data_with_sizes_in_range(seed):
    inputs = make_build_layers_inputs(np.random.default_rng(seed))
    sizes = inputs["sizes"]
    assert is_plain_data(inputs)
    assert 20 <= sizes["vocabulary_size"] <= 60 and 3 <= sizes["n_tags"] <= 9
    assert 4 <= sizes["embedding_dim"] <= 16 and 3 <= sizes["n_hidden_rnn"] <= 12
    assert sizes["embedding_dim"] != sizes["n_hidden_rnn"]
    assert 3 <= sizes["batch_size"] <= 6 and 4 <= sizes["max_time"] <= 9
    stats = inputs["stats_sizes"]
    assert stats["vocabulary_size"] * stats["embedding_dim"] >= 4000


@pytest.mark.parametrize("seed", range(20))
def test_each_variant_changes_only_what_it_tests(seed):
    inputs = make_build_layers_inputs(np.random.default_rng(seed))
    base, lengths, pad = inputs["input_batch"], inputs["lengths"], inputs["pad_index"]
    batch_size, max_time = base.shape
    real = np.arange(max_time)[None, :] < lengths[:, None]
    last = np.zeros_like(real)
    last[np.arange(batch_size), lengths - 1] = lengths >= 2
    first = np.zeros_like(real)
    first[:, 0] = lengths >= 2
    own = np.zeros_like(real)
    own[np.arange(batch_size), inputs["own_positions"]] = True
    for name, where in (("last_changed", last), ("first_changed", first), ("own_changed", own)):
        changed = inputs[name] != base
        assert np.array_equal(changed, where), name
        assert not np.any(inputs[name][real] == pad), name
    padded = inputs["padded"]
    assert np.array_equal(padded[:, :max_time], base)
    assert np.all(padded[:, max_time:] == pad)
    assert np.array_equal(inputs["junk_padded"][:, :max_time][real], base[real])
    permutation = inputs["permutation"]
    assert not np.array_equal(permutation, np.arange(batch_size))
    assert np.array_equal(inputs["permuted"][1:], base[permutation][1:])
    first_real = np.arange(max_time) < lengths[permutation[0]]
    assert np.all(inputs["permuted"][0][first_real] != base[permutation[0]][first_real])


def test_the_same_seed_gives_the_same_inputs_and_other_seeds_do_not():
    first = make_build_layers_inputs(np.random.default_rng(4))
    again = make_build_layers_inputs(np.random.default_rng(4))
    assert first["sizes"] == again["sizes"]
    assert np.array_equal(first["input_batch"], again["input_batch"])
    sizes = {str(make_build_layers_inputs(np.random.default_rng(s))["sizes"]) for s in range(5)}
    assert len(sizes) > 1


def test_the_probe_of_a_correct_tagger_returns_plain_data():
    from bilstm_ner.model import BiLSTMTagger

    inputs = make_build_layers_inputs(np.random.default_rng(2))
    observations = BUILD_LAYERS.probe({"BiLSTMTagger": BiLSTMTagger}, inputs)
    assert is_plain_data(observations)
    assert judge_build_layers(inputs, observations).passed


MALFORMED = [
    None,
    {},
    {"construct": "built"},
    {"construct": {"is_keras_model": True}},
    {"construct": {"is_keras_model": True}, "calls": "many"},
    {"construct": {"is_keras_model": True}, "calls": {"numpy": {"values": "logits"}}},
    {"construct": {"is_keras_model": True}, "calls": {"numpy": {"values": np.zeros(3)}}},
    {"construct": {}, "calls": {"numpy": {"error": 42}}, "embedding": {"exists": "yes"}},
]


@pytest.mark.parametrize("observations", MALFORMED)
def test_the_judge_fails_malformed_observations_without_raising(observations):
    inputs = make_build_layers_inputs(np.random.default_rng(0))
    report = judge_build_layers(inputs, observations)
    assert not report.passed
    assert report.max_score == len(ITEM_NAMES)


def test_non_finite_logits_fail_every_behaviour_item():
    inputs = make_build_layers_inputs(np.random.default_rng(0))
    sizes = inputs["sizes"]
    shape = (sizes["batch_size"], sizes["max_time"], sizes["n_tags"])
    nan_logits = {"values": np.full(shape, np.nan), "dtype": "float32"}
    report = judge_build_layers(
        inputs, {"construct": {"is_keras_model": True}, "calls": {"numpy": nan_logits}}
    )
    failed = {item.name for item in report.items if not item.passed}
    assert ITEM_NAMES["logits"] in failed and ITEM_NAMES["padding"] in failed


class NeverReturns:
    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        pass

    def __call__(self, input_batch, lengths, training=False):
        while True:
            pass


def test_a_model_that_never_returns_is_stopped_and_named():
    report = check_build_layers(NeverReturns, seed=0, time_limit=0.3)
    failed = {item.name: item.message for item in report.items if not item.passed}
    assert "did not finish" in failed[ITEM_NAMES["logits"]]


class Liar:
    """Claims to be a dict and a tensor, and raises from every conversion."""

    @property
    def __class__(self):
        import tensorflow as tf

        return type(tf.constant(0.0))

    def __getattr__(self, name):
        raise RuntimeError(f"gotcha: {name}")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("gotcha: __array__")

    def __float__(self):
        raise RuntimeError("gotcha: __float__")

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class ReturnsALiar:
    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        self.embedding_matrix = Liar()

    def __call__(self, input_batch, lengths, training=False):
        return Liar()


def test_a_hostile_output_is_a_failed_item_not_a_grader_error():
    report = check_build_layers(ReturnsALiar, seed=0)
    names = [item.name for item in report.items]
    assert "internal grader error" not in names, str(report)
    failed = {item.name: item.message for item in report.items if not item.passed}
    assert ITEM_NAMES["logits"] in failed and ITEM_NAMES["construct"] in failed


@pytest.mark.parametrize(
    "influence",
    [
        None,
        {"error": "the gradient of the logits: TypeError"},
        {"batch": [1.0], "first_word": [0.0]},
        {"batch": "many", "first_word": []},
        {"nan": True},
    ],
    ids=["missing", "failure", "too short", "not lists", "no keys"],
)
def test_recurrent_kernels_whose_influence_cannot_be_read_earn_no_construct_point(influence):
    from bilstm_ner.model import BiLSTMTagger

    inputs = make_build_layers_inputs(np.random.default_rng(2))
    observations = BUILD_LAYERS.probe({"BiLSTMTagger": BiLSTMTagger}, inputs)
    assert judge_build_layers(inputs, observations).passed
    count = len(observations["variable_shapes"])
    observations["influence"] = influence
    report = judge_build_layers(inputs, observations)
    assert ITEM_NAMES["construct"] in {item.name for item in report.items if not item.passed}
    for bad in (np.nan, np.inf, -1.0):
        batch = [bad] * count
        observations["influence"] = {
            "batch": batch,
            "first_word": [0.0] * count,
            "bypass": [[0.0] * count, [0.0] * count],
        }
        report = judge_build_layers(inputs, observations)
        assert not report.items[0].passed, bad
