"""The bundled corpus: pinned, deterministic, and shaped like WNUT tweets."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from bilstm_ner.data.conll import is_bio_tag, normalize_token
from bilstm_ner.data.synthetic import SPLIT_SIZES, generate_corpus

# Change deliberately (and say why in the commit) when the generator changes: every learner's
# figures and every stored notebook output depend on this exact corpus.
PINNED_SHA256 = "9323dc15aa2be00ac7fd249f4f99a60133ff753116625b59c4685ada08252c98"


def _conll_text(corpus) -> str:
    return "".join(
        "".join(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True)) + "\n"
        for split in ("train", "validation", "test")
        for tokens, tags in zip(*corpus[split], strict=True)
    )


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus()


def _entities(tokens, tags):
    """(type, name) of every entity, names lower-cased."""
    found = []
    for tweet_tokens, tweet_tags in zip(tokens, tags, strict=True):
        for index, tag in enumerate(tweet_tags):
            if tag.startswith("B-"):
                stop = index + 1
                while stop < len(tweet_tags) and tweet_tags[stop] == "I-" + tag[2:]:
                    stop += 1
                found.append((tag[2:], " ".join(tweet_tokens[index:stop]).lower()))
    return found


def test_the_default_corpus_is_pinned_byte_for_byte(corpus):
    assert hashlib.sha256(_conll_text(corpus).encode()).hexdigest() == PINNED_SHA256


def test_generating_twice_gives_the_same_corpus(corpus):
    assert generate_corpus() == corpus


def test_another_seed_gives_another_corpus(corpus):
    assert generate_corpus(seed=1)["train"] != corpus["train"]


def test_splits_have_the_documented_sizes_and_one_tag_per_token(corpus):
    assert {split: len(tokens) for split, (tokens, _) in corpus.items()} == SPLIT_SIZES
    for tokens, tags in corpus.values():
        assert [len(t) for t in tokens] == [len(t) for t in tags]
        assert all(token and not any(c.isspace() for c in token) for t in tokens for token in t)
        assert all(is_bio_tag(tag) for t in tags for tag in t)


def test_tags_use_wnut16_type_names_and_multi_token_entities(corpus):
    _, tags = corpus["train"]
    types = {tag[2:] for tweet in tags for tag in tweet if tag != "O"}
    assert {"person", "geo-loc", "company", "product"} <= types
    assert any(tag.startswith("I-") for tweet in tags for tag in tweet)


def test_about_a_third_of_tweets_hold_no_entity(corpus):
    _, tags = corpus["train"]
    share = sum(all(tag == "O" for tag in tweet) for tweet in tags) / len(tags)
    assert 0.3 <= share <= 0.4


def test_raw_mentions_and_links_are_left_for_the_reader_to_normalise(corpus):
    tokens = [token for tweet in corpus["train"][0] for token in tweet]
    normalised = Counter(normalize_token(token) for token in tokens)
    assert normalised["<USR>"] > 100 and normalised["<URL>"] > 100
    assert "<USR>" not in tokens and "<URL>" not in tokens


def test_about_half_the_held_out_mentions_use_names_unseen_in_training(corpus):
    seen = {name for _, name in _entities(*corpus["train"])}
    for split in ("validation", "test"):
        mentions = _entities(*corpus[split])
        unseen = sum(name not in seen for _, name in mentions) / len(mentions)
        assert 0.3 <= unseen <= 0.6, split


def test_ambiguous_words_are_entities_in_some_tweets_and_plain_words_in_others(corpus):
    tokens, tags = corpus["train"]
    labels = Counter(
        (token.lower(), tag[2:] if tag != "O" else "O")
        for tweet_tokens, tweet_tags in zip(tokens, tags, strict=True)
        for token, tag in zip(tweet_tokens, tweet_tags, strict=True)
    )
    assert labels["apple", "company"] and labels["apple", "O"]
    assert labels["jordan", "person"] and labels["jordan", "geo-loc"]
    assert labels["paris", "person"] and labels["paris", "geo-loc"]
