"""Singleton replacement: rare training words are read as `<UNK>` now and then, never in place."""

from __future__ import annotations

import numpy as np
import pytest

from bilstm_ner.unknown_words import replace_singletons, singleton_ids

UNK = 0
SENTENCES = [[5, 6, 7], [5, 8], [6, 9, 5]]  # 7, 8 and 9 occur once; 5 and 6 more often


def test_singletons_are_the_ids_seen_exactly_once_across_all_sentences():
    assert singleton_ids(SENTENCES) == {7, 8, 9}
    assert singleton_ids([]) == frozenset()


def test_rate_one_replaces_every_singleton_and_nothing_else():
    replaced = replace_singletons(SENTENCES, singleton_ids(SENTENCES), UNK, 1.0, rng())
    assert replaced == [[5, 6, UNK], [5, UNK], [6, UNK, 5]]


def test_rate_zero_keeps_every_token():
    assert replace_singletons(SENTENCES, singleton_ids(SENTENCES), UNK, 0.0, rng()) == SENTENCES


def test_the_input_is_never_modified():
    sentences = [list(s) for s in SENTENCES]
    replace_singletons(sentences, singleton_ids(sentences), UNK, 1.0, rng())
    assert sentences == SENTENCES


def test_each_call_draws_anew_so_different_words_are_replaced_each_epoch():
    sentences = [[token] for token in range(1, 201)]  # 200 singletons
    generator = rng()
    first, second = (
        {s[0] for s in replace_singletons(sentences, singleton_ids(sentences), UNK, 0.5, generator)}
        for _ in range(2)
    )
    assert first != second
    assert 60 < 200 - len(first - {UNK}) < 140  # about half replaced


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_a_rate_outside_zero_to_one_is_refused(rate):
    with pytest.raises(ValueError, match="between 0 and 1"):
        replace_singletons(SENTENCES, singleton_ids(SENTENCES), UNK, rate, rng())


def rng() -> np.random.Generator:
    return np.random.default_rng(0)
