"""Fixtures for the grader tests: correct submissions written in different styles.

TensorFlow is imported only when a test asks for one of them, so the TF-free grader tests
(report, safety, randomness) stay fast.
"""

from __future__ import annotations

import functools

import pytest

TAGGER_STYLES = (
    "reference add_weight + embedding_lookup",
    "keras.layers.Embedding exposed as embedding_matrix",
    "keras.Variable + tf.gather, built lazily in build()",
    "two GRUs, the second over tf.reverse_sequence",
    "GRU cells in Bidirectional(RNN(...))",
    "uniform initialiser of variance 1/D, merge_mode='sum'",
)
TRAIN_STEP_STYLES = (
    "reference train_step",
    "tf.function train step",
    "optimizer.apply(gradients, variables)",
    "clip_by_norm in a list comprehension",
)


@functools.cache
def _taggers() -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    from bilstm_ner.model import BiLSTMTagger

    def normal(embedding_dim):
        return keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim))

    class EmbeddingLayerTagger(keras.Model):
        def __init__(self, vocabulary_size, n_tags, embedding_dim=16, n_hidden_rnn=16):
            super().__init__()
            self.embedding = keras.layers.Embedding(
                vocabulary_size, embedding_dim, embeddings_initializer=normal(embedding_dim)
            )
            self.embedding.build((None,))
            self.embedding_matrix = self.embedding.embeddings
            self.dropout = keras.layers.Dropout(0.3)
            self.birnn = keras.layers.Bidirectional(
                keras.layers.LSTM(n_hidden_rnn, return_sequences=True)
            )
            self.output_dense = keras.layers.Dense(n_tags)

        def call(self, input_batch, lengths, training=False):
            mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
            embeddings = self.dropout(self.embedding(input_batch), training=training)
            return self.output_dense(self.birnn(embeddings, mask=mask, training=training))

    class LazyKerasVariableTagger(keras.Model):
        def __init__(self, vocabulary_size, n_tags, embedding_dim=16, n_hidden_rnn=16):
            super().__init__()
            self.vocabulary_size, self.embedding_dim = vocabulary_size, embedding_dim
            self.birnn = keras.layers.Bidirectional(
                keras.layers.LSTM(n_hidden_rnn, return_sequences=True)
            )
            self.output_dense = keras.layers.Dense(n_tags)

        def build(self, input_shape):
            values = np.random.randn(self.vocabulary_size, self.embedding_dim)
            values = (values / np.sqrt(self.embedding_dim)).astype(np.float32)
            self.embedding_matrix = keras.Variable(values, name="embedding_matrix")

        def call(self, input_batch, lengths, training=False):
            mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
            embeddings = tf.gather(self.embedding_matrix, input_batch)
            return self.output_dense(self.birnn(embeddings, mask=mask, training=training))

    class ReversedGruTagger(keras.Model):
        def __init__(self, vocabulary_size, n_tags, embedding_dim=16, n_hidden_rnn=16):
            super().__init__()
            self.embedding_matrix = self.add_weight(
                shape=(vocabulary_size, embedding_dim), initializer=normal(embedding_dim)
            )
            self.forward_rnn = keras.layers.GRU(n_hidden_rnn, return_sequences=True)
            self.backward_rnn = keras.layers.GRU(n_hidden_rnn, return_sequences=True)
            self.output_dense = keras.layers.Dense(n_tags)

        def call(self, input_batch, lengths, training=False):
            embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
            mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
            forward = self.forward_rnn(embeddings, mask=mask, training=training)
            reversed_embeddings = tf.reverse_sequence(embeddings, lengths, seq_axis=1, batch_axis=0)
            backward = self.backward_rnn(reversed_embeddings, mask=mask, training=training)
            backward = tf.reverse_sequence(backward, lengths, seq_axis=1, batch_axis=0)
            return self.output_dense(tf.concat([forward, backward], axis=-1))

    class GruCellTagger(keras.Model):
        def __init__(self, vocabulary_size, n_tags, embedding_dim=16, n_hidden_rnn=16):
            super().__init__()
            self.embedding_matrix = self.add_weight(
                shape=(vocabulary_size, embedding_dim),
                initializer=keras.initializers.TruncatedNormal(stddev=1 / np.sqrt(embedding_dim)),
                dtype="float32",
            )
            self.birnn = keras.layers.Bidirectional(
                keras.layers.RNN(keras.layers.GRUCell(n_hidden_rnn), return_sequences=True)
            )
            self.output_dense = keras.layers.Dense(n_tags)

        def call(self, input_batch, lengths, training=False):
            embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
            mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
            return self.output_dense(self.birnn(embeddings, mask=mask, training=training))

    class UniformSumTagger(keras.Model):
        """Uniform in [-sqrt(3/D), sqrt(3/D)] has the variance 1/D the exercise asks for; the
        two directions summed (merge_mode="sum") instead of concatenated."""

        def __init__(self, vocabulary_size, n_tags, embedding_dim=16, n_hidden_rnn=16):
            super().__init__()
            limit = float(np.sqrt(3.0 / embedding_dim))
            self.embedding_matrix = self.add_weight(
                shape=(vocabulary_size, embedding_dim),
                initializer=keras.initializers.RandomUniform(-limit, limit),
                name="embedding_matrix",
            )
            self.birnn = keras.layers.Bidirectional(
                keras.layers.LSTM(n_hidden_rnn, return_sequences=True), merge_mode="sum"
            )
            self.output_dense = keras.layers.Dense(n_tags)

        def call(self, input_batch, lengths, training=False):
            embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
            mask = tf.sequence_mask(lengths, maxlen=tf.shape(input_batch)[1])
            return self.output_dense(self.birnn(embeddings, mask=mask, training=training))

    class LearnersCopyOfTheReference(BiLSTMTagger):
        """The course's tagger as a learner's own class (the reference class itself is not graded
        by check_embedding_training: notebook 05 trains it without it being the learner's work)."""

    classes = (
        LearnersCopyOfTheReference,
        EmbeddingLayerTagger,
        LazyKerasVariableTagger,
        ReversedGruTagger,
        GruCellTagger,
        UniformSumTagger,
    )
    return dict(zip(TAGGER_STYLES, classes, strict=True))


@functools.cache
def _train_steps() -> dict:
    import tensorflow as tf

    from bilstm_ner.model import compute_loss, train_step

    @tf.function
    def compiled_train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        with tf.GradientTape() as tape:
            logits = model(input_batch, lengths, training=True)
            loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
        gradients = tape.gradient(loss, model.trainable_variables)
        gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
        return loss

    def apply_train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        variables = model.trainable_variables
        with tf.GradientTape() as tape:
            logits = model(input_batch, lengths, training=True)
            loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
        gradients = [tf.clip_by_norm(g, 1.0) for g in tape.gradient(loss, variables)]
        optimizer.apply(gradients, variables)
        return loss

    def comprehension_train_step(
        model, optimizer, input_batch, ground_truth_tags, lengths, pad_index
    ):
        with tf.GradientTape() as tape:
            loss = compute_loss(
                model(input_batch, lengths, training=True),
                ground_truth_tags,
                input_batch,
                pad_index,
            )
        grads_and_vars = [
            (tf.clip_by_norm(gradient, 1.0), variable)
            for gradient, variable in zip(
                tape.gradient(loss, model.trainable_variables),
                model.trainable_variables,
                strict=False,
            )
        ]
        optimizer.apply_gradients(grads_and_vars)
        return loss

    steps = (train_step, compiled_train_step, apply_train_step, comprehension_train_step)
    return dict(zip(TRAIN_STEP_STYLES, steps, strict=True))


@pytest.fixture(params=TAGGER_STYLES)
def correct_tagger(request):
    """A correct BiLSTMTagger class, one per style."""
    return _taggers()[request.param]


@pytest.fixture(params=TRAIN_STEP_STYLES)
def correct_train_step(request):
    """A correct train_step function, one per style."""
    return _train_steps()[request.param]
