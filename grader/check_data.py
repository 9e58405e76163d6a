"""Notebook 01's exercises: check_normalize_token and check_pad_sentences, as CheckSpecs.

make_inputs (grader): random tokens of each kind / random sentences and pad_index, new at every
run. probe (learner side): calls the learner's function on each and records plain data only.
judge (grader): compares with the expected values worked out here, never with learner code.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from grader.report import CheckItem, Report
from grader.safety import LearnerError, NotAttempted, TimedOut, call_learner, describe
from grader.spec import CheckSpec

USER_TOKEN = "<USR>"
URL_TOKEN = "<URL>"
"""The same strings as `bilstm_ner.data.USER_TOKEN` / `URL_TOKEN` (a test keeps them equal)."""

TIME_LIMIT = 10.0
"""Seconds one call of the learner's function may take."""

MAX_TEXT = 200
"""A returned string longer than this is recorded cut to this length."""

MAX_VALUES = 10_000
"""A larger returned array is recorded only by its shape and dtype."""

NOT_CHECKED = "Not checked: see the first failed item."


def _probe_each_case(
    function: Any,
    inputs: dict,
    *,
    arguments: Callable[[dict], tuple],
    record: Callable[[Any], dict],
    title: str,
    what: str,
) -> dict:
    """Call the learner's `function(*arguments(case))` for each case, guarded (LEARNER side).

    Returns {"results": [record(value) | {"error": message}], "not_attempted": bool}; stops at
    the stub's NotImplementedError or at a time-out.
    """
    cases = inputs["cases"]
    if not callable(function):
        message = f"pass your function: `{title}({what})`."
        return {"results": [{"error": message}] * len(cases), "not_attempted": False}
    results: list[dict] = []
    for case in cases:
        try:
            value = call_learner(
                function,
                *arguments(case),
                check=title,
                what=what,
                time_limit=float(inputs.get("time_limit", TIME_LIMIT)),
            )
        except NotAttempted as error:
            return {"results": [{"error": error.message}], "not_attempted": True}
        except TimedOut as error:
            results.append({"error": error.message})
            break
        except LearnerError as error:
            results.append({"error": error.message})
            continue
        results.append(record(value))
    return {"results": results, "not_attempted": False}


# --- normalize_token ---------------------------------------------------------------------------

NORMALIZE_TOKEN_TITLE = "check_normalize_token"
MENTION = f"A user mention (`@` and a name) becomes {USER_TOKEN!r}."
LINK = f"A link starting with http:// or https:// becomes {URL_TOKEN!r}."
KEEP = "Every other token is returned unchanged (same case, same characters)."
LONE_AT = "A lone `@` is not a mention."

# item name -> (kind of token, hint when wrong); the expected result follows from the kind.
TOKEN_CASES = (
    ("a mention becomes <USR>", "mention", MENTION),
    ("a link becomes <URL>", "http", LINK),
    ("an https link becomes <URL>", "https", LINK),
    ("a word is kept as it is", "word", KEEP),
    ("a hashtag is kept", "hashtag", KEEP),
    ("a lone @ is punctuation, kept", "lone_at", LONE_AT),
    ("an e-mail is not a mention", "email", KEEP),
)


def _letters(rng: np.random.Generator, low: int, high: int, alphabet: str) -> str:
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(low, high + 1))))


def _token(rng: np.random.Generator, kind: str) -> str:
    """A random token of `kind` ("mention", "http", "https", "word", "hashtag", ...)."""
    lower, alnum = string.ascii_lowercase, string.ascii_letters + string.digits
    if kind == "mention":
        return "@" + _letters(rng, 3, 9, alnum + "_")
    if kind == "http":
        return "http://t.co/" + _letters(rng, 4, 10, alnum)
    if kind == "https":
        return f"https://{_letters(rng, 3, 8, lower)}.ly/{_letters(rng, 2, 8, alnum)}"
    if kind == "word":
        return _letters(rng, 1, 1, string.ascii_uppercase) + _letters(rng, 2, 9, lower)
    if kind == "hashtag":
        return "#" + _letters(rng, 2, 10, alnum)
    if kind == "lone_at":
        return "@"
    if kind == "email":
        return f"{_letters(rng, 2, 8, lower)}@{_letters(rng, 2, 8, lower)}.org"
    raise ValueError(f"unknown kind of token {kind!r}")


def _expected_token(kind: str, token: str) -> str:
    return {"mention": USER_TOKEN, "http": URL_TOKEN, "https": URL_TOKEN}.get(kind, token)


def make_normalize_token_inputs(
    rng: np.random.Generator, *, time_limit: float = TIME_LIMIT
) -> dict:
    """{"time_limit": seconds per call, "cases": [{"name", "kind", "token"}]}, one token a kind."""
    cases = [
        {"name": name, "kind": kind, "token": _token(rng, kind)} for name, kind, _ in TOKEN_CASES
    ]
    return {"time_limit": float(time_limit), "cases": cases}


def probe_normalize_token(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call normalize_token(token) for each case.

    Returns {"results": [{"value": str} | {"returned": description} | {"error": message}],
    "not_attempted": bool}; stops at the stub's NotImplementedError or a time-out.
    """
    return _probe_each_case(
        objects.get("normalize_token"),
        inputs,
        arguments=lambda case: (case["token"],),
        record=_record_token,
        title=NORMALIZE_TOKEN_TITLE,
        what="normalize_token",
    )


def _record_token(value: Any) -> dict:
    """A returned token as plain data: the string (cut) or a description of what came back."""
    if type(value) is str:
        return {"value": value[:MAX_TEXT]}
    return {"returned": describe(value)}


def judge_normalize_token(inputs: dict, observations: dict) -> Report:
    """One item per kind of token: the learner's result against the expected string."""
    cases = inputs["cases"]
    results = _observed_list(observations, "results")
    if _not_attempted(observations):
        return _not_attempted_report(NORMALIZE_TOKEN_TITLE, [c["name"] for c in cases], results)
    hints = {name: hint for name, _, hint in TOKEN_CASES}
    items = []
    for index, case in enumerate(cases):
        result = results[index] if index < len(results) else None
        expected = _expected_token(case["kind"], case["token"])
        items.append(CheckItem(case["name"], *_token_verdict(result, case, expected, hints)))
    return Report(NORMALIZE_TOKEN_TITLE, items)


def _token_verdict(result: Any, case: dict, expected: str, hints: dict) -> tuple[bool, str]:
    if type(result) is not dict:
        return False, "Not checked: normalize_token stopped before this token (see above)."
    if type(result.get("error")) is str:
        return False, result["error"]
    value = result.get("value")
    if type(value) is str and value == expected:
        return True, ""
    found = repr(value) if type(value) is str else str(result.get("returned", "nothing"))
    return False, (
        f"normalize_token({case['token']!r}) should return {expected!r}; got {found:.80}. "
        f"{hints[case['name']]}"
    )


NORMALIZE_TOKEN = CheckSpec(
    name="normalize_token",
    title=NORMALIZE_TOKEN_TITLE,
    objects=("normalize_token",),
    optional_objects=(),
    make_inputs=make_normalize_token_inputs,
    probe=probe_normalize_token,
    judge=judge_normalize_token,
)

# --- pad_sentences -----------------------------------------------------------------------------

PAD_SENTENCES_TITLE = "check_pad_sentences"
PADS_TO_LONGEST = "pads to the longest sentence"
USES_PAD_INDEX = "uses the given pad_index"
SINGLE_SENTENCE = "a single sentence needs no padding"


def _sentences(
    rng: np.random.Generator, count: int, pad_index: int, vocabulary_size: int
) -> list[list[int]]:
    """`count` sentences of random ids (never pad_index), of at least two different lengths."""
    while True:
        lengths = rng.integers(1, 7, size=count)
        if count == 1 or len(set(lengths.tolist())) > 1:
            break
    sentences = []
    for length in lengths:
        ids = rng.integers(0, vocabulary_size - 1, size=int(length))
        sentences.append([int(i) + int(i >= pad_index) for i in ids])
    return sentences


def make_pad_sentences_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"time_limit", "cases": [{"name", "token_ids": list of lists of ints, "pad_index"}]}.

    The first case pads with a random non-zero pad_index, the second with 0, the third is one
    sentence (nothing to pad).
    """
    vocabulary_size = int(rng.integers(20, 100))
    plans = [
        (PADS_TO_LONGEST, int(rng.integers(3, 6)), int(rng.integers(1, vocabulary_size))),
        (USES_PAD_INDEX, int(rng.integers(2, 5)), 0),
        (SINGLE_SENTENCE, 1, int(rng.integers(0, vocabulary_size))),
    ]
    cases = [
        {
            "name": name,
            "token_ids": _sentences(rng, count, pad_index, vocabulary_size),
            "pad_index": pad_index,
        }
        for name, count, pad_index in plans
    ]
    return {"time_limit": float(time_limit), "cases": cases}


def _recorded_array(value: Any) -> dict:
    """{"array": a copy} for a small numeric ndarray; else {"returned": description}."""
    if type(value) is not np.ndarray:
        return {"returned": describe(value)}
    if value.dtype.kind not in "biuf" or value.size > MAX_VALUES:
        return {"returned": f"a NumPy array of dtype {value.dtype} and shape {value.shape}"}
    return {"array": np.array(value, copy=True)}


def probe_pad_sentences(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call pad_sentences(token_ids, pad_index) for each case (on fresh lists).

    Returns {"results": [{"error": message} | {"pair": False, "returned": description} |
    {"pair": True, "input_batch": recorded, "lengths": recorded}], "not_attempted": bool}.
    """
    return _probe_each_case(
        objects.get("pad_sentences"),
        inputs,
        arguments=lambda case: (
            [list(sentence) for sentence in case["token_ids"]],
            int(case["pad_index"]),
        ),
        record=_record_padding,
        title=PAD_SENTENCES_TITLE,
        what="pad_sentences",
    )


def _record_padding(value: Any) -> dict:
    """A returned (input_batch, lengths) pair as plain data, or a description of what came back."""
    if isinstance(value, tuple) and tuple.__len__(value) == 2:
        input_batch, lengths = tuple.__getitem__(value, 0), tuple.__getitem__(value, 1)
        return {
            "pair": True,
            "input_batch": _recorded_array(input_batch),
            "lengths": _recorded_array(lengths),
        }
    return {"pair": False, "returned": describe(value)}


def expected_padding(token_ids: list[list[int]], pad_index: int) -> tuple[np.ndarray, np.ndarray]:
    """The grader's own padding: (input_batch int32 [batch, longest], lengths int32 [batch])."""
    lengths = np.array([len(sentence) for sentence in token_ids], dtype=np.int32)
    input_batch = np.full((len(token_ids), int(lengths.max())), pad_index, dtype=np.int32)
    for row, sentence in enumerate(token_ids):
        input_batch[row, : len(sentence)] = sentence
    return input_batch, lengths


def judge_pad_sentences(inputs: dict, observations: dict) -> Report:
    """One item per case: a pair of int32 arrays equal to the grader's own padding."""
    cases = inputs["cases"]
    results = _observed_list(observations, "results")
    if _not_attempted(observations):
        return _not_attempted_report(PAD_SENTENCES_TITLE, [c["name"] for c in cases], results)
    items = []
    for index, case in enumerate(cases):
        result = results[index] if index < len(results) else None
        message = _padding_message(result, case)
        items.append(CheckItem(case["name"], message is None, message or ""))
    return Report(PAD_SENTENCES_TITLE, items)


def _padding_message(result: Any, case: dict) -> str | None:
    """None if `result` is the right padding of `case`, else what is wrong and how to fix it."""
    if type(result) is not dict:
        return "Not checked: pad_sentences stopped before this case (see above)."
    if type(result.get("error")) is str:
        return result["error"]
    if result.get("pair") is not True:
        return f"return a pair (input_batch, lengths); got {result.get('returned', 'nothing')}."
    pad_index = case["pad_index"]
    expected, lengths = expected_padding(case["token_ids"], pad_index)
    arrays = {}
    for what in ("input_batch", "lengths"):
        recorded = result.get(what)
        array = recorded.get("array") if type(recorded) is dict else None
        if type(array) is not np.ndarray or array.dtype != np.int32:
            found = _found_type(recorded, array)
            return f"{what} should be an int32 NumPy array; got {found}. Use dtype=np.int32."
        arrays[what] = array
    input_batch, found_lengths = arrays["input_batch"], arrays["lengths"]
    if input_batch.shape != expected.shape:
        return (
            f"for {len(case['token_ids'])} sentence(s) of lengths {lengths.tolist()}, "
            f"input_batch should have shape {expected.shape} (sentences, longest length); "
            f"got {input_batch.shape}."
        )
    if found_lengths.shape != lengths.shape or not np.array_equal(found_lengths, lengths):
        return f"lengths should be {lengths.tolist()}; got {found_lengths.tolist()}."
    if not np.array_equal(input_batch, expected):
        return (
            f"for token_ids={case['token_ids']} and pad_index={pad_index}, input_batch should "
            f"be\n{expected}\ngot\n{input_batch}\n"
            f"Each row holds its sentence, then pad_index ({pad_index}) up to the end."
        )
    return None


def _found_type(recorded: Any, array: Any) -> str:
    if type(array) is np.ndarray:
        return f"dtype {array.dtype}"
    returned = recorded.get("returned") if type(recorded) is dict else None
    return returned if type(returned) is str else "nothing"


PAD_SENTENCES = CheckSpec(
    name="pad_sentences",
    title=PAD_SENTENCES_TITLE,
    objects=("pad_sentences",),
    optional_objects=(),
    make_inputs=make_pad_sentences_inputs,
    probe=probe_pad_sentences,
    judge=judge_pad_sentences,
)

# --- shared ------------------------------------------------------------------------------------


def _observed_list(observations: Any, key: str) -> list:
    value = observations.get(key) if type(observations) is dict else None
    return value if type(value) is list else []


def _not_attempted(observations: Any) -> bool:
    return type(observations) is dict and observations.get("not_attempted") is True


def _not_attempted_report(title: str, names: list[str], results: list) -> Report:
    """Every item failed and not attempted; the first one carries the stub's message."""
    first = results[0] if results and type(results[0]) is dict else {}
    message = first.get("error") if type(first.get("error")) is str else "Not attempted yet."
    messages = [message] + ["Not attempted yet."] * (len(names) - 1)
    items = [CheckItem(n, False, m, attempted=False) for n, m in zip(names, messages, strict=True)]
    return Report(title, items)
