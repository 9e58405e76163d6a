"""check_build_layers, judge of the embedding (grader side: never calls learner code).

Two items from the probe's facts about `model.embedding_matrix`: is it a trainable float32
[V, D] weight the model tracks, and do its starting values look like N(0, 1/D)?
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.build_layers_items import item
from grader.judging import error_of
from grader.report import CheckItem


def judge_embedding(facts: Any, sizes: dict) -> CheckItem:
    """The "embedding" item: a tracked, trainable float32 [V, D] variable."""
    expected_shape = [sizes["vocabulary_size"], sizes["embedding_dim"]]
    message, attempted = error_of(facts)
    if message:
        return item("embedding", False, message, attempted)
    if type(facts) is not dict or not facts.get("exists"):
        return item(
            "embedding",
            False,
            "The model has no attribute `embedding_matrix`: create it in __init__ with "
            "self.embedding_matrix = self.add_weight(...), shape [vocabulary_size, embedding_dim].",
        )
    kind = facts.get("kind")
    if kind not in ("keras.Variable", "tf.Variable"):
        return item(
            "embedding",
            False,
            f"model.embedding_matrix is a {kind}, not a variable, so training cannot change it: "
            "create it with self.add_weight(...) (or a keras.Variable).",
        )
    if facts.get("shape") != expected_shape:
        return item(
            "embedding",
            False,
            f"model.embedding_matrix has shape {facts.get('shape')}; expected [vocabulary_size, "
            f"embedding_dim] = {expected_shape}: one row of embedding_dim numbers per word.",
        )
    if facts.get("dtype") != "float32":
        return item(
            "embedding",
            False,
            f"model.embedding_matrix is {facts.get('dtype')}; expected float32. With NumPy 2, "
            "np.random.randn(V, D) / np.sqrt(D) is float64: add .astype(np.float32) "
            "(or dtype='float32' in add_weight).",
        )
    if facts.get("in_trainable_variables") is True:
        return item("embedding", True)
    if facts.get("in_non_trainable_variables") is True or facts.get("trainable_flag") is False:
        return item(
            "embedding",
            False,
            "model.embedding_matrix is frozen (trainable=False), so the optimizer never updates "
            "it: create it with trainable=True.",
        )
    if kind == "tf.Variable":
        return item(
            "embedding",
            False,
            "model.embedding_matrix is a raw tf.Variable, which Keras 3 does not track: it is not "
            "in model.trainable_variables, so no optimizer ever updates it (TF1 put every "
            "tf.Variable in the trainable collection; Keras 3 does not). Create it with "
            "self.add_weight(...), a keras.Variable or keras.layers.Embedding.",
        )
    return item(
        "embedding",
        False,
        "model.embedding_matrix is not in model.trainable_variables, so no optimizer updates "
        "it: create it in the model with self.add_weight(...).",
    )


def judge_init(facts: Any, sizes: dict) -> CheckItem:
    """The "init" item: mean about 0, standard deviation about 1/sqrt(D)."""
    message, attempted = error_of(facts)
    if message:
        return item("init", False, message, attempted)
    values = facts.get("values") if type(facts) is dict else None
    shape = (sizes["vocabulary_size"], sizes["embedding_dim"])
    if type(values) is not np.ndarray or tuple(values.shape) != shape:
        return item(
            "init",
            False,
            "Could not read model.embedding_matrix as a float32 [vocabulary_size, embedding_dim] "
            "array to check its starting values (see the embedding item).",
        )
    if not np.all(np.isfinite(values)):
        return item("init", False, "model.embedding_matrix starts with NaN or infinity.")
    target = 1.0 / math.sqrt(shape[1])
    std, mean = float(values.std()), float(values.mean())
    if 0.6 * target <= std <= 1.5 * target and abs(mean) <= 0.15 * target:
        return item("init", True)
    return item(
        "init",
        False,
        f"With embedding_dim = {shape[1]} the embedding values should have mean about 0 and "
        f"standard deviation about 1/sqrt({shape[1]}) = {target:.3f}; yours have mean "
        f"{mean:.3f} and standard deviation {std:.3f}. Initialise like the exercise's "
        "np.random.randn(V, D) / np.sqrt(D), e.g. "
        "initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim)).",
    )
