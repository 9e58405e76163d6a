"""check_embedding_training, judge of experiment 2 (grader side: never calls learner code).

The learner's train_step ran once, compiled, on the reference model with a fresh SGD optimizer
(random learning rate, small weight decay). The kernel reported the weights after the step and
what it returned; the grader recomputed the starting weights, the gradients with and without
the fixed dropout mask and the losses (`recompute`). Every item is decided from those values
(`step_fit` reads how many optimizer steps, which scaling and which mode the change shows); the
kernel's own account (optimizer step count, `training` flags) only words the messages.
"""

from __future__ import annotations

import math
from typing import Any

from grader.checks.embedding_training import STEP_ITEMS
from grader.checks.embedding_training import step_item as item
from grader.checks.embedding_training.step.clipping import Moves, judge_clipping
from grader.checks.embedding_training.step.fit import (
    StepFit,
    embedding_shrink,
    fit_all,
    fit_step,
    moved_variables,
    stepped_variables,
    steps_taken,
)
from grader.checks.embedding_training.step.optimizer import gradients_agree, judge_optimizer
from grader.checks.embedding_training.step.recompute import MODES
from grader.checks.embedding_training.step.rows import absent_rows, judge_step_rows
from grader.checks.judging import error_of, finite_array, finite_number, loss_drop_item
from grader.core.report import CheckItem

FIT_RTOL = 2e-2
"""A change fits "decay plus a step along the gradient" when its residual is below this."""
MIN_EVIDENCE = 20
"""Variables with fewer entries (a bias of a few tags) are too small to tell a step from noise."""
DROPOUT_MARGIN = 0.5
"""Without a close fit, the dropout mode is still told when its residual is half the other's."""


def judge_learner_step(inputs: dict, observations: Any, recomputed: Any) -> list[CheckItem]:
    """Items of experiment 2 (the learner's train_step on the reference model)."""
    observations = observations if type(observations) is dict else {}
    message, attempted = error_of(observations.get("call"))
    if message:
        return [item(key, False, message, attempted) for key in STEP_ITEMS]
    record = _record(inputs, observations, recomputed)
    if record is None:
        return [
            item(key, False, "The probe's record of the training step is incomplete.")
            for key in STEP_ITEMS
        ]
    before, after, gradients, paths = record
    changes = [a - b for a, b in zip(after, before, strict=True)]
    fits = fit_all(changes, before, gradients)
    changed = stepped_variables(changes, before, gradients, fits)
    # Only variables large enough to tell a step from noise are evidence of how it was made.
    evidence = [moved and b.size >= MIN_EVIDENCE for moved, b in zip(changed, before, strict=True)]
    fit = fit_step(changes, fits, evidence) if any(evidence) else None
    decay = float(inputs["learning_rate"]) * float(inputs["weight_decay"])
    shrink = embedding_shrink(changes[0], before[0], absent_rows(inputs))
    applications = _applications(shrink, fit, decay)
    mode = fit.mode if fit else "train"
    losses = recomputed["loss_before"]
    losses_after = recomputed.get("loss_after")
    losses_after = losses_after if type(losses_after) is dict else {}
    moved = moved_variables(changes, before)
    # Every variable that moved, small ones included, is compared with the exercise's step.
    moves = Moves(changes, before, [m or s for m, s in zip(moved, changed, strict=True)], paths)
    return [
        _judge_returns(
            observations.get("returned"),
            [finite_number(losses.get(m)) for m in MODES],
            [finite_number(losses_after.get(m)) for m in MODES],
        ),
        judge_optimizer(
            applications,
            changed,
            observations.get("iterations"),
            observations.get("applied"),
            gradients_agree(observations.get("received"), inputs, before, changes),
        ),
        _judge_all_variables(paths, changed, moved),
        judge_clipping(
            fit,
            moves,
            gradients[mode],
            float(recomputed["embedding_slice_norm"][mode]),
            (float(inputs["learning_rate"]), decay),
            applications if applications and applications > 0 else None,
            FIT_RTOL,
        ),
        judge_step_rows(inputs, changes[0], before[0], gradients[mode][0], applications, shrink),
        # In the mode the step's gradients were taken in: a correct step descends that loss.
        _judge_loss(losses.get(mode), losses_after.get(mode), fit is not None),
        _judge_dropout(fit, observations.get("training_flags")),
    ]


def _record(inputs: dict, observations: dict, recomputed: Any) -> tuple | None:
    """(before, after, {mode: gradients}, paths) when the recomputed values and the kernel's
    weights are complete and consistent, else None."""
    if type(recomputed) is not dict or type(recomputed.get("before")) is not list:
        return None
    before = recomputed["before"]
    gradients = recomputed.get("gradients")
    after = observations.get("after")
    if type(gradients) is not dict or set(gradients) != set(MODES) or type(after) is not list:
        return None
    if len(after) != len(before) or not before:
        return None
    after = [finite_array(a, b.shape) for a, b in zip(after, before, strict=True)]
    if any(a is None for a in after):
        return None
    if any(type(g) is not list or len(g) != len(before) for g in gradients.values()):
        return None
    sizes = inputs["sizes"]
    if before[0].shape != (sizes["vocabulary_size"], sizes["embedding_dim"]):
        return None
    paths = [str(path) for path in recomputed.get("paths", [])]
    if len(paths) != len(before):
        paths = [f"variable {number}" for number in range(len(before))]
    return before, after, gradients, paths


def _applications(
    shrink: tuple[float, float] | None, fit: StepFit | None, decay: float
) -> int | None:
    """How many steps of the given optimizer every changed variable shows (its weight decay;
    `shrink`: the embedding's, from its absent rows): 0 for a step made without it, None when
    the variables disagree or show no whole number."""
    if fit is None:
        return None
    counts = []
    for number, variable_fit in fit.fits.items():
        if number == 0 and shrink is not None:
            factor, residual = shrink
        else:
            factor, residual = variable_fit.shrink, variable_fit.residual
        if residual > FIT_RTOL:
            return None
        counts.append(steps_taken(factor, decay))
    rounded = {round(count) for count in counts if math.isfinite(count)}
    if len(rounded) != 1 or any(abs(count - round(count)) > 0.1 for count in counts):
        return None
    return rounded.pop()


def _judge_loss(before: Any, after: Any, stepped: bool) -> CheckItem:
    if not stepped:
        return item("step_loss", False, "Not checked: no variable took a step.")
    return loss_drop_item(
        item,
        "step_loss",
        finite_number(before),
        finite_number(after),
        "The masked loss went from {before:.4f} to {after:.4f}: one step should lower it "
        "(descend along the clipped gradients, with the loss of this batch).",
    )


def _judge_dropout(fit: StepFit | None, flags: Any) -> CheckItem:
    """Passes when the change fits the gradients computed with the fixed dropout mask."""
    flags = flags if type(flags) is list and all(type(f) is str for f in flags) else None
    if fit is None:
        if flags == []:
            return item(
                "dropout",
                False,
                "train_step never called the model it is given: compute the logits with "
                "model(input_batch, lengths, training=True) inside the GradientTape.",
            )
        return item("dropout", False, "Not checked: no variable took a step.")
    # Told apart only when the other mode's gradients explain the change clearly worse.
    told = fit.residual < DROPOUT_MARGIN * fit.other_residual
    if told and fit.mode == "train":
        return item("dropout", True)
    if told:
        return item(
            "dropout",
            False,
            "train_step called the model with training=False (or without a training argument,"
            " which Keras turns into the default False), so dropout is never active while it "
            "trains and the model overfits: call model(input_batch, lengths, training=True) "
            "inside the GradientTape (training=False is for evaluation).",
        )
    return item(
        "dropout",
        False,
        "Not checked: the change of the weights is not a step along the loss's gradients, with "
        "dropout or without (see the other items).",
    )


def _judge_returns(
    returned: Any, losses_before: list[float | None], losses_after: list[float | None]
) -> CheckItem:
    message, attempted = error_of(returned)
    values = finite_array(returned.get("values")) if type(returned) is dict else None
    if message:
        return item("returns", False, message, attempted)
    known = [loss for loss in losses_before if loss is not None]
    if values is None or not known:
        return item("returns", False, "train_step did not return a finite number.")
    if values.shape != ():
        return item(
            "returns",
            False,
            f"train_step returned a value of shape {values.shape}; expected a scalar: "
            "return the loss (the mean over sentences), not per-sentence or per-token losses.",
        )
    value = float(values)
    if any(math.isclose(value, loss, rel_tol=1e-4, abs_tol=1e-5) for loss in known):
        return item("returns", True)
    after = [loss for loss in losses_after if loss is not None]
    if any(math.isclose(value, loss, rel_tol=1e-4, abs_tol=1e-5) for loss in after):
        return item(
            "returns",
            False,
            "train_step returned the loss after the update: return the loss computed inside "
            "the GradientTape, before optimizer.apply_gradients.",
        )
    return item(
        "returns",
        False,
        f"train_step returned {value:.5f}, but the masked loss before the update "
        f"is {known[0]:.5f}: compute it with compute_loss(logits, ground_truth_tags, "
        "input_batch, pad_index) on model(input_batch, lengths, training=True) "
        "(if check_compute_loss fails, fix compute_loss first).",
    )


def _judge_all_variables(paths: list[str], changed: list[bool], moved: list[bool]) -> CheckItem:
    unchanged = [path for path, stepped in zip(paths, changed, strict=True) if not stepped]
    if not unchanged:
        return item("all_variables", True)
    astray = [p for p, s, m in zip(paths, changed, moved, strict=True) if m and not s]
    if astray:
        return item(
            "all_variables",
            False,
            f"These variables moved, but not along the gradient of the masked loss: "
            f"{', '.join(astray[:6])}. Differentiate compute_loss(logits, ...) of "
            "model(input_batch, lengths, training=True) with respect to "
            "model.trainable_variables, and apply exactly those gradients (see the other "
            "items for what else differs).",
        )
    if len(unchanged) == len(paths):
        return item(
            "all_variables",
            False,
            "No variable changed (beyond the optimizer's weight decay, if it was applied with "
            "no gradient): compute the gradients of the loss with respect to "
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
        f"These variables took no step: {', '.join(unchanged)}. Differentiate with "
        "respect to all of model.trainable_variables and apply every gradient.",
    )
