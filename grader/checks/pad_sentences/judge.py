"""check_pad_sentences, judge (grader side): a pair of int32 arrays equal to its own padding."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.judging import judge_each_case
from grader.checks.pad_sentences import ITEMS, TITLE
from grader.core.report import Report


def expected_padding(token_ids: list[list[int]], pad_index: int) -> tuple[np.ndarray, np.ndarray]:
    """The grader's own padding: (input_batch int32 [batch, longest], lengths int32 [batch])."""
    lengths = np.array([len(sentence) for sentence in token_ids], dtype=np.int32)
    input_batch = np.full((len(token_ids), int(lengths.max())), pad_index, dtype=np.int32)
    for row, sentence in enumerate(token_ids):
        input_batch[row, : len(sentence)] = sentence
    return input_batch, lengths


def judge(inputs: dict, observations: dict) -> Report:
    """One item per case: a pair of int32 arrays equal to the grader's own padding."""
    return judge_each_case(TITLE, ITEMS, inputs, observations, _padding_message)


def _padding_message(result: Any, case: dict) -> str | None:
    """None if `result` is the right padding of `case`, else what is wrong and how to fix it."""
    if result.get("pair") is not True:
        return f"return a pair (input_batch, lengths); got {result.get('returned', 'nothing')}."
    pad_index = case["pad_index"]
    expected, lengths = expected_padding(case["token_ids"], pad_index)
    arrays, wrong_types = {}, []
    for what in ("input_batch", "lengths"):
        recorded = result.get(what)
        array = recorded.get("array") if type(recorded) is dict else None
        if type(array) is not np.ndarray or array.dtype != np.int32:
            wrong_types.append(
                f"{what} should be an int32 NumPy array; got {_found_type(recorded, array)}"
            )
        arrays[what] = array
    if wrong_types:
        both = " (both of them)" if len(wrong_types) == 2 else ""
        return "; ".join(wrong_types) + f". Use np.array(..., dtype=np.int32){both}."
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
    if result.get("token_ids_changed") is True:
        return (
            "the padding is right, but pad_sentences changed the token_ids it was given (its "
            "lists now hold the padding too): build new rows, e.g. "
            "`sentence + [pad_index] * (time - len(sentence))`, and leave token_ids as it was "
            "(the notebook uses those lists again)."
        )
    return None


def _found_type(recorded: Any, array: Any) -> str:
    if type(array) is np.ndarray:
        return f"dtype {array.dtype}"
    returned = recorded.get("returned") if type(recorded) is dict else None
    return returned if type(returned) is str else "nothing"
