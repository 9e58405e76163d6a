"""Probing a learner's tagger (LEARNER side), shared by the probes: build the learner's model,
call it, inspect its embedding.

Learner code runs here (always through `call_learner`); what comes back is plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.core.randomness import known_gradient
from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import describe, is_a, tensor_dtype_name, to_float64

MODEL_KEYWORDS = ("vocabulary_size", "n_tags", "embedding_dim", "n_hidden_rnn")
MODEL_CALL = "model(input_batch, lengths, training=False)"


def build_learner_model(model_class: Any, sizes: Mapping[str, int], *, check: str, limit: float):
    """`model_class(vocabulary_size=V, n_tags=K, embedding_dim=D, n_hidden_rnn=H)`, guarded."""
    if model_class is None:
        raise LearnerError("BiLSTMTagger is None: pass your model class, e.g. BiLSTMTagger.")
    keywords = {key: int(sizes[key]) for key in MODEL_KEYWORDS}
    shown = ", ".join(f"{key}={value}" for key, value in keywords.items())
    return call_learner(
        model_class, check=check, what=f"BiLSTMTagger({shown})", time_limit=limit, **keywords
    )


def call_for_logits(
    model: Any, input_batch: Any, lengths: Any, *, check: str, limit: float, hint: str = ""
) -> Any:
    """The learner's `model(input_batch, lengths, training=False)`, guarded; a tuple, list or
    dict is a LearnerError (`hint` ends its first sentence)."""
    output = call_learner(
        model,
        input_batch,
        lengths,
        training=False,
        check=check,
        what=MODEL_CALL,
        time_limit=limit,
    )
    if is_a(output, tuple | list | dict):
        raise LearnerError(
            f"{MODEL_CALL} returned a {type(output).__name__}; "
            f"return only the logits tensor [batch, time, n_tags]{hint}."
        )
    return output


def call_model(model: Any, input_batch: Any, lengths: Any, *, check: str, limit: float) -> dict:
    """Observation of `model(input_batch, lengths, training=False)`: values, dtype, or error."""
    try:
        output = call_for_logits(model, input_batch, lengths, check=check, limit=limit)
        dtype = tensor_dtype_name(output)
        values = to_float64(output, what=MODEL_CALL)
    except LearnerError as error:
        return learner_failure(error)
    return {"values": values, "dtype": dtype or describe(output)}


def matrix_and_variables(model: Any, *, check: str, owner: str = "model") -> tuple[Any, list]:
    """`model.embedding_matrix` (None when absent) and `model.trainable_variables`, guarded."""
    matrix = call_learner(
        getattr, model, "embedding_matrix", None, check=check, what=f"{owner}.embedding_matrix"
    )
    variables = call_learner(
        lambda: list(getattr(model, "trainable_variables", [])),
        check=check,
        what=f"{owner}.trainable_variables",
    )
    return matrix, variables


def embedding_facts(
    model: Any, *, check: str, limit: float, values: bool = False, owner: str = "model"
) -> dict:
    """What `model.embedding_matrix` is: kind, shape, dtype, tracked/trainable (and values)."""
    import keras
    import tensorflow as tf

    try:
        matrix, trainable = matrix_and_variables(model, check=check, owner=owner)
        frozen = call_learner(
            lambda: list(getattr(model, "non_trainable_variables", [])),
            check=check,
            what=f"{owner}.non_trainable_variables",
        )
    except LearnerError as error:
        return learner_failure(error)
    if matrix is None:
        return {"exists": False}
    if is_a(matrix, keras.Variable):
        kind = "keras.Variable"
    elif is_a(matrix, tf.Variable):
        kind = "tf.Variable"
    elif is_a(matrix, tf.Tensor):
        kind = "tf.Tensor"
    else:
        kind = describe(matrix)
    facts: dict[str, Any] = {
        "exists": True,
        "kind": kind,
        "dtype": tensor_dtype_name(matrix),
        "shape": [int(n) for n in matrix.shape] if tensor_dtype_name(matrix) else None,
        "in_trainable_variables": any(v is matrix for v in trainable),
        "in_non_trainable_variables": any(v is matrix for v in frozen),
        "trainable_flag": bool(matrix.trainable) if kind.endswith("Variable") else None,
    }
    if values and facts["dtype"] is not None:
        try:
            facts["values"] = to_float64(matrix, what=f"{owner}.embedding_matrix")
        except LearnerError as error:
            facts["values_error"] = error.message
    return facts


def is_course_reference(model_class: Any) -> bool:
    """Whether `model_class` is the course's own BiLSTMTagger (notebook 05 imports it)."""
    try:
        from bilstm_ner.model import BiLSTMTagger
    except Exception:  # the support library is not importable: it cannot be the reference
        return False
    return model_class is BiLSTMTagger


def known_step(model: Any, seed: int, *, check: str, limit: float, owner: str = "model") -> dict:
    """One SGD step (learning rate 1) over `model.trainable_variables` with a known gradient
    for `embedding_matrix` (zeros for the others); {"before", "after": its values} or a
    failure.

    What moved is data the judge checks against the gradient it chose: a matrix the optimizer
    never sees stays put, whatever the model says about itself.
    """
    import keras
    import tensorflow as tf

    try:
        matrix, variables = matrix_and_variables(model, check=check, owner=owner)
        shape = tuple(int(n) for n in getattr(matrix, "shape", ()))
        before = to_float64(matrix, what=f"{owner}.embedding_matrix")
        pairs = [
            (
                tf.constant(known_gradient(seed, shape))
                if variable is matrix
                else tf.zeros(variable.shape, variable.dtype),
                variable,
            )
            for variable in variables
        ]
        optimizer = keras.optimizers.SGD(learning_rate=1.0)
        if pairs:
            call_learner(
                optimizer.apply_gradients,
                pairs,
                check=check,
                what=f"applying a gradient to {owner}.trainable_variables",
                time_limit=limit,
            )
        return {"before": before, "after": to_float64(matrix, what=f"{owner}.embedding_matrix")}
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # e.g. a variable of a dtype SGD refuses: not trainable by it
        return {
            "error": f"{owner}.trainable_variables could not take a gradient step "
            f"({type(error).__name__})",
            "not_attempted": False,
        }


def scaled_output_call(
    model: Any,
    input_batch: Any,
    lengths: Any,
    *,
    n_tags: int,
    scale: float,
    check: str,
    limit: float,
) -> dict:
    """Observation of the model's logits with its output layer's weights multiplied by `scale`.

    The output layer's weights are the trainable variables (the embedding excepted) with an
    axis of n_tags entries (its kernel, even stored transposed, and bias); they are restored
    afterwards. An affine
    output layer gives `scale` times the logits; an activation after it does not. {"scaled": 0}
    when the model has no such variable.
    """
    try:
        matrix, variables = matrix_and_variables(model, check=check)
        output = [
            v for v in variables if v is not matrix and int(n_tags) in [int(n) for n in v.shape]
        ]
        if not output:
            return {"scaled": 0}
        originals = [to_float64(v, what="an output-layer weight") for v in output]
        try:
            for variable, original in zip(output, originals, strict=True):
                variable.assign((original * scale).astype(tensor_dtype_name(variable)))
            observation = call_model(model, input_batch, lengths, check=check, limit=limit)
        finally:
            for variable, original in zip(output, originals, strict=True):
                variable.assign(original.astype(tensor_dtype_name(variable)))
    except LearnerError as error:
        return learner_failure(error)
    except Exception as error:  # a weight that cannot be assigned: the scaling is not observed
        return {"error": f"the output layer could not be rescaled ({type(error).__name__})"}
    return dict(observation, scaled=len(output), scale=float(scale))
