"""check_normalize_token, probe (LEARNER side): call normalize_token on each token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.normalize_token import COURSE_ANSWERS, TITLE
from grader.learner_side.cases import probe_each_case, record_text


def probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Call normalize_token(token) for each case.

    Returns {"results": [{"value": str} | {"returned": description} | {"error": message}],
    "not_attempted": bool}; stops at the stub's NotImplementedError or a time-out.
    """
    return probe_each_case(
        objects.get("normalize_token"),
        inputs,
        arguments=lambda case: (case["token"],),
        record=record_text,
        title=TITLE,
        what="normalize_token",
        course_answers=COURSE_ANSWERS,
    )
