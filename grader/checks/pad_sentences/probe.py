"""check_pad_sentences, probe (LEARNER side): call pad_sentences on each case, on fresh lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.pad_sentences import TITLE
from grader.learner_side.cases import probe_each_case, record_array
from grader.learner_side.conversions import describe


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call pad_sentences(token_ids, pad_index) for each case (on fresh lists).

    Returns {"results": [{"error": message} | {"pair": False, "returned": description} |
    {"pair": True, "input_batch": recorded, "lengths": recorded}], "not_attempted": bool}.
    """
    return probe_each_case(
        objects.get("pad_sentences"),
        inputs,
        arguments=lambda case: (
            [list(sentence) for sentence in case["token_ids"]],
            int(case["pad_index"]),
        ),
        record=_record_padding,
        title=TITLE,
        what="pad_sentences",
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
