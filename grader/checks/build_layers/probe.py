"""check_build_layers, probe (LEARNER side: the only place this check runs learner code).

Builds the learner's model, calls it on the batch and on each variant, records what its
embedding is and how much each of its weights affects the logits; returns plain data (arrays,
dtype names, numbers, failure messages) for the judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.checks.build_layers import TITLE
from grader.checks.build_layers.inputs import rescaling_factor
from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import describe, is_a
from grader.learner_side.models import (
    MODEL_CALL,
    build_learner_model,
    call_for_logits,
    call_model,
    embedding_facts,
    known_step,
    scaled_output_call,
)
from grader.learner_side.recurrent_layers import (
    MAX_RECORDS,
    outputs_stopped,
    randomize_recurrent_biases,
    recurrent_records,
    rnn_layers,
)

CHECK = TITLE
VARIANTS = ("permuted", "padded", "junk_padded", "last_changed", "first_changed", "own_changed")


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Build the learner's model, call it on the batch and its variants; plain data out."""
    import tensorflow as tf

    limit = float(inputs["time_limit"])
    model_class = objects.get("BiLSTMTagger")
    try:
        model = build_learner_model(model_class, inputs["sizes"], check=CHECK, limit=limit)
    except LearnerError as error:
        return {"construct": learner_failure(error)}
    import keras

    observations: dict[str, Any] = {
        "construct": {"class": describe(model), "is_keras_model": is_a(model, keras.Model)}
    }
    input_batch, lengths = inputs["input_batch"], inputs["lengths"]
    calls = {"numpy": call_model(model, input_batch, lengths, check=CHECK, limit=limit)}
    observations["calls"] = calls
    if "error" in calls["numpy"]:
        return observations
    try:  # the first call built the weights: now biases that do not hide unmasked padding
        if randomize_recurrent_biases(model, int(inputs["step_seed"]), check=CHECK, limit=limit):
            calls["numpy"] = call_model(model, input_batch, lengths, check=CHECK, limit=limit)
    except LearnerError:
        pass  # a layer whose bias cannot be read or set: judged with its own biases
    if "error" in calls["numpy"]:
        return observations
    calls["tensors"] = call_model(
        model, tf.constant(input_batch), tf.constant(lengths), check=CHECK, limit=limit
    )
    permutation = inputs["permutation"]
    variants = {
        "permuted": (inputs["permuted"], lengths[permutation]),
        **{name: (inputs[name], lengths) for name in VARIANTS if name != "permuted"},
    }
    for name, (batch, batch_lengths) in variants.items():
        calls[name] = call_model(model, batch, batch_lengths, check=CHECK, limit=limit)
    calls["scaled_output"] = scaled_output_call(
        model,
        input_batch,
        lengths,
        n_tags=inputs["sizes"]["n_tags"],
        scale=rescaling_factor(inputs["output_target"], calls["numpy"]["values"]),
        check=CHECK,
        limit=limit,
    )
    observations["embedding"] = embedding_facts(model, check=CHECK, limit=limit)
    observations["variable_shapes"] = _variable_shapes(model, limit)
    observations["influence"] = _influence(model, inputs, limit)
    observations["recurrent"] = recurrent_records(
        model, (input_batch, lengths), check=CHECK, limit=limit
    )
    observations["stats_embedding"], observations["stats_step"] = _initial_embedding(
        model_class, inputs, limit
    )
    return observations


def _variable_shapes(model: Any, limit: float) -> list | dict:
    """The shape of every trainable variable of the built model (as lists of ints)."""
    try:
        return [[int(n) for n in variable.shape] for variable in _trainable(model, limit)]
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # a variable whose shape is not a list of ints
        return {"error": f"model.trainable_variables: {type(error).__name__}"}


def _trainable(model: Any, limit: float) -> list:
    """The model's trainable variables, read as learner code (it may be a property of theirs)."""
    return call_learner(
        lambda: list(model.trainable_variables),
        check=CHECK,
        what="model.trainable_variables",
        time_limit=limit,
    )


def _influence(model: Any, inputs: dict, limit: float) -> dict:
    """How much each trainable variable affects the logits of real words: the norm of the
    gradient of their weighted sum, on the batch and on its first words alone (one-word
    sentences: no word before or after, so a recurrent kernel, which multiplies the state the
    previous word left, has no effect there), and on the batch with no gradient through one
    Keras recurrent layer's outputs, for each such layer ("bypass": that layer's recurrent
    kernel has none left then). {"batch": [...], "first_word": [...], "bypass": [[...], ...]}
    (one float per trainable variable, 0.0 for no gradient; one list per layer, in the order
    of `rnn_layers`) or a failure."""
    import contextlib

    import tensorflow as tf

    weights = np.asarray(inputs["influence_weights"], dtype=np.float32)
    input_batch, lengths = inputs["input_batch"], inputs["lengths"]
    real = (np.arange(input_batch.shape[1])[None, :] < lengths[:, None]).astype(np.float32)
    first_words = np.ascontiguousarray(input_batch[:, :1])
    ones = np.ones_like(lengths)

    def norms_of(batch, batch_lengths, mask, stop) -> list[float]:
        with stop, tf.GradientTape() as tape:
            logits = call_for_logits(model, batch, batch_lengths, check=CHECK, limit=limit)
            logits = tf.cast(tf.convert_to_tensor(logits), tf.float32)
            total = tf.reduce_sum(logits * weights[:, : batch.shape[1]] * mask[..., None])
        found = tape.gradient(total, variables)
        return [0.0 if g is None else _norm(g) for g in found]

    try:
        variables = _trainable(model, limit)
        layers = rnn_layers(model, check=CHECK, limit=limit)[:MAX_RECORDS]
        free = contextlib.nullcontext()
        return {
            "batch": norms_of(input_batch, lengths, real, free),
            "first_word": norms_of(first_words, ones, real[:, :1], free),
            "bypass": [
                norms_of(input_batch, lengths, real, outputs_stopped([layer])) for layer in layers
            ],
        }
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # a gradient that is no tensor: no influence observed
        return {"error": f"the gradient of the logits: {type(error).__name__}"}


def _norm(gradient: Any) -> float:
    """The L2 norm of a gradient (dense or IndexedSlices), as a float."""
    import tensorflow as tf

    return float(tf.norm(tf.cast(tf.convert_to_tensor(gradient), tf.float64)).numpy())


def _initial_embedding(model_class: Any, inputs: dict, limit: float) -> tuple[dict, dict]:
    """Embedding facts, values included, of a fresh model large enough for statistics, and
    that model's known training step (`known_step`)."""
    try:
        stats_model = build_learner_model(
            model_class, inputs["stats_sizes"], check=CHECK, limit=limit
        )
        call_learner(  # builds a lazily created embedding; one word is enough
            stats_model,
            inputs["input_batch"][:1, :1],
            np.ones(1, dtype=np.int32),
            training=False,
            check=CHECK,
            what=MODEL_CALL,
            time_limit=limit,
        )
        facts = embedding_facts(stats_model, check=CHECK, limit=limit, values=True)
        step = known_step(stats_model, int(inputs["step_seed"]), check=CHECK, limit=limit)
        return facts, step
    except LearnerError as error:
        return learner_failure(error), learner_failure(error)
