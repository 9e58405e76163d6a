"""Does check_compute_loss reject each known wrong loss, and name the mistake?

Each `wrong_*` function is a mistake learners make, next to the words the report must use.
"""

import numpy as np
import pytest
import tensorflow as tf

import grader.checks.compute_loss
from grader import check_compute_loss
from grader.core.text import one_line


def _token_losses(logits, ground_truth_tags):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)


def _mask(input_batch, pad_index):
    return tf.cast(tf.not_equal(input_batch, pad_index), tf.float32)


def _per_sentence(losses, mask):
    return tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1)


def _correct(logits, ground_truth_tags, input_batch, pad_index):
    return tf.reduce_mean(
        _per_sentence(_token_losses(logits, ground_truth_tags), _mask(input_batch, pad_index))
    )


def wrong_no_mask(logits, ground_truth_tags, input_batch, pad_index):
    return tf.reduce_mean(_token_losses(logits, ground_truth_tags))


def wrong_mean_of_masked(logits, ground_truth_tags, input_batch, pad_index):
    return tf.reduce_mean(_token_losses(logits, ground_truth_tags) * _mask(input_batch, pad_index))


def wrong_keras_default_reduction(logits, ground_truth_tags, input_batch, pad_index):
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return loss(ground_truth_tags, logits, sample_weight=_mask(input_batch, pad_index))


def wrong_token_level_mean(logits, ground_truth_tags, input_batch, pad_index):
    mask = _mask(input_batch, pad_index)
    return tf.reduce_sum(_token_losses(logits, ground_truth_tags) * mask) / tf.reduce_sum(mask)


def wrong_softmax_twice(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(tf.nn.softmax(logits), ground_truth_tags, input_batch, pad_index)


def wrong_mask_from_tags(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(logits, ground_truth_tags, ground_truth_tags, pad_index)


def wrong_mask_drops_o_tags(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(logits, ground_truth_tags, ground_truth_tags, 0)


def wrong_pad_hard_coded_as_0(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(logits, ground_truth_tags, input_batch, 0)


def wrong_pad_hard_coded_as_1(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(logits, ground_truth_tags, input_batch, 1)


def wrong_per_sentence_vector(logits, ground_truth_tags, input_batch, pad_index):
    return _per_sentence(_token_losses(logits, ground_truth_tags), _mask(input_batch, pad_index))


def wrong_per_token_losses(logits, ground_truth_tags, input_batch, pad_index):
    return _token_losses(logits, ground_truth_tags) * _mask(input_batch, pad_index)


def wrong_sum_over_sentences(logits, ground_truth_tags, input_batch, pad_index):
    return tf.reduce_sum(
        wrong_per_sentence_vector(logits, ground_truth_tags, input_batch, pad_index)
    )


def wrong_no_division_by_length(logits, ground_truth_tags, input_batch, pad_index):
    masked = _token_losses(logits, ground_truth_tags) * _mask(input_batch, pad_index)
    return tf.reduce_mean(tf.reduce_sum(masked, -1))


def wrong_sigmoid_cross_entropy(logits, ground_truth_tags, input_batch, pad_index):
    labels = tf.one_hot(ground_truth_tags, tf.shape(logits)[-1])
    losses = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits), -1)
    return tf.reduce_mean(_per_sentence(losses, _mask(input_batch, pad_index)))


def wrong_labels_and_logits_swapped(logits, ground_truth_tags, input_batch, pad_index):
    one_hot = tf.one_hot(ground_truth_tags, tf.shape(logits)[-1])
    losses = tf.nn.softmax_cross_entropy_with_logits(labels=logits, logits=one_hot)
    return tf.reduce_mean(_per_sentence(losses, _mask(input_batch, pad_index)))


def wrong_sign(logits, ground_truth_tags, input_batch, pad_index):
    return -_correct(logits, ground_truth_tags, input_batch, pad_index)


def wrong_raises(logits, ground_truth_tags, input_batch, pad_index):
    return tf.reduce_mean(logits, axis=5)


def wrong_returns_none(logits, ground_truth_tags, input_batch, pad_index):
    _correct(logits, ground_truth_tags, input_batch, pad_index)


def wrong_returns_nan(logits, ground_truth_tags, input_batch, pad_index):
    return tf.constant(float("nan"))


def wrong_returns_a_constant(logits, ground_truth_tags, input_batch, pad_index):
    return 1.0


def wrong_returning_numpy(logits, ground_truth_tags, input_batch, pad_index):
    """The right number, but a NumPy float: no gradient, and `.numpy()` fails in a tf.function."""
    return np.float64(_correct(logits, ground_truth_tags, input_batch, pad_index).numpy())


def wrong_computed_in_numpy(logits, ground_truth_tags, input_batch, pad_index):
    logits, tags = logits.numpy().astype(np.float64), ground_truth_tags.numpy()
    shifted = logits - logits.max(-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    losses = -np.take_along_axis(log_p, tags[..., None], -1)[..., 0]
    mask = (input_batch.numpy() != pad_index).astype(np.float64)
    return tf.constant(np.mean((losses * mask).sum(-1) / mask.sum(-1)), tf.float32)


def wrong_stop_gradient(logits, ground_truth_tags, input_batch, pad_index):
    return _correct(tf.stop_gradient(logits), ground_truth_tags, input_batch, pad_index)


def wrong_log_of_softmax(logits, ground_truth_tags, input_batch, pad_index):
    """-log(softmax) by hand: the right value on everyday logits, inf on large ones."""
    labels = tf.one_hot(ground_truth_tags, depth=logits.shape[-1])
    losses = -tf.reduce_sum(labels * tf.math.log(tf.nn.softmax(logits)), axis=-1)
    return tf.reduce_mean(_per_sentence(losses, _mask(input_batch, pad_index)))


def wrong_log_of_softmax_plus_epsilon(logits, ground_truth_tags, input_batch, pad_index):
    labels = tf.one_hot(ground_truth_tags, depth=logits.shape[-1])
    losses = -tf.reduce_sum(labels * tf.math.log(tf.nn.softmax(logits) + 1e-9), axis=-1)
    return tf.reduce_mean(_per_sentence(losses, _mask(input_batch, pad_index)))


def wrong_boolean_mask_in_the_product(logits, ground_truth_tags, input_batch, pad_index):
    mask = tf.not_equal(input_batch, pad_index)
    losses = _token_losses(logits, ground_truth_tags)
    return tf.reduce_mean(tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1))


def wrong_one_hot_labels_to_the_sparse_loss(logits, ground_truth_tags, input_batch, pad_index):
    labels = tf.one_hot(ground_truth_tags, depth=tf.shape(logits)[-1])
    return _correct(logits, labels, input_batch, pad_index)


def wrong_tag_ids_to_the_dense_loss(logits, ground_truth_tags, input_batch, pad_index):
    losses = tf.nn.softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
    return tf.reduce_mean(_per_sentence(losses, _mask(input_batch, pad_index)))


class _Liar:
    """Equal to everything, convertible to anything."""

    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.0

    def __array__(self, *args, **kwargs):
        return np.array(0.0)

    __hash__ = None


def wrong_returns_a_lying_object(logits, ground_truth_tags, input_batch, pad_index):
    return _Liar()


def wrong_prints_a_flood(logits, ground_truth_tags, input_batch, pad_index):
    for step in range(20_000):
        print("debugging", step)
    return wrong_no_mask(logits, ground_truth_tags, input_batch, pad_index)


def wrong_exits(logits, ground_truth_tags, input_batch, pad_index):
    raise SystemExit()


MUTANTS = [
    (wrong_no_mask, "averages over padded positions too"),
    (wrong_mean_of_masked, "then averaged over every position"),
    (wrong_keras_default_reduction, "Keras losses with `sample_weight=mask` do the same"),
    (wrong_token_level_mean, "averaged over all real tokens of the batch at once"),
    (wrong_softmax_twice, "softmax applied twice"),
    (wrong_mask_from_tags, "compares `ground_truth_tags` with pad_index"),
    (wrong_mask_drops_o_tags, "drops every token tagged 0"),
    (wrong_pad_hard_coded_as_0, "as if the padding id were always 0"),
    (wrong_pad_hard_coded_as_1, "as if the padding id were always 1"),
    (wrong_per_sentence_vector, "returned the per-sentence losses (shape ("),
    (wrong_per_token_losses, "returned one loss per token"),
    (wrong_sum_over_sentences, "You summed the per-sentence losses"),
    (wrong_no_division_by_length, "did not divide each sentence's summed loss"),
    (wrong_sigmoid_cross_entropy, "sigmoid (binary) cross-entropy"),
    (wrong_labels_and_logits_swapped, "You swapped labels and logits"),
    (wrong_sign, "wrong sign"),
    (wrong_raises, "compute_loss raised InvalidArgumentError"),
    (wrong_returns_none, "Did you forget the `return` statement?"),
    (wrong_returns_nan, "compute_loss returned nan on the batch with pad_index="),
    (wrong_returns_a_constant, "your loss is 1; the reference is"),
    (wrong_returns_a_lying_object, "returned an object of type _Liar"),
    (wrong_prints_a_flood, "averages over padded positions too"),
    (wrong_exits, "compute_loss called exit()"),
    (wrong_returning_numpy, "Your loss has no gradient with respect to the logits"),
    (wrong_computed_in_numpy, "computed outside TensorFlow (NumPy"),
    (wrong_stop_gradient, "Your loss has no gradient with respect to the logits"),
    (wrong_log_of_softmax, "your loss is inf: the softmax rounds small probabilities to 0.0"),
    (wrong_log_of_softmax_plus_epsilon, "A small epsilon inside the log"),
    (wrong_boolean_mask_in_the_product, "cast it first: `mask = tf.cast(mask, losses.dtype)`"),
    (wrong_one_hot_labels_to_the_sparse_loss, "one-hot labels were given to a sparse loss"),
    (wrong_tag_ids_to_the_dense_loss, "tag ids were given to a loss that wants one-hot labels"),
]


@pytest.mark.parametrize(
    "seed, compute_loss, diagnosis",
    [(seed, fn, text) for seed, (fn, text) in enumerate(MUTANTS)],
    ids=[fn.__name__ for fn, _ in MUTANTS],
)
def test_a_wrong_loss_fails_with_its_diagnosis(seed, compute_loss, diagnosis, capsys):
    report = check_compute_loss(compute_loss, seed=seed)
    assert not report.passed
    assert diagnosis in one_line(str(report))
    assert len(capsys.readouterr().out) < 1000  # nothing the learner printed floods the notebook


def test_the_line_of_the_error_is_shown():
    report = check_compute_loss(wrong_raises, seed=0)
    assert "test_loss_mutants.py, line" in one_line(str(report))
    assert "`return tf.reduce_mean(logits, axis=5)`" in one_line(str(report))


def test_a_hard_coded_pad_keeps_the_points_for_pad_index_0():
    report = check_compute_loss(wrong_pad_hard_coded_as_0, seed=0)
    passed = {item.name for item in report.items if item.passed}
    assert grader.checks.compute_loss.MATCHES_PAD_ZERO in passed
    assert grader.checks.compute_loss.MATCHES_ANY_PAD not in passed


def test_the_stub_is_not_attempted():
    def compute_loss(logits, ground_truth_tags, input_batch, pad_index):
        # YOUR CODE HERE
        raise NotImplementedError()

    report = check_compute_loss(compute_loss, seed=0)
    assert not report.passed and not report.attempted
    assert "compute_loss is not attempted yet" in one_line(str(report))


def test_an_endless_loop_times_out_naming_the_check():
    def compute_loss(logits, ground_truth_tags, input_batch, pad_index):
        while True:
            pass

    report = check_compute_loss(compute_loss, seed=0, time_limit=0.3)
    assert not report.passed
    assert "did not finish within 0.3 s while running check_compute_loss" in one_line(str(report))


def test_a_loss_that_is_always_nan_earns_nothing():
    import tensorflow as tf

    def always_nan(logits, ground_truth_tags, input_batch, pad_index):
        return tf.constant(float("nan"))

    report = check_compute_loss(always_nan, seed=0)
    assert report.score == 0, str(report)


@pytest.mark.parametrize(
    "compute_loss",
    [wrong_returning_numpy, wrong_computed_in_numpy, wrong_log_of_softmax],
    ids=lambda fn: fn.__name__,
)
def test_a_right_value_without_gradient_or_stability_loses_only_that_item(compute_loss):
    report = check_compute_loss(compute_loss, seed=0)
    assert report.score == report.max_score - 1, str(report)


def test_a_translated_error_names_the_learners_line():
    report = check_compute_loss(wrong_boolean_mask_in_the_product, seed=0)
    assert "test_loss_mutants.py, line" in one_line(str(report))
    assert "`return tf.reduce_mean(tf.reduce_sum(losses * mask, -1)" in one_line(str(report))


def test_a_loss_that_ignores_the_logits_earns_nothing():
    """A constant is a finite scalar and ignores padding, but not for the right reason."""
    import tensorflow as tf

    from grader import check_compute_loss

    report = check_compute_loss(lambda *args: tf.constant(0.0), seed=3)
    assert report.score == 0, str(report)
    assert "does not depend on the logits" in str(report)


def test_a_loss_of_the_first_token_only_gets_no_credit_for_ignoring_padding():
    """The first token is always real, so such a loss ignores padding by accident."""
    import tensorflow as tf

    from grader import check_compute_loss
    from grader.checks.compute_loss import IGNORES_PADDED_LOGITS

    def first_token_only(logits, ground_truth_tags, input_batch, pad_index):
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=ground_truth_tags[:, 0], logits=logits[:, 0]
        )
        return tf.reduce_mean(losses)

    report = check_compute_loss(first_token_only, seed=3)
    item = next(item for item in report.items if item.name == IGNORES_PADDED_LOGITS)
    assert not item.passed and "ignores real tokens too" in item.message, str(report)


def wrong_reads_the_ids_only(logits, ground_truth_tags, input_batch, pad_index):
    return tf.cast(tf.reduce_sum(input_batch), tf.float32) / 100.0


_answers: dict = {}


def wrong_unmasked_and_cached(logits, ground_truth_tags, input_batch, pad_index):
    """Remembers its answer per batch: the garbage call alone cannot tell it from a masked loss."""
    key = (np.asarray(input_batch).tobytes(), np.asarray(ground_truth_tags).tobytes(), pad_index)
    if key not in _answers:
        _answers[key] = wrong_no_mask(logits, ground_truth_tags, input_batch, pad_index)
    return _answers[key]


@pytest.mark.parametrize("compute_loss", [wrong_reads_the_ids_only, wrong_unmasked_and_cached])
def test_a_loss_blind_to_the_logits_or_that_caches_gains_nothing(compute_loss):
    # red team 12: 2/8 each ("finite scalar", "ignores padded logits"); the cache also hands
    # back its first answer for other logits at real positions, and a tensor with no gradient
    report = check_compute_loss(compute_loss, seed=5)
    assert report.score == 0, str(report)
    assert "it does not depend on the logits" in one_line(str(report))
