"""Child process: train the exercise's tagger one way and print its speed and validation F1.

    python -m benchmarks.training --contender course           # bilstm_ner.training.train
    python -m benchmarks.training --contender keras-fit        # keras.Model.fit, jit "auto"
    python -m benchmarks.training --contender keras-fit-nojit  # keras.Model.fit, jit off
    python -m benchmarks.training --contender torch            # PyTorch (the bench extra)

Every contender gets the same corpus, vocabularies, sizes, batch size, optimizer (Adam, each
gradient clipped to norm 1, learning rate divided by `learning_rate_decay` after each epoch)
and seed: `course` is the course's loop with its `train_step`; the Keras peers are in
`benchmarks.keras_peer`, the PyTorch one in `benchmarks.torch_tagger`. `--bucket-by-length`
(course and torch) batches sentences of similar length; `--intra-op-threads` and
`--inter-op-threads` set the thread pools before the first op; `--onednn` turns TensorFlow's
oneDNN kernels on (`TF_ENABLE_ONEDNN_OPTS=1`; the course keeps them off, see the README).

Prints one JSON object: per-epoch training seconds, real (non-padding) tokens and padded
positions; tokens per second over the epochs after the first (the first one traces graphs),
each of those epochs' own tokens per second (the chunks whose spread the figures report), the
median epoch time, and the validation entity F1 after the last epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import asdict

from benchmarks.threads import add_thread_arguments, set_threads
from benchmarks.training_data import (
    EncodedCorpus,
    TrainingConfig,
    chunk_throughputs,
    encode_corpus,
    steady_throughput,
)

CONTENDERS = ("course", "keras-fit", "keras-fit-nojit", "torch")


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
        bucket_by_length=config.bucket_by_length,
        unknown_index=data.unknown_index,
        unknown_rate=config.unknown_rate,
    )
    return {
        "epoch_seconds": [e.seconds for e in history.epochs],
        "epoch_tokens": [e.tokens for e in history.epochs],
        "epoch_positions": [e.positions for e in history.epochs],
        "validation_f1": history.epochs[-1].validation_f1,
    }


def run_contender(config: TrainingConfig, data: EncodedCorpus) -> dict:
    """Train with `config.contender` (its thread settings made first); return its stats."""
    if config.contender == "torch":
        from benchmarks.torch_tagger import run_torch

        return run_torch(config, data)
    set_threads(config.intra_op_threads, config.inter_op_threads)
    if config.contender == "course":
        return run_course(config, data)
    from benchmarks.keras_peer import run_keras_fit

    return run_keras_fit(
        config, data, jit_compile="auto" if config.contender == "keras-fit" else False
    )


def measure(config: TrainingConfig) -> dict:
    """Train as `config.contender` says and return config, per-epoch figures and F1."""
    if config.contender not in CONTENDERS:
        raise ValueError(f"contender must be one of {CONTENDERS}, found {config.contender!r}")
    if config.bucket_by_length and config.contender.startswith("keras-fit"):
        raise ValueError("--bucket-by-length is for the course and torch contenders")
    data = encode_corpus(config)
    result = run_contender(config, data)
    seconds, tokens = result["epoch_seconds"], result["epoch_tokens"]
    return {
        "config": asdict(config),
        "train_sentences": len(data.train_tokens),
        "n_tags": len(data.tag_names),
        **result,
        "tokens_per_second": steady_throughput(tokens, seconds),
        "chunk_tokens_per_second": chunk_throughputs(tokens, seconds),
        "first_epoch_seconds": seconds[0],
        "steady_epoch_seconds": statistics.median(seconds[1:] or seconds),
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
    parser.add_argument("--bucket-by-length", action="store_true")
    parser.add_argument("--unknown-rate", type=float, default=defaults.unknown_rate)
    parser.add_argument("--onednn", action="store_true", help="TF_ENABLE_ONEDNN_OPTS=1")
    add_thread_arguments(parser)
    return TrainingConfig(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    """Run one training measurement and print it as one JSON line."""
    config = parse_config(argv)
    if config.onednn:  # read when TensorFlow loads: before anything imports it
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    print(json.dumps(measure(config)))


if __name__ == "__main__":
    main()
