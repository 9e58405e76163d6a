"""check_embedding_training, probe (LEARNER side: the only place this check runs learner code).

Experiment 1 trains the learner's model one grader SGD step under the grader's loss; experiment 2
runs the learner's train_step on the grader's reference model. Plain data out for the judges.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.learner_side.calling import (
    LearnerError,
    call_learner,
    learner_failure,
    quiet_tensorflow_warnings,
)
from grader.learner_side.conversions import is_a, to_float64
from grader.learner_side.counting_optimizer import counting_sgd
from grader.learner_side.models import (
    build_learner_model,
    call_for_logits,
    call_model,
    embedding_facts,
    is_course_reference,
    known_step,
)

CHECK = "check_embedding_training"


def _learner_loss(model: Any, inputs: dict, limit: float) -> Any:
    """The grader's loss of the learner's model (training=False), guarded."""
    output = call_for_logits(
        model,
        inputs["input_batch"],
        inputs["lengths"],
        check=CHECK,
        limit=limit,
        hint=" (check_build_layers says more)",
    )
    try:
        return reference_loss(output, inputs)
    except Exception as error:  # the learner's output is not usable as logits
        raise LearnerError(
            "The model's output could not be used as logits [batch, time, n_tags] by the loss "
            f"({type(error).__name__}): run check_build_layers first."
        ) from None


def _gradient_facts(gradient: Any) -> dict:
    """Type name, unique indices and rows with a non-zero gradient of an embedding gradient."""
    import tensorflow as tf

    if gradient is None:
        return {"type": "None"}
    facts: dict[str, Any] = {"type": type(gradient).__name__}
    if isinstance(gradient, tf.IndexedSlices):
        facts["indices"] = np.unique(gradient.indices.numpy()).astype(np.int64)
    dense = np.asarray(tf.convert_to_tensor(gradient).numpy(), dtype=np.float64)
    facts["nonzero_rows"] = np.nonzero(np.abs(dense).max(axis=-1) > 0)[0].astype(np.int64)
    return facts


def probe_learner_model(model_class: Any, inputs: dict) -> dict:
    """Experiment 1: the learner's model, the grader's loss and one grader SGD step."""
    import keras
    import tensorflow as tf

    if is_course_reference(model_class):
        return {"build": {"reference": True}}
    limit = float(inputs["time_limit"])
    try:
        model = build_learner_model(model_class, inputs["sizes"], check=CHECK, limit=limit)
    except LearnerError as error:
        return {"build": learner_failure(error)}
    first = call_model(model, inputs["input_batch"], inputs["lengths"], check=CHECK, limit=limit)
    if "error" in first:
        return {"build": first}
    observations: dict[str, Any] = {"build": {"ok": True}}
    facts = embedding_facts(model, check=CHECK, limit=limit)
    observations["embedding"] = facts
    # A known gradient step first (it moves the weights by ~1%): whether the optimizer moves
    # the matrix is judged from the values, not from what the model says about itself.
    seed = int(inputs.get("step_seed", 0))
    observations["known_step"] = known_step(model, seed, check=CHECK, limit=limit)
    if facts.get("kind") not in ("keras.Variable", "tf.Variable"):
        return observations
    matrix = model.embedding_matrix
    try:
        variables = list(model.trainable_variables)
        others = [v for v in variables if v is not matrix]
        before = to_float64(matrix, what="model.embedding_matrix")
        with tf.GradientTape() as tape:
            loss = _learner_loss(model, inputs, limit)
        gradients = tape.gradient(loss, [matrix, *others])
    except LearnerError as error:
        observations["gradient"] = learner_failure(error)
        return observations
    observations["gradient"] = _gradient_facts(gradients[0])
    by_variable = dict(zip(map(id, [matrix, *others]), gradients, strict=True))
    pairs = [
        (tf.clip_by_norm(by_variable[id(v)], 1.0), v)
        for v in variables
        if by_variable[id(v)] is not None
    ]
    optimizer = keras.optimizers.SGD(learning_rate=float(inputs["learning_rate"]))
    try:
        call_learner(
            optimizer.apply_gradients,
            pairs,
            check=CHECK,
            what="applying one SGD step to model.trainable_variables",
            time_limit=limit,
        )
        after = to_float64(matrix, what="model.embedding_matrix")
        loss_after = _learner_loss(model, inputs, limit)
    except LearnerError as error:
        observations["step"] = learner_failure(error)
        return observations
    observations["step"] = {
        "before": before,
        "after": after,
        "loss_before": float(loss.numpy()),
        "loss_after": float(loss_after.numpy()),
        "n_updated_variables": len(pairs),
    }
    return observations


def probe_learner_step(train_step: Any, inputs: dict) -> dict:
    """Experiment 2: the learner's train_step, compiled, on the reference model with a fresh SGD.

    Only what the step did is recorded (the weights after it, what it returned); the grader
    recomputes the start, the gradients and the losses itself (`recompute`), so nothing here is
    taken on trust. The optimizer's step count and the model's `training` flags are hints for
    the messages, never a verdict.
    """
    import tensorflow as tf

    limit = float(inputs["time_limit"])
    if is_a(train_step, tf.types.experimental.PolymorphicFunction):
        # A tf.function may create variables (e.g. Adam's slots) only on its first call: were the
        # grader to make that call, the learner's own training would then fail. Trace a fresh
        # tf.function of the same Python code instead (still graph mode, their object untouched).
        train_step = train_step.python_function
    # Compiled as notebook 05's loop compiles it (bilstm_ner.training.compile_train_step): a
    # step that only works eagerly (float(loss), loss.numpy()) fails here, not in the loop.
    train_step = tf.function(train_step)
    model = reference_model(inputs, record_training=True)
    variables = list(model.trainable_variables)
    optimizer, applied, received = counting_sgd(inputs, variables)
    observations: dict[str, Any] = {}
    model.training_flags.flags = []
    try:
        with quiet_tensorflow_warnings():
            returned = call_learner(
                train_step,
                model,
                optimizer,
                tf.constant(inputs["input_batch"]),
                tf.constant(inputs["ground_truth_tags"]),
                tf.constant(inputs["lengths"]),
                int(inputs["pad_index"]),
                check=CHECK,
                what=(
                    "train_step(model, optimizer, input_batch, ground_truth_tags, lengths, "
                    "pad_index)"
                ),
                time_limit=limit,
            )
    except LearnerError as error:
        observations["call"] = learner_failure(error)
        return observations
    finally:
        flags, model.training_flags.flags = model.training_flags.flags, None
    observations["training_flags"] = flags
    try:
        observations["returned"] = {"values": to_float64(returned, what="train_step")}
    except LearnerError as error:
        observations["returned"] = learner_failure(error)
    observations["after"] = [np.asarray(v.numpy(), dtype=np.float64) for v in variables]
    observations["iterations"] = int(optimizer.iterations.numpy())
    observations["applied"] = applied[0]
    observations["received"] = float(received.numpy())
    return observations


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """The experiment of each object graded (given here); plain data out."""
    observations = {}
    if "BiLSTMTagger" in objects:
        observations["model"] = probe_learner_model(objects["BiLSTMTagger"], inputs)
    if objects.get("train_step") is not None:
        observations["train_step"] = probe_learner_step(objects["train_step"], inputs)
    return observations


# --- the course's reference pieces experiment 2 trains with (notebook 05 imports them too) ---


def reference_loss(logits: Any, inputs: dict) -> Any:
    """The grader's masked loss (the reference compute_loss) on `logits`; a float32 scalar."""
    import tensorflow as tf

    from bilstm_ner.model import compute_loss

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return compute_loss(
        logits,
        tf.constant(inputs["ground_truth_tags"]),
        tf.constant(inputs["input_batch"]),
        inputs["pad_index"],
    )


def _flag(training: Any) -> str:
    """How the model was told to run: "True", "False", "None" or "tensor" (decided in-graph)."""
    if training is True or training is False or training is None:
        return str(training)
    return "tensor"


class _TrainingFlags:
    """The `training` values a model was called with while `.flags` is a list (else None)."""

    def __init__(self) -> None:
        self.flags: list[str] | None = None

    def record(self, training: Any) -> None:
        if self.flags is not None:
            self.flags.append(_flag(training))


def reference_model(inputs: dict, *, record_training: bool = False) -> Any:
    """The course's BiLSTMTagger with a fixed dropout mask, seeded weights, a scaled output layer.

    Its dropout (`FixedDropout`) drops the same entries at every call, in the kernel and in the
    grader alike, so a step run with training=True is deterministic and still differs from one
    run without dropout. With `record_training`, once its `training_flags.flags` is set to a
    list, that list receives the `training` value of every call (as `_flag` names it).
    """
    import keras
    import tensorflow as tf

    from bilstm_ner.model import BiLSTMTagger

    class FixedDropout(keras.layers.Layer):
        """Dropout whose mask depends only on a seed and the input's shape."""

        def __init__(self, rate: float, seed: int) -> None:
            super().__init__()
            self.rate, self.seed = float(rate), int(seed)
            self.supports_masking = True  # as keras.layers.Dropout: the mask passes through

        def call(self, values, training=False):
            if not training:
                return values
            uniform = tf.random.stateless_uniform(
                tf.shape(values), seed=[self.seed, int(values.shape[-1])]
            )
            kept = uniform >= self.rate
            return tf.where(kept, values / (1.0 - self.rate), tf.zeros_like(values))

    recorder = _TrainingFlags()

    class ProbeTagger(BiLSTMTagger):  # renamed below: a step must not tell it from the course's
        training_flags = recorder  # a class attribute: Keras does not wrap or track it

        def __init__(self, **sizes: int) -> None:
            super().__init__(**sizes, dropout_rate=0.0)
            self.dropout = FixedDropout(inputs["dropout_rate"], inputs["dropout_seed"])

        def call(self, input_batch, lengths, training=False):
            if record_training:
                recorder.record(training)
            return super().call(input_batch, lengths, training=training)

    ProbeTagger.__name__ = ProbeTagger.__qualname__ = BiLSTMTagger.__name__
    ProbeTagger.__module__ = BiLSTMTagger.__module__
    sizes = inputs["sizes"]
    model = ProbeTagger(
        vocabulary_size=sizes["vocabulary_size"],
        n_tags=sizes["n_tags"],
        embedding_dim=sizes["embedding_dim"],
        n_hidden_rnn=sizes["n_hidden_rnn"],
    )
    model(inputs["input_batch"], inputs["lengths"], training=False)
    rng = np.random.default_rng(inputs["weights_seed"])
    for variable in model.trainable_variables:
        scale = (
            1.0 / math.sqrt(sizes["embedding_dim"]) if variable is model.embedding_matrix else 0.5
        )
        variable.assign(rng.normal(0.0, scale, tuple(variable.shape)).astype(np.float32))
    kernel = model.output_dense.kernel
    kernel.assign(kernel * float(inputs["output_scale"]))
    return model
