"""check_embedding_training, every variable's change against the exercise's step (grader side,
NumPy only).

The fit (`fit`) reads how the step was made from the variables large enough to tell a step from
noise. Each variable that moved, small ones included (the output bias has only n_tags entries),
must also have moved as the exercise's step moves it: the optimizer's weight decay, then its own
gradient (recomputed by the grader) clipped by norm 1.0, times the learning rate. It is compared
entry by entry, so a step of the wrong sign or size on any one variable shows, however small
that variable is next to the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

STEP_RTOL = 2e-2
"""A change may differ from the exercise's step by this fraction of that step's largest entry."""
ROUNDING = 1e-6
"""... and by this much times (1 + the variable's largest value): float32 rounding of weights."""
ALONG = 0.9
"""A change is a multiple of the exercise's step when their cosine exceeds this."""


@dataclass(frozen=True)
class Scale:
    """How the exercise's step scales each clipped gradient: `rate` (the learning rate, summed
    over the optimizer's steps) and `shrink` (the weight decay's change per unit weight), None
    when each variable's own shrink is to be fitted (a step not made with the given optimizer)."""

    rate: float
    shrink: float | None


def given_optimizer_scale(learning_rate: float, decay: float, applications: int) -> Scale:
    """The scale of `applications` steps of the given SGD (decay per step `decay`) with the same
    clipped gradients: w -> w (1 - d)^k - lr (1 + (1 - d) + ... + (1 - d)^(k-1)) g'."""
    kept = (1.0 - decay) ** applications
    rate = learning_rate * (1.0 - kept) / decay if decay > 0 else learning_rate * applications
    return Scale(rate, kept - 1.0)


def _exercise_step(gradient: np.ndarray, factor: float, scale: Scale) -> np.ndarray:
    return -scale.rate * factor * gradient


def _beyond_shrink(change: np.ndarray, start: np.ndarray, step: np.ndarray, scale: Scale):
    """The change less the weight decay's part (fitted when `scale.shrink` is None)."""
    if scale.shrink is not None:
        return change - scale.shrink * start
    rest = change - step
    shrink = float(rest.ravel() @ start.ravel()) / max(float(start.ravel() @ start.ravel()), 1e-30)
    return change - shrink * start


def takes_the_step(
    change: np.ndarray, start: np.ndarray, gradient: np.ndarray, factor: float, scale: Scale
) -> bool:
    """Whether every entry of `change` is the exercise's step, within the tolerance."""
    step = _exercise_step(gradient, factor, scale)
    rest = _beyond_shrink(change, start, step, scale)
    if not (np.all(np.isfinite(rest)) and np.all(np.isfinite(step))):
        return False
    largest = float(np.abs(start).max(initial=0.0))
    tolerance = STEP_RTOL * float(np.abs(step).max(initial=0.0)) + ROUNDING * (1.0 + largest)
    return float(np.abs(rest - step).max(initial=0.0)) <= tolerance


def step_multiple(
    change: np.ndarray, start: np.ndarray, gradient: np.ndarray, factor: float, scale: Scale
) -> float:
    """How many times the exercise's step the variable took (negative: up its gradient), or NaN
    when its change is not along that step at all."""
    step = _exercise_step(gradient, factor, scale).ravel()
    rest = _beyond_shrink(change, start, step.reshape(change.shape), scale).ravel()
    size = float(np.linalg.norm(step)) * float(np.linalg.norm(rest))
    if size <= 0.0 or abs(float(rest @ step)) / size < ALONG:
        return math.nan
    return float(rest @ step) / float(step @ step)


def off_step_variables(
    changes: list[np.ndarray],
    starts: list[np.ndarray],
    gradients: list[np.ndarray],
    factors: list[tuple[float, ...]],
    scale: Scale,
    checked: list[bool],
) -> dict[int, float]:
    """Variable number -> `step_multiple` of each `checked` variable that did not take the
    exercise's step with any of its accepted clipping `factors` (the embedding has two)."""
    off = {}
    for number, (change, start, gradient) in enumerate(
        zip(changes, starts, gradients, strict=True)
    ):
        if not checked[number]:
            continue
        if any(takes_the_step(change, start, gradient, f, scale) for f in factors[number]):
            continue
        off[number] = step_multiple(change, start, gradient, factors[number][0], scale)
    return off


def off_step_message(off: dict[int, float], paths: list[str], learning_rate: float) -> str:
    """What to tell a learner whose step moved the variables in `off` otherwise."""
    described = []
    for number, multiple in list(off.items())[:4]:
        if math.isnan(multiple):
            how = "not along its gradient"
        elif multiple < 0:
            how = f"up its gradient ({-multiple:.3g} times the step, the wrong sign)"
        else:
            how = f"{multiple:.3g} times as far as that step"
        described.append(f"{paths[number]} moved {how}")
    more = f" (and {len(off) - 4} more)" if len(off) > 4 else ""
    return (
        "Not every variable took the exercise's step (its gradient clipped by norm 1.0, times "
        f"the learning rate {learning_rate:g}): {'; '.join(described)}{more}. Clip each "
        "gradient the same way, [tf.clip_by_norm(g, 1.0) for g in gradients], scale none of "
        "them yourself, and apply them once with the optimizer you are given."
    )
