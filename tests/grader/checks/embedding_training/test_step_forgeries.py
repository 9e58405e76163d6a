"""train_step is judged from the weights it leaves, against values the grader computes itself.

A kernel that rewrites its own report (a notebook that tampers with the probe) can claim any
step count, any `training` flag and any weights. These forgeries start from the grader's own
recomputation of the reference model (what a forger could rebuild in the kernel) and claim
everything; each earns only what a correct computation would have earned.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.embedding_training import STEP_ITEMS
from grader.checks.embedding_training.inputs import make_inputs
from grader.checks.embedding_training.step.judge import judge_learner_step
from grader.checks.embedding_training.step.recompute import recompute

CLAIMS = {"iterations": 1, "applied": 1, "training_flags": ["True"]}


@pytest.fixture(scope="module")
def setting():
    inputs = make_inputs(np.random.default_rng(11))
    recomputed = recompute(inputs, {"train_step": {"after": None}})
    return inputs, recomputed


def clipped_step(inputs, recomputed, mode):
    """What one correct step gives: weight decay, then each gradient clipped by norm 1.0."""
    learning_rate = inputs["learning_rate"]
    decay = learning_rate * inputs["weight_decay"]
    after = []
    for start, gradient in zip(recomputed["before"], recomputed["gradients"][mode], strict=True):
        factor = min(1.0, 1.0 / float(np.linalg.norm(gradient)))
        after.append(start * (1 - decay) - learning_rate * factor * gradient)
    return after


def received(inputs, before, after):
    """What a forger claims the optimizer was given: the gradients one step to `after` needs."""
    learning_rate = inputs["learning_rate"]
    decay = learning_rate * inputs["weight_decay"]
    return sum(
        float(np.sum(((start * (1 - decay) - end) / learning_rate) ** 2))
        for start, end in zip(before, after, strict=True)
    )


def points(inputs, after, returned):
    """The items the forged report earns, judged as a graded run judges it."""
    observations = {**CLAIMS, "after": after, "returned": {"values": np.array(returned)}}
    recomputed = recompute(inputs, {"train_step": observations})
    observations["received"] = received(inputs, recomputed["before"], after)
    items = judge_learner_step(inputs, observations, recomputed)
    return {key for key, item in zip(STEP_ITEMS, items, strict=True) if item.passed}


def test_the_exact_clipped_step_with_dropout_earns_every_point(setting):
    inputs, recomputed = setting
    after = clipped_step(inputs, recomputed, "train")
    assert points(inputs, after, recomputed["loss_before"]["train"]) == set(STEP_ITEMS)


def test_a_step_computed_without_dropout_loses_the_dropout_point(setting):
    inputs, recomputed = setting
    after = clipped_step(inputs, recomputed, "eval")
    earned = points(inputs, after, recomputed["loss_before"]["eval"])
    assert earned == set(STEP_ITEMS) - {"dropout"}


@pytest.mark.parametrize(
    "forgery",
    ["unchanged", "weight decay only", "decay and noise", "noise on the batch rows"],
)
def test_weights_that_are_no_step_earn_nothing_whatever_the_claims(setting, forgery):
    inputs, recomputed = setting
    rng = np.random.default_rng(0)
    decay = inputs["learning_rate"] * inputs["weight_decay"]
    before = recomputed["before"]
    if forgery == "unchanged":
        after = [start.copy() for start in before]
    elif forgery == "weight decay only":
        after = [start * (1 - decay) for start in before]
    elif forgery == "decay and noise":
        after = [s * (1 - decay) - 0.01 * rng.normal(size=s.shape) for s in before]
    else:
        after = [start.copy() for start in before]
        rows = np.unique(inputs["input_batch"])
        after[0][rows] += 0.01 * rng.normal(size=after[0][rows].shape)
    assert points(inputs, after, 1.2345) == set()


@pytest.mark.parametrize("factor", [-1.0, 0.5, 1.5, 25.0])
def test_one_small_variable_off_the_exercises_step_loses_the_clipping_point(setting, factor):
    """Red team 5: the output bias (n_tags entries) could take any step, even up its gradient."""
    inputs, recomputed = setting
    after = clipped_step(inputs, recomputed, "train")
    bias = next(n for n, path in enumerate(recomputed["paths"]) if path.endswith("logits/bias"))
    start = recomputed["before"][bias]
    decayed = start * (1 - inputs["learning_rate"] * inputs["weight_decay"])
    after[bias] = decayed + factor * (after[bias] - decayed)
    earned = points(inputs, after, recomputed["loss_before"]["train"])
    assert "clipping" not in earned
    assert {"returns", "optimizer", "step_rows", "dropout"} <= earned
