"""Notebook 02's exercise: check_embedding_layer(EmbeddingLayer), as a CheckSpec.

make_inputs (grader): a random vocabulary_size/embedding_dim and a random int32 batch of ids.
probe (learner side, imports TensorFlow): builds the learner's layer, reads its matrix, calls
the layer on the batch under a GradientTape and records plain data only. judge (grader): checks
tracking, shape, dtype, the N(0, 1/D) initialisation, the lookup (against the matrix's own rows
gathered here with NumPy) and that a gradient reached the matrix. The judge imports no
TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.report import CheckItem, Report
from grader.safety import LearnerError, NotAttempted, call_learner, describe
from grader.spec import CheckSpec

TITLE = "check_embedding_layer"
TIME_LIMIT = 30.0
"""Seconds one learner call (building or calling the layer) may take."""

MAX_VALUES = 200_000
"""A larger matrix or output is recorded only by its shape and dtype."""

BUILT = "the layer is built and called"
HAS_MATRIX = "self.embedding_matrix exists"
TRACKED = "embedding_matrix is a tracked trainable weight"
SHAPE = "shape [vocabulary_size, embedding_dim]"
DTYPE = "dtype float32"
INIT = "initialised from N(0, 1/embedding_dim)"
LOOKUP = "layer(input_batch) returns the looked-up rows"
GRADIENT = "the loss gradient reaches embedding_matrix"
ITEMS = (TRACKED, SHAPE, DTYPE, INIT, LOOKUP, GRADIENT)


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"vocabulary_size" (300-500), "embedding_dim" (12-24): at least 3,600 values, so the
    standard deviation is known to a few per cent; "input_batch": int32 [2-3, 3-6];
    "time_limit"}."""
    vocabulary_size = int(rng.integers(300, 501))
    embedding_dim = int(rng.integers(12, 25))
    shape = (int(rng.integers(2, 4)), int(rng.integers(3, 7)))
    input_batch = rng.integers(0, vocabulary_size, size=shape).astype(np.int32)
    return {
        "vocabulary_size": vocabulary_size,
        "embedding_dim": embedding_dim,
        "input_batch": input_batch,
        "time_limit": float(time_limit),
    }


# --- learner side: probe ------------------------------------------------------------------------


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Build EmbeddingLayer(vocabulary_size=V, embedding_dim=D), call it and take a gradient.

    Returns {"error": str | None (building failed), "not_attempted": bool, "has_matrix",
    "tracked", "matrix": {"array"} | {"returned"}, "call_error": str | None (calling failed),
    "output": {"array"} | {"returned"}, "gradient": bool}.
    """
    import tensorflow as tf

    found: dict = {"error": None, "not_attempted": False}
    layer_class = objects.get("EmbeddingLayer")
    if not callable(layer_class):
        found["error"] = "pass your class: `check_embedding_layer(EmbeddingLayer)`."
        return found
    time_limit = float(inputs.get("time_limit", TIME_LIMIT))
    sizes = {"vocabulary_size": inputs["vocabulary_size"], "embedding_dim": inputs["embedding_dim"]}
    shown = ", ".join(f"{key}={value}" for key, value in sizes.items())
    input_batch = tf.constant(inputs["input_batch"], dtype=tf.int32)
    try:
        layer = call_learner(
            layer_class,
            check=TITLE,
            what=f"EmbeddingLayer({shown})",
            time_limit=time_limit,
            **sizes,
        )
        matrix = call_learner(
            getattr, layer, "embedding_matrix", None, check=TITLE, what="layer.embedding_matrix"
        )
        variables = call_learner(
            getattr, layer, "trainable_variables", [], check=TITLE, what="trainable_variables"
        )
        found["has_matrix"] = matrix is not None
        found["tracked"] = matrix is not None and any(v is matrix for v in list(variables))
        found["matrix"] = _recorded(matrix)
    except NotAttempted as error:
        found.update(error=error.message, not_attempted=True)
        return found
    except LearnerError as error:
        found["error"] = error.message
        return found
    found["call_error"] = None
    try:
        with tf.GradientTape() as tape:
            output = call_learner(
                layer, input_batch, check=TITLE, what="calling your layer", time_limit=time_limit
            )
            loss = _sum(output)
        found["output"] = _recorded(output)
        variable = isinstance(matrix, _tensor_types()[1:])  # a tf.Variable or keras.Variable
        gradient = tape.gradient(loss, matrix) if (loss is not None and variable) else None
        found["gradient"] = gradient is not None
    except NotAttempted as error:
        found.update(error=error.message, not_attempted=True)
    except LearnerError as error:
        found["call_error"] = error.message
    return found


def _tensor_types() -> tuple[type, ...]:
    import keras
    import tensorflow as tf

    return (tf.Tensor, tf.Variable, keras.Variable)


def _sum(output: Any) -> Any:
    """reduce_sum of a tensor output (None for anything else), under the caller's tape."""
    import tensorflow as tf

    if not isinstance(output, _tensor_types()):
        return None
    return tf.reduce_sum(tf.cast(tf.convert_to_tensor(output), tf.float32))


def _recorded(value: Any) -> dict:
    """{"array": its values, own dtype} for a small numeric tensor/variable/ndarray, else
    {"returned": description}."""
    import tensorflow as tf

    if type(value) is np.ndarray:
        array = value
    elif isinstance(value, _tensor_types()):
        array = np.asarray(tf.convert_to_tensor(value).numpy())
    else:
        return {"returned": describe(value)}
    if array.dtype.kind not in "biuf" or array.size > MAX_VALUES:
        return {"returned": f"values of dtype {array.dtype} and shape {array.shape}"}
    return {"array": np.array(array, copy=True)}


# --- grader side: judge -------------------------------------------------------------------------


def judge(inputs: dict, observations: dict) -> Report:
    """Six items (tracked, shape, dtype, initialisation, lookup, gradient); never trusts the
    observations' types."""
    found = observations if type(observations) is dict else {}
    error = found.get("error")
    if found.get("not_attempted") is True:
        message = error if type(error) is str else "EmbeddingLayer is not attempted yet."
        messages = [message] + ["Not attempted yet."] * (len(ITEMS) - 1)
        items = [
            CheckItem(n, False, m, attempted=False) for n, m in zip(ITEMS, messages, strict=True)
        ]
        return Report(TITLE, items)
    if type(error) is str:
        return Report(TITLE, [CheckItem(BUILT, False, error)])
    if found.get("has_matrix") is not True:
        message = "Your layer has no `self.embedding_matrix`: create it in `__init__`."
        return Report(TITLE, [CheckItem(HAS_MATRIX, False, message)])

    vocabulary_size, embedding_dim = inputs["vocabulary_size"], inputs["embedding_dim"]
    matrix = _array(found.get("matrix"))
    items = [
        CheckItem(
            TRACKED,
            found.get("tracked") is True,
            "It is not in `layer.trainable_variables`, so no optimizer would ever update it. "
            "A raw tf.Variable is not tracked by Keras 3: create it with `self.add_weight(...)`.",
        )
    ]
    expected_shape = (vocabulary_size, embedding_dim)
    shape = matrix.shape if matrix is not None else None
    what = f"shape {shape}" if matrix is not None else _returned(found.get("matrix"))
    items.append(
        CheckItem(
            SHAPE,
            shape == expected_shape,
            f"with vocabulary_size={vocabulary_size} and embedding_dim={embedding_dim} expected "
            f"shape {expected_shape}, got {what}: one row of embedding_dim numbers per token.",
        )
    )
    dtype = str(matrix.dtype) if matrix is not None else what
    items.append(
        CheckItem(
            DTYPE,
            matrix is not None and matrix.dtype == np.float32,
            f"expected float32, got {dtype}. Pass dtype='float32'.",
        )
    )
    items.append(_init_item(matrix, embedding_dim))
    call_error = found.get("call_error")
    if type(call_error) is str:
        items.append(CheckItem(LOOKUP, False, call_error))
        items.append(CheckItem(GRADIENT, False, "Not checked: calling your layer failed (above)."))
        return Report(TITLE, items)
    items.append(_lookup_item(matrix, shape == expected_shape, inputs, found.get("output")))
    items.append(
        CheckItem(
            GRADIENT,
            found.get("gradient") is True,
            "tape.gradient(loss, layer.embedding_matrix) is None: compute the output from "
            "self.embedding_matrix itself (not from a NumPy copy) and keep it trainable.",
        )
    )
    return Report(TITLE, items)


def _array(recorded: Any) -> np.ndarray | None:
    array = recorded.get("array") if type(recorded) is dict else None
    if type(array) is not np.ndarray or array.dtype.kind not in "biuf":
        return None
    return array


def _returned(recorded: Any) -> str:
    returned = recorded.get("returned") if type(recorded) is dict else None
    return returned if type(returned) is str else "nothing"


def _init_item(matrix: np.ndarray | None, embedding_dim: int) -> CheckItem:
    expected_std = 1 / math.sqrt(embedding_dim)
    if matrix is None or matrix.size < 2:
        return CheckItem(INIT, False, "Not checked: embedding_matrix has no values (see above).")
    values = matrix.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return CheckItem(INIT, False, "embedding_matrix holds NaN or infinite values.")
    std, mean = float(values.std()), float(values.mean())
    return CheckItem(
        INIT,
        abs(std / expected_std - 1) < 0.15 and abs(mean) < 0.1 * expected_std,
        f"with embedding_dim={embedding_dim} the values should have mean 0 and standard "
        f"deviation {expected_std:.3f}; yours have mean {mean:.3f} and deviation {std:.3f}. "
        "Use keras.initializers.RandomNormal(stddev=1 / math.sqrt(embedding_dim)).",
    )


def _lookup_item(
    matrix: np.ndarray | None, shape_ok: bool, inputs: dict, recorded: Any
) -> CheckItem:
    input_batch = inputs["input_batch"]
    expected_shape = (*input_batch.shape, inputs["embedding_dim"])
    output = _array(recorded)
    ok = (
        matrix is not None
        and shape_ok
        and output is not None
        and output.shape == expected_shape
        and np.allclose(
            output.astype(np.float64), matrix[input_batch].astype(np.float64), atol=1e-6
        )
    )
    found = f"shape {output.shape}" if output is not None else _returned(recorded)
    return CheckItem(
        LOOKUP,
        bool(ok),
        f"for an input of shape {input_batch.shape} expected the rows of embedding_matrix, "
        f"shape {expected_shape}; got {found}. "
        "Use tf.nn.embedding_lookup(self.embedding_matrix, input_batch).",
    )


EMBEDDING_LAYER = CheckSpec(
    name="embedding_layer",
    title=TITLE,
    objects=("EmbeddingLayer",),
    optional_objects=(),
    make_inputs=make_inputs,
    probe=probe,
    judge=judge,
)
