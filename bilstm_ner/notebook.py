"""Helpers for the notebooks: quiet deterministic setup, stub detection, small local checks.

The local checks here cover the warm-up exercises of notebooks 01 and 02 (not part of the
grader's contract). Like the grader's checks they never raise into the notebook: a stub is
reported as "not attempted yet", a crash as a failed item naming the exception.
"""

from __future__ import annotations

import dis
import math
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from grader.report import CheckItem, Report
from grader.safety import LearnerError, NotAttempted, call_learner

__all__ = [
    "check_embedding_layer",
    "check_normalize_token",
    "check_pad_sentences",
    "is_stub",
    "mine_or_reference",
    "pad_sentences",
    "setup",
]


def __getattr__(name: str) -> Any:
    """Build `EmbeddingLayer` on first use, so importing this module does not import Keras."""
    if name == "EmbeddingLayer":
        globals()[name] = layer = _make_embedding_layer_class()
        return layer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _make_embedding_layer_class() -> type:
    import keras
    import tensorflow as tf

    class EmbeddingLayer(keras.layers.Layer):
        """Reference for notebook 02's exercise: a tracked [V, D] `embedding_matrix`, N(0, 1/D).

        `layer(input_batch)`: int32 [batch, time] -> float32 [batch, time, embedding_dim].
        """

        def __init__(self, vocabulary_size: int, embedding_dim: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.embedding_matrix = self.add_weight(
                name="embedding_matrix",
                shape=(vocabulary_size, embedding_dim),
                initializer=keras.initializers.RandomNormal(stddev=1 / math.sqrt(embedding_dim)),
                dtype="float32",
                trainable=True,
            )

        def call(self, input_batch: Any) -> Any:
            """The rows of `embedding_matrix` picked by `input_batch`."""
            return tf.nn.embedding_lookup(self.embedding_matrix, input_batch)

    EmbeddingLayer.__module__ = __name__
    return EmbeddingLayer


def setup(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow and make TensorFlow's ops deterministic; prints nothing."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _code_objects(obj: Any) -> Iterator[types.CodeType]:
    """The code objects of a function, or of every method a class defines itself."""
    if isinstance(obj, type):
        for member in vars(obj).values():
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            elif isinstance(member, property):
                yield from (code for f in (member.fget, member.fset) for code in _code_objects(f))
                continue
            if isinstance(member, types.FunctionType):
                yield from _code_objects(member)
        return
    function = getattr(obj, "__func__", obj)  # bound methods
    code = getattr(function, "__code__", None)
    if not isinstance(code, types.CodeType):
        return
    pending = [code]
    while pending:  # nested functions and comprehensions too
        current = pending.pop()
        yield current
        pending.extend(const for const in current.co_consts if isinstance(const, types.CodeType))


def is_stub(obj: Any) -> bool:
    """True if `obj` (a function or class) still raises the stub's `NotImplementedError`.

    Reads the bytecode without calling anything: a class is a stub when any method it defines
    mentions `NotImplementedError`, so a half-finished class counts as a stub.
    """
    for code in _code_objects(obj):
        for instruction in dis.get_instructions(code):
            if instruction.argval == "NotImplementedError" and instruction.opname.startswith(
                ("LOAD_GLOBAL", "LOAD_NAME")
            ):
                return True
    return False


def mine_or_reference(obj: Any, reference: Any, name: str) -> Any:
    """Return the learner's `obj`, or `reference` (with a one-line note) while `obj` is a stub."""
    if obj is None or is_stub(obj):
        print(f"Your `{name}` is not done yet — using the reference one so you can carry on.")
        return reference
    return obj


def pad_sentences(
    token_ids: Sequence[Sequence[int]], pad_index: int
) -> tuple[np.ndarray, np.ndarray]:
    """Reference for notebook 01's exercise: pad sentences of ids to the longest one.

    Returns (input_batch: int32 [batch, time] with pad_index after each sentence,
    lengths: int32 [batch]).
    """
    lengths = np.array([len(sentence) for sentence in token_ids], dtype=np.int32)
    input_batch = np.full((len(token_ids), int(lengths.max())), pad_index, dtype=np.int32)
    for row, sentence in enumerate(token_ids):
        input_batch[row, : len(sentence)] = sentence
    return input_batch, lengths


# --- Local checks -------------------------------------------------------------------------


def _not_attempted(title: str, names: Sequence[str], error: LearnerError) -> Report:
    """Every item failed and not attempted; the first one carries the message."""
    messages = [error.message] + ["Not attempted yet."] * (len(names) - 1)
    items = [CheckItem(n, False, m, attempted=False) for n, m in zip(names, messages, strict=True)]
    return Report(title, items)


def _examples_report(
    title: str,
    function: Callable[..., Any],
    name: str,
    examples: Sequence[tuple[str, tuple, Callable[[Any], str | None]]],
) -> Report:
    """Run `function(*args)` for each (item name, args, judge); judge returns a message or None."""
    items = []
    for item_name, args, judge in examples:
        try:
            result = call_learner(function, *args, check=title, what=name, time_limit=10.0)
        except NotAttempted as error:
            return _not_attempted(title, [example[0] for example in examples], error)
        except LearnerError as error:
            items.append(CheckItem(item_name, False, error.message))
            continue
        try:
            message = judge(result)
        except Exception as error:  # a judge must not crash on a strange result
            message = f"the result {result!r:.80} could not be checked ({error})."
        items.append(CheckItem(item_name, message is None, message or ""))
    return Report(title, items)


def _equals(expected: Any, hint: str) -> Callable[[Any], str | None]:
    def judge(result: Any) -> str | None:
        if type(result) is type(expected) and result == expected:
            return None
        return f"expected {expected!r}, got {result!r:.80}. {hint}"

    return judge


def check_normalize_token(normalize_token: Callable[[str], str]) -> Report:
    """Check the learner's `normalize_token(token: str) -> str` on a few tweets' tokens."""
    from bilstm_ner.data import URL_TOKEN, USER_TOKEN

    mention = f"A user mention (`@` and a name) becomes {USER_TOKEN!r}."
    link = f"A link starting with http:// or https:// becomes {URL_TOKEN!r}."
    keep = "Every other token is returned unchanged (same case, same characters)."
    examples = [
        ("a mention becomes <USR>", ("@KingJames",), _equals(USER_TOKEN, mention)),
        ("a link becomes <URL>", ("http://t.co/x1Y",), _equals(URL_TOKEN, link)),
        ("an https link becomes <URL>", ("https://bit.ly/abc",), _equals(URL_TOKEN, link)),
        ("a word is kept as it is", ("Obama",), _equals("Obama", keep)),
        ("a hashtag is kept", ("#NBA",), _equals("#NBA", keep)),
        ("a lone @ is punctuation, kept", ("@",), _equals("@", "A lone `@` is not a mention.")),
        ("an e-mail is not a mention", ("me@x.org",), _equals("me@x.org", keep)),
    ]
    return _examples_report("check_normalize_token", normalize_token, "normalize_token", examples)


def _padding_judge(sentences: list[list[int]], pad_index: int) -> Callable[[Any], str | None]:
    lengths = [len(sentence) for sentence in sentences]
    expected = np.full((len(sentences), max(lengths)), pad_index, dtype=np.int32)
    for row, sentence in enumerate(sentences):
        expected[row, : len(sentence)] = sentence

    def judge(result: Any) -> str | None:
        if not (isinstance(result, tuple) and len(result) == 2):
            return f"return a pair (input_batch, lengths); got {type(result).__name__}."
        input_batch, found_lengths = result
        for value, what in ((input_batch, "input_batch"), (found_lengths, "lengths")):
            if not isinstance(value, np.ndarray) or value.dtype != np.int32:
                found = getattr(value, "dtype", type(value).__name__)
                return f"{what} should be an int32 NumPy array; got {found}. Use dtype=np.int32."
        if input_batch.shape != expected.shape:
            return (
                f"input_batch should have shape {expected.shape} (sentences, longest length); "
                f"got {input_batch.shape}."
            )
        if found_lengths.tolist() != lengths:
            return f"lengths should be {lengths}; got {found_lengths.tolist()}."
        if not np.array_equal(input_batch, expected):
            return (
                f"input_batch should be\n{expected}\ngot\n{input_batch}\n"
                f"Each row holds its sentence, then pad_index ({pad_index}) up to the end."
            )
        return None

    return judge


def check_pad_sentences(pad_sentences: Callable[[list[list[int]], int], Any]) -> Report:
    """Check the learner's `pad_sentences(token_ids, pad_index) -> (input_batch, lengths)`."""
    cases = [
        ("pads to the longest sentence", [[5, 6, 7], [8], [9, 10]], 1),
        ("uses the given pad_index", [[2, 3], [4, 5, 6, 7]], 0),
        ("a single sentence needs no padding", [[3, 4, 5]], 1),
    ]
    examples = [
        (name, ([list(s) for s in sentences], pad), _padding_judge(sentences, pad))
        for name, sentences, pad in cases
    ]
    return _examples_report("check_pad_sentences", pad_sentences, "pad_sentences", examples)


TRACKED = "embedding_matrix is a tracked trainable weight"
SHAPE = "shape [vocabulary_size, embedding_dim]"
DTYPE = "dtype float32"
INIT = "initialised from N(0, 1/embedding_dim)"
LOOKUP = "layer(input_batch) returns the looked-up rows"
GRADIENT = "the loss gradient reaches embedding_matrix"
EMBEDDING_LAYER_ITEMS = (TRACKED, SHAPE, DTYPE, INIT, LOOKUP, GRADIENT)


def _probe_embedding_layer(layer_class: type, vocabulary_size: int, embedding_dim: int) -> dict:
    """Build the learner's layer, look a batch up and take a gradient (all guarded)."""
    import tensorflow as tf

    def build() -> Any:
        return layer_class(vocabulary_size=vocabulary_size, embedding_dim=embedding_dim)

    layer = call_learner(build, check="check_embedding_layer", what="EmbeddingLayer(...)")
    matrix = getattr(layer, "embedding_matrix", None)
    input_batch = tf.constant([[3, 1, 4, 1], [5, 9, 2, 6]], dtype=tf.int32)
    with tf.GradientTape() as tape:
        output = call_learner(
            layer, input_batch, check="check_embedding_layer", what="calling your layer"
        )
        loss = tf.reduce_sum(tf.convert_to_tensor(output)) if output is not None else None
    tracked = [v for v in getattr(layer, "trainable_variables", []) if v is matrix]
    gradient = tape.gradient(loss, matrix) if (loss is not None and tracked) else None
    return {
        "layer": layer,
        "matrix": matrix,
        "tracked": bool(tracked),
        "input": input_batch,
        "output": output,
        "gradient": gradient,
    }


def check_embedding_layer(layer_class: type) -> Report:
    """Check an embedding layer: a tracked [V, D] float32 `embedding_matrix` ~ N(0, 1/D),
    `layer(input_batch)` = its rows [B, T, D], and a gradient that reaches it."""
    import tensorflow as tf

    title = "check_embedding_layer"
    vocabulary_size, embedding_dim = 400, 16  # 6,400 values: the std is known to about 1%
    try:
        found = _probe_embedding_layer(layer_class, vocabulary_size, embedding_dim)
    except NotAttempted as error:
        return _not_attempted(title, EMBEDDING_LAYER_ITEMS, error)
    except LearnerError as error:
        return Report(title, [CheckItem("the layer is built and called", False, error.message)])

    matrix, items = found["matrix"], []
    if matrix is None:
        message = "Your layer has no `self.embedding_matrix`: create it in `__init__`."
        return Report(title, [CheckItem("self.embedding_matrix exists", False, message)])
    items.append(
        CheckItem(
            TRACKED,
            found["tracked"],
            "It is not in `layer.trainable_variables`, so no optimizer would ever update it. "
            "A raw tf.Variable is not tracked by Keras 3: create it with `self.add_weight(...)`.",
        )
    )
    values = np.asarray(matrix.numpy() if hasattr(matrix, "numpy") else matrix)
    shape_ok = values.shape == (vocabulary_size, embedding_dim)
    items.append(
        CheckItem(
            SHAPE,
            shape_ok,
            f"expected shape {(vocabulary_size, embedding_dim)}, got {values.shape}: "
            "one row of embedding_dim numbers per token.",
        )
    )
    items.append(
        CheckItem(
            DTYPE,
            values.dtype == np.float32,
            f"expected float32, got {values.dtype}. Pass dtype='float32'.",
        )
    )
    expected_std = 1 / math.sqrt(embedding_dim)
    std, mean = float(values.std()), float(values.mean())
    items.append(
        CheckItem(
            INIT,
            abs(std / expected_std - 1) < 0.15 and abs(mean) < 0.1 * expected_std,
            f"with embedding_dim={embedding_dim} the values should have mean 0 and standard "
            f"deviation {expected_std:.3f}; yours have mean {mean:.3f} and deviation {std:.3f}. "
            "Use keras.initializers.RandomNormal(stddev=1 / math.sqrt(embedding_dim)).",
        )
    )
    output = found["output"]
    expected = values[found["input"].numpy()] if shape_ok else None
    output_ok = (
        expected is not None
        and isinstance(output, (tf.Tensor, np.ndarray))
        and tuple(output.shape) == expected.shape
        and np.allclose(np.asarray(output), expected, atol=1e-6)
    )
    items.append(
        CheckItem(
            LOOKUP,
            output_ok,
            f"for an input of shape (2, 4) expected the rows of embedding_matrix, shape "
            f"(2, 4, {embedding_dim}); got {getattr(output, 'shape', type(output).__name__)}. "
            "Use tf.nn.embedding_lookup(self.embedding_matrix, input_batch).",
        )
    )
    gradient = found["gradient"]
    items.append(
        CheckItem(
            GRADIENT,
            gradient is not None,
            "tape.gradient(loss, layer.embedding_matrix) is None: compute the output from "
            "self.embedding_matrix itself (not from a NumPy copy) and keep it trainable.",
        )
    )
    return Report(title, items)
