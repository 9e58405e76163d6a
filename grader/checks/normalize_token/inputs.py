"""check_normalize_token, inputs (grader side): one random token of each kind, new at every run."""

from __future__ import annotations

import string

import numpy as np

from grader.checks.normalize_token import ITEMS

TIME_LIMIT = 10.0
"""Seconds one call of the learner's function may take."""


def _letters(rng: np.random.Generator, low: int, high: int, alphabet: str) -> str:
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(low, high + 1))))


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
    raise ValueError(f"unknown kind of token {kind!r}")


def make_inputs(rng: np.random.Generator, *, time_limit: float = TIME_LIMIT) -> dict:
    """{"time_limit": seconds per call, "cases": [{"name", "kind", "token"}]}, one token a kind."""
    cases = [
        {"name": item.name, "kind": item.key, "token": random_token(rng, item.key)}
        for item in ITEMS
    ]
    return {"time_limit": float(time_limit), "cases": cases}
