"""check_embedding_training, judge of experiment 1 and of the rows any step moved (grader side).

The learner's model under the grader's loss and one grader SGD step: is the embedding tracked,
does the loss's gradient reach it as IndexedSlices of the batch's rows, does the step change
exactly those rows, and does the loss go down?
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.embedding_judging import VARIABLE_KINDS, step_problem, variable_problem
from grader.checks.embedding_training import CHANGED, MODEL_ITEMS
from grader.checks.embedding_training import model_item as item
from grader.checks.judging import (
    error_of,
    finite_array,
    finite_number,
    loss_drop_item,
    rows_summary,
)
from grader.core.report import CheckItem

REFERENCE_MESSAGE = (
    "This is the course's own reference BiLSTMTagger, not yours: it earns no points here. "
    "Write your own BiLSTMTagger (notebook 03) and check that one."
)


def judge_learner_model(inputs: dict, observations: Any) -> list[CheckItem]:
    """Items of experiment 1 (the learner's model under the grader's loss and step)."""
    observations = observations if type(observations) is dict else {}
    build = observations.get("build")
    if type(build) is dict and build.get("reference") is True:
        # Claiming to be the reference only forfeits these items.
        return [item(key, False, REFERENCE_MESSAGE) for key in MODEL_ITEMS]
    message, attempted = error_of(build)
    if message or type(observations.get("build")) is not dict:
        message = message or "The probe returned nothing about your model."
        skipped = "Not checked: your model could not be built or called (see the first item)."
        keys = list(MODEL_ITEMS)
        return [item(keys[0], False, message, attempted)] + [
            item(key, False, skipped, attempted) for key in keys[1:]
        ]

    input_batch, lengths = np.asarray(inputs["input_batch"]), np.asarray(inputs["lengths"])
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    real_ids = np.unique(input_batch[real])
    facts = observations.get("embedding")
    facts = facts if type(facts) is dict else {}
    gradient = observations.get("gradient")
    return [
        _judge_tracked(facts, observations.get("known_step"), int(inputs["step_seed"])),
        _judge_gradient(facts, gradient, real_ids, np.unique(input_batch)),
        *_judge_step(inputs, observations.get("step"), facts, gradient, real_ids),
    ]


def _judge_tracked(facts: dict, step: Any, seed: int) -> CheckItem:
    message, attempted = error_of(facts)
    if message:
        return item("tracked", False, message, attempted)
    problem = variable_problem(facts) or step_problem(step, seed, facts)
    return item("tracked", problem is None, problem or "")


def _judge_gradient(
    facts: dict, gradient: Any, real_ids: np.ndarray, batch_ids: np.ndarray
) -> CheckItem:
    message, attempted = error_of(gradient)
    gradient = gradient if type(gradient) is dict else {}
    if message:
        return item("gradient", False, message, attempted)
    if facts.get("kind") not in VARIABLE_KINDS:
        return item("gradient", False, "Not checked: there is no embedding variable.")
    if gradient.get("type") in (None, "None") and facts.get("trainable_flag") is False:
        return item("gradient", False, "No gradient: the embedding is frozen (see the first item).")
    if gradient.get("type") in (None, "None"):
        return item(
            "gradient",
            False,
            "The loss has no gradient with respect to model.embedding_matrix: the logits must be "
            "computed from that very variable, with tf.nn.embedding_lookup(self.embedding_matrix, "
            "input_batch). A copy (.numpy(), np.array, a constant), tf.stop_gradient or a separate "
            "Embedding layer cuts the path the gradient flows back along.",
        )
    if gradient.get("type") != "IndexedSlices":
        return item(
            "gradient",
            False,
            f"The embedding's gradient is a dense {gradient.get('type')} [V, D] rather than "
            "tf.IndexedSlices: the lookup is computed for every row (e.g. a one-hot matrix "
            "product). Use tf.nn.embedding_lookup(self.embedding_matrix, input_batch): only "
            "the looked-up rows then get a (sparse) gradient.",
        )
    indices = finite_array(gradient.get("indices"))
    index_set = set() if indices is None else {int(i) for i in indices}
    missing = sorted(set(real_ids.tolist()) - index_set)
    extra = sorted(index_set - set(batch_ids.tolist()))
    if indices is None or missing or extra:
        return item(
            "gradient",
            False,
            "The gradient's IndexedSlices do not hold the rows of the batch's tokens "
            f"(missing: {rows_summary(missing)}; not in the batch: {rows_summary(extra)})"
            ": look up exactly input_batch in self.embedding_matrix.",
        )
    return item("gradient", True)


NOTHING_LEARNED = (
    "Not credited yet: no row of the embedding moved in the SGD step (see above), so nothing "
    "the words feed was trained. The loss must reach embedding_matrix through the lookup."
)


def _judge_step(
    inputs: dict, step: Any, facts: dict, gradient: Any, real_ids: np.ndarray
) -> list[CheckItem]:
    """ "rows_changed", "rows_kept" and "model_loss" from the embedding before and after."""
    sizes = inputs["sizes"]
    vocabulary_size, pad_index = sizes["vocabulary_size"], int(inputs["pad_index"])
    message, attempted = error_of(step)
    step = step if type(step) is dict else {}
    shape = (vocabulary_size, sizes["embedding_dim"])
    before, after = finite_array(step.get("before"), shape), finite_array(step.get("after"), shape)
    if message or before is None or after is None:
        reason = message or "Not checked: there is no float32 [V, D] embedding variable to train."
        return [
            item(key, False, reason, attempted)
            for key in ("rows_changed", "rows_kept", "model_loss")
        ]

    items = []
    moved = np.abs(after - before).max(axis=-1) > CHANGED
    unmoved_real = [int(i) for i in real_ids if not moved[i]]
    if not unmoved_real:
        items.append(item("rows_changed", True))
    else:
        gradient_type = gradient.get("type") if type(gradient) is dict else None
        if not moved.any() and facts.get("in_trainable_variables") is not True:
            why = (
                "embedding_matrix is not in model.trainable_variables, so the optimizer never saw "
                "it (see the first item)."
            )
        elif not moved.any() and gradient_type in (None, "None"):
            why = "the loss has no gradient with respect to embedding_matrix (see above)."
        elif not moved.any():
            why = "the embedding did not change at all."
        else:
            why = "only some of them did: every real word of the batch must feed the logits."
        items.append(
            item(
                "rows_changed",
                False,
                f"After one SGD step the rows of words in the batch ({rows_summary(unmoved_real)}"
                f" unchanged) should have moved, but {why}",
            )
        )
    other_rows = [i for i in range(vocabulary_size) if i not in set(real_ids.tolist())]
    wrongly_moved = [i for i in other_rows if moved[i]]
    if not wrongly_moved and not moved.any():  # no row moved: none kept for the right reason
        items.append(item("rows_kept", False, NOTHING_LEARNED))
    elif not wrongly_moved:
        items.append(item("rows_kept", True))
    elif pad_index in wrongly_moved:
        items.append(
            item(
                "rows_kept",
                False,
                f"The PAD row ({pad_index}) changed although the loss ignores padded positions: "
                "your model lets padding influence the real positions' logits. Pass "
                "mask=tf.sequence_mask(lengths, T) to the RNN (check_build_layers says more).",
            )
        )
    else:
        items.append(
            item(
                "rows_kept",
                False,
                f"Rows of words that are not in the batch changed ({rows_summary(wrongly_moved)})"
                ": only the looked-up rows get a gradient, so the lookup must use input_batch "
                "alone (no other rows mixed in).",
            )
        )
    if not moved.any():  # the loss fell through other weights: the embedding learnt nothing
        items.append(item("model_loss", False, NOTHING_LEARNED))
        return items
    items.append(
        loss_drop_item(
            item,
            "model_loss",
            finite_number(step.get("loss_before")),
            finite_number(step.get("loss_after")),
            "The loss went from {before:.4f} to {after:.4f} after one small SGD step along its "
            "gradient: make sure the logits depend on the weights that training changes "
            "(embedding_matrix, the RNN, the output layer).",
        )
    )
    return items
