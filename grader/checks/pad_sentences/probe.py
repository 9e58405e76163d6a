"""check_pad_sentences, probe (LEARNER side): call pad_sentences on each case, on fresh lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.pad_sentences import COURSE_ANSWERS, TITLE
from grader.learner_side.cases import probe_each_case, record_array
from grader.learner_side.conversions import describe


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call pad_sentences(token_ids, pad_index) for each case (on fresh lists).

    Returns {"results": [{"error": message} | {"pair": False, "returned": description} |
    {"pair": True, "input_batch": recorded, "lengths": recorded}, each with
    "token_ids_changed": whether the lists passed in were modified], "not_attempted": bool}.
    """
    given: list = []  # the lists of the case being called, to see whether they were changed

    def arguments(case: dict) -> tuple:
        given[:] = [case["token_ids"], [list(sentence) for sentence in case["token_ids"]]]
        return given[1], int(case["pad_index"])

    def record(value: Any) -> dict:
        recorded = _record_padding(value)
        original, passed = given
        recorded["token_ids_changed"] = not _same_lists(passed, original)
        return recorded

    return probe_each_case(
        objects.get("pad_sentences"),
        inputs,
        arguments=arguments,
        record=record,
        title=TITLE,
        what="pad_sentences",
        course_answers=COURSE_ANSWERS,
    )


def _same_lists(passed: Any, original: list[list[int]]) -> bool:
    """Whether the lists handed to the learner still hold exactly the original ids."""
    if type(passed) is not list or len(passed) != len(original):
        return False
    return all(
        type(row) is list
        and len(row) == len(ids)
        and all(type(i) is int for i in row)
        and row == ids
        for row, ids in zip(passed, original, strict=True)
    )


def _record_padding(value: Any) -> dict:
    """A returned (input_batch, lengths) pair as plain data, or a description of what came back."""
    if isinstance(value, tuple) and tuple.__len__(value) == 2:
        input_batch, lengths = tuple.__getitem__(value, 0), tuple.__getitem__(value, 1)
        return {
            "pair": True,
            "input_batch": record_array(input_batch),
            "lengths": record_array(lengths),
        }
    return {"pair": False, "returned": describe(value)}
