"""What the Keras recurrent layers of a learner's model computed (LEARNER side).

Every `keras.layers.RNN` inside the model (LSTM, GRU, or RNN over an LSTMCell or GRUCell,
Bidirectional's two included) is watched through one call of the model: its input sequence,
its mask and its output sequence are recorded with its cell's weights, as plain arrays. The
judge recomputes the cell's equations from those weights and inputs: a layer whose outputs
match is a real recurrent layer, whatever the kernel says of itself.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import is_a, to_float64
from grader.learner_side.models import call_for_logits

MAX_RECORDS = 8
"""Calls recorded at most (the exercise's tagger makes two)."""


def rnn_layers(model: Any, *, check: str, limit: float) -> list:
    """Every `keras.layers.RNN` inside the model (its own and nested layers' ones)."""
    import keras

    return call_learner(
        lambda: [
            layer
            for layer in model._flatten_layers(include_self=False, recursive=True)
            if is_a(layer, keras.layers.RNN)
        ],
        check=check,
        what="the model's layers",
        time_limit=limit,
    )


RANDOM_BIAS_STD = 0.5
"""Spread of the recurrent biases the probe sets (Keras starts them at zero, and with zero
biases an LSTM's state stays exactly zero over zero inputs, hiding unmasked padding)."""


def randomize_recurrent_biases(model: Any, seed: int, *, check: str, limit: float) -> int:
    """Give every Keras recurrent layer's cell bias random values (as training soon would);
    the number of biases set."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def assign() -> int:
        count = 0
        for layer in rnn_layers(model, check=check, limit=limit):
            bias = getattr(getattr(layer, "cell", None), "bias", None)
            shape = getattr(bias, "shape", None)
            if bias is None or shape is None or not hasattr(bias, "assign"):
                continue
            values = rng.normal(0.0, RANDOM_BIAS_STD, size=[int(n) for n in shape])
            bias.assign(values.astype(str(getattr(bias.dtype, "name", bias.dtype))))
            count += 1
        return count

    return call_learner(assign, check=check, what="the recurrent layers' biases", time_limit=limit)


@contextlib.contextmanager
def watched(layers: list, on_call: Callable[[Any, dict, Any], Any]) -> Iterator[None]:
    """While the block runs, each call of a layer's `call` returns `on_call(layer, arguments,
    output)`; tf.functions run eagerly meanwhile, so a traced model calls the watch too. A
    layer with a `call` of its own in its instance dictionary is left alone."""
    import tensorflow as tf

    wrapped = []
    try:
        for layer in layers:
            if "call" not in vars(layer):
                object.__setattr__(layer, "call", _watching(layer, on_call))
                wrapped.append(layer)
        eager = tf.config.functions_run_eagerly()
        tf.config.run_functions_eagerly(True)
        try:
            yield
        finally:
            tf.config.run_functions_eagerly(eager)
    finally:
        for layer in wrapped:
            object.__delattr__(layer, "call")


def _watching(layer: Any, on_call: Callable[[Any, dict, Any], Any]) -> Callable[..., Any]:
    original = layer.call
    signature = inspect.signature(original)

    def call(*args: Any, **kwargs: Any) -> Any:
        output = original(*args, **kwargs)
        try:
            arguments = signature.bind(*args, **kwargs).arguments
        except TypeError:
            return output
        return on_call(layer, arguments, output)

    return call


def outputs_stopped(layers: list) -> contextlib.AbstractContextManager:
    """While the block runs, no gradient flows back through the layers' outputs: what a weight
    still changes then, it changes by some other way than through a recurrent layer."""
    import tensorflow as tf

    def stop(layer: Any, arguments: dict, output: Any) -> Any:
        return tf.nest.map_structure(tf.stop_gradient, output)

    return watched(layers, stop)


def recurrent_records(model: Any, inputs: tuple[Any, Any], *, check: str, limit: float) -> Any:
    """One record per call of a recurrent layer during `model(*inputs, training=False)`: a
    list of dicts (cell kind, direction, weights, input, mask, output; the index of its
    recurrent kernel among `model.trainable_variables`, -1 if not there; the index of its
    layer among `rnn_layers(model)`), or a failure."""
    calls: list[tuple[Any, Any, Any, Any]] = []

    def record(layer: Any, arguments: dict, output: Any) -> Any:
        calls.append((layer, arguments.get("sequences"), arguments.get("mask"), output))
        return output

    try:
        layers = rnn_layers(model, check=check, limit=limit)
        trainable = call_learner(
            lambda: list(model.trainable_variables),
            check=check,
            what="model.trainable_variables",
            time_limit=limit,
        )
        with watched(layers, record):
            call_for_logits(model, *inputs, check=check, limit=limit)
        records = []
        for layer, *call in calls[:MAX_RECORDS]:
            record_ = _record(layer, *call, trainable)
            record_["layer"] = next(n for n, known in enumerate(layers) if known is layer)
            records.append(record_)
        return records
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # a layer that cannot be watched, weights that are no arrays
        return {"error": f"watching the recurrent layers: {type(error).__name__}"}


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
    if kind == "other":  # a cell of the learner's own: no equations to check it against
        return {"cell": kind, "variable": -1}
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


ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear", "softsign")
"""The Keras activations whose equations the judge knows (`recurrent_math.ACTIVATIONS`)."""


def _name(function: Any) -> str:
    """A Keras activation's name (one of `ACTIVATIONS`), or "other"."""
    import keras

    for name in ACTIVATIONS:
        if function is getattr(keras.activations, name):
            return name
    return "other"
