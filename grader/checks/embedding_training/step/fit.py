"""How a learner's train_step moved the reference model's weights, read from values (grader side).

The optimizer train_step is given is SGD with a small weight decay: each step it applies turns a
variable w into w * (1 - d) - lr * g'. So every variable's change is, for some a and s,

    change = a * start - s * gradient        (a = (1 - d)^k - 1 after k steps, s = lr * clip)

where `gradient` is the grader's own gradient with or without the fixed dropout mask. Fitting
(a, s) per variable by least squares tells, from the weights alone, how many steps of the given
optimizer touched each variable (k), how each gradient was scaled (s: the clipping) and whether
the step ran with dropout (the mode whose gradients fit). Pure NumPy; nothing is taken on trust.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.checks.embedding_training import CHANGED


@dataclass(frozen=True)
class VariableFit:
    """change ≈ shrink * start - step * gradient for one variable, and how well that fits."""

    shrink: float
    step: float
    residual: float
    """|change - fit| / |change| (0: exact)."""


@dataclass(frozen=True)
class StepFit:
    """The best fit of every stepped variable under one mode ("train" or "eval")."""

    mode: str
    fits: dict[int, VariableFit]
    """Variable number -> its fit (only variables that took a step)."""
    residual: float
    """The fit's residual over all those variables together."""
    other_residual: float
    """The same under the other mode (inf when no variable changed)."""


ALIGNED = 0.2
"""A change beyond shrinking is a step along a gradient when their cosine exceeds this (in
absolute value: a step up the gradient is still a step), or 3 / sqrt(size) for small variables
(up to 0.9): noise has a cosine of about 1 / sqrt(size)."""


Fits = dict[str, list[VariableFit]]
"""Mode -> the fit of every variable under that mode's gradients (`fit_all`)."""


def fit_variable(change: np.ndarray, start: np.ndarray, gradient: np.ndarray) -> VariableFit:
    """Least-squares (a, s) with change ≈ a * start - s * gradient."""
    columns = np.stack([start.ravel(), -gradient.ravel()], axis=1)
    (shrink, step), *_ = np.linalg.lstsq(columns, change.ravel(), rcond=None)
    misfit = float(np.linalg.norm(change.ravel() - columns @ np.array([shrink, step])))
    size = float(np.linalg.norm(change))
    return VariableFit(float(shrink), float(step), misfit / max(size, 1e-30))


def fit_all(
    changes: list[np.ndarray], starts: list[np.ndarray], gradients: dict[str, list[np.ndarray]]
) -> Fits:
    """Every variable fitted once under each mode."""
    return {
        mode: [fit_variable(*triple) for triple in zip(changes, starts, grads, strict=True)]
        for mode, grads in gradients.items()
    }


def moved_variables(changes: list[np.ndarray], starts: list[np.ndarray]) -> list[bool]:
    """Whether each variable moved by more than CHANGED beyond shrinking, in any direction."""
    return [
        bool(change.size)
        and float(np.abs(change - _shrink_alone(change, start) * start).max()) > CHANGED
        for change, start in zip(changes, starts, strict=True)
    ]


def _shrink_alone(change: np.ndarray, start: np.ndarray) -> float:
    return fit_variable(change, start, np.zeros_like(start)).shrink


def stepped_variables(
    changes: list[np.ndarray],
    starts: list[np.ndarray],
    gradients: dict[str, list[np.ndarray]],
    fits: Fits,
) -> list[bool]:
    """Whether each variable took a step: beyond its shrink (a weight decay alone is no step),
    it moved by more than CHANGED, along its gradient under either mode (noise is no step)."""
    stepped = []
    for number, (change, start) in enumerate(zip(changes, starts, strict=True)):
        threshold = max(ALIGNED, min(0.9, 3.0 / math.sqrt(max(change.size, 1))))
        took_step = False
        for mode, mode_gradients in gradients.items():
            gradient = mode_gradients[number]
            rest = (change - fits[mode][number].shrink * start).ravel()
            if float(np.abs(rest).max(initial=0.0)) <= CHANGED:
                continue
            cosine = abs(float(rest @ gradient.ravel())) / max(
                float(np.linalg.norm(rest) * np.linalg.norm(gradient)), 1e-30
            )
            took_step = took_step or cosine > threshold
        stepped.append(took_step)
    return stepped


def fit_step(changes: list[np.ndarray], fits: Fits, stepped: list[bool]) -> StepFit:
    """The fits of every `stepped` variable under each mode; the mode that fits best wins."""
    results = {}
    for mode, mode_fits in fits.items():
        chosen = {number: mode_fits[number] for number, moved in enumerate(stepped) if moved}
        sizes = {n: float(np.linalg.norm(changes[n])) for n in chosen}
        misfit = sum((fit.residual * sizes[n]) ** 2 for n, fit in chosen.items())
        size = sum(value**2 for value in sizes.values())
        results[mode] = (chosen, math.sqrt(misfit / size) if size else math.inf)
    best = min(results, key=lambda mode: results[mode][1])
    others = [residual for mode, (_, residual) in results.items() if mode != best]
    return StepFit(best, results[best][0], results[best][1], min(others, default=math.inf))


def steps_taken(shrink: float, decay_per_step: float) -> float:
    """k with (1 - d)^k = 1 + shrink: how many steps of the given optimizer the shrink shows."""
    if 1.0 + shrink <= 0.0:
        return math.inf
    return math.log(1.0 + shrink) / math.log(1.0 - decay_per_step)


def embedding_shrink(
    change: np.ndarray, start: np.ndarray, absent_rows: list[int]
) -> tuple[float, float] | None:
    """(a, residual) of change ≈ a * start over embedding rows no loss gradient reaches.

    Those rows move only by the optimizer's weight decay, so their a is exact; None when there
    are none. The residual says whether they moved otherwise too (momentum, another optimizer).
    """
    if not absent_rows:
        return None
    fit = fit_variable(change[absent_rows], start[absent_rows], np.zeros_like(start[absent_rows]))
    if float(np.abs(change[absent_rows]).max()) <= CHANGED:
        return 0.0, 0.0
    return fit.shrink, fit.residual
