"""What the training benchmark's contenders share: its configuration and the encoded corpus."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingConfig:
    """What to train on and how: the exercise's sizes by default."""

    contender: str = "course"
    corpus: str = "bundled"
    epochs: int = 4
    batch_size: int = 32
    embedding_dim: int = 200
    n_hidden_rnn: int = 200
    dropout_rate: float = 0.1  # notebook 05's (keep probability 0.9)
    learning_rate: float = 0.005
    learning_rate_decay: float = math.sqrt(2)
    train_limit: int | None = None  # use only the first N training tweets (smoke runs)
    validation_limit: int | None = None
    seed: int = 0
    bucket_by_length: bool = False  # course and torch: sentences of similar length batched
    unknown_rate: float = 0.0  # course: training singletons read as <UNK> (notebook 05: 0.3)
    intra_op_threads: int = 0  # 0: the library's default (one thread per core)
    inter_op_threads: int = 0
    onednn: bool = False  # TF_ENABLE_ONEDNN_OPTS=1 in the child (set before TensorFlow loads)


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
    unknown_index: int = 0


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
        unknown_index=tokens.unk_index,
    )


def steady_throughput(epoch_tokens: Sequence[int], epoch_seconds: Sequence[float]) -> float:
    """Tokens per second over the epochs after the first (all epochs when there is only one)."""
    skip = 1 if len(epoch_seconds) > 1 else 0
    return sum(epoch_tokens[skip:]) / sum(epoch_seconds[skip:])


def chunk_throughputs(epoch_tokens: Sequence[int], epoch_seconds: Sequence[float]) -> list[float]:
    """Tokens per second of each epoch after the first (every epoch when there is only one)."""
    skip = 1 if len(epoch_seconds) > 1 else 0
    pairs = zip(epoch_tokens[skip:], epoch_seconds[skip:], strict=True)
    return [tokens / seconds for tokens, seconds in pairs]


def validation_f1(data: EncodedCorpus, predict: Callable) -> float:
    """Overall entity F1 on the validation split (the course's `entity_f1`; 0.0 when empty);
    `predict(input_batch, lengths)` returns the tag ids [batch, time] as a NumPy array."""
    from bilstm_ner.batching import batches_generator
    from bilstm_ner.training import entity_f1

    true_tags, predicted_tags = [], []
    batches = batches_generator(
        256,
        data.validation_tokens,
        data.validation_tags,
        pad_index=data.pad_index,
        pad_tag_index=data.pad_tag_index,
        shuffle=False,
    )
    for input_batch, ground_truth_tags, lengths in batches:
        predicted = predict(input_batch, lengths)
        for row, length in enumerate(lengths):
            true_tags.append([data.tag_names[i] for i in ground_truth_tags[row, :length]])
            predicted_tags.append([data.tag_names[i] for i in predicted[row, :length]])
    return entity_f1(true_tags, predicted_tags) if true_tags else 0.0
