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


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call the learner's compute_loss on every batch (clean, then garbage at padded positions).

    Returns {"values": [float64 array | None], "garbage_values": [...], "errors": [str | None],
    "garbage_errors": [...], "not_attempted": bool}.
    """
    import tensorflow as tf

    cases = inputs["cases"]
    observations: dict = {
        "values": [None] * len(cases),
        "garbage_values": [None] * len(cases),
        "errors": [None] * len(cases),
        "garbage_errors": [None] * len(cases),
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
    finally:
        logger.setLevel(level)
    return observations


def _call_on_every_case(
    compute_loss: Any, cases: list[dict], observations: dict, time_limit: float
) -> None:
    """Fill `observations` in place; stop at the stub's NotImplementedError or a time-out."""
    import tensorflow as tf

    for index, case in enumerate(cases):
        for logits_key, values_key, errors_key in (
            ("logits", "values", "errors"),
            ("garbage_logits", "garbage_values", "garbage_errors"),
        ):
            try:
                result = call_learner(
                    compute_loss,
                    tf.constant(case[logits_key], dtype=tf.float32),
                    tf.constant(case["ground_truth_tags"], dtype=tf.int32),
                    tf.constant(case["input_batch"], dtype=tf.int32),
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
                return
            except LearnerError as error:
                observations[errors_key][index] = error.message
                break  # the garbage call adds nothing when the clean one failed
