"""The `keras-fit` peers: the exercise's tagger as a learner would write it with Keras alone.

A functional model (Embedding, Dropout, Bidirectional LSTM given an explicit padding mask,
Dropout, Dense), a tf.data pipeline of shuffled padded batches, and the exercise's per-sentence
masked loss as `SparseCategoricalCrossentropy(reduction="sum")` with sample weights
`mask / length / batch`; the same Adam, clipping to norm 1 and learning-rate decay as the course.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from benchmarks.training_data import EncodedCorpus, TrainingConfig, validation_f1

if TYPE_CHECKING:
    import keras


def build_keras_model(config: TrainingConfig, data: EncodedCorpus) -> keras.Model:
    """The functional Keras version of the tagger: int32 [batch, time] -> logits [.., n_tags]."""
    import keras

    input_batch = keras.Input(shape=(None,), dtype="int32", name="input_batch")
    mask = keras.ops.not_equal(input_batch, data.pad_index)
    embeddings = keras.layers.Embedding(
        data.vocabulary_size,
        config.embedding_dim,
        embeddings_initializer=keras.initializers.RandomNormal(
            stddev=1.0 / math.sqrt(config.embedding_dim)
        ),
    )(input_batch)
    embeddings = keras.layers.Dropout(config.dropout_rate)(embeddings)
    rnn_output = keras.layers.Bidirectional(
        keras.layers.LSTM(config.n_hidden_rnn, return_sequences=True)
    )(embeddings, mask=mask)
    rnn_output = keras.layers.Dropout(config.dropout_rate)(rnn_output)
    logits = keras.layers.Dense(len(data.tag_names))(rnn_output)
    return keras.Model(input_batch, logits)


def padded_dataset(
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    data: EncodedCorpus,
    batch_size: int,
    shuffle_seed: int | None,
):
    """tf.data of (input_batch, ground_truth_tags, sample_weight) padded batches.

    The weights `mask / length / batch` make a "sum" loss the exercise's per-sentence mean.
    """
    import tensorflow as tf

    def sentences():
        yield from zip(token_ids, tag_ids, strict=True)

    signature = (tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.int32))
    dataset = tf.data.Dataset.from_generator(sentences, output_signature=signature)
    # A known length lets fit count the batches of an epoch (no "ran out of data" warning).
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(token_ids)))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(token_ids), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.padded_batch(batch_size, padding_values=(data.pad_index, data.pad_tag_index))

    def with_weights(input_batch, ground_truth_tags):
        mask = tf.cast(tf.not_equal(input_batch, data.pad_index), tf.float32)
        lengths = tf.reduce_sum(mask, axis=1, keepdims=True)
        sentences_in_batch = tf.cast(tf.shape(input_batch)[0], tf.float32)
        return input_batch, ground_truth_tags, mask / lengths / sentences_in_batch

    return dataset.map(with_weights, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def run_keras_fit(config: TrainingConfig, data: EncodedCorpus, jit_compile: bool | str) -> dict:
    """Train the functional Keras tagger with `Model.fit`; return the same stats as the course.

    `jit_compile`: "auto" is Keras 3's default (XLA on for the TensorFlow backend), False off.
    """
    import keras
    import numpy as np

    keras.utils.set_random_seed(config.seed)
    model = build_keras_model(config, data)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"),
        jit_compile=jit_compile,
    )

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    timer = EpochTimer()
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: config.learning_rate / config.learning_rate_decay**epoch
    )
    model.fit(
        padded_dataset(data.train_tokens, data.train_tags, data, config.batch_size, config.seed),
        epochs=config.epochs,
        callbacks=[schedule, timer],
        shuffle=False,  # the dataset shuffles itself
        verbose=0,
    )
    tokens = sum(len(s) for s in data.train_tokens)
    return {
        "epoch_seconds": timer.seconds,
        "epoch_tokens": [tokens] * len(timer.seconds),
        "validation_f1": validation_f1(
            data, lambda input_batch, lengths: np.argmax(model(input_batch, training=False), -1)
        ),
    }
