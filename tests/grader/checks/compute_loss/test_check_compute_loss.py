"""Does check_compute_loss pass correct losses written in any reasonable style, and stay robust?

Each `correct_*` function is a valid answer to the exercise written differently.
"""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from grader import check_compute_loss
from grader.checks import CHECKS
from grader.checks.compute_loss import MATCHES_ANY_PAD
from grader.checks.compute_loss.inputs import make_inputs
from grader.checks.compute_loss.judge import judge
from grader.checks.compute_loss.reference import reference_gradient, reference_loss
from grader.checks.compute_loss.spec import SPEC as COMPUTE_LOSS
from grader.core.spec import CheckSpec, is_plain_data, run_check
from grader.core.text import one_line
from grader.core.transport import read_payload, write_payload


def _mask(input_batch, pad_index, dtype=tf.float32):
    return tf.cast(tf.not_equal(input_batch, pad_index), dtype)


def correct_sparse_cross_entropy(logits, ground_truth_tags, input_batch, pad_index):
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
    mask = _mask(input_batch, pad_index)
    return tf.reduce_mean(tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1))


def correct_one_hot(logits, ground_truth_tags, input_batch, pad_index):
    labels = tf.one_hot(ground_truth_tags, depth=tf.shape(logits)[-1])
    losses = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    mask = _mask(input_batch, pad_index)
    return tf.reduce_mean(tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1))


def correct_keras_loss_with_weights(logits, ground_truth_tags, input_batch, pad_index):
    mask = _mask(input_batch, pad_index)
    weights = mask / tf.reduce_sum(mask, -1, keepdims=True) / tf.cast(tf.shape(mask)[0], tf.float32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    return loss(ground_truth_tags, logits, sample_weight=weights)


def correct_manual_log_softmax(logits, ground_truth_tags, input_batch, pad_index):
    log_probabilities = logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True)
    picked = tf.gather(log_probabilities, ground_truth_tags, batch_dims=2)
    mask = _mask(input_batch, pad_index)
    return tf.reduce_mean(-tf.reduce_sum(picked * mask, -1) / tf.reduce_sum(mask, -1))


def correct_where_instead_of_a_product(logits, ground_truth_tags, input_batch, pad_index):
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
    real = tf.not_equal(input_batch, pad_index)
    summed = tf.reduce_sum(tf.where(real, losses, tf.zeros_like(losses)), axis=-1)
    return tf.reduce_mean(summed / tf.reduce_sum(tf.cast(real, losses.dtype), axis=-1))


def correct_boolean_mask_per_sentence(logits, ground_truth_tags, input_batch, pad_index):
    sentence_losses = []
    for b in range(logits.shape[0]):
        real = tf.not_equal(input_batch[b], pad_index)
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.boolean_mask(ground_truth_tags[b], real),
            logits=tf.boolean_mask(logits[b], real),
        )
        sentence_losses.append(tf.reduce_mean(losses))
    return tf.reduce_mean(tf.stack(sentence_losses))


def correct_ragged(logits, ground_truth_tags, input_batch, pad_index):
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
    ragged = tf.ragged.boolean_mask(losses, tf.not_equal(input_batch, pad_index))
    return tf.reduce_mean(tf.reduce_mean(ragged, axis=1))


@tf.function
def correct_tf_function(logits, ground_truth_tags, input_batch, pad_index):
    return correct_sparse_cross_entropy(logits, ground_truth_tags, input_batch, pad_index)


def correct_in_float64(logits, ground_truth_tags, input_batch, pad_index):
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=ground_truth_tags, logits=tf.cast(logits, tf.float64)
    )
    mask = _mask(input_batch, pad_index, tf.float64)
    return tf.reduce_mean(tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1))


def correct_log_softmax_in_float64(logits, ground_truth_tags, input_batch, pad_index):
    """tf.nn.log_softmax (stable on any logits) picked with one-hot labels, in float64."""
    labels = tf.one_hot(ground_truth_tags, depth=tf.shape(logits)[-1], dtype=tf.float64)
    losses = -tf.reduce_sum(labels * tf.nn.log_softmax(tf.cast(logits, tf.float64)), axis=-1)
    mask = _mask(input_batch, pad_index, tf.float64)
    return tf.reduce_mean(tf.reduce_sum(losses * mask, -1) / tf.reduce_sum(mask, -1))


def correct_shape_one(logits, ground_truth_tags, input_batch, pad_index):
    """A one-element vector is accepted as a scalar."""
    value = correct_sparse_cross_entropy(logits, ground_truth_tags, input_batch, pad_index)
    return tf.reshape(value, [1])


CORRECT = [
    correct_sparse_cross_entropy,
    correct_one_hot,
    correct_keras_loss_with_weights,
    correct_manual_log_softmax,
    correct_log_softmax_in_float64,
    correct_boolean_mask_per_sentence,
    correct_ragged,
    correct_tf_function,
    correct_in_float64,
    correct_where_instead_of_a_product,
    correct_shape_one,
]


@pytest.mark.parametrize("compute_loss", CORRECT, ids=lambda fn: fn.__name__)
def test_a_correct_loss_passes(compute_loss):
    report = check_compute_loss(compute_loss, seed=0)
    assert report.passed, str(report)
    assert report.score == report.max_score == 8


def test_the_reference_solution_passes_on_fresh_random_inputs():
    from bilstm_ner.model import compute_loss

    for _ in range(3):
        report = check_compute_loss(compute_loss)
        assert report.passed, str(report)


def test_the_same_seed_gives_the_same_inputs():
    first, second = make_inputs(np.random.default_rng(5)), make_inputs(np.random.default_rng(5))
    for a, b in zip(first["cases"], second["cases"], strict=True):
        assert all(np.array_equal(a[key], b[key]) for key in a)


def test_different_runs_draw_different_inputs():
    first, second = make_inputs(np.random.default_rng()), make_inputs(np.random.default_rng())
    assert not np.array_equal(first["cases"][0]["logits"], second["cases"][0]["logits"])


def test_inputs_and_observations_are_plain_data():
    inputs = make_inputs(np.random.default_rng(0))
    observations = COMPUTE_LOSS.probe({"compute_loss": correct_sparse_cross_entropy}, inputs)
    assert is_plain_data(inputs)
    assert is_plain_data(observations)


def test_inputs_and_observations_survive_the_trip_between_processes(tmp_path):
    inputs = make_inputs(np.random.default_rng(4))
    observations = COMPUTE_LOSS.probe({"compute_loss": correct_sparse_cross_entropy}, inputs)
    write_payload(tmp_path / "inputs", inputs)
    write_payload(tmp_path / "observations", observations)
    report = judge(read_payload(tmp_path / "inputs"), read_payload(tmp_path / "observations"))
    assert report.passed, str(report)


def test_a_huge_result_is_recorded_by_its_shape_only():
    def compute_loss(logits, ground_truth_tags, input_batch, pad_index):
        return tf.zeros([300, 300])

    inputs = make_inputs(np.random.default_rng(0))
    observations = COMPUTE_LOSS.probe({"compute_loss": compute_loss}, inputs)
    assert observations["values"][0] is None
    assert "shape (300, 300); expected a scalar" in observations["errors"][0]


@pytest.mark.parametrize("seed", range(10))
def test_pad_indices_are_zero_the_courses_own_and_different_random_ids(seed):
    inputs = make_inputs(np.random.default_rng(seed))
    pads = [case["pad_index"] for case in inputs["cases"]]
    assert pads.count(0) == 2 and pads.count(1) == 1
    others = [pad for pad in pads if pad >= 2]
    assert len(others) == 3 and len(set(others)) == 3
    assert inputs["cases"][inputs["gradient_case"]]["pad_index"] == 1


def test_one_case_pads_with_the_courses_own_pad_id():
    from bilstm_ner.vocabulary import build_token_vocabulary
    from grader.checks.compute_loss.inputs import COURSE_PAD_INDEX

    assert build_token_vocabulary([["a", "b"]]).pad_index == COURSE_PAD_INDEX


def unmasked_for_the_courses_pad_id(logits, ground_truth_tags, input_batch, pad_index):
    """Red team 5: right for every pad_index but 1, the one every learner trains with."""
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ground_truth_tags, logits=logits)
    if pad_index == 1:
        return tf.reduce_mean(losses)
    return correct_sparse_cross_entropy(logits, ground_truth_tags, input_batch, pad_index)


@pytest.mark.parametrize("seed", range(5))
def test_a_loss_wrong_only_for_the_courses_pad_id_fails(seed):
    report = check_compute_loss(unmasked_for_the_courses_pad_id, seed=seed)
    failed = {item.name for item in report.items if not item.passed}
    assert MATCHES_ANY_PAD in failed, str(report)


def test_the_judge_alone_passes_reference_values_without_tensorflow():
    inputs = make_inputs(np.random.default_rng(1))
    values, real_changed = (
        [
            np.array(
                reference_loss(c[key], c["ground_truth_tags"], c["input_batch"], c["pad_index"])
            )
            for c in inputs["cases"]
        ]
        for key in ("logits", "real_changed_logits")
    )
    case = inputs["cases"][inputs["gradient_case"]]
    arguments = (case["logits"], case["ground_truth_tags"], case["input_batch"], case["pad_index"])
    extreme = inputs["extreme"]
    observations = {
        "values": values,
        "garbage_values": values,
        "real_changed_values": real_changed,
        "errors": [None] * len(values),
        "garbage_errors": [None] * len(values),
        "not_attempted": False,
        "gradient": {
            "eager": reference_gradient(*arguments),
            "compiled": reference_gradient(*arguments),
            "compiled_value": np.array(reference_loss(*arguments)),
            "error": None,
        },
        "extreme": {
            "value": np.array(
                reference_loss(
                    extreme["logits"],
                    extreme["ground_truth_tags"],
                    extreme["input_batch"],
                    extreme["pad_index"],
                )
            )
        },
    }
    assert judge(inputs, observations).passed


class _Liar:
    def __eq__(self, other):
        return True

    __hash__ = None


@pytest.mark.parametrize(
    "observations",
    [
        {},
        None,
        _Liar(),
        {"values": "everything is fine"},
        {"values": [_Liar()] * 6, "garbage_values": [_Liar()] * 6},
        {"values": [np.array(["x"])] * 6},
        {"values": [np.zeros(1)] * 3},
        {"values": [np.array(1.0)] * 6, "not_attempted": _Liar()},
    ],
)
def test_malformed_observations_fail_without_raising(observations):
    report = judge(make_inputs(np.random.default_rng(2)), observations)
    assert not report.passed
    assert report.score == 0


def test_a_missing_function_fails_with_a_message():
    report = check_compute_loss(None, seed=0)
    assert not report.passed
    assert "pass it as `check_compute_loss(compute_loss)`" in one_line(str(report))


def test_a_bug_in_the_grader_becomes_an_internal_error_item():
    def broken_judge(inputs, observations):
        raise RuntimeError("oops")

    spec = CheckSpec(
        name="compute_loss",
        title="t",
        objects=("compute_loss",),
        optional_objects=(),
        make_inputs=make_inputs,
        probe=lambda objects, inputs: {},
        judge=broken_judge,
        items=COMPUTE_LOSS.items,
    )
    report = run_check(spec, {"compute_loss": correct_sparse_cross_entropy}, seed=0)
    assert not report.passed and report.max_score == COMPUTE_LOSS.max_score()
    assert "internal grader error: RuntimeError: oops" in one_line(str(report))


def test_the_registry_holds_the_loss_check():
    assert CHECKS["compute_loss"] is COMPUTE_LOSS
    assert COMPUTE_LOSS.objects == ("compute_loss",)


def test_importing_the_grader_and_judging_needs_no_tensorflow():
    code = (
        "import sys, numpy as np, grader\n"
        "from grader.checks import CHECKS\n"
        "spec = CHECKS['compute_loss']\n"
        "inputs = spec.make_inputs(np.random.default_rng(0))\n"
        "print(spec.judge(inputs, {}).score)\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_check_whose_module_is_broken_reports_an_internal_error(monkeypatch):
    import grader.checks.entry_points

    monkeypatch.setitem(sys.modules, "grader.checks.registry", None)  # its import now fails
    report = grader.checks.entry_points.check_build_layers(object)
    assert not report.passed
    assert "the checks could not be loaded (ModuleNotFoundError" in one_line(str(report))
