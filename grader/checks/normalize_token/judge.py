"""check_normalize_token, judge (grader side): the learner's tokens against the expected ones."""

from __future__ import annotations

from dataclasses import replace

from grader.checks.judging import judge_each_case
from grader.checks.normalize_token import ITEMS, TITLE, URL_TOKEN, USER_TOKEN
from grader.core.report import Report

MENTION = f"A user mention (`@` and a name) becomes {USER_TOKEN!r}."
LINK = f"A link starting with http:// or https:// becomes {URL_TOKEN!r}."
KEEP = "Every other token is returned unchanged (same case, same characters)."
LONE_AT = "A lone `@` is not a mention."
MENTION_PUNCTUATION = (
    "Any token that starts with `@` and has more characters is a mention, whatever follows "
    'the name (`@name:` too): test `token.startswith("@") and len(token) > 1`, not a '
    "pattern of word characters."
)
SCHEME_CASE = (
    "The scheme counts in any case (`HTTP://`, `Https://`): compare the lower-cased token, "
    '`token.lower().startswith(("http://", "https://"))`.'
)
LINK_INSIDE = (
    "Only a token that STARTS with http:// or https:// is a link: use `startswith`, not `in` "
    "or `re.search`."
)
HTTP_WORD = (
    "A link starts with the whole prefix `http://` or `https://`, colon and slashes included: "
    "a token like `https` or `httpd` is a word."
)
LINK_LIKE = (
    "Only a token that starts with http:// or https:// is a link; the notebook states no "
    "other rule, so an address like www.site.com is returned unchanged."
)
HINTS = {
    "mention": MENTION,
    "http": LINK,
    "https": LINK,
    "word": KEEP,
    "hashtag": KEEP,
    "lone_at": LONE_AT,
    "email": KEEP,
    "mention_punctuation": MENTION_PUNCTUATION,
    "scheme_case": SCHEME_CASE,
    "link_inside": LINK_INSIDE,
    "http_word": HTTP_WORD,
    "link_like": LINK_LIKE,
}


def expected_token(kind: str, token: str) -> str:
    """What normalize_token must return for `token` of `kind`."""
    linked = {"mention": USER_TOKEN, "mention_punctuation": USER_TOKEN}
    linked.update(dict.fromkeys(("http", "https", "scheme_case"), URL_TOKEN))
    return linked.get(kind, token)


TRANSFORMED = ("mention", "http", "https", "mention_punctuation", "scheme_case")
"""The kinds normalize_token must change; the others it must keep."""
NOTHING_CHANGED = (
    "Not credited: normalize_token changed no mention and no link, so returning this token "
    "unchanged shows nothing yet (returning every token as it is passes these items for "
    "free). Make mentions become {user!r} and links {url!r} first."
)


def judge(inputs: dict, observations: dict) -> Report:
    """One item per kind of token: the learner's result against the expected string; keeping
    tokens earns points only once some token is changed as it should be."""
    report = judge_each_case(TITLE, ITEMS, inputs, observations, _problem)
    names = {item.key: item.name for item in ITEMS}
    changed = {names[kind] for kind in TRANSFORMED}
    if any(item.passed for item in report.items if item.name in changed):
        return report
    message = NOTHING_CHANGED.format(user=USER_TOKEN, url=URL_TOKEN)
    items = [
        replace(item, passed=False, message=message)
        if item.passed and item.name not in changed
        else item
        for item in report.items
    ]
    return Report(report.title, items)


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
