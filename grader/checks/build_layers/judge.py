"""check_build_layers, judge (grader side: never calls learner code, trusts nothing).

One item per property of the tagger, from the probe's observations: it builds as a keras.Model,
returns float32 logits [B, T, K], has a trainable embedding with sensible starting values, and
behaves like a masked bidirectional tagger (see build_layers_judge_behaviour).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.build_layers import ITEM_NAMES, ITEMS, TITLE
from grader.checks.build_layers.judge_behaviour import judge_behaviour
from grader.checks.build_layers.recurrent_math import verified_kernels
from grader.checks.embedding_judging import (
    dtype_problem,
    initial_values_problem,
    shape_problem,
    step_problem,
    variable_problem,
)
from grader.checks.judging import error_of, finite_number, observed_values
from grader.core.report import CheckItem, Report
from grader.core.spec import item_maker

item = item_maker(ITEMS)

INFLUENCE_MIN = 1e-6
"""A recurrent kernel changes the logits when their gradient's norm exceeds this (honest
taggers of the check's sizes: 0.03 or more; an unused weight: exactly 0)."""
NO_PREVIOUS_WORD = 1e-3
"""... and leaves one-word sentences alone: at most this fraction of it there (exactly 0 for a
real recurrent layer, whose first state is zeros)."""
MAX_LAYERS = 8
"""Recurrent layers the probe measures at most (`recurrent_layers.MAX_RECORDS`)."""
NO_BYPASS = 1e-3
"""... and changes them through its layer's outputs only: at most this fraction of it with no
gradient through them (exactly 0 for a recurrent kernel used in its layer alone)."""


def judge(inputs: dict, observations: dict) -> Report:
    """One item per property of the tagger; never raises on malformed observations."""
    sizes = inputs["sizes"]
    shape = (sizes["batch_size"], sizes["max_time"], sizes["n_tags"])
    observations = observations if type(observations) is dict else {}
    construct = observations.get("construct")
    message, attempted = error_of(construct)
    if message or type(construct) is not dict:
        message = message or "The probe returned no result for the model's construction."
        skipped = "Not checked: the model could not be built (see the first item)."
        return Report(
            TITLE,
            [item("construct", False, message, attempted)]
            + [item(key, False, skipped, attempted) for key in list(ITEM_NAMES)[1:]],
        )
    items = []
    lstms = _lstm_problem(
        observations.get("variable_shapes"),
        observations.get("influence"),
        int(sizes["n_hidden_rnn"]),
        observations.get("recurrent"),
    )
    if construct.get("is_keras_model") is not True:
        items.append(
            item(
                "construct",
                False,
                f"BiLSTMTagger built a {construct.get('class')}, not a keras.Model: declare it as "
                "class BiLSTMTagger(keras.Model) and call super().__init__() first.",
            )
        )
    else:
        items.append(item("construct", lstms is None, lstms or ""))
    calls = observations.get("calls") if type(observations.get("calls")) is dict else {}
    logits_item = _judge_logits(inputs, calls, shape)
    items.append(logits_item)
    items.append(
        judge_embedding(
            observations.get("embedding"),
            sizes,
            observations.get("stats_step"),
            int(inputs["step_seed"]),
        )
    )
    items.append(judge_init(observations.get("stats_embedding"), inputs["stats_sizes"]))
    base = observed_values(calls.get("numpy"), shape)
    if base is None:
        skipped = "Not checked: the model did not return valid logits (see above)."
        attempted = logits_item.attempted
        items.extend(item(key, False, skipped, attempted) for key in list(ITEM_NAMES)[4:])
    else:
        items.extend(judge_behaviour(inputs, calls, base))
    return Report(TITLE, items)


def _lstm_problem(shapes: Any, influence: Any, hidden: int, recurrent: Any) -> str | None:
    """None when the model has two recurrent layers of `hidden` units, one per direction, else
    why not. They are found by their recurrent kernels ([hidden, 4 * hidden] for an LSTM,
    [hidden, 3 * hidden] for a GRU, which the course also accepts); each must be the kernel
    of a Keras recurrent layer whose recorded calls match the cell's equations (`recurrent`,
    recomputed in `recurrent_math`), and do a recurrent kernel's job (`influence`, the probe's
    gradient norms of the logits): change the logits of real words, but not those of one-word
    sentences, where no previous word left a state for it to multiply."""
    message, _ = error_of(shapes)
    if message:
        return message
    if type(shapes) is not list or not all(type(shape) is list for shape in shapes):
        return "The check could not read the shapes of model.trainable_variables."
    kernels = [
        n for n, shape in enumerate(shapes) if shape in ([hidden, 4 * hidden], [hidden, 3 * hidden])
    ]
    if len(kernels) >= 2:
        norms = _influence_norms(influence, len(shapes))
        if isinstance(norms, str):
            return norms
        batch, first_word, bypass = norms
        working = [
            n
            for n in kernels
            if batch[n] > INFLUENCE_MIN and first_word[n] <= NO_PREVIOUS_WORD * batch[n]
        ]
        verified = verified_kernels(recurrent, len(shapes), hidden)
        through_layers = [  # with its own layer's outputs stopped, it changes nothing
            n
            for n in working
            if any(
                layer < len(bypass) and bypass[layer][n] <= NO_BYPASS * batch[n]
                for layer in verified.get(n, ())
            )
        ]
        if len([n for n in through_layers if n in verified]) >= 2:
            return None
        if len(working) >= 2 and len([n for n in working if n in verified]) >= 2:
            return (
                f"The model's Keras recurrent layers compute as they should, but the logits "
                f"use {len(working) - len(through_layers)} of their recurrent kernels some "
                "other way than through the layers' outputs (multiplied in by hand?): compute "
                "the logits from the output of keras.layers.Bidirectional(keras.layers.LSTM("
                "n_hidden_rnn, return_sequences=True)) alone."
            )
        if len(working) >= 2:
            message, _ = error_of(recurrent)
            return (
                f"The model has {len(working)} weights that work as the recurrent kernels of "
                f"n_hidden_rnn={hidden} units, but {len(verified.keys() & set(working))} of them "
                "belong to a Keras LSTM (or GRU) layer whose outputs are what an LSTM "
                "computes from its inputs" + (f" ({message})" if message else "") + ". Run the "
                "embeddings through keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn, "
                "return_sequences=True)) and compute the logits from its output."
            )
        return (
            f"The model has {len(kernels)} weights shaped like the recurrent kernels of "
            f"n_hidden_rnn={hidden} units ([{hidden}, {4 * hidden}]), but {len(working)} of "
            "them work as one: a recurrent kernel multiplies the state the previous word left, "
            "so it changes the logits of real words, and not those of a one-word sentence. "
            "Run the embeddings through keras.layers.Bidirectional(keras.layers.LSTM("
            "n_hidden_rnn, return_sequences=True)) and compute the logits from its output."
        )
    return (
        f"The model has {len(kernels)} LSTM of n_hidden_rnn={hidden} units (found by their "
        f"recurrent kernels, [{hidden}, {4 * hidden}], or [{hidden}, {3 * hidden}] for a GRU); "
        "the exercise's tagger has two, one per "
        "direction: keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn, "
        "return_sequences=True)). Other layers that read both ways earn no points here."
    )


def _influence_norms(
    influence: Any, count: int
) -> tuple[list[float], list[float], list[list[float]]] | str:
    """The probe's gradient norms ("batch", "first_word": one finite number >= 0 per
    trainable variable; "bypass": such a list per recurrent layer), or why they cannot be
    used."""
    message, _ = error_of(influence)
    if message:
        return "Computing how the model's weights affect its logits failed: " + message
    unreadable = "The check could not read how the model's weights affect its logits."
    if type(influence) is not dict:
        return unreadable
    lists = []
    bypass = influence.get("bypass")
    if type(bypass) is not list or len(bypass) > MAX_LAYERS:
        return unreadable
    for values in [influence.get("batch"), influence.get("first_word"), *bypass]:
        if type(values) is not list or len(values) != count:
            return unreadable
        numbers = [finite_number(value) for value in values]
        if any(number is None or number < 0 for number in numbers):
            return unreadable
        lists.append(numbers)
    return lists[0], lists[1], lists[2:]


def _judge_logits(inputs: dict, calls: dict, shape: tuple[int, ...]) -> CheckItem:
    first = calls.get("numpy")
    message, attempted = error_of(first)
    if message:
        return item("logits", False, message, attempted)
    values = first.get("values") if type(first) is dict else None
    if type(values) is not np.ndarray:
        return item("logits", False, "The model's output could not be read as numbers.")
    if tuple(values.shape) != shape:
        hint = ""
        one_per_sentence = values.ndim == 2 and tuple(values.shape) == (shape[0], shape[2])
        if values.ndim == 2 and tuple(values.shape) == shape[:2]:
            hint = " Did you return tag ids (argmax) instead of logits?"
        if one_per_sentence:
            hint += (
                " That is one row of logits per sentence, not per word: the RNN returned only "
                "its final state. Give the LSTM return_sequences=True so it returns every step."
            )
        elif values.ndim == 3 and values.shape[2] != shape[2]:
            hint = " The last axis must have n_tags entries: Dense(n_tags) as the output layer."
        elif values.ndim == 3 and values.shape[1] != shape[1]:
            hint = " Return logits for every position of input_batch, padding included."
        return item(
            "logits",
            False,
            f"The logits have shape {tuple(values.shape)}; expected [B, T, K] = {shape}.{hint}",
        )
    if first.get("dtype") != "float32":
        return item(
            "logits",
            False,
            f"The logits are {first.get('dtype')}; expected float32. Keep the embedding and "
            "every layer in float32 (NumPy 2 makes float64 arrays: cast them).",
        )
    if not np.all(np.isfinite(values)):
        return item("logits", False, "The logits contain NaN or infinity.")
    tensors = calls.get("tensors")
    message, attempted = error_of(tensors)
    if message:
        return item(
            "logits",
            False,
            "Calling the model with tf.constant inputs failed (NumPy inputs worked): " + message,
        )
    return item("logits", True)


def judge_embedding(facts: Any, sizes: dict, step: Any = None, seed: int = 0) -> CheckItem:
    """The "embedding" item: a float32 [V, D] variable that an optimizer over the model's
    trainable_variables moves by the gradient it applies (`step`: the known step's values)."""
    message, attempted = error_of(facts)
    if message:
        return item("embedding", False, message, attempted)
    if type(facts) is not dict:
        return item("embedding", False, "The probe returned nothing about the embedding.")
    expected_shape = [sizes["vocabulary_size"], sizes["embedding_dim"]]
    problem = (
        variable_problem(facts)
        or shape_problem(facts, expected_shape)
        or dtype_problem(facts)
        or step_problem(step, seed, facts)
    )
    return item("embedding", problem is None, problem or "")


def judge_init(facts: Any, sizes: dict) -> CheckItem:
    """The "init" item: mean about 0, standard deviation about 1/sqrt(D)."""
    message, attempted = error_of(facts)
    if message:
        return item("init", False, message, attempted)
    values = facts.get("values") if type(facts) is dict else None
    shape = (sizes["vocabulary_size"], sizes["embedding_dim"])
    problem = initial_values_problem(values, shape)
    return item("init", problem is None, problem or "")
