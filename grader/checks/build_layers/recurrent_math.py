"""The equations of Keras's LSTM and GRU cells in NumPy (grader side), to verify recorded calls.

A record (`grader.learner_side.recurrent_layers`) holds a recurrent layer's weights, input
sequence, mask and output sequence, as the kernel reported them. Its output is recomputed here
from its weights and input; only a record whose output matches counts as a recurrent layer, so
a weight merely shaped and placed like a recurrent kernel does not.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from grader.checks.judging import finite_allclose, finite_array

RTOL, ATOL = 1e-3, 1e-4
"""float32 in the kernel, float64 here: the tagger's sizes give errors near 1e-7."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),  # Keras 3's (Keras 2's default)
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
}
"""A cell's activation and recurrent activation, by the names the kernel records."""


def verified_kernels(records: Any, count: int, hidden: int) -> dict[int, set[int]]:
    """The recurrent kernels of `hidden` units whose recorded calls all match the cell's
    equations: their indices among the model's `count` trainable variables, each with the
    indices of the layers that made those calls."""
    if type(records) is not list:
        return {}
    matched: dict[int, set[int]] = {}
    failed: set[int] = set()
    for record in records:
        index = record.get("variable") if type(record) is dict else None
        layer = record.get("layer") if type(record) is dict else None
        if type(index) is not int or not 0 <= index < count or type(layer) is not int:
            continue
        if _matches(record, hidden):
            matched.setdefault(index, set()).add(layer)
        else:
            failed.add(index)
    return {index: layers for index, layers in matched.items() if index not in failed}


def _matches(record: dict, hidden: int) -> bool:
    """Whether one recorded call's output is what its cell computes from its input."""
    kind = record.get("cell")
    gates = {"lstm": 4, "gru": 3}.get(kind)  # type: ignore[arg-type]
    names = record.get("activations")
    if gates is None or type(names) is not list or len(names) != 2:
        return False
    if not all(type(name) is str and name in ACTIVATIONS for name in names):
        return False
    activation, recurrent_activation = (ACTIVATIONS[name] for name in names)
    if record.get("return_sequences") is not True or type(record.get("go_backwards")) is not bool:
        return False
    inputs = finite_array(record.get("inputs"))
    outputs = finite_array(record.get("outputs"))
    recurrent = finite_array(record.get("recurrent_kernel"), (hidden, gates * hidden))
    if inputs is None or outputs is None or recurrent is None or inputs.ndim != 3:
        return False
    batch, time, features = inputs.shape
    kernel = finite_array(record.get("kernel"), (features, gates * hidden))
    if kernel is None or outputs.shape != (batch, time, hidden):
        return False
    mask = record.get("mask")
    if mask is None:
        mask = np.ones((batch, time), dtype=bool)
    elif type(mask) is not np.ndarray or mask.dtype != bool or mask.shape != (batch, time):
        return False
    bias = _bias(record, kind, gates * hidden)
    if bias is False:
        return False
    order = np.arange(time)[::-1] if record["go_backwards"] else np.arange(time)
    step = functools.partial(
        _lstm_step if kind == "lstm" else _gru_step,
        activation=activation,
        recurrent_activation=recurrent_activation,
        **({} if kind == "lstm" else {"reset_after": record.get("reset_after") is True}),
    )
    expected = _run(step, inputs[:, order], mask[:, order], kernel, recurrent, bias, hidden)
    real = mask[:, order]  # outputs come in the order the layer read its input
    if not real.any():
        return False
    return finite_allclose(outputs[real], expected[real], rtol=RTOL, atol=ATOL)


def _bias(record: dict, kind: Any, width: int) -> Any:
    """The cell's bias as the step functions take it: None (no bias), an array, or False
    (unusable). A GRU with reset_after has two rows: the input's and the recurrent one."""
    bias = record.get("bias")
    if bias is None:
        return None
    shape = (2, width) if kind == "gru" and record.get("reset_after") is True else (width,)
    found = finite_array(bias, shape)
    return False if found is None else found


def _run(step, inputs, mask, kernel, recurrent, bias, hidden) -> np.ndarray:
    """Run a cell over time; a masked step keeps the states and repeats the last output."""
    batch, time, _ = inputs.shape
    states = [np.zeros((batch, hidden)), np.zeros((batch, hidden))]
    outputs = np.zeros((batch, time, hidden))
    for t in range(time):
        new = step(inputs[:, t], states, kernel, recurrent, bias, hidden)
        keep = mask[:, t : t + 1]
        states = [np.where(keep, n, s) for n, s in zip(new, states, strict=True)]
        outputs[:, t] = states[0]
    return outputs


def _lstm_step(x, states, kernel, recurrent, bias, hidden, *, activation, recurrent_activation):
    h, c = states
    z = x @ kernel + h @ recurrent + (0.0 if bias is None else bias)
    i, f, g, o = np.split(z, 4, axis=-1)
    gate = recurrent_activation
    c = gate(f) * c + gate(i) * activation(g)
    return [gate(o) * activation(c), c]


def _gru_step(
    x, states, kernel, recurrent, bias, hidden, *, activation, recurrent_activation, reset_after
):
    h, gate = states[0], recurrent_activation
    input_bias = 0.0 if bias is None else (bias[0] if reset_after else bias)
    x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
    if reset_after:
        inner = h @ recurrent + (0.0 if bias is None else bias[1])
        r_z, r_r, r_h = np.split(inner, 3, axis=-1)
        z, r = gate(x_z + r_z), gate(x_r + r_r)
        candidate = activation(x_h + r * r_h)
    else:
        r_z, r_r = np.split(h @ recurrent[:, : 2 * hidden], 2, axis=-1)
        z, r = gate(x_z + r_z), gate(x_r + r_r)
        candidate = activation(x_h + (r * h) @ recurrent[:, 2 * hidden :])
    h = z * h + (1.0 - z) * candidate
    return [h, h]
