"""Vocabularies: deterministic ids, specials first, clear errors, no way to change them."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from bilstm_ner.vocabulary import (
    PAD_TOKEN,
    UNK_TOKEN,
    Vocabulary,
    build_tag_vocabulary,
    build_token_vocabulary,
)

TWEETS = [["lol", "Paris", "lol"], ["see", "you", "in", "Paris"]]


def test_ids_follow_specials_then_first_appearance():
    vocabulary = Vocabulary.build(TWEETS, specials=("<S>",))
    assert vocabulary.id_to_token == ["<S>", "lol", "Paris", "see", "you", "in"]
    assert vocabulary.token_to_id == {"<S>": 0, "lol": 1, "Paris": 2, "see": 3, "you": 4, "in": 5}


def test_the_same_data_always_gives_the_same_ids():
    assert Vocabulary.build(TWEETS) == Vocabulary.build([list(t) for t in TWEETS])


def test_token_vocabulary_has_unk_at_0_and_pad_at_1_like_the_exercise():
    vocabulary = build_token_vocabulary(TWEETS)
    assert vocabulary.id_to_token[:2] == [UNK_TOKEN, PAD_TOKEN]
    assert (vocabulary.unk_index, vocabulary.pad_index) == (0, 1)


def test_tag_vocabulary_has_o_at_0_like_the_exercise():
    vocabulary = build_tag_vocabulary([["B-person", "O"], ["I-person"]])
    assert vocabulary.id_to_token == ["O", "B-person", "I-person"]


def test_a_special_that_also_appears_in_the_data_keeps_its_special_id():
    vocabulary = build_tag_vocabulary([["B-person", "O"]])
    assert vocabulary.token_to_id["O"] == 0 and len(vocabulary) == 2


def test_min_count_drops_rare_tokens_but_keeps_specials():
    vocabulary = Vocabulary.build(TWEETS, specials=(UNK_TOKEN,), min_count=2)
    assert vocabulary.id_to_token == [UNK_TOKEN, "lol", "Paris"]


def test_len_contains_and_iter():
    vocabulary = build_token_vocabulary(TWEETS)
    assert len(vocabulary) == 7
    assert "Paris" in vocabulary and "London" not in vocabulary
    assert list(vocabulary) == vocabulary.id_to_token


def test_encode_then_decode_gives_back_known_tokens():
    vocabulary = build_token_vocabulary(TWEETS)
    assert vocabulary.decode(vocabulary.encode(["see", "Paris"])) == ["see", "Paris"]


def test_encode_maps_unknown_tokens_to_unk():
    vocabulary = build_token_vocabulary(TWEETS)
    assert vocabulary.encode(["London", "lol"]) == [vocabulary.unk_index, 2]


def test_encode_without_unk_raises_a_key_error_naming_the_token():
    vocabulary = build_tag_vocabulary([["O", "B-person"]])
    with pytest.raises(KeyError, match="'B-place' is not in this vocabulary, which has no <UNK>"):
        vocabulary.encode(["O", "B-place"])


def test_encode_refuses_a_string_instead_of_a_list():
    with pytest.raises(TypeError, match="list of tokens"):
        build_token_vocabulary(TWEETS).encode("Paris")


def test_decode_accepts_numpy_ints_and_refuses_unknown_ids():
    np = pytest.importorskip("numpy")
    vocabulary = build_tag_vocabulary([["O", "B-person"]])
    assert vocabulary.decode(np.array([1, 0], dtype=np.int32)) == ["B-person", "O"]
    with pytest.raises(IndexError, match=r"id 2 .* run from 0 to 1"):
        vocabulary.decode([2])
    with pytest.raises(IndexError, match="id -1"):
        vocabulary.decode([-1])


def test_pad_index_without_pad_says_how_to_get_one():
    with pytest.raises(ValueError, match=r"no <PAD> token.*build_token_vocabulary"):
        _ = build_tag_vocabulary([["O"]]).pad_index


def test_a_vocabulary_cannot_be_changed():
    vocabulary = build_token_vocabulary(TWEETS)
    with pytest.raises(TypeError, match="cannot be changed"):
        vocabulary.id_to_token.append("new")
    with pytest.raises(TypeError, match="cannot be changed"):
        vocabulary.id_to_token[0] = "new"
    with pytest.raises(TypeError):
        vocabulary.token_to_id["new"] = 99  # type: ignore[index]
    assert len(vocabulary) == 7


def test_a_vocabulary_can_be_copied():
    vocabulary = build_token_vocabulary(TWEETS)
    assert copy.deepcopy(vocabulary) == vocabulary


def test_build_refuses_a_list_of_strings_instead_of_a_list_of_sentences():
    with pytest.raises(TypeError, match=r"sequence 0 is the string 'lol'.*list of lists"):
        Vocabulary.build(["lol", "Paris"])


def test_duplicate_specials_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary.build(TWEETS, specials=(PAD_TOKEN, PAD_TOKEN))


def test_importing_the_data_modules_does_not_import_tensorflow():
    code = (
        "import sys, bilstm_ner.data, bilstm_ner.vocabulary, bilstm_ner.batching; "
        "sys.exit('tensorflow' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
