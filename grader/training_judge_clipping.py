"""check_embedding_training, judge of the clipping (grader side: never calls learner code).

Each hypothesis about the update train_step made (each gradient clipped by norm 1.0, clipped by
the global norm, not clipped, the gradients' sign flipped) gives the change every variable should
show; the one the observed change matches names the learner's mistake.
"""

from __future__ import annotations

import math

import numpy as np

from grader.judging import finite_array
from grader.report import CheckItem
from grader.training_items import step_item as item

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
