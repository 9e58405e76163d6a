"""check_build_layers, judge of the output layer (grader side: never calls learner code).

Logits are the affine result of the output layer, free to be any real number. Probabilities
(a softmax) and outputs that are never negative are told apart first; then any activation
after the affine layer shows in the rescaled call: the probe multiplied the output layer's
weights by a negative factor c that makes the logits large, so an affine layer gives c times
the logits (up to a per-position constant, which the softmax ignores), and tanh, leaky relu,
elu, ... do not; nor does exp, which overflows.
"""

from __future__ import annotations

import numpy as np

from grader.checks.build_layers import ITEMS
from grader.checks.build_layers.inputs import rescaling_factor
from grader.checks.judging import error_of, finite_number, observed_values
from grader.core.report import CheckItem
from grader.core.spec import item_maker

item = item_maker(ITEMS)

SCALED_RTOL = 1e-3
"""Rescaled logits within this fraction of their largest size from c x logits are affine ones
(float32 rounding is about 1e-6 of it; tanh after the layer is off by 10% or more)."""

PROBABILITIES = (
    "The outputs are probabilities (in [0, 1], summing to 1 over the tags): remove the "
    "softmax from the output layer (Dense(n_tags) with no activation). The loss "
    "applies the softmax itself; applying it twice flattens the gradients."
)
NEVER_NEGATIVE = (
    "Every output is >= 0, so the output layer has an activation that bounds it (relu, "
    "sigmoid, softplus, softmax...). Logits must be free to be any real number, "
    "negative too: use Dense(n_tags) with no activation; the loss applies the softmax."
)
NOT_AFFINE = (
    "Multiplying the output layer's weights (kernel and bias) by {scale:.1f} did not multiply "
    "the outputs by {scale:.1f}: something non-linear is applied after it (an activation "
    "such as tanh, sigmoid, relu, leaky_relu, elu or softsign, on the layer or after it), so "
    "the outputs are squashed or bent instead of being logits. Return the output layer's "
    "result as it is: Dense(n_tags) with no activation (activation=None); the loss applies "
    "the softmax."
)


def _centred(values: np.ndarray) -> np.ndarray:
    return values - values.mean(axis=-1, keepdims=True)


NO_OUTPUT_LAYER = (
    "Not checked: no trainable weight of the model but the embedding has an axis of n_tags "
    "entries, so the output layer could not be found and rescaled to tell logits from "
    "probabilities. End the model with keras.layers.Dense(n_tags) (its kernel is [2H, n_tags], "
    "its bias [n_tags]) and no activation."
)


def judge_not_probabilities(
    inputs: dict, calls: dict, base: np.ndarray, real: np.ndarray, caveat: str = ""
) -> CheckItem:
    """The "not_probabilities" item, from the base logits and the rescaled call (`caveat` ends
    the message when training=False is random, which the rescaled call cannot tell apart)."""
    real_logits = base[real]
    sums = real_logits.sum(-1)
    if real_logits.min() >= 0.0 and real_logits.max() <= 1.0 and np.allclose(sums, 1.0, atol=1e-3):
        return item("not_probabilities", False, PROBABILITIES)
    if real_logits.min() >= 0.0:
        return item("not_probabilities", False, NEVER_NEGATIVE)
    scaled_call = calls.get("scaled_output")
    message, _ = error_of(scaled_call)
    if message:
        return item("not_probabilities", False, f"Rescaling the output layer failed: {message}")
    if type(scaled_call) is not dict or not scaled_call.get("scaled"):
        return item("not_probabilities", False, NO_OUTPUT_LAYER)
    scale = finite_number(scaled_call.get("scale"))
    expected_scale = rescaling_factor(inputs["output_target"], base)
    if scale is None or not np.isclose(scale, expected_scale, rtol=1e-6):
        return item("not_probabilities", False, "The rescaled call reported a wrong factor.")
    found = scaled_call.get("values")
    if (
        type(found) is np.ndarray
        and found.dtype.kind == "f"
        and found.shape == base.shape
        and not np.all(np.isfinite(found[real]))
    ):  # an affine layer's c x logits stay finite; an exponential overflows
        return item("not_probabilities", False, NOT_AFFINE.format(scale=scale) + caveat)
    scaled = observed_values(scaled_call, base.shape)
    if scaled is None:
        return item("not_probabilities", False, "The rescaled call returned no valid logits.")
    expected = _centred(scale * base)[real]
    found = _centred(scaled)[real]
    tolerance = SCALED_RTOL * max(float(np.abs(expected).max()), 1e-6)
    if float(np.abs(found - expected).max()) > tolerance:
        return item("not_probabilities", False, NOT_AFFINE.format(scale=scale) + caveat)
    return item("not_probabilities", True)
