"""check_embedding_training, the "clipping" item of experiment 2 (grader side, NumPy only).

From the fitted step size of every changed variable (`step_fit`), the factor its gradient was
scaled by; compared with each hypothesis: each gradient clipped by norm 1.0 (the exercise; two
conventions for the embedding's IndexedSlices), clipped together by their global norm, or not
clipped. When the optimizer took exactly k steps the learning rate fixes the scale; otherwise
only the factors' proportions are compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.checks.embedding_training import step_item as item
from grader.checks.embedding_training.step.each_variable import (
    Scale,
    given_optimizer_scale,
    off_step_message,
    off_step_variables,
)
from grader.checks.embedding_training.step.fit import StepFit
from grader.core.report import CheckItem

STEP_RTOL = 2e-2
"""Relative tolerance when comparing observed scale factors with a hypothesis."""


def _clip(norm: float) -> float:
    return 1.0 if norm <= 1.0 else 1.0 / norm


def hypotheses(norms: list[float], slice_norm: float) -> dict[str, np.ndarray]:
    """Each hypothesis's factor per variable (norms: dense norms, the embedding first)."""
    with_slices = [slice_norm, *norms[1:]]
    return {
        "per_variable": np.array([_clip(n) for n in with_slices]),
        "per_variable_dense": np.array([_clip(n) for n in norms]),
        "global": np.full(len(norms), _clip(math.sqrt(sum(n * n for n in with_slices)))),
        "global_dense": np.full(len(norms), _clip(math.sqrt(sum(n * n for n in norms)))),
        "none": np.ones(len(norms)),
    }


def _error(observed: np.ndarray, expected: np.ndarray, *, free_scale: bool) -> float:
    if free_scale:
        scale = float(observed @ expected) / max(float(expected @ expected), 1e-30)
        expected = scale * expected
    return float(np.linalg.norm(observed - expected)) / max(float(np.linalg.norm(expected)), 1e-30)


@dataclass(frozen=True)
class Moves:
    """What the step did to every variable: `changes` from `starts`, which of them moved
    (`moved`: each is then compared with the exercise's step), and their `paths` (names)."""

    changes: list[np.ndarray]
    starts: list[np.ndarray]
    moved: list[bool]
    paths: list[str]


def judge_clipping(
    fit: StepFit | None,
    moves: Moves,
    gradients: list[np.ndarray],
    slice_norm: float,
    rates: tuple[float, float],
    applications: int | None,
    fit_tolerance: float,
) -> CheckItem:
    """The "clipping" item. `rates`: the learning rate and the weight decay per step;
    `applications`: how many optimizer steps the weights show (None: not the given optimizer's,
    so the learning rate does not fix the scale). Passes when the fitted steps are the
    exercise's and every variable that moved took its own clipped step (`each_variable`)."""
    learning_rate, decay = rates
    if fit is None or not fit.fits:
        return item("clipping", False, "Not checked: no variable changed.")
    numbers = sorted(fit.fits)
    steps = np.array([fit.fits[n].step for n in numbers])
    if fit.residual > fit_tolerance:
        return item(
            "clipping",
            False,
            "The change of the weights is not one step along the loss's gradients: compute "
            "the loss under a GradientTape, take its gradients with respect to "
            "model.trainable_variables, clip each with tf.clip_by_norm(g, 1.0) and apply them "
            "once with the optimizer you are given.",
        )
    if np.all(steps < 0):
        return item(
            "clipping",
            False,
            "The weights moved up the gradient (the loss grows): pass the gradients "
            "themselves to optimizer.apply_gradients, not their negatives.",
        )
    norms = [float(np.linalg.norm(g)) for g in gradients]
    expected = {name: h[numbers] for name, h in hypotheses(norms, slice_norm).items()}
    free_scale = not applications
    if free_scale and len(numbers) < 2:
        return item(
            "clipping",
            False,
            "Not checked: the weights do not show one step of the optimizer you are given, and "
            "too few variables moved to compare their steps (see the other items).",
        )
    factors = steps / (learning_rate * (applications or 1))
    errors = {name: _error(factors, h, free_scale=free_scale) for name, h in expected.items()}
    convention = min(("per_variable", "per_variable_dense"), key=errors.get)
    if errors[convention] <= STEP_RTOL:
        if applications:
            scale = given_optimizer_scale(learning_rate, decay, applications)
        else:
            h = expected[convention]
            scale = Scale(learning_rate * float(factors @ h) / float(h @ h), None)
        return _judge_each_variable(moves, gradients, norms, slice_norm, scale, learning_rate)
    best = min(errors, key=errors.get)
    largest = float(np.max(np.abs(steps) * np.array([norms[n] for n in numbers])))
    if errors[best] <= STEP_RTOL and best.startswith("global") and not free_scale:
        return item(
            "clipping",
            False,
            "The gradients were clipped together by their global norm (tf.clip_by_global_norm)"
            "; the exercise clips each gradient separately: "
            "[tf.clip_by_norm(g, 1.0) for g in gradients].",
        )
    if errors[best] <= STEP_RTOL and best == "none" and not free_scale:
        return item(
            "clipping",
            False,
            f"The gradients were not clipped: one variable moved by {largest:.3g}, but with "
            f"each gradient clipped to norm 1.0 and learning rate {learning_rate:g} no variable"
            f" can move by more than {learning_rate:g}. Clip each gradient: "
            "[tf.clip_by_norm(g, 1.0) for g in gradients].",
        )
    alike = " (they were all scaled alike: not clipped, or clipped together by their global "
    alike += "norm)"
    return item(
        "clipping",
        False,
        "The gradients were not each clipped by norm 1.0"
        f"{alike if best in ('none', 'global', 'global_dense') else ''}: clip each one, "
        "[tf.clip_by_norm(g, 1.0) for g in gradients], then apply them once with the "
        "optimizer you are given.",
    )


def _judge_each_variable(
    moves: Moves,
    gradients: list[np.ndarray],
    norms: list[float],
    slice_norm: float,
    scale: Scale,
    learning_rate: float,
) -> CheckItem:
    """Passes when every variable that moved took the exercise's step, entry by entry (the
    embedding with either convention for its IndexedSlices' norm)."""
    factors = [(_clip(norm),) for norm in norms]
    factors[0] = (_clip(slice_norm), _clip(norms[0]))
    off = off_step_variables(moves.changes, moves.starts, gradients, factors, scale, moves.moved)
    if not off:
        return item("clipping", True)
    return item("clipping", False, off_step_message(off, moves.paths, learning_rate))
