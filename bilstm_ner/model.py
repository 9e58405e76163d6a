"""The course's reference tagger, masked loss and training step (what the solutions build).

The later notebooks import these so that a mistake in one exercise never blocks the next one,
and the grader uses them as its own, known-good upstream pieces.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf


class BiLSTMTagger(keras.Model):
    """Embedding lookup, bidirectional LSTM that respects `lengths`, dense layer to logits."""

    def __init__(
        self,
        vocabulary_size: int,
        n_tags: int,
        embedding_dim: int = 200,
        n_hidden_rnn: int = 200,
        dropout_rate: float = 0.5,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.n_tags = n_tags
        self.embedding_dim = embedding_dim
        self.n_hidden_rnn = n_hidden_rnn
        # add_weight (not a raw tf.Variable) so Keras 3 tracks it as trainable.
        self.embedding_matrix = self.add_weight(
            name="embedding_matrix",
            shape=(vocabulary_size, embedding_dim),
            initializer=keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(embedding_dim)),
            dtype="float32",
            trainable=True,
        )
        self.dropout = keras.layers.Dropout(dropout_rate)
        self.birnn = keras.layers.Bidirectional(
            keras.layers.LSTM(n_hidden_rnn, return_sequences=True), name="birnn"
        )
        self.output_dense = keras.layers.Dense(n_tags, name="logits")

    def call(self, input_batch, lengths, training: bool = False):
        """Return float32 logits [batch, time, n_tags] for int32 `input_batch` [batch, time]."""
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, maxlen=tf.shape(input_batch)[1])
        embeddings = self.dropout(embeddings, training=training)
        rnn_output = self.birnn(embeddings, mask=mask, training=training)
        rnn_output = self.dropout(rnn_output, training=training)
        return self.output_dense(rnn_output)


def compute_loss(logits, ground_truth_tags, input_batch, pad_index: int):
    """Masked cross-entropy: per-sentence mean over real tokens, then mean over sentences.

    logits: float32 [batch, time, n_tags]; ground_truth_tags, input_batch: int32 [batch, time].
    """
    token_losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=ground_truth_tags, logits=logits
    )
    mask = tf.cast(tf.not_equal(input_batch, pad_index), token_losses.dtype)
    per_sentence = tf.reduce_sum(token_losses * mask, axis=-1) / tf.reduce_sum(mask, axis=-1)
    return tf.reduce_mean(per_sentence)


def train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index: int):
    """Take one optimizer step on the masked loss, each gradient clipped to norm 1; return it."""
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    gradients = [tf.clip_by_norm(g, 1.0) if g is not None else None for g in gradients]
    optimizer.apply_gradients(
        [(g, v) for g, v in zip(gradients, variables, strict=True) if g is not None]
    )
    return loss
