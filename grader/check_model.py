"""check_build_layers: is the learner's `BiLSTMTagger` a real, masked, bidirectional tagger?

inputs (grader) -> probe (learner's kernel: builds the model, calls it on variants of one batch,
returns plain arrays) -> judge (grader: compares the arrays, writes one item per property).
The variants isolate one property each: a reordered batch with one sentence rewritten
(sentences independent), extra padding and random ids at padded positions (masking), a changed
last / first / random word (backward context, forward context, each word's own influence), two
identical calls (no dropout at inference). A second, larger model gives enough embedding values
to test their initialisation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.randomness import random_padded_batch
from grader.report import CheckItem, Report
from grader.safety import LearnerError, call_learner, describe, to_float64
from grader.spec import CheckSpec, learner_failure, run_check

TITLE = "check_build_layers(BiLSTMTagger)"
TIME_LIMIT = 30.0
SAME_ATOL = 1e-5
"""Logits within this are 'unchanged' (a masked model gives exactly equal ones here)."""
CHANGED_ATOL = 1e-5
"""Logits further apart than this have 'changed' (a changed word moves them by >= ~4e-3)."""
STATS_VALUES = 4000
"""At least this many embedding values for the initialisation statistics (std error ~1%)."""

# --- inputs (grader side, NumPy only) ----------------------------------------------------------


def _other_id(rng: np.random.Generator, current: int, vocabulary_size: int, pad_index: int) -> int:
    """A random id that is neither `current` nor `pad_index`."""
    choices = [i for i in range(vocabulary_size) if i not in (current, pad_index)]
    return int(rng.choice(choices))


def random_sizes(rng: np.random.Generator) -> dict:
    """Small random model and batch sizes: V 20-60, K 3-9, D 4-16, H 3-12 (H != D, so a size
    passed in the wrong place shows), B 3-6, T 4-9."""
    vocabulary_size, n_tags = int(rng.integers(20, 61)), int(rng.integers(3, 10))
    embedding_dim, n_hidden_rnn = int(rng.integers(4, 17)), int(rng.integers(3, 13))
    if n_hidden_rnn == embedding_dim:
        n_hidden_rnn -= 1
    return {
        "vocabulary_size": vocabulary_size,
        "n_tags": n_tags,
        "embedding_dim": embedding_dim,
        "n_hidden_rnn": n_hidden_rnn,
        "batch_size": int(rng.integers(3, 7)),
        "max_time": int(rng.integers(4, 10)),
    }


def make_build_layers_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """Sizes, one padded batch and its variants (plain NumPy int32 arrays), for the probe."""
    sizes = random_sizes(rng)
    vocabulary_size, batch_size = sizes["vocabulary_size"], sizes["batch_size"]
    pad_index = int(rng.integers(0, vocabulary_size))
    batch = random_padded_batch(
        rng,
        vocabulary_size=vocabulary_size,
        n_tags=sizes["n_tags"],
        batch_size=batch_size,
        max_time=sizes["max_time"],
        pad_index=pad_index,
    )
    input_batch, lengths = batch["input_batch"], batch["lengths"]
    max_time = input_batch.shape[1]

    # Reorder the sentences and give the (new) first one other words: the logits of the other
    # sentences must just follow the order (an op over the batch axis, even a symmetric one like
    # a mean over sentences, shows up here).
    permutation = rng.permutation(batch_size)
    if np.array_equal(permutation, np.arange(batch_size)):
        permutation = np.roll(permutation, 1)
    permuted = input_batch[permutation].copy()
    for t in range(lengths[permutation[0]]):
        permuted[0, t] = _other_id(rng, permuted[0, t], vocabulary_size, pad_index)

    extra = int(rng.integers(2, 4))
    padded = np.concatenate(
        [input_batch, np.full((batch_size, extra), pad_index, dtype=np.int32)], axis=1
    )
    real = np.arange(max_time + extra)[None, :] < lengths[:, None]
    junk = rng.integers(0, vocabulary_size, size=padded.shape)
    junk_padded = np.where(real, padded, junk).astype(np.int32)

    last_changed, first_changed, own_changed = (input_batch.copy() for _ in range(3))
    own_positions = np.zeros(batch_size, dtype=np.int32)
    for b, length in enumerate(lengths):
        if length >= 2:
            last_changed[b, length - 1] = _other_id(
                rng, input_batch[b, length - 1], vocabulary_size, pad_index
            )
            first_changed[b, 0] = _other_id(rng, input_batch[b, 0], vocabulary_size, pad_index)
        own_positions[b] = rng.integers(0, length)
        own_changed[b, own_positions[b]] = _other_id(
            rng, input_batch[b, own_positions[b]], vocabulary_size, pad_index
        )

    embedding_dim = sizes["embedding_dim"]
    stats_vocabulary_size = max(400, math.ceil(STATS_VALUES / embedding_dim))
    return {
        "sizes": sizes,
        "pad_index": pad_index,
        "input_batch": input_batch,
        "lengths": lengths,
        "permutation": permutation.astype(np.int32),
        "permuted": permuted,
        "padded": padded.astype(np.int32),
        "junk_padded": junk_padded,
        "last_changed": last_changed,
        "first_changed": first_changed,
        "own_changed": own_changed,
        "own_positions": own_positions,
        "stats_sizes": dict(sizes, vocabulary_size=stats_vocabulary_size),
        "time_limit": float(time_limit),
    }


# --- probe (learner side: the only place learner code runs) ------------------------------------

MODEL_KEYWORDS = ("vocabulary_size", "n_tags", "embedding_dim", "n_hidden_rnn")


def build_learner_model(model_class: Any, sizes: Mapping[str, int], *, check: str, limit: float):
    """`model_class(vocabulary_size=V, n_tags=K, embedding_dim=D, n_hidden_rnn=H)`, guarded."""
    if model_class is None:
        raise LearnerError("BiLSTMTagger is None: pass your model class, e.g. BiLSTMTagger.")
    keywords = {key: int(sizes[key]) for key in MODEL_KEYWORDS}
    shown = ", ".join(f"{key}={value}" for key, value in keywords.items())
    return call_learner(
        model_class, check=check, what=f"BiLSTMTagger({shown})", time_limit=limit, **keywords
    )


def is_a(value: Any, kinds: Any) -> bool:
    """isinstance by the real type: a learner object cannot pass for another by its __class__."""
    return issubclass(type(value), kinds)


def _tensor_dtype_name(value: Any) -> str | None:
    """The dtype name of a tensor, variable or NumPy array; None for anything else."""
    import keras
    import tensorflow as tf

    if type(value) is np.ndarray:
        return value.dtype.name
    if is_a(value, tf.Tensor | tf.Variable | keras.Variable):
        return tf.as_dtype(value.dtype).name
    return None


def call_model(model: Any, input_batch: Any, lengths: Any, *, check: str, limit: float) -> dict:
    """Observation of `model(input_batch, lengths, training=False)`: values, dtype, or error."""
    try:
        output = call_learner(
            model,
            input_batch,
            lengths,
            training=False,
            check=check,
            what="model(input_batch, lengths, training=False)",
            time_limit=limit,
        )
        if is_a(output, tuple | list | dict):
            raise LearnerError(
                "model(input_batch, lengths, training=False) returned a "
                f"{type(output).__name__}; return only the logits tensor [batch, time, n_tags]."
            )
        dtype = _tensor_dtype_name(output)
        values = to_float64(output, what="model(input_batch, lengths, training=False)")
    except LearnerError as error:
        return learner_failure(error)
    return {"values": values, "dtype": dtype or describe(output)}


def embedding_facts(model: Any, *, check: str, limit: float, values: bool = False) -> dict:
    """What `model.embedding_matrix` is: kind, shape, dtype, tracked/trainable (and values)."""
    import keras
    import tensorflow as tf

    try:
        matrix = call_learner(
            getattr, model, "embedding_matrix", None, check=check, what="model.embedding_matrix"
        )
        trainable = call_learner(
            lambda: list(model.trainable_variables), check=check, what="model.trainable_variables"
        )
        frozen = call_learner(
            lambda: list(model.non_trainable_variables),
            check=check,
            what="model.non_trainable_variables",
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
        "dtype": _tensor_dtype_name(matrix),
        "shape": [int(n) for n in matrix.shape] if _tensor_dtype_name(matrix) else None,
        "in_trainable_variables": any(v is matrix for v in trainable),
        "in_non_trainable_variables": any(v is matrix for v in frozen),
        "trainable_flag": bool(matrix.trainable) if kind.endswith("Variable") else None,
    }
    if values and facts["dtype"] is not None:
        try:
            facts["values"] = to_float64(matrix, what="model.embedding_matrix")
        except LearnerError as error:
            facts["values_error"] = error.message
    return facts


_VARIANTS = ("permuted", "padded", "junk_padded", "last_changed", "first_changed", "own_changed")


def probe_build_layers(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Build the learner's model, call it on the batch and its variants; plain data out."""
    import tensorflow as tf

    check, limit = "check_build_layers", float(inputs["time_limit"])
    model_class = objects.get("BiLSTMTagger")
    try:
        model = build_learner_model(model_class, inputs["sizes"], check=check, limit=limit)
    except LearnerError as error:
        return {"construct": learner_failure(error)}
    import keras

    observations: dict[str, Any] = {
        "construct": {"class": describe(model), "is_keras_model": is_a(model, keras.Model)}
    }
    input_batch, lengths = inputs["input_batch"], inputs["lengths"]
    calls = {"numpy": call_model(model, input_batch, lengths, check=check, limit=limit)}
    observations["calls"] = calls
    if "error" in calls["numpy"]:
        return observations
    calls["tensors"] = call_model(
        model, tf.constant(input_batch), tf.constant(lengths), check=check, limit=limit
    )
    permutation = inputs["permutation"]
    variants = {
        "permuted": (inputs["permuted"], lengths[permutation]),
        **{name: (inputs[name], lengths) for name in _VARIANTS if name != "permuted"},
    }
    for name, (batch, batch_lengths) in variants.items():
        calls[name] = call_model(model, batch, batch_lengths, check=check, limit=limit)
    observations["embedding"] = embedding_facts(model, check=check, limit=limit)

    stats_sizes = inputs["stats_sizes"]
    try:
        stats_model = build_learner_model(model_class, stats_sizes, check=check, limit=limit)
        call_learner(  # builds a lazily created embedding; one word is enough
            stats_model,
            input_batch[:1, :1],
            np.ones(1, dtype=np.int32),
            training=False,
            check=check,
            what="model(input_batch, lengths, training=False)",
            time_limit=limit,
        )
        observations["stats_embedding"] = embedding_facts(
            stats_model, check=check, limit=limit, values=True
        )
    except LearnerError as error:
        observations["stats_embedding"] = learner_failure(error)
    return observations


# --- judge (grader side: never calls learner code, trusts nothing) -----------------------------

ITEM_NAMES = {
    "construct": "BiLSTMTagger(vocabulary_size=, n_tags=, embedding_dim=, n_hidden_rnn=) builds",
    "logits": "model(input_batch, lengths, training=False) returns float32 logits [B, T, K]",
    "embedding": "model.embedding_matrix is a trainable float32 [V, D] weight of the model",
    "init": "embedding_matrix starts at about N(0, 1/D)",
    "deterministic": "training=False gives the same logits twice (no dropout at inference)",
    "independent": "sentences in a batch do not affect each other",
    "padding": "padding (and whatever ids it holds) does not change real tokens' logits",
    "backward": "each word's logits see the words after it (backward direction)",
    "forward": "each word's logits see the words before it (forward direction)",
    "positions": "each word changes its own logits; logits differ across positions",
    "not_probabilities": "the outputs are logits, not probabilities (no softmax)",
}


def _item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
    return CheckItem(ITEM_NAMES[key], bool(passed), message, 1.0, attempted)


def _logits_array(observation: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The observed logits as a finite float64 array of `shape`, or None."""
    if type(observation) is not dict:
        return None
    values = observation.get("values")
    if type(values) is not np.ndarray or values.dtype.kind not in "biuf":
        return None
    if tuple(values.shape) != shape or not np.all(np.isfinite(values)):
        return None
    return values.astype(np.float64)


def _error_of(observation: Any, fallback: str) -> tuple[str, bool]:
    """(message, attempted) from a failure observation."""
    if type(observation) is dict and type(observation.get("error")) is str:
        return observation["error"], not bool(observation.get("not_attempted"))
    return fallback, True


def _judge_logits(inputs: dict, calls: dict, shape: tuple[int, ...]) -> CheckItem:
    first = calls.get("numpy")
    message, attempted = _error_of(first, "")
    if message:
        return _item("logits", False, message, attempted)
    values = first.get("values") if type(first) is dict else None
    if type(values) is not np.ndarray:
        return _item("logits", False, "The model's output could not be read as numbers.")
    if tuple(values.shape) != shape:
        hint = ""
        if values.ndim == 2 and tuple(values.shape) == shape[:2]:
            hint = " Did you return tag ids (argmax) instead of logits?"
        elif values.ndim == 3 and values.shape[2] != shape[2]:
            hint = " The last axis must have n_tags entries: Dense(n_tags) as the output layer."
        elif values.ndim == 3 and values.shape[1] != shape[1]:
            hint = " Return logits for every position of input_batch, padding included."
        return _item(
            "logits",
            False,
            f"The logits have shape {tuple(values.shape)}; expected [B, T, K] = {shape}.{hint}",
        )
    if first.get("dtype") != "float32":
        return _item(
            "logits",
            False,
            f"The logits are {first.get('dtype')}; expected float32. Keep the embedding and "
            "every layer in float32 (NumPy 2 makes float64 arrays: cast them).",
        )
    if not np.all(np.isfinite(values)):
        return _item("logits", False, "The logits contain NaN or infinity.")
    tensors = calls.get("tensors")
    message, attempted = _error_of(tensors, "")
    if message:
        return _item(
            "logits",
            False,
            "Calling the model with tf.constant inputs failed (NumPy inputs worked): " + message,
        )
    return _item("logits", True)


def _judge_embedding(facts: Any, sizes: dict) -> CheckItem:
    expected_shape = [sizes["vocabulary_size"], sizes["embedding_dim"]]
    message, attempted = _error_of(facts, "")
    if message:
        return _item("embedding", False, message, attempted)
    if type(facts) is not dict or not facts.get("exists"):
        return _item(
            "embedding",
            False,
            "The model has no attribute `embedding_matrix`: create it in __init__ with "
            "self.embedding_matrix = self.add_weight(...), shape [vocabulary_size, embedding_dim].",
        )
    kind = facts.get("kind")
    if kind not in ("keras.Variable", "tf.Variable"):
        return _item(
            "embedding",
            False,
            f"model.embedding_matrix is a {kind}, not a variable, so training cannot change it: "
            "create it with self.add_weight(...) (or a keras.Variable).",
        )
    if facts.get("shape") != expected_shape:
        return _item(
            "embedding",
            False,
            f"model.embedding_matrix has shape {facts.get('shape')}; expected [vocabulary_size, "
            f"embedding_dim] = {expected_shape}: one row of embedding_dim numbers per word.",
        )
    if facts.get("dtype") != "float32":
        return _item(
            "embedding",
            False,
            f"model.embedding_matrix is {facts.get('dtype')}; expected float32. With NumPy 2, "
            "np.random.randn(V, D) / np.sqrt(D) is float64: add .astype(np.float32) "
            "(or dtype='float32' in add_weight).",
        )
    if facts.get("in_trainable_variables") is True:
        return _item("embedding", True)
    if facts.get("in_non_trainable_variables") is True or facts.get("trainable_flag") is False:
        return _item(
            "embedding",
            False,
            "model.embedding_matrix is frozen (trainable=False), so the optimizer never updates "
            "it: create it with trainable=True.",
        )
    if kind == "tf.Variable":
        return _item(
            "embedding",
            False,
            "model.embedding_matrix is a raw tf.Variable, which Keras 3 does not track: it is not "
            "in model.trainable_variables, so no optimizer ever updates it (TF1 put every "
            "tf.Variable in the trainable collection; Keras 3 does not). Create it with "
            "self.add_weight(...), a keras.Variable or keras.layers.Embedding.",
        )
    return _item(
        "embedding",
        False,
        "model.embedding_matrix is not in model.trainable_variables, so no optimizer updates "
        "it: create it in the model with self.add_weight(...).",
    )


def _judge_init(facts: Any, sizes: dict) -> CheckItem:
    message, attempted = _error_of(facts, "")
    if message:
        return _item("init", False, message, attempted)
    values = facts.get("values") if type(facts) is dict else None
    shape = (sizes["vocabulary_size"], sizes["embedding_dim"])
    if type(values) is not np.ndarray or tuple(values.shape) != shape:
        return _item(
            "init",
            False,
            "Could not read model.embedding_matrix as a float32 [vocabulary_size, embedding_dim] "
            "array to check its starting values (see the embedding item).",
        )
    if not np.all(np.isfinite(values)):
        return _item("init", False, "model.embedding_matrix starts with NaN or infinity.")
    target = 1.0 / math.sqrt(shape[1])
    std, mean = float(values.std()), float(values.mean())
    if 0.6 * target <= std <= 1.5 * target and abs(mean) <= 0.15 * target:
        return _item("init", True)
    return _item(
        "init",
        False,
        f"With embedding_dim = {shape[1]} the embedding values should have mean about 0 and "
        f"standard deviation about 1/sqrt({shape[1]}) = {target:.3f}; yours have mean "
        f"{mean:.3f} and standard deviation {std:.3f}. Initialise like the exercise's "
        "np.random.randn(V, D) / np.sqrt(D), e.g. "
        "initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim)).",
    )


def _real_mask(lengths: np.ndarray, max_time: int) -> np.ndarray:
    return np.arange(max_time)[None, :] < lengths[:, None]


def _max_diff(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    return float(np.abs(a - b)[where].max()) if where.any() else 0.0


def _judge_variants(inputs: dict, calls: dict, base: np.ndarray) -> list[CheckItem]:
    """The behaviour items, given valid base logits [B, T, K]."""
    lengths = np.asarray(inputs["lengths"])
    shape = base.shape
    batch_size, max_time, n_tags = shape
    real = _real_mask(lengths, max_time)
    items = []

    again = _logits_array(calls.get("tensors"), shape)
    deterministic = again is not None and _max_diff(again, base, real) <= SAME_ATOL
    if again is None:
        items.append(_item("deterministic", False, "The second call did not return valid logits."))
    elif not deterministic:
        items.append(
            _item(
                "deterministic",
                False,
                "Two calls with training=False gave different logits: something random (dropout) "
                "is active at inference. Pass training=training to your Dropout layers "
                "(or only call tf.nn.dropout when training).",
            )
        )
    else:
        items.append(_item("deterministic", True))
    caveat = (
        "" if deterministic else " (Not reliable while training=False is random: fix that first.)"
    )

    def variant(name: str, width: int = max_time) -> tuple[np.ndarray | None, str]:
        observation = calls.get(name)
        message, _ = _error_of(observation, "")
        if message:
            return None, "The model failed on a variant of the batch: " + message
        values = _logits_array(observation, (batch_size, width, n_tags))
        if values is None:
            found = observation.get("values") if type(observation) is dict else None
            found_shape = tuple(found.shape) if type(found) is np.ndarray else None
            return None, (
                f"For input_batch of shape {(batch_size, width)} the model returned logits of "
                f"shape {found_shape} (or non-finite values); expected "
                f"{(batch_size, width, n_tags)}: return logits for every position of "
                "input_batch, padding included."
            )
        return values, ""

    permutation = np.asarray(inputs["permutation"])
    permuted, problem = variant("permuted")
    if permuted is None:
        items.append(_item("independent", False, problem))
    elif _max_diff(permuted[1:], base[permutation][1:], real[permutation][1:]) > SAME_ATOL:
        items.append(
            _item(
                "independent",
                False,
                "Reordering the sentences of a batch and changing the words of one of them changed "
                "the logits of the others: some operation mixes sentences, e.g. a reduce_* or "
                "normalisation over axis 0, or a reshape that mixes the batch and time axes. "
                "Keep each sentence separate." + caveat,
            )
        )
    else:
        items.append(_item("independent", True))

    width = int(np.asarray(inputs["padded"]).shape[1])
    padded, problem = variant("padded", width)
    junk, junk_problem = variant("junk_padded", width)
    if padded is None or junk is None:
        items.append(_item("padding", False, problem or junk_problem))
    elif _max_diff(padded[:, :max_time], base, real) > SAME_ATOL:
        items.append(
            _item(
                "padding",
                False,
                "Adding padding columns changed the logits of real tokens: the RNN reads the "
                "padding. Its backward direction starts at the last column, so it reads the "
                "padding before the real words. Pass mask=tf.sequence_mask(lengths, T) to the "
                "(Bidirectional) RNN." + caveat,
            )
        )
    elif _max_diff(junk[:, :max_time], base, real) > SAME_ATOL:
        items.append(
            _item(
                "padding",
                False,
                "Changing the ids at padded positions (t >= lengths[b]) changed the logits of real "
                "tokens: build the mask from lengths with tf.sequence_mask(lengths, T), not from "
                "the token ids (the model never knows pad_index)." + caveat,
            )
        )
    else:
        items.append(_item("padding", True))

    long_enough = lengths >= 2
    last_index = np.maximum(lengths - 1, 0)
    rows = np.arange(batch_size)
    for key, name, position_of_effect, message in (
        (
            "backward",
            "last_changed",
            np.zeros(batch_size, dtype=int),
            "Changing the last word of a sentence did not change the logits of its first word: "
            "your RNN only reads left to right. Use keras.layers.Bidirectional(LSTM(..., "
            "return_sequences=True)) (or add a second RNN over tf.reverse_sequence(...)).",
        ),
        (
            "forward",
            "first_changed",
            last_index,
            "Changing the first word of a sentence did not change the logits of its last word: "
            "the model has no left-to-right context. Use keras.layers.Bidirectional(LSTM(..., "
            "return_sequences=True)) so both directions are read.",
        ),
    ):
        values, problem = variant(name)
        if values is None:
            items.append(_item(key, False, problem))
            continue
        effect = np.abs(values[rows, position_of_effect] - base[rows, position_of_effect]).max(-1)
        if np.all(effect[long_enough] > CHANGED_ATOL):
            items.append(_item(key, True))
        else:
            items.append(_item(key, False, message))

    own, problem = variant("own_changed")
    positions = np.asarray(inputs["own_positions"])
    if own is None:
        items.append(_item("positions", False, problem))
    else:
        own_effect = np.abs(own[rows, positions] - base[rows, positions]).max(-1)
        spread = np.array(
            [np.abs(base[b, : lengths[b]] - base[b, :1]).max() for b in range(batch_size)]
        )
        if not np.all(own_effect > CHANGED_ATOL):
            items.append(
                _item(
                    "positions",
                    False,
                    "Changing the word at position t did not change the logits at t: feed each "
                    "word's embedding (tf.nn.embedding_lookup(self.embedding_matrix, input_batch)) "
                    "to the RNN at its own position.",
                )
            )
        elif not np.all(spread[long_enough] > CHANGED_ATOL):
            items.append(
                _item(
                    "positions",
                    False,
                    "All positions of a sentence get the same logits: return the RNN's output at "
                    "every time step (return_sequences=True), not only its final state.",
                )
            )
        else:
            items.append(_item("positions", True))

    real_logits = base[real]
    sums = real_logits.sum(-1)
    looks_like_probabilities = (
        real_logits.min() >= 0.0 and real_logits.max() <= 1.0 and np.allclose(sums, 1.0, atol=1e-3)
    )
    if looks_like_probabilities:
        items.append(
            _item(
                "not_probabilities",
                False,
                "The outputs are probabilities (in [0, 1], summing to 1 over the tags): remove the "
                "softmax from the output layer (Dense(n_tags) with no activation). The loss "
                "applies the softmax itself; applying it twice flattens the gradients.",
            )
        )
    else:
        items.append(_item("not_probabilities", True))
    return items


def judge_build_layers(inputs: dict, observations: dict) -> Report:
    """One item per property of the tagger; never raises on malformed observations."""
    sizes = inputs["sizes"]
    shape = (sizes["batch_size"], sizes["max_time"], sizes["n_tags"])
    observations = observations if type(observations) is dict else {}
    construct = observations.get("construct")
    message, attempted = _error_of(construct, "")
    if message or type(construct) is not dict:
        message = message or "The probe returned no result for the model's construction."
        skipped = "Not checked: the model could not be built (see the first item)."
        return Report(
            TITLE,
            [_item("construct", False, message, attempted)]
            + [_item(key, False, skipped, attempted) for key in list(ITEM_NAMES)[1:]],
        )
    items = []
    if construct.get("is_keras_model") is True:
        items.append(_item("construct", True))
    else:
        items.append(
            _item(
                "construct",
                False,
                f"BiLSTMTagger built a {construct.get('class')}, not a keras.Model: declare it as "
                "class BiLSTMTagger(keras.Model) and call super().__init__() first.",
            )
        )
    calls = observations.get("calls") if type(observations.get("calls")) is dict else {}
    logits_item = _judge_logits(inputs, calls, shape)
    items.append(logits_item)
    items.append(_judge_embedding(observations.get("embedding"), sizes))
    items.append(_judge_init(observations.get("stats_embedding"), inputs["stats_sizes"]))
    base = _logits_array(calls.get("numpy"), shape)
    if base is None:
        skipped = "Not checked: the model did not return valid logits (see above)."
        attempted = logits_item.attempted
        items.extend(_item(key, False, skipped, attempted) for key in list(ITEM_NAMES)[4:])
    else:
        items.extend(_judge_variants(inputs, calls, base))
    return Report(TITLE, items)


BUILD_LAYERS = CheckSpec(
    name="build_layers",
    title=TITLE,
    objects=("BiLSTMTagger",),
    optional_objects=(),
    make_inputs=make_build_layers_inputs,
    probe=probe_build_layers,
    judge=judge_build_layers,
)


def check_build_layers(
    BiLSTMTagger: type,  # the exercise's own name for the class
    *,
    seed: int | None = None,
    time_limit: float = TIME_LIMIT,
) -> Report:
    """Check the learner's tagger class: keras.Model, float32 logits [B, T, K], embedding,
    masking, both directions, no softmax, no dropout at inference. Randomised unless `seed`."""
    spec = BUILD_LAYERS
    if time_limit != TIME_LIMIT:
        spec = dataclasses.replace(
            spec, make_inputs=lambda rng: make_build_layers_inputs(rng, time_limit=time_limit)
        )
    return run_check(spec, {"BiLSTMTagger": BiLSTMTagger}, seed=seed)
