"""check_embedding_training, whether train_step applied its gradients with the given optimizer.

The weights show how many steps of the given SGD (with its weight decay) moved them; they
cannot tell the optimizer from a copy of its update written by hand. What the kernel reports
of the optimizer (its step count, its own count of calls, the size of the gradients it was
given) can therefore only take the point away, never give it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.embedding_training import step_item as item
from grader.checks.judging import finite_number
from grader.core.report import CheckItem


def gradients_agree(received: Any, inputs: dict, before: list, changes: list) -> bool:
    """Whether the sum of squares of the gradients the optimizer was given (kernel-reported)
    is that of the gradients one SGD step with weight decay needs to make `changes`."""
    received = finite_number(received)
    if received is None:
        return False
    rate = float(inputs["learning_rate"])
    decay = rate * float(inputs["weight_decay"])
    implied = sum(
        float(np.sum(((-change - decay * start) / rate) ** 2))
        for change, start in zip(changes, before, strict=True)
    )
    return math.isclose(received, implied, rel_tol=1e-3, abs_tol=1e-9)


def judge_optimizer(
    applications: int | None, changed: list[bool], iterations: Any, applied: Any, agree: bool
) -> CheckItem:
    """The optimizer item: one step of the given optimizer, made by that optimizer with the
    gradients that moved the weights (`agree`). The values show the step; the optimizer's
    step count and its own count of calls (`applied`) can only take the point away."""
    if not any(changed):
        return item(
            "optimizer",
            False,
            "train_step never applied the gradients: call "
            "optimizer.apply_gradients(zip(gradients, model.trainable_variables)).",
        )
    if applications == 1 and iterations == 1 and applied == 1 and agree:
        return item("optimizer", True)
    if applications == 1 and iterations == 1 and applied == 1:
        return item(
            "optimizer",
            False,
            "The weights moved as one step of the given optimizer would move them, but not "
            "with the gradients the optimizer was given: pass the clipped gradients to "
            "optimizer.apply_gradients(...) and update no weight yourself. An update written "
            "by hand is wrong for any other optimizer, such as notebook 05's Adam.",
        )
    if applications == 1 and iterations == 1:
        return item(
            "optimizer",
            False,
            "The weights moved as one step of the given optimizer would move them, but "
            "train_step never applied the gradients with it (and advanced its step count by "
            "hand): apply them with optimizer.apply_gradients(...). An update written by hand "
            "is wrong for any other optimizer, such as notebook 05's Adam.",
        )
    if applications == 1:
        # The values alone cannot tell the optimizer from a hand-written copy of its update; the
        # step count and the optimizer's own count of its calls can only take this point away.
        return item(
            "optimizer",
            False,
            "The weights moved as one step of the given optimizer would move them, but the "
            f"optimizer itself took {iterations} steps: apply the gradients with "
            "optimizer.apply_gradients(...). An update written by hand is wrong for any other "
            "optimizer, such as notebook 05's Adam.",
        )
    if applications == 0 or (applications is None and iterations == 0):
        return item(
            "optimizer",
            False,
            "The weights changed but not through the optimizer passed to train_step: apply the "
            "gradients with that `optimizer` argument (optimizer.apply_gradients), not with an "
            "optimizer you create inside train_step.",
        )
    if applications is not None:
        return item(
            "optimizer",
            False,
            f"The weights show {applications} steps of the optimizer during one call of "
            "train_step: apply the gradients exactly once.",
        )
    return item(
        "optimizer",
        False,
        "The weights did not move as one step of the optimizer you are given would move them: "
        "apply the gradients exactly once, with "
        "optimizer.apply_gradients(zip(gradients, model.trainable_variables)).",
    )
