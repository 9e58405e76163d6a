"""Child process: train the exercise's tagger one way and print its speed and validation F1.

    python -m benchmarks.training --contender course     # bilstm_ner.training.train + train_step
    python -m benchmarks.training --contender keras-fit  # the same network with keras.Model.fit

Both contenders get the same corpus, vocabularies, sizes, batch size, optimizer (Adam, each
gradient clipped to norm 1, learning rate divided by `learning_rate_decay` after each epoch)
and seed. `keras-fit` is what a learner would write with Keras alone: a functional model
(Embedding, Dropout, Bidirectional LSTM given an explicit padding mask, Dropout, Dense), a
tf.data pipeline of shuffled padded batches, and the exercise's per-sentence masked loss as
`SparseCategoricalCrossentropy(reduction="sum")` with sample weights `mask / length / batch`.

Prints one JSON object: per-epoch training seconds and real (non-padding) tokens, tokens per
second and the median epoch time over the epochs after the first (the first one traces graphs),
and the validation entity F1 after the last epoch.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

CONTENDERS = ("course", "keras-fit")


@dataclass(frozen=True)
class TrainingConfig:
    """What to train on and how: the exercise's sizes by default."""

    contender: str = "course"
    corpus: str = "bundled"
    epochs: int = 4
    batch_size: int = 32
    embedding_dim: int = 200
    n_hidden_rnn: int = 200
    dropout_rate: float = 0.5
    learning_rate: float = 0.005
    learning_rate_decay: float = math.sqrt(2)
    train_limit: int | None = None  # use only the first N training tweets (smoke runs)
    validation_limit: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class EncodedCorpus:
    """A corpus as ids: training and validation sentences, pad ids and the tag names."""

    train_tokens: list[list[int]]
    train_tags: list[list[int]]
    validation_tokens: list[list[int]]
    validation_tags: list[list[int]]
    vocabulary_size: int
    tag_names: list[str]
    pad_index: int
    pad_tag_index: int


def encode_corpus(config: TrainingConfig) -> EncodedCorpus:
    """Load `config.corpus` and encode it with vocabularies built from the training split."""
    from bilstm_ner.data import build_tag_vocabulary, build_token_vocabulary, load_corpus

    corpus = load_corpus(config.corpus)
    train = corpus.train.tokens[: config.train_limit], corpus.train.tags[: config.train_limit]
    validation = (
        corpus.validation.tokens[: config.validation_limit],
        corpus.validation.tags[: config.validation_limit],
    )
    tokens = build_token_vocabulary(train[0])
    tags = build_tag_vocabulary(corpus.train.tags + corpus.validation.tags)
    return EncodedCorpus(
        train_tokens=[tokens.encode(s) for s in train[0]],
        train_tags=[tags.encode(s) for s in train[1]],
        validation_tokens=[tokens.encode(s) for s in validation[0]],
        validation_tags=[tags.encode(s) for s in validation[1]],
        vocabulary_size=len(tokens),
        tag_names=list(tags.id_to_token),
        pad_index=tokens.pad_index,
        pad_tag_index=tags.token_to_id["O"],
    )


def steady_throughput(epoch_tokens: Sequence[int], epoch_seconds: Sequence[float]) -> float:
    """Tokens per second over the epochs after the first (all epochs when there is only one)."""
    skip = 1 if len(epoch_seconds) > 1 else 0
    return sum(epoch_tokens[skip:]) / sum(epoch_seconds[skip:])


def run_course(config: TrainingConfig, data: EncodedCorpus) -> dict:
    """Train `BiLSTMTagger` with the course's `train` loop and `train_step`; return the stats."""
    import keras

    from bilstm_ner.model import BiLSTMTagger, train_step
    from bilstm_ner.training import train

    keras.utils.set_random_seed(config.seed)
    model = BiLSTMTagger(
        data.vocabulary_size,
        len(data.tag_names),
        embedding_dim=config.embedding_dim,
        n_hidden_rnn=config.n_hidden_rnn,
        dropout_rate=config.dropout_rate,
    )
    history = train(
        model,
        train_step,
        data.train_tokens,
        data.train_tags,
        pad_index=data.pad_index,
        pad_tag_index=data.pad_tag_index,
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        learning_rate_decay=config.learning_rate_decay,
        seed=config.seed,
        validation=(data.validation_tokens, data.validation_tags),
        tag_names=data.tag_names,
        progress=False,
    )
    return {
        "epoch_seconds": [e.seconds for e in history.epochs],
        "epoch_tokens": [e.tokens for e in history.epochs],
        "validation_f1": history.epochs[-1].validation_f1,
    }


def build_keras_model(config: TrainingConfig, data: EncodedCorpus):
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


def run_keras_fit(config: TrainingConfig, data: EncodedCorpus) -> dict:
    """Train the functional Keras tagger with `Model.fit`; return the same stats as the course."""
    import keras
    import numpy as np

    from bilstm_ner.batching import batches_generator
    from bilstm_ner.training import entity_f1

    keras.utils.set_random_seed(config.seed)
    model = build_keras_model(config, data)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"),
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
    true_tags, predicted_tags = [], []
    for input_batch, ground_truth_tags, lengths in batches_generator(
        256,
        data.validation_tokens,
        data.validation_tags,
        pad_index=data.pad_index,
        pad_tag_index=data.pad_tag_index,
        shuffle=False,
    ):
        predicted = np.argmax(model(input_batch, training=False), axis=-1)
        for row, length in enumerate(lengths):
            true_tags.append([data.tag_names[i] for i in ground_truth_tags[row, :length]])
            predicted_tags.append([data.tag_names[i] for i in predicted[row, :length]])
    tokens = sum(len(s) for s in data.train_tokens)
    return {
        "epoch_seconds": timer.seconds,
        "epoch_tokens": [tokens] * len(timer.seconds),
        "validation_f1": entity_f1(true_tags, predicted_tags),
    }


def measure(config: TrainingConfig) -> dict:
    """Train as `config.contender` says and return config, per-epoch figures and F1."""
    if config.contender not in CONTENDERS:
        raise ValueError(f"contender must be one of {CONTENDERS}, found {config.contender!r}")
    data = encode_corpus(config)
    runner = run_course if config.contender == "course" else run_keras_fit
    result = runner(config, data)
    return {
        "config": asdict(config),
        "train_sentences": len(data.train_tokens),
        **result,
        "tokens_per_second": steady_throughput(result["epoch_tokens"], result["epoch_seconds"]),
        "first_epoch_seconds": result["epoch_seconds"][0],
        "steady_epoch_seconds": statistics.median(
            result["epoch_seconds"][1:] or result["epoch_seconds"]
        ),
    }


def parse_config(argv: Sequence[str] | None = None) -> TrainingConfig:
    """The `TrainingConfig` given on the command line."""
    defaults = TrainingConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contender", choices=CONTENDERS, default=defaults.contender)
    parser.add_argument("--corpus", default=defaults.corpus)
    for name in ("epochs", "batch_size", "embedding_dim", "n_hidden_rnn", "seed"):
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=int, default=getattr(defaults, name))
    parser.add_argument("--train-limit", type=int, default=None)
    parser.add_argument("--validation-limit", type=int, default=None)
    return TrainingConfig(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    """Run one training measurement and print it as one JSON line."""
    config = parse_config(argv)
    print(json.dumps(measure(config)))


if __name__ == "__main__":
    main()
