"""The masked loss in plain NumPy float64 (no TensorFlow), and the known mistakes, for diagnosis.

Every function takes plain arrays: logits float [batch, time, n_tags], ground_truth_tags and
input_batch int [batch, time], pad_index int. A loss is a float (NaN when the formula divides
by zero, as the learner's TensorFlow code would).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Stable log-softmax over the last axis, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def token_losses(logits: np.ndarray, ground_truth_tags: np.ndarray) -> np.ndarray:
    """Cross-entropy of each token, float64 [batch, time]: -log softmax(logits)[tag]."""
    log_probabilities = log_softmax(logits)
    tags = np.asarray(ground_truth_tags)[..., None]
    return -np.take_along_axis(log_probabilities, tags, axis=-1)[..., 0]


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(numerator, dtype=np.float64) / denominator


def _mean_per_sentence(losses: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mask = mask.astype(np.float64)
    return _divide((losses * mask).sum(axis=-1), mask.sum(axis=-1))


def per_sentence_losses(
    logits: np.ndarray, ground_truth_tags: np.ndarray, input_batch: np.ndarray, pad_index: int
) -> np.ndarray:
    """Each sentence's mean token loss over its real tokens, float64 [batch]."""
    mask = np.asarray(input_batch) != pad_index
    return _mean_per_sentence(token_losses(logits, ground_truth_tags), mask)


def reference_loss(
    logits: np.ndarray, ground_truth_tags: np.ndarray, input_batch: np.ndarray, pad_index: int
) -> float:
    """The exercise's loss: mean over sentences of each sentence's mean loss over real tokens."""
    return float(np.mean(per_sentence_losses(logits, ground_truth_tags, input_batch, pad_index)))


def reference_gradient(
    logits: np.ndarray, ground_truth_tags: np.ndarray, input_batch: np.ndarray, pad_index: int
) -> np.ndarray:
    """d reference_loss / d logits, float64 [batch, time, n_tags]:
    (softmax(logits) - one_hot(tags)) * mask / (real tokens of the sentence) / batch."""
    probabilities = np.exp(log_softmax(logits))
    tags = np.asarray(ground_truth_tags)
    one_hot = np.eye(probabilities.shape[-1])[tags]
    mask = (np.asarray(input_batch) != pad_index).astype(np.float64)
    weights = _divide(mask, mask.sum(axis=-1, keepdims=True)) / mask.shape[0]
    return (probabilities - one_hot) * weights[..., None]


# --- known mistakes -----------------------------------------------------------------------------

LossFunction = Callable[[np.ndarray, np.ndarray, np.ndarray, int], float]


@dataclass(frozen=True)
class Mistake:
    """A wrong loss a learner may write, and what to tell them when their value matches it."""

    name: str
    loss: LossFunction
    message: str


def _real(input_batch: np.ndarray, pad_index: int) -> np.ndarray:
    return (np.asarray(input_batch) != pad_index).astype(np.float64)


def _no_mask(logits, tags, input_batch, pad_index) -> float:
    return float(np.mean(token_losses(logits, tags)))


def _mean_of_masked(logits, tags, input_batch, pad_index) -> float:
    return float(np.mean(token_losses(logits, tags) * _real(input_batch, pad_index)))


def _token_mean(logits, tags, input_batch, pad_index) -> float:
    mask = _real(input_batch, pad_index)
    return float(_divide((token_losses(logits, tags) * mask).sum(), mask.sum()))


def _softmax_twice(logits, tags, input_batch, pad_index) -> float:
    probabilities = np.exp(log_softmax(logits))
    return reference_loss(probabilities, tags, input_batch, pad_index)


def _mask_from_tags_pad(logits, tags, input_batch, pad_index) -> float:
    mask = np.asarray(tags) != pad_index
    return float(np.mean(_mean_per_sentence(token_losses(logits, tags), mask)))


def _mask_from_tags_zero(logits, tags, input_batch, pad_index) -> float:
    mask = np.asarray(tags) != 0
    return float(np.mean(_mean_per_sentence(token_losses(logits, tags), mask)))


def _sum_over_sentences(logits, tags, input_batch, pad_index) -> float:
    return float(np.sum(per_sentence_losses(logits, tags, input_batch, pad_index)))


def _no_length_division(logits, tags, input_batch, pad_index) -> float:
    masked = token_losses(logits, tags) * _real(input_batch, pad_index)
    return float(np.mean(masked.sum(axis=-1)))


def _sum_of_tokens(logits, tags, input_batch, pad_index) -> float:
    return float(np.sum(token_losses(logits, tags) * _real(input_batch, pad_index)))


def _binary_token_losses(logits, tags) -> np.ndarray:
    """Sigmoid cross-entropy of each class against the one-hot tags, float64 [B, T, K]."""
    logits = np.asarray(logits, dtype=np.float64)
    one_hot = np.eye(logits.shape[-1])[np.asarray(tags)]
    # max(x, 0) - x * z + log(1 + exp(-|x|)): the stable form TensorFlow uses.
    return np.maximum(logits, 0) - logits * one_hot + np.log1p(np.exp(-np.abs(logits)))


def _sigmoid_summed(logits, tags, input_batch, pad_index) -> float:
    losses = _binary_token_losses(logits, tags).sum(axis=-1)
    return float(np.mean(_mean_per_sentence(losses, _real(input_batch, pad_index))))


def _sigmoid_averaged(logits, tags, input_batch, pad_index) -> float:
    losses = _binary_token_losses(logits, tags).mean(axis=-1)
    return float(np.mean(_mean_per_sentence(losses, _real(input_batch, pad_index))))


def _labels_and_logits_swapped(logits, tags, input_batch, pad_index) -> float:
    logits = np.asarray(logits, dtype=np.float64)
    one_hot = np.eye(logits.shape[-1])[np.asarray(tags)]
    losses = -(logits * log_softmax(one_hot)).sum(axis=-1)
    return float(np.mean(_mean_per_sentence(losses, _real(input_batch, pad_index))))


def _negated(logits, tags, input_batch, pad_index) -> float:
    return -reference_loss(logits, tags, input_batch, pad_index)


_SOFTMAX_FIX = (
    "`tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)`"
)
_MASK_FIX = "`mask = tf.cast(tf.not_equal(input_batch, pad_index), tf.float32)`"

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "no mask",
        _no_mask,
        "Your loss averages over padded positions too. Build "
        f"{_MASK_FIX}, multiply the token losses by it, sum them over time, divide by each "
        "sentence's number of real tokens (`tf.reduce_sum(mask, -1)`), then take the mean over "
        "sentences.",
    ),
    Mistake(
        "mean of the masked losses",
        _mean_of_masked,
        "You multiplied by the mask but then averaged over every position (`tf.reduce_mean`), "
        "padding included; Keras losses with `sample_weight=mask` do the same by default. Sum "
        "over time, divide by each sentence's number of real tokens (`tf.reduce_sum(mask, -1)`), "
        "then take the mean over sentences.",
    ),
    Mistake(
        "token-level mean",
        _token_mean,
        "You averaged over all real tokens of the batch at once, so long sentences weigh more. "
        "Average within each sentence first (divide by `tf.reduce_sum(mask, -1)`), then take "
        "the mean over sentences.",
    ),
    Mistake(
        "softmax applied twice",
        _softmax_twice,
        "You passed probabilities where logits are expected (softmax applied twice). Give the "
        "raw logits to `tf.nn.sparse_softmax_cross_entropy_with_logits`: it applies the "
        "softmax itself.",
    ),
    Mistake(
        "mask from the tags compared with pad_index",
        _mask_from_tags_pad,
        "Your mask compares `ground_truth_tags` with pad_index, but padding is marked in "
        f"`input_batch`: use {_MASK_FIX}.",
    ),
    Mistake(
        "mask drops tokens tagged O",
        _mask_from_tags_zero,
        "Your mask drops every token tagged 0 ('O'), but those are real words the tagger must "
        f"learn too. Take the mask from the inputs: {_MASK_FIX}.",
    ),
    Mistake(
        "sum over sentences",
        _sum_over_sentences,
        "You summed the per-sentence losses: take their mean over sentences (`tf.reduce_mean`).",
    ),
    Mistake(
        "no division by the sentence length",
        _no_length_division,
        "You did not divide each sentence's summed loss by its number of real tokens: divide "
        "by `tf.reduce_sum(mask, -1)` before taking the mean over sentences.",
    ),
    Mistake(
        "plain sum of the masked losses",
        _sum_of_tokens,
        "You returned the sum of the masked token losses: divide each sentence's sum by its "
        "number of real tokens, then take the mean over sentences.",
    ),
    Mistake(
        "sigmoid cross-entropy (summed over tags)",
        _sigmoid_summed,
        "You used a sigmoid (binary) cross-entropy. Each token has exactly one tag out of "
        f"n_tags, so use the softmax cross-entropy {_SOFTMAX_FIX}.",
    ),
    Mistake(
        "sigmoid cross-entropy (averaged over tags)",
        _sigmoid_averaged,
        "You used a sigmoid (binary) cross-entropy. Each token has exactly one tag out of "
        f"n_tags, so use the softmax cross-entropy {_SOFTMAX_FIX}.",
    ),
    Mistake(
        "labels and logits swapped",
        _labels_and_logits_swapped,
        "You swapped labels and logits: call the cross-entropy with `labels=` the tags (or "
        "their one-hot encoding) and `logits=logits`.",
    ),
    Mistake(
        "wrong sign",
        _negated,
        "Your loss has the wrong sign: the cross-entropy is -log p(correct tag), a positive "
        "number that training makes smaller.",
    ),
)


def hard_coded_pad_loss(constant: int) -> LossFunction:
    """The mistake of masking with a constant instead of the `pad_index` argument."""

    return lambda logits, tags, input_batch, _: reference_loss(logits, tags, input_batch, constant)


def hard_coded_pad_message(constant: int) -> str:
    """What to tell a learner whose mask uses the constant `constant` instead of pad_index."""
    return (
        f"Your loss behaves as if the padding id were always {constant}: build the mask from "
        f"the `pad_index` argument (`tf.not_equal(input_batch, pad_index)`), not from the "
        f"constant {constant}."
    )


# --- diagnosis: which known mistake a learner's values match -----------------------------------
DIAGNOSIS_TOLERANCE = 1e-4


def arguments(case: dict) -> tuple:
    """(logits, ground_truth_tags, input_batch, pad_index) of a case of the inputs."""
    return (case["logits"], case["ground_truth_tags"], case["input_batch"], case["pad_index"])


def _same_value(value: float, predicted: float) -> bool:
    """Whether a learner's value is what a known mistake predicts (NaN included: a mistake that
    divides by zero gives NaN, and so does the learner's code that makes it)."""
    if np.isnan(value) or np.isnan(predicted) or not np.isfinite(value * predicted):
        return bool(np.isnan(value) and np.isnan(predicted))
    return bool(abs(value - predicted) <= 1e-6 + DIAGNOSIS_TOLERANCE * abs(predicted))


def diagnose(cases: list[dict], values: list[float | None], vocabulary_size: int) -> str | None:
    """The message of the known mistake matching every usable value, or None."""
    usable = [(case, value) for case, value in zip(cases, values, strict=True) if value is not None]
    if not usable:
        return None
    references = [reference_loss(*arguments(case)) for case, _ in usable]

    def matches(loss) -> bool:
        predicted = [loss(*arguments(case)) for case, _ in usable]
        differs = any(not _same_value(p, r) for p, r in zip(predicted, references, strict=True))
        return differs and all(
            _same_value(value, p) for (_, value), p in zip(usable, predicted, strict=True)
        )

    for mistake in MISTAKES:
        if matches(mistake.loss):
            return mistake.message
    for constant in range(vocabulary_size):
        if matches(hard_coded_pad_loss(constant)):
            return hard_coded_pad_message(constant)
    return None
