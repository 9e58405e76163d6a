"""check_build_layers, judge of the behaviour (grader side: never calls learner code).

Compares the logits of the batch with those of each variant the inputs made: no dropout at
inference, sentences independent, padding ignored, both directions read, each word at its own
position, logits rather than probabilities.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from grader.checks.build_layers import ITEMS
from grader.checks.build_layers.judge_output import judge_not_probabilities
from grader.checks.judging import error_of, observed_values
from grader.core.report import CheckItem
from grader.core.spec import item_maker

item = item_maker(ITEMS)

SAME_ATOL = 1e-5
"""Logits within this are 'unchanged' (a masked model gives exactly equal ones here)."""
CHANGED_ATOL = 1e-5
"""Logits further apart than this have 'changed' (a changed word moves them by >= ~4e-3)."""
UNRELIABLE = " (Not reliable while training=False is random: fix that first.)"


def _real_mask(lengths: np.ndarray, max_time: int) -> np.ndarray:
    return np.arange(max_time)[None, :] < lengths[:, None]


def _max_diff(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    return float(np.abs(a - b)[where].max()) if where.any() else 0.0


def _variant(calls: dict, name: str, shape: tuple[int, int, int]) -> tuple[np.ndarray | None, str]:
    """The logits of variant `name` as an array of `shape`, or None and why not."""
    observation = calls.get(name)
    message, _ = error_of(observation)
    if message:
        return None, "The model failed on a variant of the batch: " + message
    values = observed_values(observation, shape)
    if values is None:
        batch_size, width, n_tags = shape
        found = observation.get("values") if type(observation) is dict else None
        found_shape = tuple(found.shape) if type(found) is np.ndarray else None
        return None, (
            f"For input_batch of shape {(batch_size, width)} the model returned logits of "
            f"shape {found_shape} (or non-finite values); expected "
            f"{(batch_size, width, n_tags)}: return logits for every position of "
            "input_batch, padding included."
        )
    return values, ""


def judge_behaviour(inputs: dict, calls: dict, base: np.ndarray) -> list[CheckItem]:
    """The behaviour items, given valid base logits [B, T, K]."""
    lengths = np.asarray(inputs["lengths"])
    real = _real_mask(lengths, base.shape[1])
    deterministic = _judge_deterministic(calls, base, real)
    caveat = "" if deterministic.passed else UNRELIABLE
    last_word_ignored = _last_word_ignored(lengths, calls, base)
    directions = _judge_directions(lengths, calls, base, last_word_ignored)
    independent = _judge_independent(inputs, calls, base, real, caveat)
    padding = _judge_padding(inputs, calls, base, real, caveat)
    if not any(direction.passed for direction in directions):
        # A model that reads no context keeps sentences and padding apart for free.
        independent, padding = (
            replace(found, passed=False, message=NO_CONTEXT) if found.passed else found
            for found in (independent, padding)
        )
    not_probabilities = judge_not_probabilities(inputs, calls, base, real, caveat)
    if _words_matter(calls, base, real) is False:
        # Logits that no word moves are the same twice, and "affine", for free.
        deterministic, not_probabilities = (
            replace(found, passed=False, message=NO_WORDS) if found.passed else found
            for found in (deterministic, not_probabilities)
        )
    return [
        deterministic,
        independent,
        padding,
        *directions,
        _judge_positions(inputs, calls, base, last_word_ignored),
        not_probabilities,
    ]


def _words_matter(calls: dict, base: np.ndarray, real: np.ndarray) -> bool | None:
    """Whether changing a word (first, last or one at random per sentence) moved any real
    position's logits; None when no such variant was observed."""
    seen = False
    for name in ("own_changed", "first_changed", "last_changed"):
        values, _ = _variant(calls, name, base.shape)
        if values is None:
            continue
        seen = True
        if _max_diff(values, base, real) > CHANGED_ATOL:
            return True
    return False if seen else None


NO_WORDS = (
    "Not credited yet: changing the words of the batch changed none of the logits, so they are "
    "the same twice and scale with the output layer for free. Look the words up "
    "(tf.nn.embedding_lookup(self.embedding_matrix, input_batch)) and compute the logits from "
    "them."
)
NO_CONTEXT = (
    "Not credited yet: no word's logits see the words before or after it (see the direction "
    "items), so nothing can leak between sentences or from padding in the first place. Pass "
    "the embeddings through the bidirectional LSTM first."
)


LAST_WORD_IGNORED = (
    "Changing the last real word of a sentence changed none of its logits, not even the "
    "word's own, and changing its first word did not reach the last position either: the "
    "model treats the last real token as padding, as a mask one short does "
    "(tf.sequence_mask(lengths - 1, T)). Build the mask as tf.sequence_mask(lengths, "
    "maxlen=T): position t is real when t < lengths[b]."
)


def _last_word_ignored(lengths: np.ndarray, calls: dict, base: np.ndarray) -> bool:
    """Whether each sentence's last real token is treated as padding: changing it left every
    logit of the sentence as it was, and changing the first word left the last position's
    logits as they were (the evidence of a mask one short, whatever the directions read)."""
    last, _ = _variant(calls, "last_changed", base.shape)
    first, _ = _variant(calls, "first_changed", base.shape)
    if last is None or first is None:
        return False
    real = _real_mask(lengths, base.shape[1])
    long_enough = np.flatnonzero(lengths >= 2)
    return bool(long_enough.size) and all(
        _max_diff(last[b], base[b], real[b]) <= SAME_ATOL
        and float(np.abs(first[b, lengths[b] - 1] - base[b, lengths[b] - 1]).max()) <= SAME_ATOL
        for b in long_enough
    )


def _judge_deterministic(calls: dict, base: np.ndarray, real: np.ndarray) -> CheckItem:
    again = observed_values(calls.get("tensors"), base.shape)
    if again is None:
        return item("deterministic", False, "The second call did not return valid logits.")
    if _max_diff(again, base, real) > SAME_ATOL:
        return item(
            "deterministic",
            False,
            "Two calls with training=False gave different logits: something random (dropout) "
            "is active at inference. Pass training=training to your Dropout layers "
            "(or only call tf.nn.dropout when training).",
        )
    return item("deterministic", True)


def _judge_independent(
    inputs: dict, calls: dict, base: np.ndarray, real: np.ndarray, caveat: str
) -> CheckItem:
    permutation = np.asarray(inputs["permutation"])
    permuted, problem = _variant(calls, "permuted", base.shape)
    if permuted is None:
        return item("independent", False, problem)
    if _max_diff(permuted[1:], base[permutation][1:], real[permutation][1:]) > SAME_ATOL:
        return item(
            "independent",
            False,
            "Reordering the sentences of a batch and changing the words of one of them changed "
            "the logits of the others: some operation mixes sentences, e.g. a reduce_* or "
            "normalisation over axis 0, or a reshape that mixes the batch and time axes. "
            "Keep each sentence separate." + caveat,
        )
    return item("independent", True)


def _judge_padding(
    inputs: dict, calls: dict, base: np.ndarray, real: np.ndarray, caveat: str
) -> CheckItem:
    batch_size, max_time, n_tags = base.shape
    shape = (batch_size, int(np.asarray(inputs["padded"]).shape[1]), n_tags)
    padded, problem = _variant(calls, "padded", shape)
    junk, junk_problem = _variant(calls, "junk_padded", shape)
    if padded is None or junk is None:
        return item("padding", False, problem or junk_problem)
    moved = _max_diff(padded[:, :max_time], base, real) > SAME_ATOL
    if moved and _max_diff(junk, padded, _real_mask(np.asarray(inputs["lengths"]), shape[1])) <= (
        SAME_ATOL
    ):
        return item(
            "padding",
            False,
            "Adding padding columns changed the logits of real tokens, although the ids at "
            "padded positions do not matter (a mask is used): the outputs are no longer at "
            "their tokens' positions, or the RNN still steps over the padding. A go_backwards "
            "RNN returns its outputs in reverse time order: reverse them back (or let "
            "keras.layers.Bidirectional do it). If you zero the padded embeddings instead of "
            "passing mask=tf.sequence_mask(lengths, T) to the RNN, pass the mask." + caveat,
        )
    if moved:
        return item(
            "padding",
            False,
            "Adding padding columns changed the logits of real tokens: the RNN reads the "
            "padding. Its backward direction starts at the last column, so it reads the "
            "padding before the real words. Pass mask=tf.sequence_mask(lengths, T) to the "
            "(Bidirectional) RNN." + caveat,
        )
    if _max_diff(junk[:, :max_time], base, real) > SAME_ATOL:
        return item(
            "padding",
            False,
            "Changing the ids at padded positions (t >= lengths[b]) changed the logits of real "
            "tokens: build the mask from lengths with tf.sequence_mask(lengths, T), not from "
            "the token ids (the model never knows pad_index)." + caveat,
        )
    return item("padding", True)


def _judge_directions(
    lengths: np.ndarray, calls: dict, base: np.ndarray, last_word_ignored: bool = False
) -> list[CheckItem]:
    """ "backward" (the last word reaches the first) and "forward" (the first reaches the last)."""
    batch_size = base.shape[0]
    long_enough = lengths >= 2
    last_index = np.maximum(lengths - 1, 0)
    rows = np.arange(batch_size)
    items = []
    for key, name, position_of_effect, message in (
        (
            "backward",
            "last_changed",
            np.zeros(batch_size, dtype=int),
            "Changing the last word of a sentence did not change the logits of its first word: "
            "your RNN only reads left to right. Use keras.layers.Bidirectional(LSTM(..., "
            "return_sequences=True)) (or add a second RNN over tf.reverse_sequence(...)).",
        ),
        (
            "forward",
            "first_changed",
            last_index,
            "Changing the first word of a sentence did not change the logits of its last word: "
            "the model has no left-to-right context. Use keras.layers.Bidirectional(LSTM(..., "
            "return_sequences=True)) so both directions are read.",
        ),
    ):
        values, problem = _variant(calls, name, base.shape)
        if values is None:
            items.append(item(key, False, problem))
            continue
        effect = np.abs(values[rows, position_of_effect] - base[rows, position_of_effect]).max(-1)
        if np.all(effect[long_enough] > CHANGED_ATOL):
            items.append(item(key, True))
        else:
            items.append(item(key, False, LAST_WORD_IGNORED if last_word_ignored else message))
    return items


def _judge_positions(
    inputs: dict, calls: dict, base: np.ndarray, last_word_ignored: bool = False
) -> CheckItem:
    lengths = np.asarray(inputs["lengths"])
    batch_size = base.shape[0]
    rows = np.arange(batch_size)
    own, problem = _variant(calls, "own_changed", base.shape)
    positions = np.asarray(inputs["own_positions"])
    if own is None:
        return item("positions", False, problem)
    own_effect = np.abs(own[rows, positions] - base[rows, positions]).max(-1)
    spread = np.array(
        [np.abs(base[b, : lengths[b]] - base[b, :1]).max() for b in range(batch_size)]
    )
    if not np.all(own_effect > CHANGED_ATOL):
        if last_word_ignored and np.all((own_effect > CHANGED_ATOL) | (positions == lengths - 1)):
            return item("positions", False, LAST_WORD_IGNORED)
        return item(
            "positions",
            False,
            "Changing the word at position t did not change the logits at t: feed each "
            "word's embedding (tf.nn.embedding_lookup(self.embedding_matrix, input_batch)) "
            "to the RNN at its own position.",
        )
    if not np.all(spread[lengths >= 2] > CHANGED_ATOL):
        return item(
            "positions",
            False,
            "All positions of a sentence get the same logits: return the RNN's output at "
            "every time step (return_sequences=True), not only its final state.",
        )
    return item("positions", True)
