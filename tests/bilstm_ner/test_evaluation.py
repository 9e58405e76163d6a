"""Entity-level evaluation: hand-computed examples, agreement with seqeval, model predictions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import classification_report

from bilstm_ner.batching import batches_generator
from bilstm_ner.evaluation import (
    EntityScores,
    EvaluationResult,
    evaluate_model,
    evaluate_tags,
    predict_tags,
)
from bilstm_ner.vocabulary import build_tag_vocabulary, build_token_vocabulary

# One exact match (person in sentence 0), one wrong type (loc predicted as org),
# one exact match (org in sentence 1), one partial span (person in sentence 2).
TRUE = [
    ["B-person", "I-person", "O", "B-loc"],
    ["B-org", "O"],
    ["B-person", "I-person", "I-person"],
]
PREDICTED = [
    ["B-person", "I-person", "O", "B-org"],
    ["B-org", "O"],
    ["B-person", "I-person", "O"],
]


def test_hand_computed_example():
    result = evaluate_tags(TRUE, PREDICTED)
    # 4 true entities, 4 predicted, 2 correct.
    assert result.overall == EntityScores(precision=0.5, recall=0.5, f1=0.5, support=4)
    assert list(result.per_type) == ["loc", "org", "person"]
    assert result.per_type["person"] == EntityScores(0.5, 0.5, 0.5, 2)
    assert result.per_type["loc"] == EntityScores(0.0, 0.0, 0.0, 1)
    org = result.per_type["org"]
    assert (org.precision, org.recall, org.support) == (0.5, 1.0, 1)
    assert org.f1 == pytest.approx(2 / 3)


def test_perfect_predictions_score_one():
    assert evaluate_tags(TRUE, TRUE).overall == EntityScores(1.0, 1.0, 1.0, 4)


def test_predicting_no_entity_scores_zero_without_dividing_by_zero():
    result = evaluate_tags(TRUE, [["O"] * len(sentence) for sentence in TRUE])
    assert result.overall == EntityScores(0.0, 0.0, 0.0, 4)


def test_an_i_tag_after_o_begins_an_entity_as_in_conlleval():
    result = evaluate_tags([["O", "I-person", "I-person"]], [["O", "B-person", "I-person"]])
    assert result.overall.f1 == 1.0


def test_entities_never_cross_sentence_boundaries():
    # If the sentences were glued together, B-x I-x would be one entity spanning both.
    result = evaluate_tags([["B-x"], ["B-x"]], [["B-x"], ["I-x"]])
    assert result.overall == EntityScores(1.0, 1.0, 1.0, 2)


def test_matches_seqeval_classification_report_on_the_example():
    expected = classification_report(TRUE, PREDICTED, output_dict=True, zero_division=0)
    result = evaluate_tags(TRUE, PREDICTED)
    for name, scores in result.per_type.items():
        assert scores.precision == pytest.approx(expected[name]["precision"])
        assert scores.recall == pytest.approx(expected[name]["recall"])
        assert scores.f1 == pytest.approx(expected[name]["f1-score"])
        assert scores.support == expected[name]["support"]
    assert result.overall.f1 == pytest.approx(expected["micro avg"]["f1-score"])


tags = st.sampled_from(["O", "O", "B-a", "I-a", "B-b", "I-b"])
sentence_pairs = st.lists(
    st.integers(1, 6).flatmap(lambda n: st.tuples(st.lists(tags, min_size=n, max_size=n),
                                                  st.lists(tags, min_size=n, max_size=n))),
    min_size=1,
    max_size=6,
)  # fmt: skip


# seqeval averages empty arrays (a RuntimeWarning) when no sentence holds an entity.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=60, deadline=None)
@given(pairs=sentence_pairs)
def test_agrees_with_seqeval_on_random_tags(pairs):
    true = [list(t) for t, _ in pairs]
    predicted = [list(p) for _, p in pairs]
    result = evaluate_tags(true, predicted)
    expected = classification_report(true, predicted, output_dict=True, zero_division=0)
    for name, scores in result.per_type.items():
        got = (scores.precision, scores.recall, scores.f1, scores.support)
        want = tuple(expected[name][k] for k in ("precision", "recall", "f1-score", "support"))
        assert got == pytest.approx(want)
    if result.per_type:
        assert result.overall.f1 == pytest.approx(expected["micro avg"]["f1-score"])


def test_different_numbers_of_sentences_are_refused():
    with pytest.raises(ValueError, match="found 3 true sentences but 2 predicted"):
        evaluate_tags(TRUE, PREDICTED[:2])


def test_a_length_mismatch_names_the_first_sentence_concerned():
    predicted = [PREDICTED[0], PREDICTED[1] + ["O", "O"], PREDICTED[2][:1]]
    with pytest.raises(ValueError, match="sentence 1 has 2 true tags but 4 predicted tags"):
        evaluate_tags(TRUE, predicted)


def test_a_flat_list_of_tags_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="one list of tags per sentence"):
        evaluate_tags(["B-x", "O"], ["B-x", "O"])


def test_tag_ids_instead_of_tags_are_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"the predicted tag 3 is not a BIO tag.*decode"):
        evaluate_tags([["O"]], [[3]])


def test_report_is_an_aligned_table_with_overall_last():
    report = evaluate_tags(TRUE, PREDICTED).report()
    lines = report.splitlines()
    assert lines[0].split() == ["type", "precision", "recall", "f1", "support"]
    assert lines[1].split() == ["loc", "0.00", "0.00", "0.00", "1"]
    assert lines[3].split() == ["person", "0.50", "0.50", "0.50", "2"]
    assert lines[-1].split() == ["overall", "0.50", "0.50", "0.50", "4"]
    assert len({len(line) for line in lines if line}) == 1  # every row equally wide


def test_to_dict_is_json_ready():
    data = json.loads(json.dumps(evaluate_tags(TRUE, PREDICTED).to_dict()))
    assert data["overall"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 4}
    assert data["per_type"]["loc"]["support"] == 1


def test_result_is_frozen():
    result = evaluate_tags(TRUE, TRUE)
    assert isinstance(result, EvaluationResult)
    with pytest.raises(AttributeError):
        result.overall = result.overall  # type: ignore[misc]


TAG_VOCABULARY = build_tag_vocabulary([["O", "B-person", "I-person"]])


class EchoModel:
    """Predicts tag id (token id % 3) for real tokens and B-person (id 1) on padding."""

    def __call__(self, input_batch, lengths, training=False):
        assert training is False
        tag_ids = np.asarray(input_batch) % 3
        tag_ids[np.arange(tag_ids.shape[1]) >= np.asarray(lengths)[:, None]] = 1
        return np.eye(3, dtype=np.float32)[tag_ids]  # one-hot "logits" [batch, time, 3]


def test_predict_tags_cuts_each_sentence_to_its_length_and_decodes():
    token_ids = [[3, 4, 5], [7], [2, 3]]
    batches = batches_generator(
        2, token_ids, token_ids, pad_index=0, pad_tag_index=0, shuffle=False
    )
    predicted = predict_tags(EchoModel(), batches, TAG_VOCABULARY)
    assert predicted == [["O", "B-person", "I-person"], ["B-person"], ["I-person", "O"]]


def test_evaluate_model_scores_the_predictions_in_order():
    token_vocabulary = build_token_vocabulary([["a", "b", "c"]])  # ids <UNK> 0, <PAD> 1, a 2, ...
    token_ids = [[3, 4, 2], [4]] * 5  # echo predicts O B I / I for these
    tag_ids = [[0, 1, 2], [0]] * 5  # the first sentence right, the second a spurious entity
    result = evaluate_model(EchoModel(), token_ids, tag_ids, token_vocabulary, TAG_VOCABULARY, 3)
    assert result.overall == EntityScores(
        precision=0.5, recall=1.0, f1=pytest.approx(2 / 3), support=5
    )


def test_evaluate_model_with_the_reference_tagger():
    keras = pytest.importorskip("keras")
    from bilstm_ner.model import BiLSTMTagger

    keras.utils.set_random_seed(0)
    token_vocabulary = build_token_vocabulary([["a", "b", "c", "d"]])
    token_ids = [[2, 3, 4], [5], [3, 3, 2, 5]]
    tag_ids = [[1, 2, 0], [0], [0, 1, 0, 0]]
    model = BiLSTMTagger(len(token_vocabulary), len(TAG_VOCABULARY), 4, 4)
    result = evaluate_model(model, token_ids, tag_ids, token_vocabulary, TAG_VOCABULARY, 2)
    assert result.overall.support == 2 and 0.0 <= result.overall.f1 <= 1.0
    batches = batches_generator(2, token_ids, tag_ids, pad_index=1, pad_tag_index=0, shuffle=False)
    predicted = predict_tags(model, batches, TAG_VOCABULARY)
    assert [len(sentence) for sentence in predicted] == [3, 1, 4]
