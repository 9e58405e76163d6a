"""check_compute_loss, inputs (grader side): six random batches, with logits the grader made."""

from __future__ import annotations

import numpy as np

from grader.core.randomness import random_padded_batch

TIME_LIMIT = 15.0
"""Seconds one call of the learner's compute_loss may take (the batches are tiny)."""
COURSE_PAD_INDEX = 1
"""The <PAD> id of the course's vocabulary (bilstm_ner.vocabulary): every learner's training
masks with it, so one case always uses it (a loss wrong only for it must not pass)."""


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Six batches with logits, and one more with extreme logits. pad_index is 0 in two,
    the course's own <PAD> id 1 in one (drawn among the other padded ones), and different random
    ids >= 2 in the other three (one without padding).

    Returns {"vocabulary_size", "n_tags", "time_limit" (seconds per learner call),
    "cases": [{"input_batch", "ground_truth_tags", "lengths", "pad_index",
    "logits": float32 [B, T, K], "garbage_logits": the same but for random large values at
    padded positions, with its sentences in another order ("garbage_input_batch",
    "garbage_tags": theirs in that order; the loss, a mean over sentences, is the same),
    "real_changed_logits": other values at real positions only}], "gradient_case": the index
    of the case whose gradient is compared,
    "extreme": a batch like the cases' (no garbage) whose logits are huge and wrong}. The
    gradient is compared on the pad_index 1 case: the padding id training uses.
    """
    vocabulary_size = int(rng.integers(20, 61))
    n_tags = int(rng.integers(3, 10))
    # (pad_index is 0?, batch_size, padded tags, padded at all?)
    plans = [
        (True, int(rng.integers(3, 6)), "random", True),
        (False, int(rng.integers(3, 6)), "random", True),
        (False, 2, "zero", True),
        (False, int(rng.integers(2, 5)), "random", False),
        (True, int(rng.integers(3, 6)), "zero", True),
        (False, int(rng.integers(3, 6)), "pad", True),
    ]
    others = [index for index, plan in enumerate(plans) if not plan[0]]
    course_case = int(rng.choice([index for index in others if plans[index][3]]))
    random_pads = iter(rng.choice(np.arange(2, vocabulary_size), len(others), replace=False))
    cases = []
    for index, (pad_is_zero, batch_size, padded_tags, padded) in enumerate(plans):
        if pad_is_zero:
            pad_index = 0
        elif index == course_case:
            pad_index = COURSE_PAD_INDEX
        else:
            pad_index = int(next(random_pads))
        max_time = int(rng.integers(4, 9))
        batch = random_padded_batch(
            rng,
            vocabulary_size=vocabulary_size,
            n_tags=n_tags,
            batch_size=batch_size,
            max_time=max_time,
            pad_index=pad_index,
            padded_tags=padded_tags,
        )
        if not padded:
            batch = _without_padding(rng, batch, vocabulary_size)
        elif pad_index != 0:  # real words 0 and 1 tell a mask hard-coded to 0 or 1 from no mask
            batch = _with_real_ids(rng, batch, (0, 1) if pad_index >= 2 else (0,))
        shape = (batch_size, max_time, n_tags)
        logits = (rng.normal(size=shape) * rng.uniform(1.0, 3.0)).astype(np.float32)
        padding = (batch["input_batch"] == pad_index)[..., None]
        # Large next to the real logits, yet small enough that even log(softmax(x)) written
        # by hand stays finite in float32 (exp(-80) is still a normal float32).
        garbage = rng.uniform(-40.0, 40.0, size=shape).astype(np.float32)
        batch["logits"] = logits
        # Another order for the garbage call: a loss that remembers its answers per batch
        # cannot pass it off as one that ignores padded logits.
        order = _another_order(rng, batch_size)
        batch["garbage_logits"] = np.where(padding, garbage, logits)[order].astype(np.float32)
        batch["garbage_input_batch"] = batch["input_batch"][order]
        batch["garbage_tags"] = batch["ground_truth_tags"][order]
        changed = (rng.normal(size=shape) * 3.0).astype(np.float32)
        batch["real_changed_logits"] = np.where(padding, logits, changed).astype(np.float32)
        cases.append(batch)
    return {
        "vocabulary_size": vocabulary_size,
        "n_tags": n_tags,
        "time_limit": float(time_limit),
        "cases": cases,
        "gradient_case": course_case,
        "extreme": _extreme_case(rng, vocabulary_size, n_tags),
    }


def _another_order(rng: np.random.Generator, size: int) -> np.ndarray:
    """A permutation of range(size) that moves something (the identity for size 1)."""
    if size < 2:
        return np.arange(size)
    order = rng.permutation(size)
    while (order == np.arange(size)).all():
        order = rng.permutation(size)
    return order


EXTREME_GAP = 110.0
"""At least this far below the largest logit, a tag's softmax probability is 0.0 in float32
(its smallest subnormal is exp(-103.3)): -log(softmax) by hand gives inf there."""


def _extreme_case(rng: np.random.Generator, vocabulary_size: int, n_tags: int) -> dict:
    """A padded batch whose logits are as sure, and as wrong, as notebook 04's example
    ([30, 0, -80] with the truth at -80): about half of the real tokens have their true tag
    at least EXTREME_GAP below another tag."""
    pad_index = int(rng.integers(0, vocabulary_size))
    batch_size, max_time = int(rng.integers(2, 5)), int(rng.integers(4, 9))
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=n_tags,
        batch_size=batch_size,
        max_time=max_time,
        pad_index=pad_index,
    )
    logits = rng.normal(size=(batch_size, max_time, n_tags)) * 3.0
    tags = batch["ground_truth_tags"]
    real = np.arange(max_time)[None, :] < batch["lengths"][:, None]
    wrong = real & (rng.random(real.shape) < 0.5)
    wrong[0, 0] = True  # at least one
    for b, t in zip(*np.nonzero(wrong), strict=True):
        other = (int(tags[b, t]) + int(rng.integers(1, n_tags))) % n_tags
        logits[b, t, other] = rng.uniform(20.0, 40.0)
        logits[b, t, tags[b, t]] = -rng.uniform(EXTREME_GAP - 20.0, EXTREME_GAP + 20.0)
    return {**batch, "logits": logits.astype(np.float32)}


def _without_padding(rng: np.random.Generator, batch: dict, vocabulary_size: int) -> dict:
    """The same batch with every sentence at full length (real ids where the padding was)."""
    input_batch = batch["input_batch"]
    pad_index = batch["pad_index"]
    words = rng.integers(0, vocabulary_size - 1, size=input_batch.shape)
    words = words + (words >= pad_index)
    filled = np.where(input_batch == pad_index, words, input_batch).astype(np.int32)
    lengths = np.full_like(batch["lengths"], input_batch.shape[1])
    return {**batch, "input_batch": filled, "lengths": lengths}


def _with_real_ids(rng: np.random.Generator, batch: dict, ids: tuple[int, ...]) -> dict:
    """The same batch with `ids` written at random real positions of its longest sentence."""
    input_batch = batch["input_batch"].copy()
    longest = int(np.argmax(batch["lengths"]))
    positions = rng.choice(int(batch["lengths"][longest]), size=len(ids), replace=False)
    input_batch[longest, positions] = ids
    return {**batch, "input_batch": input_batch}
