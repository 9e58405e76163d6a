"""Judging an embedding matrix (grader side), in one place for every check that looks at one.

From the probe's facts about `embedding_matrix` (`grader.learner_side.models.embedding_facts`):
is it a variable, of shape [V, D], float32, tracked as trainable, and do its starting values
look like the exercise's N(0, 1/D)? Each function returns None when all is well, else what is
wrong and how to fix it. notebooks 02, 03 and 05 judge with these, so one layer gets one verdict.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.judging import finite_allclose
from grader.core.randomness import known_gradient

VARIABLE_KINDS = ("keras.Variable", "tf.Variable")

SPREAD_RANGE = (0.8, 1.25)
"""Accepted standard deviation, as a multiple of 1/sqrt(D). With >= 3,600 values the estimate is
within ~1.2% (one standard error) of the truth, so N(0, 1/D) passes whatever the seed, and so
do a truncated normal (0.88x) or a uniform of the same spread; Keras defaults (uniform +-0.05,
Glorot) and the usual slips (1/D, no scaling) are off by a factor of 2 or more for D >= 4."""
MEAN_LIMIT = 0.1
"""Accepted |mean|, as a multiple of 1/sqrt(D) (about six standard errors)."""


def variable_problem(facts: dict, owner: str = "model") -> str | None:
    """Is `<owner>.embedding_matrix` a variable at all?"""
    if not facts.get("exists"):
        return (
            f"The {owner} has no attribute `embedding_matrix`: create it in __init__ with "
            "self.embedding_matrix = self.add_weight(...), shape [vocabulary_size, embedding_dim]."
        )
    kind = facts.get("kind")
    if kind not in VARIABLE_KINDS:
        return (
            f"{owner}.embedding_matrix is a {kind}, not a variable, so training cannot change "
            "it: create it with self.add_weight(...) (or a keras.Variable)."
        )
    return None


def tracking_problem(facts: dict, owner: str = "model") -> str | None:
    """Is the variable in `<owner>.trainable_variables`, where an optimizer loop finds it?"""
    if facts.get("in_trainable_variables") is True:
        return None
    if facts.get("in_non_trainable_variables") is True or facts.get("trainable_flag") is False:
        return (
            f"{owner}.embedding_matrix is frozen (trainable=False): it is in "
            f"{owner}.non_trainable_variables, so the optimizer never updates it. Create it "
            "with trainable=True."
        )
    return (
        f"{owner}.embedding_matrix is not in {owner}.trainable_variables, so an optimizer "
        "looping over them never updates it. In TF1 every tf.Variable went into the "
        "trainable-variables collection automatically; Keras 3 tracks only its own variables, "
        "and a raw tf.Variable attribute is invisible to it. Create the matrix with "
        "self.add_weight(...), a keras.Variable or keras.layers.Embedding."
    )


def shape_problem(facts: dict, expected_shape: list[int], owner: str = "model") -> str | None:
    """Is the matrix [vocabulary_size, embedding_dim]?"""
    if facts.get("shape") == list(expected_shape):
        return None
    vocabulary_size, embedding_dim = expected_shape
    return (
        f"{owner}.embedding_matrix has shape {facts.get('shape')}; with "
        f"vocabulary_size={vocabulary_size} and embedding_dim={embedding_dim} expected "
        f"[vocabulary_size, embedding_dim] = {list(expected_shape)}: one row of embedding_dim "
        "numbers per word."
    )


def dtype_problem(facts: dict, owner: str = "model") -> str | None:
    """Is the matrix float32?"""
    if facts.get("dtype") == "float32":
        return None
    return (
        f"{owner}.embedding_matrix is {facts.get('dtype')}; expected float32. With NumPy 2, "
        "np.random.randn(V, D) / np.sqrt(D) is float64: add .astype(np.float32) "
        "(or dtype='float32' in add_weight)."
    )


def initial_values_problem(values: Any, shape: tuple[int, int]) -> str | None:
    """Do the starting values [V, D] look like N(0, 1/D) (mean ~0, deviation ~1/sqrt(D))?"""
    if type(values) is not np.ndarray or values.dtype.kind not in "biuf":
        return (
            "Could not read embedding_matrix as a float32 [vocabulary_size, embedding_dim] "
            "array to check its starting values (see the items above)."
        )
    if tuple(values.shape) != tuple(shape):
        return f"Not checked: embedding_matrix has shape {tuple(values.shape)}, not {shape}."
    values = values.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return "embedding_matrix starts with NaN or infinity."
    embedding_dim = shape[1]
    target = 1.0 / math.sqrt(embedding_dim)
    std, mean = float(values.std()), float(values.mean())
    low, high = SPREAD_RANGE
    if low * target <= std <= high * target and abs(mean) <= MEAN_LIMIT * target:
        return None
    return (
        f"With embedding_dim = {embedding_dim} the embedding values should have mean about 0 "
        f"and standard deviation about 1/sqrt({embedding_dim}) = {target:.3f}; yours have mean "
        f"{mean:.3f} and standard deviation {std:.3f}. Initialise like the exercise's "
        "np.random.randn(V, D) / np.sqrt(D), e.g. "
        "initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim))."
    )


def step_problem(step: Any, seed: int, facts: dict, owner: str = "model") -> str | None:
    """Did one SGD step over `<owner>.trainable_variables`, with a gradient the grader chose,
    move the matrix by exactly minus that gradient? (None: yes.) Decided on the values the
    kernel returned, before and after; its `facts` about the matrix only explain a failure."""
    before = step.get("before") if type(step) is dict else None
    after = step.get("after") if type(step) is dict else None
    if type(step) is dict and type(step.get("error")) is str:
        return step["error"]
    if (
        type(before) is not np.ndarray
        or type(after) is not np.ndarray
        or before.shape != after.shape
        or before.ndim != 2
        or not np.all(np.isfinite(before))
    ):
        return tracking_problem(facts, owner) or (
            f"Could not read {owner}.embedding_matrix before and after a training step."
        )
    change = after.astype(np.float64) - before.astype(np.float64)
    expected = -known_gradient(seed, before.shape).astype(np.float64)
    if finite_allclose(change, expected, rtol=1e-3, atol=1e-6):
        return None
    if np.all(change == 0):
        return tracking_problem(facts, owner) or (
            f"{owner}.embedding_matrix did not change when an optimizer applied a gradient to "
            f"{owner}.trainable_variables: it is not one of them. Create it with "
            "self.add_weight(...)."
        )
    return (
        f"{owner}.embedding_matrix changed, but not by the gradient an optimizer applied to it "
        "(is the attribute replaced or recomputed after __init__?): keep one variable made with "
        "self.add_weight(...) and always look up that one."
    )
