"""check_normalize_token, judge (grader side): the learner's tokens against the expected ones."""

from __future__ import annotations

from grader.checks.judging import judge_each_case
from grader.checks.normalize_token import ITEMS, TITLE, URL_TOKEN, USER_TOKEN
from grader.core.report import Report

MENTION = f"A user mention (`@` and a name) becomes {USER_TOKEN!r}."
LINK = f"A link starting with http:// or https:// becomes {URL_TOKEN!r}."
KEEP = "Every other token is returned unchanged (same case, same characters)."
LONE_AT = "A lone `@` is not a mention."
HINTS = {
    "mention": MENTION,
    "http": LINK,
    "https": LINK,
    "word": KEEP,
    "hashtag": KEEP,
    "lone_at": LONE_AT,
    "email": KEEP,
}


def expected_token(kind: str, token: str) -> str:
    """What normalize_token must return for `token` of `kind`."""
    return {"mention": USER_TOKEN, "http": URL_TOKEN, "https": URL_TOKEN}.get(kind, token)


def judge(inputs: dict, observations: dict) -> Report:
    """One item per kind of token: the learner's result against the expected string."""
    return judge_each_case(TITLE, ITEMS, inputs, observations, _problem)


def _problem(result: dict, case: dict) -> str | None:
    value = result.get("value")
    expected = expected_token(case["kind"], case["token"])
    if type(value) is str and value == expected:
        return None
    found = repr(value) if type(value) is str else str(result.get("returned", "nothing"))
    return (
        f"normalize_token({case['token']!r}) should return {expected!r}; got {found:.80}. "
        f"{HINTS[case['kind']]}"
    )
