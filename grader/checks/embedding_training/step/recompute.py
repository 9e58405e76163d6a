"""check_embedding_training, what the grader recomputes itself for experiment 2 (grader side).

The kernel reports only what the learner's train_step did (the weights after it, what it
returned). Everything those are compared with is computed here, from the inputs alone, on the
same reference model the kernel built: its starting weights, the loss's gradients with and
without the fixed dropout mask, the losses before, and the loss at the weights the kernel
reported. In a graded run this runs in the grading side's own worker process
(`grader.batch.recompute_worker`), never in the learner's kernel, so forging a result means
computing a correct step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.embedding_training.probe import reference_loss, reference_model
from grader.checks.judging import finite_array

MODES = {"train": True, "eval": False}
"""The two ways the step may have called the model: with dropout (training=True) or without."""


def recompute(inputs: dict, observations: dict) -> dict:
    """The reference quantities experiment 2 is judged against; {} when it did not run."""
    step = observations.get("train_step") if type(observations) is dict else None
    if type(step) is not dict:
        return {}
    import tensorflow as tf

    model = reference_model(inputs)
    variables = list(model.trainable_variables)
    recomputed: dict[str, Any] = {
        "paths": [str(v.path) for v in variables],
        "before": [np.asarray(v.numpy(), dtype=np.float64) for v in variables],
        "gradients": {},
        "embedding_slice_norm": {},
        "loss_before": {},
    }
    for mode, training in MODES.items():
        with tf.GradientTape() as tape:
            logits = model(inputs["input_batch"], inputs["lengths"], training=training)
            loss = reference_loss(logits, inputs)
        gradients = tape.gradient(loss, variables)
        recomputed["gradients"][mode] = [
            np.asarray(tf.convert_to_tensor(g).numpy(), dtype=np.float64) for g in gradients
        ]
        # Keras clips an IndexedSlices by the norm of its raw rows (repeated words not summed).
        values = np.asarray(gradients[0].values.numpy(), dtype=np.float64)
        recomputed["embedding_slice_norm"][mode] = float(np.linalg.norm(values))
        recomputed["loss_before"][mode] = float(loss.numpy())
    recomputed["loss_after"] = _losses_at(model, variables, step.get("after"), inputs)
    return recomputed


def _losses_at(model: Any, variables: list, reported: Any, inputs: dict) -> dict:
    """{mode: loss} at the weights the kernel reported, each mode as the gradients were taken
    (training=True: the same fixed dropout mask); {} when the weights are unusable."""
    if type(reported) is not list or len(reported) != len(variables):
        return {}
    arrays = [finite_array(a, tuple(v.shape)) for a, v in zip(reported, variables, strict=True)]
    if any(a is None for a in arrays):
        return {}
    for variable, array in zip(variables, arrays, strict=True):
        variable.assign(array.astype(np.float32))
    losses = {}
    for mode, training in MODES.items():
        logits = model(inputs["input_batch"], inputs["lengths"], training=training)
        loss = float(reference_loss(logits, inputs).numpy())
        losses[mode] = loss if np.isfinite(loss) else None
    return losses
