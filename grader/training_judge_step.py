"""check_embedding_training, judge of experiment 2 (grader side: never calls learner code).

The learner's train_step ran once on the reference model with a fresh SGD optimizer; the probe
recorded every variable before and after, the grader's own gradients and both losses. Each
item compares those with what one clipped SGD step would have done.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.judging import error_of, finite_array, finite_number, loss_drop_item, rows_summary
from grader.report import CheckItem
from grader.training_items import CHANGED, STEP_ITEMS
from grader.training_items import step_item as item
from grader.training_judge_clipping import judge_clipping


def _valid_step_observations(observations: dict, embedding_shape: tuple[int, int]) -> bool:
    """True when the grader's own arrays (before, after, gradients) are consistent, the first
    being the [V, D] embedding."""
    lists = [observations.get(key) for key in ("before", "after", "gradients")]
    if not all(type(value) is list for value in lists):
        return False
    before, after, gradients = lists
    if not (len(before) == len(after) == len(gradients) > 0):
        return False
    if finite_array(before[0], embedding_shape) is None:
        return False
    for b, a, g in zip(before, after, gradients, strict=True):
        if (
            finite_array(b) is None
            or finite_array(g, b.shape) is None
            or finite_array(a, b.shape) is None
        ):
            return False
    return True


def judge_learner_step(inputs: dict, observations: Any) -> list[CheckItem]:
    """Items of experiment 2 (the learner's train_step on the reference model)."""
    observations = observations if type(observations) is dict else {}
    message, attempted = error_of(observations.get("call"))
    if message:
        return [item(key, False, message, attempted) for key in STEP_ITEMS]
    sizes = inputs["sizes"]
    embedding_shape = (sizes["vocabulary_size"], sizes["embedding_dim"])
    if not _valid_step_observations(observations, embedding_shape):
        return [
            item(key, False, "The probe's record of the training step is incomplete.")
            for key in STEP_ITEMS
        ]
    learning_rate = float(inputs["learning_rate"])
    before, after = observations["before"], observations["after"]
    changes = [a - b for a, b in zip(after, before, strict=True)]
    changed = [float(np.abs(c).max()) > CHANGED for c in changes]
    paths = observations.get("paths")
    if type(paths) is not list or len(paths) != len(before):
        paths = [f"variable {i}" for i in range(len(before))]
    paths = [str(path) for path in paths]
    loss_before = finite_number(observations.get("loss_before"))
    loss_after = finite_number(observations.get("loss_after"))
    return [
        _judge_returns(observations.get("returned"), loss_before, loss_after),
        _judge_optimizer(observations.get("iterations"), changed),
        _judge_all_variables(paths, changed),
        judge_clipping(observations, changes, changed, learning_rate),
        _judge_step_rows(inputs, changes[0], observations["gradients"][0], learning_rate),
        loss_drop_item(
            item,
            "step_loss",
            loss_before,
            loss_after,
            "The masked loss went from {before:.4f} to {after:.4f}: one step should lower it "
            "(descend along the clipped gradients, with the loss of this batch).",
        ),
    ]


def _judge_returns(returned: Any, loss_before: float | None, loss_after: float | None) -> CheckItem:
    message, attempted = error_of(returned)
    values = finite_array(returned.get("values")) if type(returned) is dict else None
    if message:
        return item("returns", False, message, attempted)
    if values is None or loss_before is None:
        return item("returns", False, "train_step did not return a finite number.")
    if values.shape != ():
        return item(
            "returns",
            False,
            f"train_step returned a value of shape {values.shape}; expected a scalar: "
            "return the loss (the mean over sentences), not per-sentence or per-token losses.",
        )
    if math.isclose(float(values), loss_before, rel_tol=1e-4, abs_tol=1e-5):
        return item("returns", True)
    if loss_after is not None and math.isclose(
        float(values), loss_after, rel_tol=1e-4, abs_tol=1e-5
    ):
        return item(
            "returns",
            False,
            "train_step returned the loss after the update: return the loss computed inside "
            "the GradientTape, before optimizer.apply_gradients.",
        )
    return item(
        "returns",
        False,
        f"train_step returned {float(values):.5f}, but the masked loss before the update "
        f"is {loss_before:.5f}: compute it with compute_loss(logits, ground_truth_tags, "
        "input_batch, pad_index) on model(input_batch, lengths, training=True) "
        "(if check_compute_loss fails, fix compute_loss first).",
    )


def _judge_optimizer(iterations: Any, changed: list[bool]) -> CheckItem:
    if type(iterations) is not int:
        return item("optimizer", False, "The optimizer's step count could not be read.")
    if iterations == 1:
        return item("optimizer", True)
    if iterations == 0 and any(changed):
        return item(
            "optimizer",
            False,
            "The weights changed but the optimizer passed to train_step was never used: "
            "apply the gradients with that `optimizer` argument (optimizer.apply_gradients), "
            "not with an optimizer you create inside train_step.",
        )
    if iterations == 0:
        return item(
            "optimizer",
            False,
            "train_step never applied the gradients: call "
            "optimizer.apply_gradients(zip(gradients, model.trainable_variables)).",
        )
    return item(
        "optimizer",
        False,
        f"The optimizer took {iterations} steps during one call of train_step: apply the "
        "gradients exactly once.",
    )


def _judge_all_variables(paths: list[str], changed: list[bool]) -> CheckItem:
    unchanged = [path for path, moved in zip(paths, changed, strict=True) if not moved]
    if not unchanged:
        return item("all_variables", True)
    if len(unchanged) == len(paths):
        return item(
            "all_variables",
            False,
            "No variable changed: compute the gradients of the loss with respect to "
            "model.trainable_variables and apply them with optimizer.apply_gradients. Use the "
            "`model` and `optimizer` passed to train_step, not variables of your notebook.",
        )
    if not changed[0]:
        return item(
            "all_variables",
            False,
            "Every variable changed except the embedding matrix: differentiate with respect "
            "to all of model.trainable_variables (the embedding is one of them) and apply "
            "every gradient.",
        )
    return item(
        "all_variables",
        False,
        f"These variables did not change: {', '.join(unchanged)}. Differentiate with "
        "respect to all of model.trainable_variables and apply every gradient.",
    )


def _judge_step_rows(
    inputs: dict, embedding_change: np.ndarray, gradient: np.ndarray, learning_rate: float
) -> CheckItem:
    input_batch, lengths = np.asarray(inputs["input_batch"]), np.asarray(inputs["lengths"])
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    real_ids = {int(i) for i in np.unique(input_batch[real])}
    # A word whose gradient is tiny moves less than CHANGED after clipping (seen: 7e-7 for a
    # gradient of 4e-5), so only rows whose expected clipped SGD step is clearly visible must move.
    norm = float(np.linalg.norm(gradient))
    expected = learning_rate * np.abs(gradient).max(axis=-1) * min(1.0, 1.0 / max(norm, 1e-30))
    must_move = {i for i in real_ids if expected[i] > 10 * CHANGED}
    moved_rows = {int(i) for i in np.nonzero(np.abs(embedding_change).max(axis=-1) > CHANGED)[0]}
    if not moved_rows:
        return item("step_rows", False, "No embedding row changed (see the items above).")
    if moved_rows - real_ids:
        pad_index = int(inputs["pad_index"])
        extra = sorted(moved_rows - real_ids)
        hint = (
            " The PAD row changed: the loss must ignore padded positions."
            if pad_index in extra
            else " Weight decay (AdamW) or momentum from another optimizer moves rows without a "
            "gradient: use the optimizer you are given."
        )
        return item(
            "step_rows",
            False,
            f"Rows of words that are not in the batch changed ({rows_summary(extra)}).{hint}",
        )
    if must_move - moved_rows:
        return item(
            "step_rows",
            False,
            "Rows of words in the batch did not change "
            f"({rows_summary(sorted(must_move - moved_rows))}): apply the embedding's "
            "gradient (an IndexedSlices) like the others.",
        )
    return item("step_rows", True)
