"""What the Keras recurrent layers of a learner's model computed (LEARNER side).

Every `keras.layers.RNN` inside the model (LSTM, GRU, or RNN over an LSTMCell or GRUCell,
Bidirectional's two included) is watched through one call of the model: its input sequence,
its mask and its output sequence are recorded with its cell's weights, as plain arrays. The
judge recomputes the cell's equations from those weights and inputs: a layer whose outputs
match is a real recurrent layer, whatever the kernel says of itself.
"""

from __future__ import annotations

import inspect
from typing import Any

from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import is_a, to_float64
from grader.learner_side.models import call_for_logits

MAX_RECORDS = 8
"""Calls recorded at most (the exercise's tagger makes two)."""


def recurrent_records(model: Any, inputs: tuple[Any, Any], *, check: str, limit: float) -> Any:
    """One record per call of a recurrent layer during `model(*inputs, training=False)`: a
    list of dicts (cell kind, direction, weights, input, mask, output; the index of its
    recurrent kernel among `model.trainable_variables`, -1 if not there), or a failure."""
    import keras
    import tensorflow as tf

    try:
        layers = call_learner(
            lambda: [
                layer
                for layer in model._flatten_layers(include_self=False, recursive=True)
                if is_a(layer, keras.layers.RNN)
            ],
            check=check,
            what="the model's layers",
            time_limit=limit,
        )
        trainable = call_learner(
            lambda: list(model.trainable_variables),
            check=check,
            what="model.trainable_variables",
            time_limit=limit,
        )
    except LearnerError as error:
        return learner_failure(error)
    calls: list[tuple[Any, Any, Any, Any]] = []
    restore = []
    try:
        for layer in layers:
            restore.append((layer, _watch(layer, calls)))
        eager = tf.config.functions_run_eagerly()
        tf.config.run_functions_eagerly(True)  # a tf.function call: still real arrays here
        try:
            call_for_logits(model, *inputs, check=check, limit=limit)
        finally:
            tf.config.run_functions_eagerly(eager)
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # a layer that cannot be watched
        return {"error": f"watching the recurrent layers: {type(error).__name__}"}
    finally:
        for layer, had_own_call in restore:
            if not had_own_call:
                object.__delattr__(layer, "call")
    try:
        return [_record(*call, trainable) for call in calls[:MAX_RECORDS]]
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # weights or outputs that are no arrays
        return {"error": f"reading a recurrent layer: {type(error).__name__}"}


def _watch(layer: Any, calls: list) -> bool:
    """Make `layer.call` record (layer, sequences, mask, output) into `calls`; whether the
    layer had a `call` of its own in its instance dictionary (then it is left alone)."""
    if "call" in vars(layer):
        return True
    original = layer.call
    signature = inspect.signature(original)

    def recording(*args: Any, **kwargs: Any) -> Any:
        output = original(*args, **kwargs)
        try:
            bound = signature.bind(*args, **kwargs).arguments
        except TypeError:
            return output
        calls.append((layer, bound.get("sequences"), bound.get("mask"), output))
        return output

    object.__setattr__(layer, "call", recording)
    return False


def _record(layer: Any, sequences: Any, mask: Any, output: Any, trainable: list) -> dict:
    """The plain data of one recorded call."""
    import keras

    cell = layer.cell
    kind = (
        "lstm"
        if is_a(cell, keras.layers.LSTMCell)
        else "gru"
        if is_a(cell, keras.layers.GRUCell)
        else "other"
    )
    if is_a(output, list | tuple):  # return_state: the sequences come first
        output = output[0]
    recurrent_kernel = cell.recurrent_kernel
    record: dict[str, Any] = {
        "cell": kind,
        "variable": next((n for n, v in enumerate(trainable) if v is recurrent_kernel), -1),
        "go_backwards": bool(layer.go_backwards),
        "return_sequences": bool(layer.return_sequences),
        "activations": [_name(cell.activation), _name(cell.recurrent_activation)],
        "reset_after": bool(getattr(cell, "reset_after", False)),
        "kernel": to_float64(cell.kernel, what="a recurrent layer's kernel"),
        "recurrent_kernel": to_float64(recurrent_kernel, what="its recurrent kernel"),
        "bias": None if cell.bias is None else to_float64(cell.bias, what="its bias"),
        "inputs": to_float64(sequences, what="a recurrent layer's input"),
        "outputs": to_float64(output, what="a recurrent layer's output"),
        "mask": None if mask is None else to_float64(mask, what="its mask") > 0.5,
    }
    return record


def _name(function: Any) -> str:
    """A Keras activation's name ("tanh", "sigmoid"), or "other"."""
    import keras

    for name in ("tanh", "sigmoid"):
        if function is getattr(keras.activations, name):
            return name
    return "other"
