"""Does check_build_layers catch each realistic mistake in the tagger, with the right diagnosis?

Each mutant changes one thing in a correct tagger; its test names the item that must fail and
words its message must contain.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from grader import check_build_layers
from grader.checks.build_layers import ITEM_NAMES


class Tagger(keras.Model):
    """A correct tagger; each mutant overrides one piece."""

    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__()
        self.embedding_matrix = self.make_embedding(vocabulary_size, embedding_dim)
        self.birnn = self.make_rnn(n_hidden_rnn)
        self.output_dense = keras.layers.Dense(n_tags)

    def make_embedding(self, vocabulary_size, embedding_dim):
        return self.add_weight(
            shape=(vocabulary_size, embedding_dim),
            initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim)),
            name="embedding_matrix",
        )

    def make_rnn(self, n_hidden_rnn):
        return keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn, return_sequences=True))

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class NoMask(Tagger):
    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        return self.output_dense(self.birnn(embeddings, training=training))


class MaskFromZeroIds(Tagger):
    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.not_equal(input_batch, 0)
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class ForwardOnly(Tagger):
    def make_rnn(self, n_hidden_rnn):
        return keras.layers.LSTM(n_hidden_rnn, return_sequences=True)


class SoftmaxOutput(Tagger):
    def call(self, input_batch, lengths, training=False):
        return tf.nn.softmax(super().call(input_batch, lengths, training))


class SigmoidOutput(Tagger):
    def call(self, input_batch, lengths, training=False):
        return tf.nn.sigmoid(super().call(input_batch, lengths, training))


class ReluOutput(Tagger):
    def call(self, input_batch, lengths, training=False):
        return tf.nn.relu(super().call(input_batch, lengths, training))


class Float64Embedding(Tagger):
    def make_embedding(self, vocabulary_size, embedding_dim):
        return keras.Variable(
            np.random.randn(vocabulary_size, embedding_dim) / np.sqrt(embedding_dim)
        )

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.cast(tf.nn.embedding_lookup(self.embedding_matrix, input_batch), "float32")
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class HiddenSizedEmbedding(Tagger):
    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__(vocabulary_size, n_tags, n_hidden_rnn, n_hidden_rnn)


class DefaultInitEmbedding(Tagger):
    def make_embedding(self, vocabulary_size, embedding_dim):
        return self.add_weight(shape=(vocabulary_size, embedding_dim), name="embedding_matrix")


class RawTfVariable(Tagger):
    def make_embedding(self, vocabulary_size, embedding_dim):
        values = np.random.randn(vocabulary_size, embedding_dim) / np.sqrt(embedding_dim)
        return tf.Variable(values.astype(np.float32), name="embedding_matrix")


class FrozenEmbedding(Tagger):
    def make_embedding(self, vocabulary_size, embedding_dim):
        return self.add_weight(
            shape=(vocabulary_size, embedding_dim),
            initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim)),
            trainable=False,
        )


class DropoutAlwaysOn(Tagger):
    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.dropout(tf.nn.embedding_lookup(self.embedding_matrix, input_batch), 0.5)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class CentresOverBatch(Tagger):
    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        embeddings = embeddings - tf.reduce_mean(embeddings, axis=0)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class ReturnsLogitsAndMask(Tagger):
    def call(self, input_batch, lengths, training=False):
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return super().call(input_batch, lengths, training), mask


class ReturnsTagIds(Tagger):
    def call(self, input_batch, lengths, training=False):
        return tf.argmax(super().call(input_batch, lengths, training), axis=-1)


class FinalStateOnly(Tagger):
    def make_rnn(self, n_hidden_rnn):
        return keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn))

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        final = self.birnn(embeddings, mask=mask, training=training)
        repeated = tf.repeat(final[:, None, :], tf.shape(input_batch)[1], axis=1)
        return self.output_dense(repeated)


class CropsToLongestSentence(Tagger):
    def call(self, input_batch, lengths, training=False):
        longest = tf.reduce_max(lengths)
        return super().call(input_batch[:, :longest], lengths, training)


class NeedsPadIndex(Tagger):
    def __init__(self, vocabulary_size, n_tags, pad_index, embedding_dim=8, n_hidden_rnn=8):
        super().__init__(vocabulary_size, n_tags, embedding_dim, n_hidden_rnn)


class ShiftedByOne(Tagger):
    """Looks up the previous word at each position (an off-by-one)."""

    def call(self, input_batch, lengths, training=False):
        shifted = tf.pad(input_batch[:, :-1], [[0, 0], [1, 0]])
        return super().call(shifted, lengths, training)


class PlainModule(tf.Module):
    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__()
        self.inner = Tagger(vocabulary_size, n_tags, embedding_dim, n_hidden_rnn)
        self.embedding_matrix = self.inner.embedding_matrix

    def __call__(self, input_batch, lengths, training=False):
        return self.inner(input_batch, lengths, training=training)


class Stub(keras.Model):
    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__()
        raise NotImplementedError()


class MaskOneShort(Tagger):
    """Bidirectional, yet blind to each sentence's last word."""

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths - 1, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class UnreversedGoBackwards(Tagger):
    """Passes the mask, but a go_backwards LSTM's outputs stay in reverse time order."""

    def make_rnn(self, n_hidden_rnn):
        self.backward_rnn = keras.layers.LSTM(
            n_hidden_rnn, return_sequences=True, go_backwards=True
        )
        return keras.layers.LSTM(n_hidden_rnn, return_sequences=True)

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        forward = self.birnn(embeddings, mask=mask, training=training)
        backward = self.backward_rnn(embeddings, mask=mask, training=training)
        return self.output_dense(tf.concat([forward, backward], axis=-1))


class FinalStateOfBidirectional(Tagger):
    def make_rnn(self, n_hidden_rnn):
        return keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn))


class MaskWithoutMaxlen(Tagger):
    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths)
        return self.output_dense(self.birnn(embeddings, mask=mask, training=training))


class RunningSums(Tagger):
    """Red team 5: masked running sums both ways instead of LSTMs (bidirectional, masked),
    beside two unused weights shaped like LSTM recurrent kernels."""

    def make_rnn(self, n_hidden_rnn):
        self.forward_kernel = self.add_weight(shape=(n_hidden_rnn, 4 * n_hidden_rnn))
        self.backward_kernel = self.add_weight(shape=(n_hidden_rnn, 4 * n_hidden_rnn))
        return None

    def context(self, input_batch, lengths):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.cast(tf.sequence_mask(lengths, tf.shape(input_batch)[1]), tf.float32)
        embeddings = embeddings * mask[..., None]
        forward = tf.cumsum(embeddings, axis=1)
        backward = tf.cumsum(embeddings, axis=1, reverse=True)
        return tf.concat([embeddings, forward, backward], axis=-1)

    def call(self, input_batch, lengths, training=False):
        return self.output_dense(self.context(input_batch, lengths))


class RunningSumsWithKernelsInTheLogits(RunningSums):
    """The same, with the would-be kernels added into every logit so they get a gradient."""

    def call(self, input_batch, lengths, training=False):
        kernels = tf.reduce_mean(self.forward_kernel) + tf.reduce_mean(self.backward_kernel)
        return super().call(input_batch, lengths, training) + 1e-3 * kernels


class KernelsOverTheNeighboursSum(RunningSums):
    """Red team 6: each [H, 4H] weight multiplies the running sum the neighbouring word left,
    so it changes real words' logits and not a one-word sentence's, as a recurrent kernel
    would; no LSTM computes with it."""

    def kernels(self):
        return self.forward_kernel, self.backward_kernel

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.cast(tf.sequence_mask(lengths, tf.shape(input_batch)[1]), tf.float32)
        forward_kernel, backward_kernel = self.kernels()
        hidden = forward_kernel.shape[0]
        projected = embeddings[..., :1] * tf.ones([hidden]) * mask[..., None]
        forward = tf.cumsum(projected, axis=1)
        backward = tf.cumsum(projected, axis=1, reverse=True)
        previous = tf.pad(forward[:, :-1], [[0, 0], [1, 0], [0, 0]])
        following = tf.pad(backward[:, 1:], [[0, 0], [0, 1], [0, 0]])
        features = tf.concat(
            [
                self.context(input_batch, lengths),
                tf.tanh(previous @ forward_kernel),
                tf.tanh(following @ backward_kernel),
            ],
            axis=-1,
        )
        return self.output_dense(features * mask[..., None])


class UnusedLstmBesideTheDecoy(KernelsOverTheNeighboursSum):
    """The same, beside a real Bidirectional LSTM whose output the logits never use."""

    def make_rnn(self, n_hidden_rnn):
        super().make_rnn(n_hidden_rnn)
        return keras.layers.Bidirectional(keras.layers.LSTM(n_hidden_rnn, return_sequences=True))

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        self.birnn(embeddings, training=training)  # computed, then dropped
        return super().call(input_batch, lengths, training)


class LstmKernelsInTheDecoy(UnusedLstmBesideTheDecoy):
    """Red team 7: the real LSTMs are called (their recorded calls check out), but the decoy
    multiplies their recurrent kernels itself and the logits never see the LSTMs' outputs."""

    def kernels(self):
        return (
            self.birnn.forward_layer.cell.recurrent_kernel,
            self.birnn.backward_layer.cell.recurrent_kernel,
        )


class PassThroughRnn(keras.layers.Layer):
    """A recurrent cell that hands its input on unchanged."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.state_size = size

    def call(self, inputs, states):
        return inputs, states


class DecoyThroughAnRnn(LstmKernelsInTheDecoy):
    """Red team 8: the same decoy, its features passed through a Keras RNN whose cell returns
    its input, so that stopping every RNN's outputs stops the decoy's path too."""

    def call(self, input_batch, lengths, training=False):
        if not hasattr(self, "pass_through"):
            self.pass_through = keras.layers.RNN(PassThroughRnn(1), return_sequences=True)
        logits = super().call(input_batch, lengths, training)
        size = logits.shape[-1]
        if self.pass_through.cell.state_size != size:
            self.pass_through = keras.layers.RNN(PassThroughRnn(size), return_sequences=True)
        return self.pass_through(logits)


class ZeroedPaddingNoMask(Tagger):
    """Padded embeddings zeroed instead of a mask: with Keras' zero biases an LSTM's state stays
    exactly zero over them, until training moves the biases (red team 12: 16/16)."""

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        real = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        embeddings = embeddings * tf.cast(real, embeddings.dtype)[..., None]
        return self.output_dense(self.birnn(embeddings, training=training))


class IgnoresTheWords(Tagger):
    """Logits are one learned bias per tag, whatever the words (red team 12: 8/16)."""

    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__(vocabulary_size, n_tags, embedding_dim, n_hidden_rnn)
        self.tag_bias = self.add_weight(shape=(n_tags,), initializer="random_normal")

    def call(self, input_batch, lengths, training=False):
        return tf.zeros(tf.concat([tf.shape(input_batch), [1]], 0)) + self.tag_bias


class FlatTanhOutput(Tagger):
    """The output layer's kernel and bias kept in one flat weight, then tanh: no weight has an
    n_tags axis to rescale (red team 12: 16/16)."""

    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__(vocabulary_size, n_tags, embedding_dim, n_hidden_rnn)
        self.shape = (2 * n_hidden_rnn, n_tags)
        size = self.shape[0] * n_tags + n_tags
        self.flat = self.add_weight(shape=(size,), initializer=keras.initializers.RandomNormal(0.3))

    def call(self, input_batch, lengths, training=False):
        embeddings = tf.nn.embedding_lookup(self.embedding_matrix, input_batch)
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        states = self.birnn(embeddings, mask=mask, training=training)
        width = self.shape[0] * self.shape[1]
        kernel, bias = tf.reshape(self.flat[:width], self.shape), self.flat[width:]
        return tf.tanh(tf.einsum("btd,dk->btk", states, kernel) + bias)


MUTANTS = [
    (ZeroedPaddingNoMask, "padding", "pass the mask"),
    (IgnoresTheWords, "deterministic", "changing the words of the batch changed none"),
    (IgnoresTheWords, "not_probabilities", "changing the words of the batch changed none"),
    (FlatTanhOutput, "not_probabilities", "Dense(n_tags)"),
    (DecoyThroughAnRnn, "construct", "some other way than through the layers' outputs"),
    (LstmKernelsInTheDecoy, "construct", "some other way than through the layers' outputs"),
    (RunningSums, "construct", "but 0 of them work as one"),
    (KernelsOverTheNeighboursSum, "construct", "but 0 of them belong to a Keras LSTM"),
    (UnusedLstmBesideTheDecoy, "construct", "but 0 of them belong to a Keras LSTM"),
    (RunningSumsWithKernelsInTheLogits, "construct", "but 0 of them work as one"),
    (MaskOneShort, "backward", "as a mask one short does"),
    (MaskOneShort, "forward", "tf.sequence_mask(lengths, maxlen=T)"),
    (MaskOneShort, "positions", "not even the word's own"),
    (UnreversedGoBackwards, "padding", "go_backwards RNN returns its outputs in reverse"),
    (MaskWithoutMaxlen, "padding", "so pass maxlen"),
    (NoMask, "padding", "sequence_mask"),
    (MaskFromZeroIds, "padding", "mask"),
    (ForwardOnly, "backward", "only reads left to right"),
    (SoftmaxOutput, "not_probabilities", "remove the softmax"),
    (SigmoidOutput, "not_probabilities", "no activation"),
    (ReluOutput, "not_probabilities", "no activation"),
    (Float64Embedding, "embedding", "NumPy 2"),
    (HiddenSizedEmbedding, "embedding", "shape"),
    (DefaultInitEmbedding, "init", "RandomNormal"),
    (RawTfVariable, "embedding", "raw tf.Variable"),
    (FrozenEmbedding, "embedding", "trainable=False"),
    (DropoutAlwaysOn, "deterministic", "dropout"),
    (CentresOverBatch, "independent", "mixes sentences"),
    (ReturnsLogitsAndMask, "logits", "return only the logits"),
    (ReturnsTagIds, "logits", "argmax"),
    (FinalStateOnly, "positions", "return_sequences=True"),
    (FinalStateOfBidirectional, "logits", "return_sequences=True"),
    (CropsToLongestSentence, "padding", "every position of input_batch"),
    (NeedsPadIndex, "construct", "pad_index"),
    (ShiftedByOne, "positions", "its own position"),
    (PlainModule, "construct", "not a keras.Model"),
    (Stub, "construct", "not attempted"),
]


@pytest.mark.parametrize(
    ("mutant", "item_key", "words"), MUTANTS, ids=[f"{m[0].__name__}-{m[1]}" for m in MUTANTS]
)
def test_check_build_layers_rejects_mutant_with_its_diagnosis(mutant, item_key, words):
    report = check_build_layers(mutant, seed=3)
    failed = {item.name: item.message for item in report.items if not item.passed}
    assert not report.passed
    assert ITEM_NAMES[item_key] in failed, str(report)
    assert words.lower() in failed[ITEM_NAMES[item_key]].lower(), str(report)


def test_a_stub_counts_as_not_attempted():
    report = check_build_layers(Stub, seed=0)
    assert not report.attempted
    assert report.max_score == len(ITEM_NAMES)


def test_the_base_tagger_of_these_mutants_passes():
    report = check_build_layers(Tagger, seed=3)
    assert report.passed, str(report)


def test_a_mask_one_short_is_not_told_to_use_bidirectional():
    report = check_build_layers(MaskOneShort, seed=3)
    assert "only reads left to right" not in str(report)
    assert "Use keras.layers.Bidirectional" not in str(report)


def test_an_unreversed_go_backwards_lstm_is_not_just_told_to_pass_a_mask():
    report = check_build_layers(UnreversedGoBackwards, seed=3)
    assert "the RNN reads the padding" not in str(report)


def test_a_model_that_reads_no_context_gets_no_credit_for_keeping_sentences_apart():
    """Embedding then Dense: nothing can leak between sentences or from padding, so those two
    items are not credited until a direction reads context."""
    from grader import check_build_layers
    from grader.checks.build_layers import ITEM_NAMES

    class NoContext(Tagger):
        def call(self, input_batch, lengths, training=False):
            return self.output_dense(tf.nn.embedding_lookup(self.embedding_matrix, input_batch))

    report = check_build_layers(NoContext, seed=1)
    failed = {item.name: item.message for item in report.items if not item.passed}
    for key in ("independent", "padding"):
        assert "Not credited yet" in failed[ITEM_NAMES[key]], str(report)


def test_a_tagger_that_ignores_the_words_gets_no_training_item_for_free():
    from grader import check_embedding_training

    report = check_embedding_training(IgnoresTheWords, seed=3)
    passed = [item.name for item in report.items if item.passed]
    assert not any("SGD step" in name for name in passed), str(report)
    assert "no row of the embedding moved" in str(report)
