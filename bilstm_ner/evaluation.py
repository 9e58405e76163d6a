"""Entity-level precision, recall and F1, as conlleval computes them (through seqeval).

An entity counts as found only when its type and both of its ends are right. Tags are read
the way conlleval and seqeval's default mode read them: an `I-` tag that follows `O` or an
entity of another type starts a new entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from seqeval.metrics.sequence_labeling import get_entities

from bilstm_ner.batching import Batch, batches_generator
from bilstm_ner.data.conll import is_bio_tag
from bilstm_ner.vocabulary import Vocabulary


@dataclass(frozen=True)
class EntityScores:
    """Precision, recall and F1 (fractions in [0, 1]) and support (the number of true entities)."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvaluationResult:
    """Scores over all entities (`overall`) and per entity type (`per_type`, sorted by type)."""

    overall: EntityScores
    per_type: dict[str, EntityScores]

    def report(self, digits: int = 2) -> str:
        """An aligned table: one row per entity type, then the overall scores."""
        rows = [(name, scores) for name, scores in self.per_type.items()]
        rows.append(("overall", self.overall))
        name_width = max(len("type"), *(len(name) for name, _ in rows))
        width = max(len("precision"), digits + 2)
        header = f"{'type':<{name_width}}" + "".join(
            f"  {column:>{width}}" for column in ("precision", "recall", "f1", "support")
        )
        lines = [header]
        for name, scores in rows:
            if name == "overall":
                lines.append("")
            numbers = (scores.precision, scores.recall, scores.f1)
            lines.append(
                f"{name:<{name_width}}"
                + "".join(f"  {number:>{width}.{digits}f}" for number in numbers)
                + f"  {scores.support:>{width}d}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionaries and numbers (JSON-ready): {"overall": {...}, "per_type": {...}}."""
        return {
            "overall": asdict(self.overall),
            "per_type": {name: asdict(scores) for name, scores in self.per_type.items()},
        }

    def __str__(self) -> str:
        return self.report()


def _scores(n_correct: int, n_predicted: int, n_true: int) -> EntityScores:
    precision = n_correct / n_predicted if n_predicted else 0.0
    recall = n_correct / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EntityScores(precision=precision, recall=recall, f1=f1, support=n_true)


def _check_tag_sequences(
    true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]
) -> None:
    for name, sequences in (("true_tags", true_tags), ("predicted_tags", predicted_tags)):
        if isinstance(sequences, str) or not isinstance(sequences, Sequence):
            raise TypeError(f"{name} must be a list of sentences, each a list of tags")
        for index, sentence in enumerate(sequences):
            if isinstance(sentence, str):
                raise TypeError(
                    f"{name}[{index}] is the string {sentence!r}; pass one list of tags per "
                    "sentence (a list of lists), not one flat list of tags"
                )
    if len(true_tags) != len(predicted_tags):
        raise ValueError(
            f"found {len(true_tags)} true sentences but {len(predicted_tags)} predicted ones; "
            "predict every sentence of the data you evaluate on, in the same order"
        )
    for index, (true, predicted) in enumerate(zip(true_tags, predicted_tags, strict=True)):
        if len(true) != len(predicted):
            raise ValueError(
                f"sentence {index} has {len(true)} true tags but {len(predicted)} predicted "
                "tags; cut each prediction to the sentence's length (drop the padding)"
            )
        for name, sentence in (("true", true), ("predicted", predicted)):
            for position, tag in enumerate(sentence):
                if not isinstance(tag, str) or not is_bio_tag(tag):
                    raise ValueError(
                        f"sentence {index}, position {position}: the {name} tag {tag!r} is not "
                        "a BIO tag ('O', 'B-TYPE', 'I-TYPE'); decode tag ids with the tag "
                        "vocabulary first"
                    )


def evaluate_tags(
    true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]
) -> EvaluationResult:
    """Entity-level scores of `predicted_tags` against `true_tags` (lists of BIO tag lists)."""
    _check_tag_sequences(true_tags, predicted_tags)
    # One (sentence, type, start, end) per entity; seqeval reads tags the way conlleval does.
    true_entities: set[tuple[int, str, int, int]] = set()
    predicted_entities: set[tuple[int, str, int, int]] = set()
    for index, (true, predicted) in enumerate(zip(true_tags, predicted_tags, strict=True)):
        true_entities.update((index, *entity) for entity in get_entities(list(true)))
        predicted_entities.update((index, *entity) for entity in get_entities(list(predicted)))
    correct = true_entities & predicted_entities
    types = sorted({entity[1] for entity in true_entities | predicted_entities})

    def count(entities: set[tuple[int, str, int, int]], type_name: str) -> int:
        return sum(1 for entity in entities if entity[1] == type_name)

    per_type = {
        name: _scores(
            count(correct, name), count(predicted_entities, name), count(true_entities, name)
        )
        for name in types
    }
    overall = _scores(len(correct), len(predicted_entities), len(true_entities))
    return EvaluationResult(overall=overall, per_type=per_type)


def predict_tags(
    model: Any, batches: Iterable[Batch], tag_vocabulary: Vocabulary
) -> list[list[str]]:
    """Most likely tag of every real token: argmax of `model(input_batch, lengths)` logits.

    `model` returns float logits [batch, time, n_tags]; each sentence's tags are cut to its
    length and decoded with `tag_vocabulary`, in the order of the batches.
    """
    predictions: list[list[str]] = []
    for input_batch, _, lengths in batches:
        logits = model(input_batch, lengths, training=False)
        # np.asarray turns a TensorFlow tensor into an array without importing TensorFlow here.
        tag_ids = np.argmax(np.asarray(logits), axis=-1)
        for row, length in zip(tag_ids, np.asarray(lengths), strict=True):
            predictions.append(tag_vocabulary.decode(row[: int(length)]))
    return predictions


def evaluate_model(
    model: Any,
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    token_vocabulary: Vocabulary,
    tag_vocabulary: Vocabulary,
    batch_size: int = 64,
) -> EvaluationResult:
    """Predict every sentence (in order, unshuffled batches) and score it against `tag_ids`."""
    batches = batches_generator(
        batch_size,
        token_ids,
        tag_ids,
        pad_index=token_vocabulary.pad_index,
        pad_tag_index=tag_vocabulary.token_to_id.get("O", 0),
        shuffle=False,
    )
    predicted_tags = predict_tags(model, batches, tag_vocabulary)
    true_tags = [tag_vocabulary.decode(sentence) for sentence in tag_ids]
    return evaluate_tags(true_tags, predicted_tags)
