"""Do the notebook-01 checks (normalize_token, pad_sentences) pass right answers, fail wrong ones
with a diagnosis, and keep inputs and observations plain data?"""

import numpy as np
import pytest

from bilstm_ner.data import URL_TOKEN, USER_TOKEN
from bilstm_ner.data import normalize_token as course_normalize_token
from bilstm_ner.notebook import pad_sentences as course_pad_sentences
from grader.checks import CHECKS
from grader.checks import normalize_token as check_data
from grader.checks.normalize_token.spec import SPEC as NORMALIZE_TOKEN
from grader.checks.pad_sentences.spec import SPEC as PAD_SENTENCES
from grader.core.spec import is_plain_data, run_check
from tests.learner_answers import normalize_token
from tests.learner_answers import pad_sentences as reference_pad_sentences


@pytest.mark.parametrize(
    ("spec", "name", "course_answer"),
    [
        (NORMALIZE_TOKEN, "normalize_token", course_normalize_token),
        (PAD_SENTENCES, "pad_sentences", course_pad_sentences),
    ],
)
def test_the_courses_own_answer_earns_nothing_even_wrapped(spec, name, course_answer):
    report = run_check(spec, {name: lambda *args: course_answer(*args)}, seed=0)
    assert report.score == 0 and "course's own answer" in str(report), str(report)


def test_the_courses_batching_is_no_answer_to_pad_sentences():
    from bilstm_ner.batching import pad_batch

    def through_pad_batch(token_ids, pad_index):
        batch = pad_batch(token_ids, [[0] * len(s) for s in token_ids], pad_index, 0)
        return batch.input_batch, batch.lengths

    report = run_check(PAD_SENTENCES, {"pad_sentences": through_pad_batch}, seed=0)
    assert report.score == 0 and "course's own answer" in str(report), str(report)


def failed(report):
    return [item.name for item in report.items if not item.passed]


def test_both_checks_are_registered_for_the_grading_tool():
    assert CHECKS["normalize_token"] is NORMALIZE_TOKEN
    assert CHECKS["pad_sentences"] is PAD_SENTENCES


def test_the_grader_placeholders_match_the_library():
    assert (check_data.USER_TOKEN, check_data.URL_TOKEN) == (USER_TOKEN, URL_TOKEN)


@pytest.mark.parametrize("seed", range(5))
def test_reference_normalize_token_passes_on_any_random_tokens(seed):
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": normalize_token}, seed=seed)
    assert report.passed, str(report)


def test_tokens_change_from_run_to_run():
    first, second = (NORMALIZE_TOKEN.make_inputs(np.random.default_rng(s)) for s in (1, 2))
    assert [c["token"] for c in first["cases"]] != [c["token"] for c in second["cases"]]


def test_lowercasing_every_token_is_diagnosed_with_the_token_and_the_rule():
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": str.lower}, seed=0)
    assert "a word is kept as it is" in failed(report)
    word = next(item for item in report.items if item.name == "a word is kept as it is")
    assert "should return" in word.message and "unchanged" in word.message


def test_returning_a_list_is_reported_without_crashing():
    report = run_check(NORMALIZE_TOKEN, {"normalize_token": lambda token: [token]}, seed=0)
    assert not report.passed and "a list" in report.items[0].message


def test_normalize_token_observations_are_plain_data():
    inputs = NORMALIZE_TOKEN.make_inputs(np.random.default_rng(0))
    observations = NORMALIZE_TOKEN.probe({"normalize_token": lambda token: object()}, inputs)
    assert is_plain_data(inputs) and is_plain_data(observations)


@pytest.mark.parametrize("seed", range(5))
def test_reference_pad_sentences_passes_on_any_random_sentences(seed):
    report = run_check(PAD_SENTENCES, {"pad_sentences": reference_pad_sentences}, seed=seed)
    assert report.passed, str(report)


def test_pad_sentences_inputs_are_plain_and_never_use_pad_index_as_a_word():
    inputs = PAD_SENTENCES.make_inputs(np.random.default_rng(3))
    assert is_plain_data(inputs)
    for case in inputs["cases"]:
        assert all(case["pad_index"] not in sentence for sentence in case["token_ids"])


def test_lengths_off_by_one_are_diagnosed():
    def off_by_one(token_ids, pad_index):
        input_batch, lengths = reference_pad_sentences(token_ids, pad_index)
        return input_batch, lengths + 1

    report = run_check(PAD_SENTENCES, {"pad_sentences": off_by_one}, seed=0)
    assert failed(report) == [item.name for item in report.items]
    assert "lengths should be" in report.items[0].message


def test_padding_at_the_front_shows_the_expected_batch():
    def front_padded(token_ids, pad_index):
        input_batch, lengths = reference_pad_sentences(token_ids, pad_index)
        return np.stack(
            [np.roll(row, -int(n)) for row, n in zip(input_batch, lengths, strict=True)]
        ), lengths

    report = run_check(PAD_SENTENCES, {"pad_sentences": front_padded}, seed=0)
    assert "pads to the longest sentence" in failed(report)
    assert "a single sentence needs no padding" not in failed(report)
    assert "Each row holds its sentence, then pad_index" in report.items[0].message


def test_returning_a_list_of_lists_asks_for_a_pair():
    report = run_check(PAD_SENTENCES, {"pad_sentences": lambda ids, pad: ids}, seed=0)
    assert "return a pair (input_batch, lengths)" in report.items[0].message


def test_a_lying_observation_fails_cleanly_in_the_judge():
    inputs = PAD_SENTENCES.make_inputs(np.random.default_rng(0))
    observations = {"results": [{"pair": True, "input_batch": "yes", "lengths": None}]}
    report = PAD_SENTENCES.judge(inputs, observations)
    assert not report.passed and len(report.items) == 3
    assert "int32 NumPy array" in report.items[0].message


@pytest.mark.parametrize("constant", [0, 1])
def test_padding_with_a_constant_fails_uses_the_given_pad_index(constant):
    def pads_with_a_constant(token_ids, pad_index):
        return reference_pad_sentences(token_ids, constant)

    for seed in range(10):
        report = run_check(PAD_SENTENCES, {"pad_sentences": pads_with_a_constant}, seed=seed)
        assert "uses the given pad_index" in failed(report), str(report)


def test_padding_the_callers_own_lists_fails_with_build_new_rows():
    def pads_in_place(token_ids, pad_index):
        lengths = np.array([len(s) for s in token_ids], dtype=np.int32)
        for sentence in token_ids:
            sentence.extend([pad_index] * (int(lengths.max()) - len(sentence)))
        return np.array(token_ids, dtype=np.int32), lengths

    report = run_check(PAD_SENTENCES, {"pad_sentences": pads_in_place}, seed=0)
    assert not report.passed
    assert "changed the token_ids it was given" in str(report)


def test_both_arrays_of_the_wrong_type_are_named_in_one_message():
    def default_integers(token_ids, pad_index):
        time = max(len(s) for s in token_ids)
        rows = [s + [pad_index] * (time - len(s)) for s in token_ids]
        return np.array(rows), np.array([len(s) for s in token_ids])

    message = run_check(PAD_SENTENCES, {"pad_sentences": default_integers}, seed=0).items[0].message
    assert "input_batch should be an int32" in message and "lengths should be an int32" in message
