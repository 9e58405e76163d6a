"""Each variable's change against the exercise's step, entry by entry, however small it is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checks.embedding_training.step.each_variable import (
    Scale,
    given_optimizer_scale,
    off_step_variables,
    step_multiple,
    takes_the_step,
)

RATE, DECAY = 0.1, 0.01
START = np.array([0.3, -0.7, 1.2])
GRADIENT = np.array([0.5, 2.0, -1.0])  # norm 2.29: clipped to norm 1.0
FACTOR = 1 / float(np.linalg.norm(GRADIENT))
SCALE = given_optimizer_scale(RATE, DECAY, 1)


def stepped(multiple: float) -> np.ndarray:
    """A bias after weight decay and `multiple` times the exercise's clipped step."""
    return -DECAY * START - multiple * RATE * FACTOR * GRADIENT


def test_one_step_of_the_given_optimizer_is_its_weight_decay_then_the_learning_rate():
    assert (SCALE.rate, SCALE.shrink) == (pytest.approx(RATE), pytest.approx(-DECAY))
    twice = given_optimizer_scale(RATE, DECAY, 2)
    assert twice.rate == pytest.approx(RATE * (2 - DECAY))


def test_the_exercises_step_passes_even_rounded_to_float32():
    change = (START + stepped(1.0)).astype(np.float32) - START.astype(np.float32)
    assert takes_the_step(change.astype(np.float64), START, GRADIENT, FACTOR, SCALE)


@pytest.mark.parametrize("multiple", [-1.0, 0.9, 1.1, 25.0])
def test_a_three_entry_variable_off_the_step_fails_and_says_by_how_much(multiple):
    change = stepped(multiple)
    assert not takes_the_step(change, START, GRADIENT, FACTOR, SCALE)
    assert step_multiple(change, START, GRADIENT, FACTOR, SCALE) == pytest.approx(multiple)


def test_an_unclipped_gradient_is_off_the_step():
    change = -DECAY * START - RATE * GRADIENT
    assert not takes_the_step(change, START, GRADIENT, FACTOR, SCALE)


def test_a_change_across_its_gradient_is_no_multiple_of_the_step():
    across = np.array([2.0, -0.5, 0.0])  # orthogonal to GRADIENT
    assert math.isnan(step_multiple(-DECAY * START + 0.01 * across, START, GRADIENT, 1.0, SCALE))


def test_with_a_fitted_shrink_any_weight_decay_is_taken_out_first():
    free = Scale(RATE, None)
    change = -0.3 * START - RATE * FACTOR * GRADIENT
    assert takes_the_step(change, START, GRADIENT, FACTOR, free)


def test_only_the_variables_checked_and_off_the_step_are_listed():
    changes = [stepped(1.0), stepped(25.0), stepped(-1.0)]
    off = off_step_variables(
        changes, [START] * 3, [GRADIENT] * 3, [(FACTOR,)] * 3, SCALE, [True, True, False]
    )
    assert list(off) == [1] and off[1] == pytest.approx(25.0)


def test_the_embedding_may_take_either_clipping_convention():
    changes = [stepped(1.0)]
    assert not off_step_variables(changes, [START], [GRADIENT], [(0.5, FACTOR)], SCALE, [True])
