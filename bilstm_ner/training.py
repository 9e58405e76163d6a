"""The exercise's training loop: a compiled train step, Adam with learning-rate decay, history.

`compile_train_step` wraps any function with the course's `train_step` contract in one
`tf.function` whose input signature has unknown batch and time sizes, so batches padded to
different lengths reuse one graph instead of retracing. `train` runs the exercise's loop:
shuffled batches, a progress bar, the learning rate divided by `learning_rate_decay` after each
epoch, and per-epoch train loss, validation loss and validation entity F1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from bilstm_ner.batching import batches_generator, count_batches
from bilstm_ner.evaluation import evaluate_tags
from bilstm_ner.model import compute_loss
from bilstm_ner.progress import progress_bar
from bilstm_ner.unknown_words import replace_singletons, singleton_ids

TrainStep = Callable[..., tf.Tensor]
"""`train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index) -> loss`."""

CompiledStep = Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]
"""`step(input_batch, ground_truth_tags, lengths) -> loss` with the model and optimizer bound."""

BATCH_SIGNATURE = (
    tf.TensorSpec([None, None], tf.int32, name="input_batch"),
    tf.TensorSpec([None, None], tf.int32, name="ground_truth_tags"),
    tf.TensorSpec([None], tf.int32, name="lengths"),
)


def build_model(model: keras.Model) -> None:
    """Create the model's variables by calling it once on a one-token batch (no-op when built)."""
    if model.built and model.trainable_variables:
        return
    model(tf.zeros([1, 1], tf.int32), tf.ones([1], tf.int32), training=False)


def compile_train_step(
    train_step: TrainStep,
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    pad_index: int,
) -> CompiledStep:
    """Bind `model`, `optimizer` and `pad_index` to `train_step` and compile it with `tf.function`.

    The returned `step(input_batch, ground_truth_tags, lengths)` takes int32 [batch, time],
    int32 [batch, time] and int32 [batch] and returns the float32 scalar loss. The model and the
    optimizer are built eagerly first, so the graph never has to create variables.
    """
    build_model(model)
    if not optimizer.built:  # rebuilding would add a second set of slots (e.g. SGD momentums)
        optimizer.build(model.trainable_variables)

    @tf.function(input_signature=BATCH_SIGNATURE)
    def step(input_batch: tf.Tensor, ground_truth_tags: tf.Tensor, lengths: tf.Tensor):
        return train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index)

    def run(input_batch, ground_truth_tags, lengths) -> tf.Tensor:
        if step.experimental_get_tracing_count() > 0:
            return step(input_batch, ground_truth_tags, lengths)
        try:  # the first call traces the Python body of train_step into a graph
            return step(input_batch, ground_truth_tags, lengths)
        except NotImplementedError:
            raise
        except Exception as error:
            raise RuntimeError(
                f"train_step failed while TensorFlow compiled it into a graph: "
                f"{type(error).__name__}: {error}\nIf it works when you call it directly, use "
                "TensorFlow operations only inside it (no `.numpy()`, `float(...)` or Python "
                "`if` on tensor values) and return the loss tensor itself."
            ) from error

    run.compiled = step  # the tf.function itself, e.g. to count traces
    return run


def compile_evaluate(
    model: keras.Model, pad_index: int
) -> Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]:
    """Compile `evaluate(input_batch, ground_truth_tags, lengths) -> (loss, predicted_tags)`.

    One forward pass without dropout: the reference masked loss (float32 scalar) and the argmax
    tag ids (int32 [batch, time]; values at padded positions are meaningless).
    """

    @tf.function(input_signature=BATCH_SIGNATURE)
    def evaluate(input_batch: tf.Tensor, ground_truth_tags: tf.Tensor, lengths: tf.Tensor):
        logits = model(input_batch, lengths, training=False)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
        return loss, tf.argmax(logits, axis=-1, output_type=tf.int32)

    return evaluate


@dataclass(frozen=True)
class EpochStats:
    """What one epoch measured: losses are means over sentences, F1 is the overall entity F1."""

    epoch: int
    learning_rate: float
    train_loss: float
    validation_loss: float | None
    validation_f1: float | None
    tokens: int
    seconds: float
    positions: int = 0  # every position of the padded batches: real tokens plus padding

    @property
    def padding_fraction(self) -> float:
        """The share of the computed positions that were padding (0.0 when not recorded)."""
        return 1.0 - self.tokens / self.positions if self.positions else 0.0

    @property
    def tokens_per_second(self) -> float:
        """Real (non-padding) training tokens processed per second of training steps."""
        return self.tokens / self.seconds if self.seconds > 0 else math.nan


@dataclass
class History:
    """Per-epoch statistics of one `train` run, oldest first."""

    epochs: list[EpochStats] = field(default_factory=list)

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras-style dict of per-epoch lists: `loss`, and `val_loss`, `val_f1` if validated."""
        curves: dict[str, list[float]] = {"loss": [e.train_loss for e in self.epochs]}
        if self.epochs and all(e.validation_loss is not None for e in self.epochs):
            curves["val_loss"] = [e.validation_loss for e in self.epochs]  # type: ignore[misc]
            curves["val_f1"] = [e.validation_f1 for e in self.epochs]  # type: ignore[misc]
        return curves

    @property
    def learning_rates(self) -> list[float]:
        """The learning rate of each epoch."""
        return [e.learning_rate for e in self.epochs]

    def summary(self, digits: int = 2) -> str:
        """One line per epoch with rounded figures (stable enough to print in a notebook)."""

        def show(value: float | None) -> str:
            return "  n/a" if value is None else f"{value:.{digits}f}"

        return "\n".join(
            f"epoch {e.epoch}: train loss {show(e.train_loss)}, "
            f"validation loss {show(e.validation_loss)}, validation F1 {show(e.validation_f1)}"
            for e in self.epochs
        )


def train(
    model: keras.Model,
    train_step: TrainStep,
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    *,
    pad_index: int,
    pad_tag_index: int,
    epochs: int = 4,
    batch_size: int = 32,
    learning_rate: float = 0.005,
    learning_rate_decay: float = math.sqrt(2),
    seed: int = 0,
    validation: tuple[Sequence[Sequence[int]], Sequence[Sequence[int]]] | None = None,
    tag_names: Sequence[str] | None = None,
    optimizer: keras.optimizers.Optimizer | None = None,
    progress: bool = True,
    bucket_by_length: bool = False,
    unknown_index: int | None = None,
    unknown_rate: float = 0.0,
) -> History:
    """Train `model` with `train_step` for `epochs` epochs and return the per-epoch `History`.

    token_ids, tag_ids: one list of ids per training sentence. Each epoch shuffles them (with
    `seed + epoch`), pads batches of `batch_size` and runs the compiled step with Adam at the
    epoch's learning rate: `learning_rate / learning_rate_decay ** epoch`. With `validation`
    (token ids, tag ids) and `tag_names` (the tag vocabulary's `id_to_token`), each epoch also
    reports the validation loss and the overall entity-level F1 (as conlleval computes it).
    `bucket_by_length=True` batches sentences of similar length together (see
    `batches_generator`): the same sentences each epoch, less padding, faster epochs; each
    epoch's `positions` and `padding_fraction` show the padding computed.
    With `unknown_index` (the token vocabulary's `unk_index`) and `unknown_rate` > 0, each epoch
    reads every occurrence of a word seen only once in `token_ids` as `<UNK>` with that
    probability (see `bilstm_ner.unknown_words`), so the `<UNK>` row is trained too.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be at least 1, found {epochs}, {batch_size}")
    if validation is not None and tag_names is None:
        raise ValueError(
            "validation F1 needs the tag names: pass tag_names=tag_vocabulary.id_to_token"
        )
    if unknown_rate and unknown_index is None:
        raise ValueError(
            "unknown_rate needs the id to read rare words as: pass "
            "unknown_index=token_vocabulary.unk_index"
        )
    singletons = singleton_ids(token_ids) if unknown_rate else frozenset()
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    step = compile_train_step(train_step, model, optimizer, pad_index)
    evaluate = compile_evaluate(model, pad_index) if validation is not None else None
    history = History()
    for epoch in range(epochs):
        epoch_learning_rate = learning_rate / learning_rate_decay**epoch
        optimizer.learning_rate = epoch_learning_rate
        epoch_token_ids = token_ids
        if unknown_rate and unknown_index is not None:
            rng = np.random.default_rng([seed, epoch, 1])  # a stream apart from the shuffling
            epoch_token_ids = replace_singletons(
                token_ids, singletons, unknown_index, unknown_rate, rng
            )
        batches = batches_generator(
            batch_size,
            epoch_token_ids,
            tag_ids,
            pad_index=pad_index,
            pad_tag_index=pad_tag_index,
            shuffle=True,
            seed=seed + epoch,
            bucket_by_length=bucket_by_length,
        )
        n_batches = count_batches(len(token_ids), batch_size)
        bar = progress_bar(
            batches,
            total=n_batches,
            desc=f"epoch {epoch + 1}/{epochs}",
            disable=not progress,
            leave=True,
            unit="batch",
            mininterval=0.5,  # fewer redraws: each one is a new output chunk in a notebook
        )
        loss_sum, sentences, tokens, positions = 0.0, 0, 0, 0
        started = time.perf_counter()
        for input_batch, ground_truth_tags, lengths in bar:
            loss = float(step(input_batch, ground_truth_tags, lengths))
            loss_sum += loss * len(lengths)
            sentences += len(lengths)
            tokens += int(lengths.sum())
            positions += input_batch.size
            bar.set_postfix(loss=f"{loss_sum / sentences:.3f}", refresh=False)
        seconds = time.perf_counter() - started
        validation_loss = validation_f1 = None
        if evaluate is not None and validation is not None and tag_names is not None:
            validation_loss, validation_f1 = evaluate_split(
                evaluate, *validation, tag_names, pad_index, pad_tag_index, batch_size
            )
        history.epochs.append(
            EpochStats(
                epoch=epoch + 1,
                learning_rate=epoch_learning_rate,
                train_loss=loss_sum / sentences,
                validation_loss=validation_loss,
                validation_f1=validation_f1,
                tokens=tokens,
                seconds=seconds,
                positions=positions,
            )
        )
        if progress:
            bar.write(history.summary().splitlines()[-1])
    return history


def evaluate_split(
    evaluate: Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]],
    token_ids: Sequence[Sequence[int]],
    tag_ids: Sequence[Sequence[int]],
    tag_names: Sequence[str],
    pad_index: int,
    pad_tag_index: int,
    batch_size: int = 256,
) -> tuple[float, float]:
    """Mean loss over sentences and overall entity F1 of a compiled `evaluate` on a split."""
    loss_sum = 0.0
    true_tags: list[list[str]] = []
    predicted_tags: list[list[str]] = []
    batches = batches_generator(
        batch_size,
        token_ids,
        tag_ids,
        pad_index=pad_index,
        pad_tag_index=pad_tag_index,
        shuffle=False,
    )
    for input_batch, ground_truth_tags, lengths in batches:
        loss, predicted = evaluate(input_batch, ground_truth_tags, lengths)
        loss_sum += float(loss) * len(lengths)
        predicted = predicted.numpy()
        for row, length in enumerate(lengths):
            true_tags.append([tag_names[i] for i in ground_truth_tags[row, :length]])
            predicted_tags.append([tag_names[i] for i in predicted[row, :length]])
    return loss_sum / len(token_ids), entity_f1(true_tags, predicted_tags)


def entity_f1(true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> float:
    """Overall entity-level F1 (as conlleval; BIO tag lists; 0.0 when there are no entities)."""
    return evaluate_tags(true_tags, predicted_tags).overall.f1
