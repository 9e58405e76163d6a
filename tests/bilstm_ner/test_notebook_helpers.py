"""Notebook helpers: stub detection, the reference fallback, setup and the local checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from bilstm_ner.notebook import (
    EmbeddingLayer,
    check_embedding_layer,
    check_normalize_token,
    check_pad_sentences,
    is_stub,
    mine_or_reference,
    setup,
)
from tests.learner_answers import normalize_token
from tests.learner_answers import pad_sentences as reference_pad_sentences
from tools.make_notebooks import strip_solution


def stub_function(x):
    # YOUR CODE HERE
    raise NotImplementedError()


def bare_raise_stub(x):
    raise NotImplementedError


def done_function(x):
    return x + 1


class StubClass:
    def __init__(self):
        self.ready = True

    def call(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()


class DoneClass:
    def call(self, x):
        return [y for y in x]


class RawVariableLayer(EmbeddingLayer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        initial = np.random.randn(vocabulary_size, embedding_dim) / np.sqrt(embedding_dim)
        self.embedding_matrix = tf.Variable(initial.astype(np.float32))


class DefaultInitLayer(EmbeddingLayer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        self.embedding_matrix = self.add_weight(shape=(vocabulary_size, embedding_dim))


class StubEmbeddingLayer(keras.layers.Layer):
    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        # YOUR CODE HERE
        raise NotImplementedError()


def failed(report):
    return [item.name for item in report.items if not item.passed]


@pytest.mark.parametrize("obj", [stub_function, bare_raise_stub, StubClass], ids=repr)
def test_stubs_are_detected_without_calling_them(obj):
    assert is_stub(obj)


@pytest.mark.parametrize("obj", [done_function, DoneClass, len, None, 3], ids=repr)
def test_finished_code_and_non_functions_are_not_stubs(obj):
    assert not is_stub(obj)


def test_a_generated_stub_is_detected():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    namespace: dict = {}
    exec(strip_solution(source, where="test"), namespace)
    assert is_stub(namespace["f"])


def test_stub_falls_back_to_reference_with_a_note(capsys):
    assert mine_or_reference(stub_function, done_function, "compute_loss") is done_function
    assert capsys.readouterr().out == (
        "Your `compute_loss` is not done yet — using the reference one so you can carry on.\n"
    )


def test_finished_code_is_used_silently(capsys):
    assert mine_or_reference(DoneClass, StubClass, "BiLSTMTagger") is DoneClass
    assert capsys.readouterr().out == ""


def test_setup_makes_random_numbers_repeatable_and_prints_nothing(capsys):
    setup(seed=3)
    first = (np.random.rand(), tf.random.uniform([2]).numpy())
    setup(seed=3)
    second = (np.random.rand(), tf.random.uniform([2]).numpy())
    assert first[0] == second[0] and np.array_equal(first[1], second[1])
    assert capsys.readouterr() == ("", "")


def test_a_correct_normalize_token_passes():
    report = check_normalize_token(normalize_token)
    assert report.passed, str(report)


def test_identity_normalize_token_fails_everything_keeping_tokens_included():
    report = check_normalize_token(lambda token: token)
    assert failed(report) == [item.name for item in report.items]
    assert "changed no mention and no link" in str(report)


def test_normalize_token_catching_every_at_sign_fails_on_email_and_lone_at():
    report = check_normalize_token(
        lambda token: "<USR>" if "@" in token else normalize_token(token)
    )
    assert failed(report) == ["a lone @ is punctuation, kept", "an e-mail is not a mention"]


def test_stub_is_not_attempted_not_a_traceback():
    report = check_normalize_token(stub_function)
    assert not report.passed and not report.attempted
    assert "not attempted yet" in report.items[0].message
    assert report.max_score == len(check_normalize_token(normalize_token).items)


def test_a_crash_is_a_failed_item_naming_the_exception():
    report = check_normalize_token(lambda token: token[10])
    assert not report.passed and report.attempted
    assert "IndexError" in report.items[0].message


def test_a_correct_pad_sentences_passes():
    report = check_pad_sentences(reference_pad_sentences)
    assert report.passed, str(report)


def test_padding_with_zero_instead_of_pad_index_fails():
    report = check_pad_sentences(lambda ids, pad_index: reference_pad_sentences(ids, 0))
    assert failed(report) == ["uses the given pad_index"]


def test_padding_as_float_arrays_fails_with_a_dtype_message():
    def as_float(ids, pad_index):
        input_batch, lengths = reference_pad_sentences(ids, pad_index)
        return input_batch.astype(float), lengths

    report = check_pad_sentences(as_float)
    assert not report.passed
    assert "int32" in report.items[0].message


def test_reference_embedding_layer_passes():
    report = check_embedding_layer(EmbeddingLayer)
    assert report.passed, str(report)


def test_raw_tf_variable_is_reported_as_untracked():
    report = check_embedding_layer(RawVariableLayer)
    assert "embedding_matrix is a tracked trainable weight" in failed(report)
    assert "add_weight" in str(report)


def test_default_initialiser_is_reported():
    report = check_embedding_layer(DefaultInitLayer)
    assert failed(report) == ["initialised from N(0, 1/embedding_dim)"]


def test_stub_embedding_layer_is_not_attempted():
    report = check_embedding_layer(StubEmbeddingLayer)
    assert not report.attempted and "not attempted yet" in str(report)
    assert report.max_score == len(check_embedding_layer(EmbeddingLayer).items)
