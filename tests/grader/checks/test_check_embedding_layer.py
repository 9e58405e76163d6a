"""Does the notebook-02 check (EmbeddingLayer) pass a right layer, diagnose wrong ones, and
ship only plain data from the probe to the judge?"""

import keras
import numpy as np
import tensorflow as tf

from bilstm_ner.notebook import EmbeddingLayer
from grader.checks import CHECKS
from grader.checks.embedding_layer.spec import SPEC as EMBEDDING_LAYER
from grader.core.spec import is_plain_data, run_check


class KerasEmbeddingLayer(keras.layers.Layer):
    """Also right: a keras Embedding's weight as the matrix."""

    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        normal = keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim))
        self.lookup = keras.layers.Embedding(vocabulary_size, embedding_dim, normal)
        self.lookup.build((None,))
        self.embedding_matrix = self.lookup.embeddings

    def call(self, input_batch):
        return self.lookup(input_batch)


class NumpyCopyLayer(EmbeddingLayer):
    """Looks the rows up in a NumPy copy: right values, but no gradient."""

    def call(self, input_batch):
        return tf.constant(self.embedding_matrix.numpy()[input_batch.numpy()])


class TransposedLayer(EmbeddingLayer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(embedding_dim, vocabulary_size, **kwargs)


def run(layer_class, seed=0):
    return run_check(EMBEDDING_LAYER, {"EmbeddingLayer": layer_class}, seed=seed)


def failed(report):
    return [item.name for item in report.items if not item.passed]


def test_it_is_registered_for_the_grading_tool():
    assert CHECKS["embedding_layer"] is EMBEDDING_LAYER


def test_the_reference_layer_passes_with_any_sizes():
    for seed in range(3):
        report = run(EmbeddingLayer, seed)
        assert report.passed, str(report)


def test_a_keras_embedding_exposed_as_embedding_matrix_passes():
    report = run(KerasEmbeddingLayer)
    assert report.passed, str(report)


class BuiltLayer(keras.layers.Layer):
    """Also right: the matrix made in build(), Keras' usual place (red team 12: 0/6)."""

    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.sizes = (vocabulary_size, embedding_dim)

    def build(self, input_shape):
        self.embedding_matrix = self.add_weight(
            shape=self.sizes,
            initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(self.sizes[1])),
            name="embedding_matrix",
        )

    def call(self, input_batch):
        return tf.nn.embedding_lookup(self.embedding_matrix, input_batch)


def test_a_matrix_made_in_build_passes():
    report = run(BuiltLayer)
    assert report.passed, str(report)


class RawVariableLayer(EmbeddingLayer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        initial = np.random.randn(vocabulary_size, embedding_dim) / np.sqrt(embedding_dim)
        self.embedding_matrix = tf.Variable(initial.astype(np.float32))


def test_a_raw_tf_variable_fails_only_on_tracking():
    report = run(RawVariableLayer)
    assert failed(report) == ["embedding_matrix is a tracked trainable weight"]


def test_a_lookup_in_a_numpy_copy_gets_no_gradient():
    report = run(NumpyCopyLayer)
    assert failed(report) == ["the loss gradient reaches embedding_matrix"]


def test_a_transposed_matrix_fails_on_shape_naming_the_sizes_even_when_calling_it_fails():
    report = run(TransposedLayer)
    assert "shape [vocabulary_size, embedding_dim]" in failed(report)
    assert "calling your layer" in report.items[4].message
    inputs = EMBEDDING_LAYER.make_inputs(np.random.default_rng(0))
    assert f"vocabulary_size={inputs['vocabulary_size']}" in report.items[1].message


class OtherNameLayer(keras.layers.Layer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.table = self.add_weight(shape=(vocabulary_size, embedding_dim))

    def call(self, input_batch):
        return tf.gather(self.table, input_batch)


def test_a_class_without_embedding_matrix_says_where_to_create_it():
    report = run(OtherNameLayer)
    assert len(failed(report)) == report.max_score == 6  # every item fails, none is lost
    assert "create it in __init__" in report.items[0].message


def test_wrong_keywords_fail_naming_the_call():
    report = run(keras.layers.Dense)
    assert len(failed(report)) == report.max_score == 6
    assert "EmbeddingLayer(vocabulary_size=" in report.items[0].message


def test_probe_output_is_plain_data():
    inputs = EMBEDDING_LAYER.make_inputs(np.random.default_rng(0))
    observations = EMBEDDING_LAYER.probe({"EmbeddingLayer": EmbeddingLayer}, inputs)
    assert is_plain_data(inputs) and is_plain_data(observations)


def test_the_judge_survives_malformed_observations():
    inputs = EMBEDDING_LAYER.make_inputs(np.random.default_rng(0))
    for observations in ({}, {"has_matrix": True, "matrix": {"array": "x"}}, None):
        report = EMBEDDING_LAYER.judge(inputs, observations)
        assert not report.passed


class InfiniteLayer(EmbeddingLayer):
    """Red team 5: a matrix of infinities looks itself up "right" under np.allclose."""

    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        self.embedding_matrix = self.add_weight(
            shape=(vocabulary_size, embedding_dim), initializer=keras.initializers.Constant(np.inf)
        )


def test_infinite_rows_never_count_as_the_looked_up_rows():
    report = run(InfiniteLayer)
    assert "layer(input_batch) returns the looked-up rows" in failed(report)
    assert "NaN or infinity" in report.items[4].message
