"""Does check_build_layers reject every activation after the output layer, and only those?

The "not_probabilities" item catches a class, not a list: the probe multiplies the output
layer's weights by a large negative factor, and only an affine output layer multiplies its
logits by it. Each bounded or bent activation below fails with the same message; output layers
that are affine in other ways pass.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from grader import check_build_layers
from grader.checks.build_layers import ITEM_NAMES
from tests.grader.checks.build_layers.test_model_mutants import Tagger

NOT_PROBABILITIES = ITEM_NAMES["not_probabilities"]

ACTIVATIONS = {
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "softplus": "softplus",
    "hard_sigmoid": "hard_sigmoid",
    "hard_tanh": "hard_tanh",
    "softsign": "softsign",
    "elu": "elu",
    "selu": "selu",
    "leaky_relu": "leaky_relu",
    "gelu": "gelu",
    "silu": "silu",
    "relu6": "relu6",
    "exponential": "exponential",
}


def tagger_with_output(dense=None, after=None, name="Mutant"):
    """A tagger whose output layer is `dense(n_tags)` and whose logits go through `after`."""

    class Mutant(Tagger):
        def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
            super().__init__(vocabulary_size, n_tags, embedding_dim, n_hidden_rnn)
            if dense is not None:
                self.output_dense = dense(n_tags)

        def call(self, input_batch, lengths, training=False):
            logits = super().call(input_batch, lengths, training)
            return logits if after is None else after(logits)

    Mutant.__name__ = Mutant.__qualname__ = name
    return Mutant


def failures(model_class, seed=3):
    report = check_build_layers(model_class, seed=seed)
    return {item.name: item.message for item in report.items if not item.passed}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_an_activation_on_the_output_dense_layer_is_not_logits(activation):
    def dense(n_tags):
        return keras.layers.Dense(n_tags, activation=ACTIVATIONS[activation])

    failed = failures(tagger_with_output(dense=dense))
    # A clipping activation (relu6, hard_sigmoid) may also flatten some logits, depending on
    # the untrained weights, and so fail a behaviour item too; the model's build never does.
    structural = {ITEM_NAMES[key] for key in ("construct", "logits", "embedding", "init")}
    assert NOT_PROBABILITIES in failed and not structural & set(failed), failed
    assert "no activation" in failed[NOT_PROBABILITIES]


@pytest.mark.parametrize(
    "after",
    [tf.nn.tanh, tf.nn.leaky_relu, lambda x: tf.clip_by_value(x, -1.0, 1.0), lambda x: x**3],
    ids=["tanh", "leaky_relu", "clip", "cube"],
)
def test_an_activation_applied_after_the_logits_is_caught_at_any_seed(after):
    for seed in range(4):
        failed = failures(tagger_with_output(after=after), seed=seed)
        assert NOT_PROBABILITIES in failed, seed
        assert "did not multiply the outputs" in failed[NOT_PROBABILITIES]


def test_a_softmax_over_the_wrong_axis_is_not_logits():
    failed = failures(tagger_with_output(after=lambda x: tf.nn.softmax(x, axis=1)))
    assert "activation" in failed[NOT_PROBABILITIES]


class AffineLayer(keras.layers.Layer):
    """A hand-written output layer: x @ W + b with its own weights."""

    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, x):
        return tf.einsum("btd,dk->btk", x, self.w) + self.b


class TransposedAffineLayer(AffineLayer):
    """The same, with its kernel stored as [n_tags, features]."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(self.units, input_shape[-1]), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, x):
        return tf.einsum("btd,kd->btk", x, self.w) + self.b


class SumMergeTagger(Tagger):
    def make_rnn(self, n_hidden_rnn):
        return keras.layers.Bidirectional(
            keras.layers.LSTM(n_hidden_rnn, return_sequences=True), merge_mode="sum"
        )


AFFINE_OUTPUTS = {
    "activation=None": tagger_with_output(dense=lambda k: keras.layers.Dense(k, activation=None)),
    "linear": tagger_with_output(dense=lambda k: keras.layers.Dense(k, activation="linear")),
    "hand-written affine layer": tagger_with_output(dense=AffineLayer),
    "hand-written affine layer, kernel transposed": tagger_with_output(dense=TransposedAffineLayer),
    "EinsumDense": tagger_with_output(
        dense=lambda k: keras.layers.EinsumDense(
            "btd,dk->btk", output_shape=(None, k), bias_axes="k"
        )
    ),
    "log_softmax (log-probabilities are logits)": tagger_with_output(after=tf.nn.log_softmax),
    "temperature": tagger_with_output(after=lambda x: x / 2.0),
    "merge_mode='sum'": SumMergeTagger,
}


@pytest.mark.parametrize("name", sorted(AFFINE_OUTPUTS))
def test_an_affine_output_layer_passes(name):
    for seed in range(3):
        assert failures(AFFINE_OUTPUTS[name], seed=seed) == {}, (name, seed)


def test_rescaling_leaves_the_learners_weights_as_they_were():
    from grader.checks.build_layers.inputs import make_inputs
    from grader.checks.build_layers.probe import probe

    inputs = make_inputs(np.random.default_rng(0))
    observations = probe({"BiLSTMTagger": Tagger}, inputs)
    base = observations["calls"]["numpy"]["values"]
    assert observations["calls"]["scaled_output"]["scaled"] == 2  # kernel and bias
    again = observations["calls"]["tensors"]["values"]
    np.testing.assert_allclose(base, again, atol=1e-6)
