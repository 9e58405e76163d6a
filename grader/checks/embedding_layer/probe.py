"""check_embedding_layer, probe (LEARNER side): build the layer, read its matrix, call it under
a GradientTape; plain data out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.embedding_layer import TITLE
from grader.checks.embedding_layer.inputs import TIME_LIMIT
from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import is_a, to_float64
from grader.learner_side.models import embedding_facts, known_step

MAX_VALUES = 200_000
"""A larger output is recorded only by its shape."""


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Build EmbeddingLayer(vocabulary_size=V, embedding_dim=D), call it and take a gradient.

    Returns {"build": failure | {"ok": True}, "embedding": embedding facts with values,
    "call": failure | {"values": float64 [B, T, D]}, "gradient": {"type": name} (of the
    gradient of sum(output) with respect to the matrix)}.
    """
    import tensorflow as tf

    layer_class = objects.get("EmbeddingLayer")
    if not callable(layer_class):
        return {"build": {"error": "pass your class: `check_embedding_layer(EmbeddingLayer)`."}}
    limit = float(inputs.get("time_limit", TIME_LIMIT))
    sizes = {"vocabulary_size": inputs["vocabulary_size"], "embedding_dim": inputs["embedding_dim"]}
    shown = ", ".join(f"{key}={value}" for key, value in sizes.items())
    try:
        layer = call_learner(
            layer_class, check=TITLE, what=f"EmbeddingLayer({shown})", time_limit=limit, **sizes
        )
    except LearnerError as error:
        return {"build": learner_failure(error)}
    found: dict[str, Any] = {"build": {"ok": True}}
    input_batch = tf.constant(inputs["input_batch"], dtype=tf.int32)
    try:
        with tf.GradientTape() as tape:
            output = call_learner(
                layer, input_batch, check=TITLE, what="calling your layer", time_limit=limit
            )
            total = _sum(output)
        values = to_float64(output, what="layer(input_batch)")
        if values.size > MAX_VALUES:
            raise LearnerError(f"layer(input_batch) returned a value of shape {values.shape}.")
        found["call"] = {"values": values}
    except LearnerError as error:
        found["call"] = learner_failure(error)
    else:
        matrix = getattr(layer, "embedding_matrix", None)
        is_variable = is_a(matrix, tf.Variable) or _is_keras_variable(matrix)
        gradient = tape.gradient(total, matrix) if total is not None and is_variable else None
        found["gradient"] = {"type": "None" if gradient is None else type(gradient).__name__}
    # After the first call, which creates a matrix made in build() (Keras' usual place), and
    # before the step, the only thing that moves it.
    found["embedding"] = embedding_facts(
        layer, check=TITLE, limit=limit, values=True, owner="layer"
    )
    # Last, as it moves the matrix: the judge checks the move against the gradient it chose.
    seed = int(inputs.get("step_seed", 0))
    found["step"] = known_step(layer, seed, check=TITLE, limit=limit, owner="layer")
    return found


def _is_keras_variable(value: Any) -> bool:
    import keras

    return is_a(value, keras.Variable)


def _sum(output: Any) -> Any:
    """reduce_sum of a tensor output (None for anything else), under the caller's tape."""
    import keras
    import tensorflow as tf

    if not is_a(output, tf.Tensor | tf.Variable | keras.Variable):
        return None
    return tf.reduce_sum(tf.cast(tf.convert_to_tensor(output), tf.float32))
