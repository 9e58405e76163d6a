"""check_embedding_training: correct pieces pass, inputs are sound, the judge survives anything."""

from __future__ import annotations

import numpy as np
import pytest

from grader import check_embedding_training
from grader.checks.embedding_training import MODEL_ITEMS, STEP_ITEMS
from grader.checks.embedding_training.inputs import make_inputs as make_training_inputs
from grader.checks.embedding_training.spec import SPEC as EMBEDDING_TRAINING
from grader.checks.embedding_training.spec import judge as judge_embedding_training
from grader.core.spec import conform, is_plain_data


def test_a_correct_tagger_trains_exactly_the_batch_rows_in_every_style(correct_tagger):
    report = check_embedding_training(correct_tagger, seed=13)
    assert report.passed, str(report)
    assert report.max_score == len(MODEL_ITEMS)


def test_a_correct_train_step_passes_in_every_style(correct_train_step):
    from bilstm_ner.model import BiLSTMTagger

    report = check_embedding_training(BiLSTMTagger, correct_train_step, seed=17)
    assert report.passed, str(report)
    assert report.max_score == len(STEP_ITEMS)


def apply_without_variables(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
    """Keras 3's `optimizer.apply(gradients)`: right in notebook 05's loop, which builds the
    optimizer on model.trainable_variables first."""
    import tensorflow as tf

    from bilstm_ner.model import compute_loss

    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply([tf.clip_by_norm(gradient, 1.0) for gradient in gradients])
    return loss


def clips_with_the_optimizers_clipnorm(
    model, optimizer, input_batch, ground_truth_tags, lengths, pad_index
):
    """The optimizer clips each gradient by norm 1.0 itself: the exercise's maths."""
    import tensorflow as tf

    from bilstm_ner.model import compute_loss

    optimizer.clipnorm = 1.0
    with tf.GradientTape() as tape:
        logits = model(input_batch, lengths, training=True)
        loss = compute_loss(logits, ground_truth_tags, input_batch, pad_index)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return loss


@pytest.mark.parametrize(
    "train_step", [apply_without_variables, clips_with_the_optimizers_clipnorm]
)
def test_an_honest_step_through_the_optimizers_own_api_passes(train_step):
    """Red team 5: both scored less (0/7: an unbuilt optimizer; 6/7: "written by hand")."""
    from bilstm_ner.model import BiLSTMTagger

    report = check_embedding_training(BiLSTMTagger, train_step, seed=17)
    assert report.passed, str(report)


def test_the_course_reference_model_earns_no_points_so_an_untouched_notebook_05_scores_zero():
    """Notebook 05 trains the course's own BiLSTMTagger: only the learner's train_step counts."""
    from bilstm_ner.model import BiLSTMTagger

    def stub_train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):
        raise NotImplementedError()

    report = check_embedding_training(BiLSTMTagger, stub_train_step, seed=2)
    assert report.score == 0 and report.max_score == len(STEP_ITEMS)
    assert "not graded here" in report.items[0].name
    assert not any(item.attempted for item in report.items[1:])


@pytest.mark.parametrize("seed", range(20))
def test_inputs_leave_rows_out_of_the_batch_and_pad_the_short_sentences(seed):
    inputs = make_training_inputs(np.random.default_rng(seed))
    assert is_plain_data(inputs)
    input_batch, lengths, pad = inputs["input_batch"], inputs["lengths"], inputs["pad_index"]
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    assert np.all(input_batch[~real] == pad) and (~real).any()
    assert not np.any(input_batch[real] == pad)
    absent = set(range(inputs["sizes"]["vocabulary_size"])) - set(input_batch.ravel().tolist())
    assert len(absent) >= 10


def test_the_probe_and_the_recomputation_exchange_plain_data():
    from bilstm_ner.model import train_step

    inputs = make_training_inputs(np.random.default_rng(3))
    observations = EMBEDDING_TRAINING.probe({"train_step": train_step}, inputs)
    assert is_plain_data(observations) and set(observations) == {"train_step"}
    recomputed = EMBEDDING_TRAINING.recompute(inputs, observations)
    assert is_plain_data(recomputed)
    graded = EMBEDDING_TRAINING.declared_items(("train_step",))
    report = conform(judge_embedding_training(inputs, observations, recomputed), graded, "t")
    assert report.passed and report.max_score == len(STEP_ITEMS)


def test_the_kernel_reports_what_the_step_did_and_nothing_it_could_be_checked_against():
    """No gradient, starting weight or loss comes from the kernel: the grader recomputes them.
    What it says of the optimizer (its step count, its calls, the size of what it was given)
    can only take the optimizer item away (test_training_mutants)."""
    from bilstm_ner.model import train_step

    inputs = make_training_inputs(np.random.default_rng(4))
    observations = EMBEDDING_TRAINING.probe({"train_step": train_step}, inputs)["train_step"]
    assert set(observations) == {
        "after",
        "returned",
        "iterations",
        "applied",
        "received",
        "training_flags",
    }


def test_the_course_reference_as_the_learner_tagger_earns_nothing():
    from bilstm_ner.model import BiLSTMTagger

    report = check_embedding_training(BiLSTMTagger, seed=3)
    assert (report.score, report.max_score) == (0, len(MODEL_ITEMS))
    assert "reference" in report.items[0].message


MALFORMED = [
    None,
    {},
    {"model": "fine"},
    {"model": {"build": {"ok": True}}, "train_step": None},
    {"model": {"build": {"ok": True}, "embedding": {"exists": True, "kind": "keras.Variable"}}},
    {"model": {"build": {"ok": True}, "step": {"before": np.zeros(3), "after": "x"}}},
    {"model": {"build": {}}, "train_step": {"before": [np.zeros(2)], "after": [np.ones(3)]}},
    {"model": {}, "train_step": {"call": {"error": None}, "gradients": "none"}},
    {
        "train_step": {
            "before": [np.zeros(2)],
            "after": [np.ones(2)],
            "gradients": [np.ones(2)],
            "paths": ["a", "b", "c"],
            "iterations": "1",
            "returned": {"values": np.zeros(4)},
        }
    },
]


@pytest.mark.parametrize("observations", MALFORMED)
def test_the_judge_fails_malformed_observations_without_raising(observations):
    inputs = make_training_inputs(np.random.default_rng(0))
    report = judge_embedding_training(inputs, observations)
    assert not report.passed
    assert report.max_score in (len(MODEL_ITEMS), len(MODEL_ITEMS) + len(STEP_ITEMS))


def test_grading_a_tf_function_train_step_leaves_it_usable_with_adam():
    """The grader must not take the learner's tf.function's first call (variables may be created
    only then): afterwards the learner's own loop, with Adam's new slots, still works."""
    import keras
    import tensorflow as tf

    from bilstm_ner.model import BiLSTMTagger, train_step

    learner_step = tf.function(train_step)
    assert check_embedding_training(BiLSTMTagger, learner_step, seed=1).passed
    model = BiLSTMTagger(vocabulary_size=20, n_tags=3, embedding_dim=4, n_hidden_rnn=4)
    input_batch = np.array([[1, 2, 0], [3, 0, 0]], dtype=np.int32)
    lengths = np.array([2, 1], dtype=np.int32)
    loss = learner_step(model, keras.optimizers.Adam(), input_batch, input_batch % 3, lengths, 0)
    assert np.isfinite(float(loss))


def test_a_stub_model_is_not_attempted_but_its_train_step_is_still_judged():
    from bilstm_ner.model import train_step

    class Stub:
        def __init__(self, vocabulary_size, n_tags, embedding_dim=8, n_hidden_rnn=8):
            raise NotImplementedError()

    report = check_embedding_training(Stub, train_step, seed=0)
    model_items = [item for item in report.items if item.name in MODEL_ITEMS.values()]
    step_items = [item for item in report.items if item.name in STEP_ITEMS.values()]
    assert not any(item.passed or item.attempted for item in model_items)
    assert all(item.passed for item in step_items), str(report)


class Liar:
    """Claims to be a tf.function and a tensor, and raises from every attribute."""

    @property
    def __class__(self):
        import tensorflow as tf

        return type(tf.function(lambda: 0))

    def __getattr__(self, name):
        raise RuntimeError(f"gotcha: {name}")

    def __call__(self, *args, **kwargs):
        return self


def test_a_hostile_train_step_is_a_failed_item_not_a_grader_error():
    from bilstm_ner.model import BiLSTMTagger

    report = check_embedding_training(BiLSTMTagger, Liar(), seed=0)
    assert "internal grader error" not in [item.name for item in report.items], str(report)
    assert not report.passed


def test_a_word_whose_gradient_is_too_small_to_move_its_row_is_not_held_against_train_step():
    """At seed 1025 one word's gradient is 4e-5: after clipping its row moves by 7e-7, below the
    'changed' threshold. Only rows whose expected step is clearly visible must move."""
    from bilstm_ner.model import BiLSTMTagger, train_step

    assert check_embedding_training(BiLSTMTagger, train_step, seed=1025).passed


@pytest.mark.parametrize("seed", [20, 35])
def test_the_loss_is_compared_in_the_mode_the_step_descended(seed):
    """At these seeds the correct step (gradients with dropout on) raises the loss measured
    without dropout (3.906 -> 4.136; 8.953 -> 9.554): a correct train_step lost "the loss goes
    down" on 2 seeds in 60. The loss under the same fixed dropout mask goes down."""
    from bilstm_ner.model import BiLSTMTagger, train_step

    report = check_embedding_training(BiLSTMTagger, train_step, seed=seed)
    assert report.passed, str(report)


def test_the_title_names_only_what_was_passed():
    from bilstm_ner.model import train_step

    alone = check_embedding_training(_tagger_of_notebook_03(), seed=0)
    assert alone.title == "check_embedding_training(BiLSTMTagger)"
    both = check_embedding_training(_tagger_of_notebook_03(), train_step, seed=0)
    assert both.title == "check_embedding_training(BiLSTMTagger, train_step)"


def _tagger_of_notebook_03():
    from bilstm_ner.model import BiLSTMTagger

    class BiLSTMTaggerOfTheLearner(BiLSTMTagger):
        pass

    return BiLSTMTaggerOfTheLearner
