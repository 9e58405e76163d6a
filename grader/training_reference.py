"""check_embedding_training, the grader's own TensorFlow pieces (run in the learner's kernel, but
grader code only): the reference masked loss and a seeded reference model."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


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


def reference_model(inputs: dict) -> Any:
    """The course's BiLSTMTagger without dropout, with seeded weights and a scaled output layer."""
    from bilstm_ner.model import BiLSTMTagger

    sizes = inputs["sizes"]
    model = BiLSTMTagger(
        vocabulary_size=sizes["vocabulary_size"],
        n_tags=sizes["n_tags"],
        embedding_dim=sizes["embedding_dim"],
        n_hidden_rnn=sizes["n_hidden_rnn"],
        dropout_rate=0.0,
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
