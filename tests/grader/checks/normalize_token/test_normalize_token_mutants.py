"""Does check_normalize_token fail every attempt that breaks one of the notebook's stated rules,
and name that rule?

Each `wrong_*` function breaks exactly one rule; it is listed with the item it must fail and the
words of the message that leads to the fix.
"""

import re

import pytest

from bilstm_ner.data import URL_TOKEN, USER_TOKEN
from grader.checks.normalize_token.spec import SPEC as NORMALIZE_TOKEN
from grader.core.spec import run_check


def wrong_case_sensitive_scheme(token):
    if token.startswith(("http://", "https://")):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token


def wrong_link_anywhere(token):
    if "http://" in token.lower() or "https://" in token.lower():
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token


def wrong_link_by_search(token):
    if re.search(r"https?://", token, flags=re.IGNORECASE):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token


def wrong_http_without_slashes(token):
    if token.lower().startswith("http"):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token


def wrong_mention_of_word_characters(token):
    if token.lower().startswith(("http://", "https://")):
        return URL_TOKEN
    return USER_TOKEN if re.fullmatch(r"@\w+", token) else token


def wrong_mention_isalnum(token):
    if token.lower().startswith(("http://", "https://")):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and token[1:].isalnum() else token


def wrong_at_anywhere(token):
    if token.lower().startswith(("http://", "https://")):
        return URL_TOKEN
    return USER_TOKEN if "@" in token and len(token) > 1 else token


def wrong_lone_at(token):
    if token.lower().startswith(("http://", "https://")):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") else token


def wrong_www_starts_a_link(token):
    if token.lower().startswith(("http://", "https://", "www.")):
        return URL_TOKEN
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token


MUTANTS = [
    (wrong_case_sensitive_scheme, "a link's scheme in any case", "token.lower().startswith"),
    (wrong_link_anywhere, "a token with http:// after its start is kept", "use `startswith`"),
    (wrong_link_by_search, "a token with http:// after its start is kept", "not `in`"),
    (wrong_http_without_slashes, "without :// is kept", "colon and slashes included"),
    (wrong_mention_of_word_characters, "a mention followed by punctuation", "whatever follows"),
    (wrong_mention_isalnum, "a mention followed by punctuation", "not a pattern"),
    (wrong_at_anywhere, "an e-mail is not a mention", "unchanged"),
    (wrong_lone_at, "a lone @ is punctuation", "A lone `@` is not a mention"),
    (wrong_www_starts_a_link, "without http:// or https:// is kept", "no other rule"),
]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    ("normalize_token", "item", "fix"), MUTANTS, ids=[fn.__name__ for fn, _, _ in MUTANTS]
)
def test_an_attempt_breaking_one_rule_fails_that_rule_with_its_fix(
    seed, normalize_token, item, fix
):
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": normalize_token}, seed=seed)
    failing = [entry for entry in report.items if not entry.passed]
    assert any(item in entry.name for entry in failing), str(report)
    assert any(fix in entry.message for entry in failing), str(report)


def test_each_mutant_keeps_the_points_of_the_rules_it_follows():
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": wrong_case_sensitive_scheme}, seed=0)
    assert [entry.name for entry in report.items if not entry.passed] == [
        "a link's scheme in any case (HTTPS://) becomes <URL>"
    ]


def test_returning_every_token_unchanged_earns_nothing():
    """The "kept" items alone would pay an identity function: they count once something is
    changed as it should be."""
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": lambda token: token}, seed=0)
    assert report.score == 0, str(report)
    assert "changed no mention and no link" in str(report)


def test_keeping_tokens_counts_once_mentions_are_replaced():
    def mentions_only(token):
        return "<USR>" if token.startswith("@") and len(token) > 1 else token

    report = run_check(NORMALIZE_TOKEN, {"normalize_token": mentions_only}, seed=0)
    by_name = {item.name: item.passed for item in report.items}
    assert by_name["a word is kept as it is"] and not by_name["a link becomes <URL>"]


def test_delegating_to_the_courses_corpus_reader_earns_nothing():
    """`parse_conll` normalises tokens with the course's own rules; calling it is no answer."""
    from bilstm_ner.data import parse_conll

    def through_the_reader(token):
        tokens, _ = parse_conll(f"{token}\tO\n")
        return tokens[0][0]

    report = run_check(NORMALIZE_TOKEN, {"normalize_token": through_the_reader}, seed=0)
    assert report.score == 0, str(report)
    assert "course's own answer" in str(report)
