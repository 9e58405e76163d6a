"""check_embedding_layer, judge (grader side): six items from the probe's plain data."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.embedding_judging import (
    dtype_problem,
    initial_values_problem,
    shape_problem,
    step_problem,
    variable_problem,
)
from grader.checks.embedding_layer import ITEMS, TITLE
from grader.checks.judging import error_of, finite_allclose
from grader.core.report import Report
from grader.core.spec import item_maker, not_attempted_report

item = item_maker(ITEMS)
OWNER = "layer"


def judge(inputs: dict, observations: dict) -> Report:
    """Six items (tracked, shape, dtype, initialisation, lookup, gradient); trusts nothing."""
    found = observations if type(observations) is dict else {}
    message, attempted = error_of(found.get("build"))
    if not attempted:
        return not_attempted_report(TITLE, ITEMS, message)
    facts = found.get("embedding")
    facts_message, facts_attempted = error_of(facts)
    message = message or facts_message
    if message or type(found.get("build")) is not dict or type(facts) is not dict:
        message = message or "The probe returned nothing about your layer."
        skipped = "Not checked: your layer could not be built (see the first item)."
        return Report(
            TITLE,
            [item(ITEMS[0].key, False, message, facts_attempted)]
            + [item(declared.key, False, skipped) for declared in ITEMS[1:]],
        )
    shape = (int(inputs["vocabulary_size"]), int(inputs["embedding_dim"]))
    variable = variable_problem(facts, OWNER)
    tracked = variable or step_problem(found.get("step"), int(inputs["step_seed"]), facts, OWNER)
    if variable:
        skipped = "Not checked: embedding_matrix is not a variable (see the first item)."
        problems = {"shape": skipped, "dtype": skipped, "init": skipped}
    else:
        problems = {
            "shape": shape_problem(facts, list(shape), OWNER),
            "dtype": dtype_problem(facts, OWNER),
            "init": initial_values_problem(facts.get("values"), shape),
        }
    items = [item("tracked", tracked is None, tracked or "")]
    items += [item(key, problem is None, problem or "") for key, problem in problems.items()]
    items.append(_lookup_item(inputs, found.get("call"), facts.get("values"), shape))
    items.append(_gradient_item(found, variable))
    return Report(TITLE, items)


def _lookup_item(inputs: dict, call: Any, matrix: Any, shape: tuple[int, int]):
    message, attempted = error_of(call)
    if message:
        return item("lookup", False, message, attempted)
    input_batch = np.asarray(inputs["input_batch"])
    expected_shape = (*input_batch.shape, shape[1])
    output = call.get("values") if type(call) is dict else None
    if type(output) is not np.ndarray or output.dtype.kind not in "biuf":
        return item("lookup", False, "The layer's output could not be read as numbers.")
    if type(matrix) is not np.ndarray or tuple(matrix.shape) != shape:
        return item("lookup", False, "Not checked: embedding_matrix could not be read (above).")
    if tuple(output.shape) == expected_shape and finite_allclose(
        output, matrix.astype(np.float64)[input_batch], rtol=1e-5, atol=1e-6
    ):
        return item("lookup", True)
    if not np.all(np.isfinite(output)):
        return item("lookup", False, "layer(input_batch) returned NaN or infinity.")
    return item(
        "lookup",
        False,
        f"for an input of shape {input_batch.shape} expected the rows of embedding_matrix, "
        f"shape {expected_shape}; got shape {tuple(output.shape)}"
        + (" with other values" if tuple(output.shape) == expected_shape else "")
        + ". Use tf.nn.embedding_lookup(self.embedding_matrix, input_batch).",
    )


def _gradient_item(found: dict, variable_problem_text: str | None):
    if variable_problem_text:
        return item("gradient", False, "Not checked: embedding_matrix is not a variable (above).")
    call_message, _ = error_of(found.get("call"))
    if call_message:
        return item("gradient", False, "Not checked: calling your layer failed (above).")
    gradient = found.get("gradient")
    kind = gradient.get("type") if type(gradient) is dict else None
    if type(kind) is str and kind not in ("None", ""):
        return item("gradient", True)
    return item(
        "gradient",
        False,
        "tape.gradient(loss, layer.embedding_matrix) is None: compute the output from "
        "self.embedding_matrix itself (not from a NumPy copy) and keep it trainable.",
    )
