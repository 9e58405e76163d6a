"""Does check_embedding_training catch each realistic training mistake, with the right diagnosis?

Model mutants break how the embedding is created or used; train-step mutants break one line of a
correct train step (they run on the course's reference model, whatever the learner's model).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from bilstm_ner.model import BiLSTMTagger, compute_loss
from grader import check_embedding_training
from grader.checks.embedding_training import MODEL_ITEMS, STEP_ITEMS
from grader.checks.embedding_training.inputs import make_inputs as make_training_inputs
from grader.checks.embedding_training.probe import probe_learner_step
from grader.checks.embedding_training.step.judge import judge_learner_step
from grader.checks.embedding_training.step.recompute import recompute


class Tagger(keras.Model):
    """A correct tagger; each model mutant overrides one piece."""

    def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
        super().__init__()
        self.embedding_matrix = self.make_embedding(vocabulary_size, embedding_dim)
        self.birnn = keras.layers.Bidirectional(
            keras.layers.LSTM(n_hidden_rnn, return_sequences=True)
        )
        self.output_dense = keras.layers.Dense(n_tags)

    def make_embedding(self, vocabulary_size, embedding_dim):
        return self.add_weight(
            shape=(vocabulary_size, embedding_dim),
            initializer=keras.initializers.RandomNormal(stddev=1 / np.sqrt(embedding_dim)),
            name="embedding_matrix",
        )

    def embed(self, input_batch):
        return tf.nn.embedding_lookup(self.embedding_matrix, input_batch)

    def call(self, input_batch, lengths, training=False):
        mask = tf.sequence_mask(lengths, tf.shape(input_batch)[1])
        return self.output_dense(self.birnn(self.embed(input_batch), mask=mask, training=training))


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


class LooksUpANumpyCopy(Tagger):
    def embed(self, input_batch):
        return tf.nn.embedding_lookup(self.embedding_matrix.numpy(), input_batch)


class StopsTheGradient(Tagger):
    def embed(self, input_batch):
        return tf.stop_gradient(tf.nn.embedding_lookup(self.embedding_matrix, input_batch))


class OneHotProduct(Tagger):
    def embed(self, input_batch):
        one_hot = tf.one_hot(input_batch, tf.shape(self.embedding_matrix)[0])
        return tf.matmul(one_hot, self.embedding_matrix)


class UnmaskedRnn(Tagger):
    def call(self, input_batch, lengths, training=False):
        return self.output_dense(self.birnn(self.embed(input_batch), training=training))


MODEL_MUTANTS = [
    (RawTfVariable, "tracked", "TF1"),
    (FrozenEmbedding, "tracked", "trainable=False"),
    (LooksUpANumpyCopy, "gradient", ".numpy()"),
    (StopsTheGradient, "gradient", "stop_gradient"),
    (OneHotProduct, "gradient", "one-hot"),
    (UnmaskedRnn, "rows_kept", "PAD row"),
    (RawTfVariable, "rows_changed", "not in model.trainable_variables"),
]


@pytest.mark.parametrize(
    ("mutant", "item_key", "words"),
    MODEL_MUTANTS,
    ids=[f"{m[0].__name__}-{m[1]}" for m in MODEL_MUTANTS],
)
def test_model_mutant_fails_with_its_diagnosis(mutant, item_key, words):
    report = check_embedding_training(mutant, seed=5)
    failed = {item.name: item.message for item in report.items if not item.passed}
    assert MODEL_ITEMS[item_key] in failed, str(report)
    assert words.lower() in failed[MODEL_ITEMS[item_key]].lower(), str(report)


# --- train-step mutants: each differs from the reference train_step in one place ---------------


def _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index):
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    return loss, tape.gradient(loss, model.trainable_variables)


def never_applies(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, _ = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    return loss


def leaves_out_the_embedding(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    variables = model.birnn.trainable_variables + model.output_dense.trainable_variables
    gradients = [tf.clip_by_norm(g, 1.0) for g in tape.gradient(loss, variables)]
    optimizer.apply_gradients(zip(gradients, variables, strict=False))
    return loss


def no_clipping(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def clips_by_global_norm(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients, _ = tf.clip_by_global_norm(gradients, 1.0)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def returns_loss_after_update(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    _, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    logits = model(input_batch, lengths, training=False)
    return compute_loss(logits, ground_truth_tags, input_batch, pad_index)


def forgets_return(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    _, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))


def uses_its_own_adam(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    keras.optimizers.Adam(0.01).apply_gradients(
        zip(gradients, model.trainable_variables, strict=False)
    )
    return loss


def applies_twice(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    for _ in range(2):
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def climbs_the_gradient(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [-tf.clip_by_norm(tf.convert_to_tensor(g), 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def _scales_the_output_bias(factor):
    def train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        """Red team 5: the output bias (n_tags entries) was too small to be evidence."""
        loss, gradients = _loss_and_gradients(
            model, input_batch, ground_truth_tags, lengths, pad_index
        )
        gradients = [
            factor * gradient
            if variable is model.output_dense.bias
            else tf.clip_by_norm(gradient, 1.0)
            for gradient, variable in zip(gradients, model.trainable_variables, strict=True)
        ]
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    return train_step


scales_the_output_bias = _scales_the_output_bias(25.0)
scales_the_output_bias.__name__ = "scales_the_output_bias"
climbs_on_the_output_bias = _scales_the_output_bias(-1.0)
climbs_on_the_output_bias.__name__ = "climbs_on_the_output_bias"


def mean_over_padding_too(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
        )
    gradients = tape.gradient(loss, model.trainable_variables)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def loss_outside_the_tape(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    logits = model(input_batch, lengths, training=True)
    with tf.GradientTape() as tape:
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss


def per_sentence_losses(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        token_losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=ground_truth_tags, logits=logits
        )
        mask = tf.cast(tf.not_equal(input_batch, pad_index), tf.float32)
        losses = tf.reduce_sum(token_losses * mask, -1) / tf.reduce_sum(mask, -1)
    gradients = tape.gradient(losses, model.trainable_variables)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return losses


NOTEBOOK = {}


def uses_the_notebook_model(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    """Trains the notebook's own `tagger` (a global) instead of the `model` argument."""
    if "tagger" not in NOTEBOOK:  # built by an earlier cell of the notebook, outside any graph
        with tf.init_scope():
            NOTEBOOK["tagger"] = BiLSTMTagger(
                vocabulary_size=100, n_tags=10, embedding_dim=4, n_hidden_rnn=4
            )
            NOTEBOOK["tagger"](np.zeros((1, 1), np.int32), np.ones(1, np.int32))
    tagger = NOTEBOOK["tagger"]
    loss, gradients = _loss_and_gradients(
        tagger, input_batch, ground_truth_tags, lengths, pad_index
    )
    optimizer.apply_gradients(zip(gradients, tagger.trainable_variables, strict=False))
    return loss


def not_attempted(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    raise NotImplementedError()


def returns_numpy(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    """Right eagerly; notebook 05 compiles the step, where a tensor has no .numpy()."""
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
    return loss.numpy()


def _step_calling_the_model(**training):
    def train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        with tf.GradientTape() as tape:
            logits = model(input_batch, lengths, **training)
            loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
        gradients = tape.gradient(loss, model.trainable_variables)
        gradients = [tf.clip_by_norm(g, 1.0) for g in gradients]
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=False))
        return loss

    return train_step


trains_with_training_false = _step_calling_the_model(training=False)
trains_without_a_training_argument = _step_calling_the_model()


STEP_MUTANTS = [
    (never_applies, "optimizer", "never applied"),
    (never_applies, "all_variables", "no variable changed"),
    (leaves_out_the_embedding, "all_variables", "except the embedding"),
    (no_clipping, "clipping", "not clipped"),
    (clips_by_global_norm, "clipping", "global norm"),
    (returns_loss_after_update, "returns", "after the update"),
    (forgets_return, "returns", "return"),
    (uses_its_own_adam, "optimizer", "use the `optimizer` and `model` passed to train_step"),
    (applies_twice, "optimizer", "exactly once"),
    (climbs_the_gradient, "clipping", "up the gradient"),
    (scales_the_output_bias, "clipping", "bias moved 25 times as far as that step"),
    (climbs_on_the_output_bias, "clipping", "bias moved up its gradient"),
    (mean_over_padding_too, "returns", "masked loss"),
    (loss_outside_the_tape, "returns", "a gradient is None: the loss was not computed"),
    (loss_outside_the_tape, "returns", "test_training_mutants.py, line"),
    (returns_numpy, "returns", "inside a tf.function (notebook 05 compiles the training step"),
    (returns_numpy, "step_loss", "`return loss.numpy()`"),
    (trains_with_training_false, "dropout", "called the model with training=False"),
    (trains_without_a_training_argument, "dropout", "without a training argument"),
    (per_sentence_losses, "returns", "expected a scalar"),
    (not_attempted, "returns", "not attempted"),
    (uses_the_notebook_model, "all_variables", "passed to train_step"),
]


@pytest.mark.parametrize(
    ("train_step", "item_key", "words"),
    STEP_MUTANTS,
    ids=[f"{m[0].__name__}-{m[1]}-{i}" for i, m in enumerate(STEP_MUTANTS)],
)
def test_train_step_mutant_fails_with_its_diagnosis(train_step, item_key, words):
    # Only the train-step experiment: the model experiment is the same for all of them.
    inputs = make_training_inputs(np.random.default_rng(7))
    observations = probe_learner_step(train_step, inputs)
    recomputed = recompute(inputs, {"train_step": observations})
    items = judge_learner_step(inputs, observations, recomputed)
    failed = {item.name: item.message for item in items if not item.passed}
    assert STEP_ITEMS[item_key] in failed, failed
    assert words.lower() in failed[STEP_ITEMS[item_key]].lower(), failed


def test_a_stub_train_step_counts_as_not_attempted():
    report = check_embedding_training(BiLSTMTagger, not_attempted, seed=1)
    step_items = [item for item in report.items if item.name in STEP_ITEMS.values()]
    assert step_items and not any(item.attempted for item in step_items)


def test_a_broken_model_does_not_hide_a_correct_train_step():
    from bilstm_ner.model import train_step

    report = check_embedding_training(RawTfVariable, train_step, seed=2)
    by_name = {item.name: item for item in report.items}
    assert not by_name[MODEL_ITEMS["tracked"]].passed
    assert all(by_name[name].passed for name in STEP_ITEMS.values()), str(report)


def emulates_the_optimizer(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    """Never calls the optimizer: copies its update (SGD with weight decay) by hand."""
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    rate = tf.cast(optimizer.learning_rate, tf.float32)
    decay = tf.cast(optimizer.weight_decay, tf.float32)
    for gradient, variable in zip(gradients, model.trainable_variables, strict=True):
        variable.assign(variable - variable * rate * decay)
        variable.assign_sub(rate * tf.convert_to_tensor(tf.clip_by_norm(gradient, 1.0)))
    return loss


def failed_step_items(inputs, observations):
    """{item name: message} of the items a probed train_step fails, judged as a graded run."""
    items = judge_learner_step(
        inputs, observations, recompute(inputs, {"train_step": observations})
    )
    return {item.name: item.message for item in items if not item.passed}


def test_a_hand_written_copy_of_the_optimizers_update_does_not_count_as_using_it():
    inputs = make_training_inputs(np.random.default_rng(7))
    observations = probe_learner_step(emulates_the_optimizer, inputs)
    failed = failed_step_items(inputs, observations)
    assert set(failed) == {STEP_ITEMS["optimizer"]}, failed
    assert "optimizer itself took 0 steps" in failed[STEP_ITEMS["optimizer"]]


def emulates_the_optimizer_and_its_step_count(
    model, optimizer, input_batch, ground_truth_tags, lengths, pad_index
):
    """Red team 4: the hand-written copy above, plus the step count advanced by hand."""
    loss = emulates_the_optimizer(
        model, optimizer, input_batch, ground_truth_tags, lengths, pad_index
    )
    optimizer.iterations.assign_add(1)
    return loss


def test_a_step_count_advanced_by_hand_does_not_count_as_using_the_optimizer():
    inputs = make_training_inputs(np.random.default_rng(7))
    observations = probe_learner_step(emulates_the_optimizer_and_its_step_count, inputs)
    assert (observations["iterations"], observations["applied"]) == (1, 0)
    failed = failed_step_items(inputs, observations)
    assert set(failed) == {STEP_ITEMS["optimizer"]}, failed
    assert "never applied the gradients with it" in failed[STEP_ITEMS["optimizer"]]


def test_the_model_and_optimizer_a_step_is_given_look_like_the_courses():
    """Red team 4: a step that checked `type(model).__name__ == "ProbeTagger"` behaved only
    while graded. (A step can still look for other differences: see the README's residual risks.)"""
    seen = {}

    def looks(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        seen["model"] = (type(model).__name__, type(model).__module__)
        seen["optimizer"] = (type(optimizer).__name__, type(optimizer).__module__)
        return tf.constant(0.0)

    probe_learner_step(looks, make_training_inputs(np.random.default_rng(3)))
    assert seen["model"] == (BiLSTMTagger.__name__, BiLSTMTagger.__module__)
    assert seen["optimizer"] == ("SGD", keras.optimizers.SGD.__module__)


def gives_the_optimizer_zeros(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    """Calls the optimizer (its count and step count agree) on zeros, updates the weights itself."""
    loss, gradients = _loss_and_gradients(model, input_batch, ground_truth_tags, lengths, pad_index)
    variables = model.trainable_variables
    optimizer.apply_gradients([(tf.zeros_like(v), v) for v in variables])  # only the decay
    rate = tf.cast(optimizer.learning_rate, tf.float32)
    for gradient, variable in zip(gradients, variables, strict=True):
        variable.assign_sub(rate * tf.convert_to_tensor(tf.clip_by_norm(gradient, 1.0)))
    return loss


def test_an_optimizer_given_zeros_beside_a_hand_written_update_is_not_using_it():
    inputs = make_training_inputs(np.random.default_rng(7))
    observations = probe_learner_step(gives_the_optimizer_zeros, inputs)
    assert (observations["iterations"], observations["applied"]) == (1, 1)
    failed = failed_step_items(inputs, observations)
    assert set(failed) == {STEP_ITEMS["optimizer"]}, failed
    assert "not with the gradients the optimizer was given" in failed[STEP_ITEMS["optimizer"]]
