"""check_embedding_training, judge of experiment 2 (grader side: never calls learner code).

The learner's train_step ran once on the reference model with a fresh SGD optimizer; the probe
recorded every variable before and after, the grader's own gradients and both losses. Each
item compares those with what one clipped SGD step would have done.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.embedding_training import CHANGED, STEP_ITEMS
from grader.checks.embedding_training import step_item as item
from grader.checks.embedding_training.judge_model import judge_step_rows
from grader.checks.judging import (
    error_of,
    finite_array,
    finite_number,
    loss_drop_item,
)
from grader.core.report import CheckItem

# --- clipping: each hypothesis about the update gives the change every variable should show --

STEP_RTOL = 2e-2
"""Relative tolerance when comparing a variable's change with the expected SGD step."""


def _clip_factor(norm: float) -> float:
    return 1.0 if norm <= 1.0 else 1.0 / norm


def _expected_steps(observations: dict, learning_rate: float) -> dict[str, list[np.ndarray]]:
    """Each hypothesis about the update: per-gradient clip (two embedding-norm conventions),
    global-norm clip, no clip."""
    gradients = observations["gradients"]
    dense_norms = [float(np.linalg.norm(g)) for g in gradients]
    slices = observations.get("embedding_slices")
    values = finite_array(slices.get("values")) if type(slices) is dict else None
    slice_norm = float(np.linalg.norm(values)) if values is not None else dense_norms[0]
    slice_norms = [slice_norm, *dense_norms[1:]]

    def per_variable(norms: list[float]) -> list[np.ndarray]:
        return [-learning_rate * g * _clip_factor(n) for g, n in zip(gradients, norms, strict=True)]

    def global_norm(norms: list[float]) -> list[np.ndarray]:
        factor = _clip_factor(math.sqrt(sum(n * n for n in norms)))
        return [-learning_rate * g * factor for g in gradients]

    return {
        "per_variable": per_variable(slice_norms),
        "per_variable_dense": per_variable(dense_norms),
        "global": global_norm(slice_norms),
        "global_dense": global_norm(dense_norms),
        "none": [-learning_rate * g for g in gradients],
    }


def _relative_error(changes: list[np.ndarray], expected: list[np.ndarray]) -> float:
    difference = math.sqrt(
        sum(float(np.sum((c - e) ** 2)) for c, e in zip(changes, expected, strict=True))
    )
    size = math.sqrt(sum(float(np.sum(e**2)) for e in expected))
    return difference / max(size, 1e-12)


def judge_clipping(
    observations: dict, changes: list[np.ndarray], changed: list[bool], learning_rate: float
) -> CheckItem:
    """The "clipping" item: is the change one SGD step with each gradient clipped by norm 1.0?"""
    hypotheses = _expected_steps(observations, learning_rate)
    errors = {name: _relative_error(changes, expected) for name, expected in hypotheses.items()}
    flipped = min(
        _relative_error([-c for c in changes], hypotheses[name])
        for name in ("per_variable", "per_variable_dense")
    )
    best = min(errors, key=errors.get)
    largest = max(float(np.linalg.norm(c)) for c in changes)
    if not any(changed):
        return item("clipping", False, "Not checked: no variable changed.")
    if errors["per_variable"] <= STEP_RTOL or errors["per_variable_dense"] <= STEP_RTOL:
        return item("clipping", True)
    if flipped <= STEP_RTOL:
        return item(
            "clipping",
            False,
            "The weights moved up the gradient (the loss grows): pass the gradients "
            "themselves to optimizer.apply_gradients, not their negatives.",
        )
    if best.startswith("global") and errors[best] <= STEP_RTOL:
        return item(
            "clipping",
            False,
            "The gradients were clipped together by their global norm (tf.clip_by_global_norm)"
            "; the exercise clips each gradient separately: "
            "[tf.clip_by_norm(g, 1.0) for g in gradients].",
        )
    if best == "none" and errors[best] <= STEP_RTOL:
        return item(
            "clipping",
            False,
            f"The gradients were not clipped: one variable moved by {largest:.3g}, but with "
            f"each gradient clipped to norm 1.0 and learning rate {learning_rate:g} no variable"
            f" can move by more than {learning_rate:g}. Clip each gradient: "
            "[tf.clip_by_norm(g, 1.0) for g in gradients].",
        )
    return item(
        "clipping",
        False,
        "The change of the weights is not one SGD step with each gradient clipped by "
        f"norm 1.0 (largest change {largest:.3g} for learning rate {learning_rate:g}): "
        "compute the loss under a GradientTape, take its gradients with respect to "
        "model.trainable_variables, clip each with tf.clip_by_norm(g, 1.0) and apply "
        "them once with the optimizer you are given.",
    )


# --- the items ------------------------------------------------------------------------------


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
        judge_step_rows(inputs, changes[0], observations["gradients"][0], learning_rate),
        loss_drop_item(
            item,
            "step_loss",
            loss_before,
            loss_after,
            "The masked loss went from {before:.4f} to {after:.4f}: one step should lower it "
            "(descend along the clipped gradients, with the loss of this batch).",
        ),
        _judge_dropout(observations.get("training_flags")),
    ]


def _judge_dropout(flags: Any) -> CheckItem:
    """Passes when the step called the model at least once with training=True (or a tensor)."""
    if type(flags) is not list or not all(type(flag) is str for flag in flags):
        return item("dropout", False, "The check could not read how train_step called the model.")
    if "True" in flags or "tensor" in flags:
        return item("dropout", True)
    if not flags:
        return item(
            "dropout",
            False,
            "train_step never called the model it is given: compute the logits with "
            "model(input_batch, lengths, training=True) inside the GradientTape.",
        )
    return item(
        "dropout",
        False,
        "train_step called the model with training=False (or without a training argument, "
        "which Keras turns into the default False), so dropout is never active while it trains "
        "and the model overfits: call model(input_batch, lengths, training=True) inside the "
        "GradientTape (training=False is for evaluation).",
    )


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
