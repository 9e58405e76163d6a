"""A recurrent layer counts when its recorded outputs are what its cell computes: recomputed
in NumPy from the weights and inputs the kernel reported (Keras's LSTM and GRU equations)."""

from __future__ import annotations

import copy

import keras
import numpy as np
import pytest
import tensorflow as tf

from grader.checks.build_layers.recurrent_math import verified_kernels
from grader.learner_side.recurrent_layers import recurrent_records

HIDDEN = 5
IDS = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [9, 0, 0, 0]], dtype=np.int32)
LENGTHS = np.array([4, 2, 1], dtype=np.int32)


class TwoWays(keras.Model):
    """Embedding, then `layer` forwards and a copy of it backwards (go_backwards), masked."""

    def __init__(self, make_layer):
        super().__init__()
        self.embedding_matrix = self.add_weight(shape=(12, 6))
        self.forward_rnn = make_layer(go_backwards=False)
        self.backward_rnn = make_layer(go_backwards=True)
        self.output_dense = keras.layers.Dense(3)

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        backward = tf.reverse(self.backward_rnn(embeddings, mask=mask), [1])
        return self.output_dense(tf.concat([self.forward_rnn(embeddings, mask=mask), backward], -1))


LAYERS = {
    "LSTM": lambda **kw: keras.layers.LSTM(HIDDEN, return_sequences=True, **kw),
    "LSTM without bias": lambda **kw: keras.layers.LSTM(
        HIDDEN, return_sequences=True, use_bias=False, **kw
    ),
    "RNN over an LSTMCell": lambda **kw: keras.layers.RNN(
        keras.layers.LSTMCell(HIDDEN), return_sequences=True, **kw
    ),
    "GRU": lambda **kw: keras.layers.GRU(HIDDEN, return_sequences=True, **kw),
    "GRU, reset before": lambda **kw: keras.layers.GRU(
        HIDDEN, return_sequences=True, reset_after=False, **kw
    ),
    "LSTM with Keras 2's hard_sigmoid gates": lambda **kw: keras.layers.LSTM(
        HIDDEN, return_sequences=True, recurrent_activation="hard_sigmoid", **kw
    ),
    "GRU with relu": lambda **kw: keras.layers.GRU(
        HIDDEN, return_sequences=True, activation="relu", **kw
    ),
}


def records_of(make_layer):
    model = TwoWays(make_layer)
    model(IDS, LENGTHS)
    records = recurrent_records(model, (IDS, LENGTHS), check="test", limit=30)
    return records, len(model.trainable_variables)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_both_directions_of_a_real_recurrent_layer_are_verified(kind):
    records, count = records_of(LAYERS[kind])
    assert len(records) == 2
    assert verified_kernels(records, count, HIDDEN) == {
        r["variable"]: {r["layer"]} for r in records
    }


def test_an_output_that_is_not_the_cells_is_not_verified():
    records, count = records_of(LAYERS["LSTM"])
    changed = copy.deepcopy(records)
    changed[0]["outputs"][0, 1, 0] += 0.01  # one real step, one unit
    assert verified_kernels(changed, count, HIDDEN).keys() == {records[1]["variable"]}


def test_padded_steps_are_not_compared():
    records, count = records_of(LAYERS["LSTM"])
    changed = copy.deepcopy(records)
    for record in changed:  # a padded step of the one-word sentence, in the order it was read
        record["outputs"][2, 0 if record["go_backwards"] else 3] = 7.0
    assert verified_kernels(changed, count, HIDDEN).keys() == {r["variable"] for r in records}


@pytest.mark.parametrize(
    "change",
    [
        {"cell": "other"},
        {"activations": ["swish", "sigmoid"]},
        {"activations": ["sigmoid", "tanh"]},  # the two swapped
        {"outputs": np.full((3, 4, HIDDEN), np.nan)},
        {"kernel": "weights"},
        {"recurrent_kernel": np.zeros((HIDDEN, 3 * HIDDEN))},  # an LSTM's is [H, 4H]
        {"mask": np.zeros((3, 4), dtype=bool)},  # nothing real to compare
        {"variable": 99},
        {"variable": True},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_record_that_cannot_be_recomputed_verifies_nothing(change):
    records, count = records_of(LAYERS["LSTM"])
    changed = copy.deepcopy(records)
    changed[0].update(change)
    assert records[0]["variable"] not in verified_kernels(changed, count, HIDDEN)


@pytest.mark.parametrize("records", [None, "lstm", [None, 3, "x"], {"error": "boom"}])
def test_malformed_records_verify_nothing(records):
    assert verified_kernels(records, 10, HIDDEN) == {}


def test_a_kernel_with_one_mismatching_call_is_not_verified():
    """A layer called twice must match both times: one honest call does not vouch for it."""
    records, count = records_of(LAYERS["LSTM"])
    again = copy.deepcopy(records[0])
    again["outputs"] = again["outputs"] * 0.5
    assert records[0]["variable"] not in verified_kernels([*records, again], count, HIDDEN)
