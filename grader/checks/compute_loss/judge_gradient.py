"""check_compute_loss, judge of the gradient and extreme-logits items (grader side)."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.compute_loss.compare import close as _close
from grader.checks.compute_loss.compare import scalar as _scalar
from grader.checks.compute_loss.reference import arguments, reference_gradient, reference_loss
from grader.checks.judging import finite_allclose

GRADIENT_RTOL = 1e-3
GRADIENT_ATOL = 1e-5


def observed_dict(observations: Any, key: str) -> dict:
    value = observations.get(key) if type(observations) is dict else None
    return value if type(value) is dict else {}


def gradient_message(case: dict, observed: dict) -> str | None:
    """None when the learner's gradient (eager and compiled) is the reference's."""
    if type(observed.get("error")) is str:
        return f"Differentiating compute_loss failed: {observed['error']}"
    if not observed:
        return "Not checked: compute_loss did not return a scalar (see above)."
    expected = reference_gradient(*arguments(case))
    no_gradient = (
        "Your loss has no gradient with respect to the logits ({where}): it was computed "
        "outside TensorFlow (NumPy, float(), .numpy(), tf.constant of a value) or behind "
        "tf.stop_gradient, so training could not learn from it. Compute it from `logits` "
        "with TensorFlow operations only, and return the tensor."
    )
    for key, where in (("eager", "under a GradientTape"), ("compiled", "inside a tf.function")):
        gradient = observed.get(key)
        if gradient is None:
            return no_gradient.format(where=where)
        if type(gradient) is not np.ndarray or gradient.dtype.kind not in "biuf":
            return "The check recorded no usable gradient for compute_loss."
        if gradient.shape != expected.shape or not np.all(np.isfinite(gradient)):
            return (
                f"The gradient of your loss with respect to the logits ({where}) is not a "
                f"finite array of shape {expected.shape}."
            )
        if not finite_allclose(gradient, expected, rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL):
            worst = float(np.abs(gradient - expected).max())
            return (
                f"The gradient of your loss with respect to the logits ({where}) differs from "
                f"the reference's by up to {worst:.3g}, although it is the gradient training "
                "follows. If your loss matches above, look for tf.stop_gradient or part of "
                "the loss computed from a copy of the logits outside TensorFlow."
            )
    value = _scalar(observed.get("compiled_value"))
    if value is None or not _close(value, reference_loss(*arguments(case))):
        shown = "nothing usable" if value is None else f"{value:.6g}"
        return (
            f"Inside a tf.function (as notebook 05's training step runs it) your loss is "
            f"{shown}; the reference is {reference_loss(*arguments(case)):.6g}. Use TensorFlow "
            "operations on tensors, not Python values computed from them."
        )
    return None


def extreme_message(case: dict, observed: dict) -> str | None:
    """None when the loss on extreme logits is finite and the reference's."""
    if type(observed.get("error")) is str:
        return f"On very large logits, {observed['error']}"
    value = _scalar(observed.get("value")) if type(observed.get("value")) is np.ndarray else None
    if value is None:
        return "Not checked: compute_loss did not return a scalar (see above)."
    expected = reference_loss(*arguments(case))
    if _close(value, expected):
        return None
    example = (
        "On logits as large as a confident trained model gives (like notebook 04's [30, 0, -80] "
        "with the truth at -80)"
    )
    stable = (
        "compute the cross-entropy from the logits with "
        "tf.nn.sparse_softmax_cross_entropy_with_logits (or logits - tf.reduce_logsumexp), "
        "never as log(softmax(...))."
    )
    if not np.isfinite(value):
        return (
            f"{example} your loss is {value}: the softmax rounds small probabilities to 0.0 in "
            f"float32 and log(0) is -inf. Instead, {stable}"
        )
    return (
        f"{example} your loss is {value:.6g}; the reference is {expected:.6g}. A small epsilon "
        "inside the log, or clipping the probabilities, hides the inf but caps each token's "
        f"loss: {stable}"
    )


def blind_positions_message(case: dict, observed: dict) -> str | None:
    """Why ignoring the padded logits earns nothing when real positions are ignored too (the
    loss's gradient is zero there), or None (also when no gradient was recorded)."""
    gradient = observed.get("eager")
    logits = np.asarray(case["logits"])
    if type(gradient) is not np.ndarray or gradient.shape != logits.shape:
        return None
    lengths = np.asarray(case["lengths"])
    real = np.arange(logits.shape[1])[None, :] < lengths[:, None]
    blind = real & (np.abs(gradient).max(axis=-1) == 0)
    if not blind.any():
        return None
    sentence, position = (int(i) for i in np.argwhere(blind)[0])
    return (
        f"Not credited: your loss ignores real tokens too (its gradient is zero at position "
        f"{position} of sentence {sentence}, a real word), so ignoring the padded ones proves "
        "nothing. Every real token's cross-entropy counts; only padded positions are masked."
    )
