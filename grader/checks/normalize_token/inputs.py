"""check_normalize_token, inputs (grader side): one random token of each kind, new at every run."""

from __future__ import annotations

import string

import numpy as np

from grader.checks.normalize_token import ITEMS

TIME_LIMIT = 10.0
"""Seconds one call of the learner's function may take."""


def _letters(rng: np.random.Generator, low: int, high: int, alphabet: str) -> str:
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(low, high + 1))))


def _random_case(rng: np.random.Generator, word: str) -> str:
    """`word` with each letter upper or lower case at random, at least one upper."""
    upper = rng.random(len(word)) < 0.5
    upper[int(rng.integers(len(word)))] = True
    return "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))


def random_token(rng: np.random.Generator, kind: str) -> str:
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
    if kind == "mention_punctuation":  # fails `@\w+` patterns and isalnum() tests
        return "@" + _letters(rng, 3, 9, alnum) + str(rng.choice([":", "'s", "!", "...", ",", ")"]))
    if kind == "scheme_case":  # fails case-sensitive prefix tests: never all lower case
        return (
            _random_case(rng, str(rng.choice(["http", "https"])))
            + "://t.co/"
            + _letters(rng, 4, 10, alnum)
        )
    if kind == "link_inside":  # fails `"http://" in token` and re.search
        scheme = str(rng.choice(["http", "https"]))
        return _letters(rng, 1, 5, lower) + str(rng.choice([":", ">", "("])) + scheme + "://t.co/x"
    if kind == "http_word":  # fails startswith("http") without the "://"
        return (
            str(rng.choice(["http", "https", "Http"]))
            + str(rng.choice(["", "d", "s", ":", "-header", "/2"]))
            + _letters(rng, 0, 4, lower)
        )
    if kind == "link_like":  # fails a rule the notebook does not state: www. starts a link
        tld = str(rng.choice(["com", "org", "co.uk", "ly"]))
        path = str(rng.choice(["", "/" + _letters(rng, 2, 6, alnum)]))
        return f"www.{_letters(rng, 3, 8, lower)}.{tld}{path}"
    raise ValueError(f"unknown kind of token {kind!r}")


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"time_limit": seconds per call, "cases": [{"name", "kind", "token"}]}, one token a kind."""
    cases = [
        {"name": item.name, "kind": item.key, "token": random_token(rng, item.key)}
        for item in ITEMS
    ]
    return {"time_limit": float(time_limit), "cases": cases}
