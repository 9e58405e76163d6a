"""check_compute_loss, probe (LEARNER side): call compute_loss on every batch, as training does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.compute_loss import TITLE
from grader.checks.compute_loss.inputs import TIME_LIMIT
from grader.learner_side.calling import LearnerError, NotAttempted, TimedOut, call_learner
from grader.learner_side.conversions import to_float64

MAX_VALUES = 10_000
"""Larger results are recorded only by their shape."""
CALLS = (("", ""), ("garbage_", "garbage_"), ("real_changed_", ""))
"""Each call on a case: its observations' prefix, and that of the case's arrays it takes
besides its logits (the garbage call has its sentences in another order)."""


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call the learner's compute_loss on every batch (clean, then garbage at padded positions),
    then differentiate it (eagerly and inside a tf.function) and call it on extreme logits.

    Returns {"values": [float64 array | None], "garbage_values": [...],
    "real_changed_values": [...], "errors": [str | None], "garbage_errors": [...],
    "real_changed_errors": [...], "not_attempted": bool, "gradient": {"eager": array | None,
    "compiled": array | None, "compiled_value": array | None, "error": str | None},
    "extreme": {"value": array} | {"error": str}}.
    """
    import tensorflow as tf

    cases = inputs["cases"]
    observations: dict = {
        **{f"{call}values": [None] * len(cases) for call, _ in CALLS},
        **{f"{call}errors": [None] * len(cases) for call, _ in CALLS},
        "not_attempted": False,
    }
    compute_loss = objects.get("compute_loss")
    if not callable(compute_loss):
        message = (
            "check_compute_loss needs your compute_loss function: pass it as "
            "`check_compute_loss(compute_loss)`."
        )
        observations["errors"] = [message] * len(cases)
        return observations

    # A learner's @tf.function retraces for each batch shape: keep TensorFlow's warning about it
    # out of the notebook while the check runs.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        time_limit = float(inputs.get("time_limit", TIME_LIMIT))
        _call_on_every_case(compute_loss, cases, observations, time_limit)
        if not observations["not_attempted"] and not observations.get("timed_out"):
            case = cases[int(inputs.get("gradient_case", 0))]
            observations["gradient"] = _gradients(compute_loss, case, time_limit)
            observations["extreme"] = _extreme(compute_loss, inputs["extreme"], time_limit)
        observations.pop("timed_out", None)
    finally:
        logger.setLevel(level)
    return observations


def _call_on_every_case(
    compute_loss: Any, cases: list[dict], observations: dict, time_limit: float
) -> None:
    """Fill `observations` in place; stop at the stub's NotImplementedError or a time-out."""
    import tensorflow as tf

    for index, case in enumerate(cases):
        for call, arrays in CALLS:
            values_key, errors_key = f"{call}values", f"{call}errors"
            try:
                result = call_learner(
                    compute_loss,
                    tf.constant(case[f"{call}logits"], dtype=tf.float32),
                    tf.constant(case.get(f"{arrays}tags", case["ground_truth_tags"]), tf.int32),
                    tf.constant(case.get(f"{arrays}input_batch", case["input_batch"]), tf.int32),
                    int(case["pad_index"]),
                    check=TITLE,
                    what="compute_loss",
                    time_limit=time_limit,
                )
                value = to_float64(result, what="compute_loss")
                if value.size > MAX_VALUES:  # keep observations small: the shape says it all
                    raise LearnerError(
                        f"compute_loss returned a value of shape {value.shape}; expected a "
                        "scalar (shape ())."
                    )
                observations[values_key][index] = value
            except NotAttempted as error:
                observations["not_attempted"] = True
                observations[errors_key][index] = error.message
                return
            except TimedOut as error:  # one endless loop is enough: do not wait for the others
                observations[errors_key][index] = error.message
                observations["timed_out"] = True
                return
            except LearnerError as error:
                observations[errors_key][index] = error.message
                break  # the other calls add nothing when the clean one failed


def _arguments(case: dict, logits: Any) -> tuple:
    import tensorflow as tf

    return (
        logits,
        tf.constant(case["ground_truth_tags"], dtype=tf.int32),
        tf.constant(case["input_batch"], dtype=tf.int32),
        int(case["pad_index"]),
    )


def _gradients(compute_loss: Any, case: dict, time_limit: float) -> dict:
    """The gradient of the learner's loss with respect to the logits, eagerly and inside a
    tf.function (as notebook 05's compiled training step takes it)."""
    import tensorflow as tf

    def loss_and_gradient(logits):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = compute_loss(*_arguments(case, logits))
        if not isinstance(loss, (tf.Tensor, tf.Variable)):
            return loss, None
        return loss, tape.gradient(loss, logits)

    logits = tf.constant(case["logits"], dtype=tf.float32)
    recorded: dict = {"eager": None, "compiled": None, "compiled_value": None, "error": None}
    try:
        _, gradient = call_learner(
            loss_and_gradient, logits, check=TITLE, what="compute_loss", time_limit=time_limit
        )
        if gradient is None:  # no gradient at all: a tf.function adds nothing to say
            return recorded
        recorded["eager"] = to_float64(gradient, what="the gradient of compute_loss")
        value, gradient = call_learner(
            tf.function(loss_and_gradient),
            logits,
            check=TITLE,
            what="compute_loss inside a tf.function",
            time_limit=time_limit,
        )
        recorded["compiled_value"] = to_float64(value, what="compute_loss inside a tf.function")
        if gradient is not None:
            recorded["compiled"] = to_float64(gradient, what="the gradient of compute_loss")
    except LearnerError as error:
        recorded["error"] = error.message
    return recorded


def _extreme(compute_loss: Any, case: dict, time_limit: float) -> dict:
    """The learner's loss on logits as large as a confident, wrong trained model gives."""
    import tensorflow as tf

    try:
        result = call_learner(
            compute_loss,
            *_arguments(case, tf.constant(case["logits"], dtype=tf.float32)),
            check=TITLE,
            what="compute_loss",
            time_limit=time_limit,
        )
        return {"value": to_float64(result, what="compute_loss")}
    except LearnerError as error:
        return {"error": error.message}
