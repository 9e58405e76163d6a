"""Does learner code run safely: time limits, captured output, readable errors, exact values?"""

import threading
import time

import numpy as np
import pytest

from grader.learner_side.calling import (
    LearnerError,
    NotAttempted,
    call_learner,
    call_learner_with_output,
)
from grader.learner_side.conversions import to_float64


def test_the_result_is_returned():
    assert call_learner(lambda a, b=0: a + b, 1, b=2, check="c", what="f") == 3


def test_a_stub_is_not_attempted():
    def compute_loss(*args):
        raise NotImplementedError()

    with pytest.raises(NotAttempted, match="compute_loss is not attempted yet"):
        call_learner(compute_loss, check="check_compute_loss", what="compute_loss")


def test_an_exception_names_the_function_the_type_and_the_learners_line():
    def compute_loss(x):
        y = x + 1
        return y / 0

    with pytest.raises(LearnerError) as caught:
        call_learner(compute_loss, 1, check="check_compute_loss", what="compute_loss")
    message = caught.value.message
    assert "compute_loss raised ZeroDivisionError: division by zero" in message
    assert "test_calling.py, line" in message and "`return y / 0`" in message


def test_an_exception_inside_numpy_points_at_the_learners_line_not_numpys():
    def compute_loss():
        return np.reshape(np.zeros(3), (2, 2))

    with pytest.raises(LearnerError, match=r"np\.reshape\(np\.zeros\(3\), \(2, 2\)\)"):
        call_learner(compute_loss, check="c", what="compute_loss")


def test_an_endless_loop_times_out_with_a_message_naming_the_check():
    def compute_loss():
        while True:
            pass

    start = time.monotonic()
    with pytest.raises(LearnerError, match=r"did not finish within 0\.2 s while running check_X"):
        call_learner(compute_loss, check="check_X", what="compute_loss", time_limit=0.2)
    assert time.monotonic() - start < 2


def test_an_endless_loop_that_catches_exception_still_times_out():
    def compute_loss():
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # swallowing everything is the point
                continue

    with pytest.raises(LearnerError, match="did not finish"):
        call_learner(compute_loss, check="check_X", what="compute_loss", time_limit=0.2)


def _swallows_one_interruption():
    try:
        while True:
            pass
    except BaseException:  # even the grader's own interruption (a bare `except:`)
        pass
    while True:
        pass


def test_code_that_swallows_the_first_interruption_is_interrupted_again():
    with pytest.raises(LearnerError, match="did not finish"):
        call_learner(_swallows_one_interruption, check="check_X", what="f", time_limit=0.2)


def test_swallowing_code_outside_the_main_thread_is_interrupted_again():
    caught = []

    def run():
        try:
            call_learner(_swallows_one_interruption, check="check_X", what="f", time_limit=0.2)
        except LearnerError as error:
            caught.append(error.message)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert caught and "did not finish" in caught[0]


def test_an_outer_time_limit_survives_an_inner_call():
    def inner_then_loop():
        call_learner(lambda: None, check="inner", what="g", time_limit=5)
        while True:
            pass

    with pytest.raises(LearnerError, match="while running outer"):
        call_learner(inner_then_loop, check="outer", what="f", time_limit=0.3)


def test_an_exception_that_cannot_be_printed_is_still_reported():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def compute_loss():
        raise Weird()

    with pytest.raises(LearnerError, match=r"raised Weird: \(the exception could not be printed\)"):
        call_learner(compute_loss, check="c", what="compute_loss")


def test_the_time_limit_also_works_outside_the_main_thread():
    caught = []

    def compute_loss():
        while True:
            pass

    def run():
        try:
            call_learner(compute_loss, check="check_X", what="compute_loss", time_limit=0.2)
        except LearnerError as error:
            caught.append(error.message)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert caught and "did not finish within 0.2 s" in caught[0]


def test_no_alarm_is_left_behind_after_a_quick_call():
    call_learner(lambda: None, check="c", what="f", time_limit=0.1)
    time.sleep(0.2)  # an alarm left armed would raise here


def test_a_print_flood_is_captured_and_truncated():
    def noisy():
        for i in range(200_000):
            print("line", i)
        return 5

    start = time.monotonic()
    result, output = call_learner_with_output(noisy, check="c", what="noisy")
    assert result == 5
    assert len(output) < 2200
    assert "more characters of output not shown" in output
    assert time.monotonic() - start < 5


def test_printed_output_does_not_reach_the_notebook(capsys):
    call_learner(lambda: print("debug"), check="c", what="f")
    assert capsys.readouterr().out == ""


def test_exit_is_reported_not_obeyed():
    def compute_loss():
        raise SystemExit(3)

    with pytest.raises(LearnerError, match="called exit"):
        call_learner(compute_loss, check="c", what="compute_loss")


def test_keyboard_interrupt_propagates():
    def compute_loss():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call_learner(compute_loss, check="c", what="compute_loss")


# --- to_float64 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [1.5, 3, True, np.float32(1.5), np.int64(2), np.array([1, 2], dtype=np.int32)]
)
def test_numbers_and_numpy_become_float64_arrays(value):
    array = to_float64(value, what="f")
    assert type(array) is np.ndarray and array.dtype == np.float64
    assert np.array_equal(array, np.asarray(value, dtype=np.float64))


def test_tensors_and_variables_become_float64_arrays():
    import keras
    import tensorflow as tf

    for value in (tf.constant([1.5, 2.0]), tf.Variable([1.5, 2.0]), keras.Variable([1.5, 2.0])):
        array = to_float64(value, what="f", shape=(2,))
        assert array.dtype == np.float64 and array.tolist() == [1.5, 2.0]


def test_the_result_is_a_fresh_copy():
    original = np.zeros(2)
    to_float64(original, what="f")[0] = 9
    assert original[0] == 0


class _Liar:
    """Claims to be equal to everything and to be any number asked for."""

    def __eq__(self, other):
        raise AssertionError("the grader must not call __eq__")

    def __float__(self):
        raise AssertionError("the grader must not call __float__")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the grader must not call __array__")

    __hash__ = None


class _LyingFloat(float):
    def __float__(self):
        return 1.0


class _LyingArray(np.ndarray):
    pass


@pytest.mark.parametrize(
    "value, expected",
    [
        (_Liar(), "returned an object of type _Liar"),
        (_LyingFloat(2.0), "_LyingFloat"),
        (np.zeros(2).view(_LyingArray), "_LyingArray"),
        (None, "Did you forget the `return` statement?"),
        ("1.0", "returned a str"),
        ([1.0, 2.0], "returned a list"),
        (np.array(["a"]), "dtype <U1"),
        (np.array([1.0], dtype=object), "dtype object"),
    ],
)
def test_anything_else_is_refused_with_what_was_returned(value, expected):
    with pytest.raises(LearnerError) as caught:
        to_float64(value, what="compute_loss")
    assert expected in caught.value.message
    assert "expected" in caught.value.message


def test_a_wrong_shape_is_refused():
    with pytest.raises(LearnerError, match=r"shape \(3,\); expected shape \(\)"):
        to_float64(np.zeros(3), what="compute_loss", shape=())


def test_a_string_tensor_is_refused():
    import tensorflow as tf

    with pytest.raises(LearnerError, match="tensor of dtype"):
        to_float64(tf.constant("x"), what="compute_loss")


# --- raw TensorFlow errors reach the learner as a sentence naming their line and the fix ------


def _failure(fn, *args):
    with pytest.raises(LearnerError) as caught:
        call_learner(fn, *args, check="check_x", what="compute_loss")
    return caught.value


def test_numpy_on_a_graph_tensor_is_translated_and_not_taken_for_the_stub():
    import tensorflow as tf

    @tf.function
    def compute_loss(logits):
        return np.mean(logits * 2)

    error = _failure(compute_loss, tf.ones([2, 3]))
    assert not isinstance(error, NotAttempted)
    assert "inside a tf.function" in error.message and "`.numpy()`" in error.message
    assert "test_calling.py, line" in error.message and "`return np.mean(logits * 2)`" in (
        error.message
    )


def test_dot_numpy_in_a_graph_names_the_line_not_autographs_file():
    import tensorflow as tf

    @tf.function
    def compute_loss(logits):
        loss = tf.reduce_sum(logits)
        return loss.numpy()

    message = _failure(compute_loss, tf.ones([2])).message
    assert "`return loss.numpy()`" in message
    assert "__autograph_generated_file" not in message
    assert "in user code" not in message


def _known_errors():
    import keras
    import tensorflow as tf

    bidirectional = keras.layers.Bidirectional(keras.layers.LSTM(2, return_sequences=True))
    return [
        (
            lambda logits, tags: tf.reduce_sum(tf.not_equal(tags, 0), -1),
            "cast it first: `mask = tf.cast(mask, losses.dtype)`",
        ),
        (
            lambda logits, tags: tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.one_hot(tags, 4), logits=logits
            ),
            "one-hot labels were given to a sparse loss",
        ),
        (
            lambda logits, tags: tf.nn.softmax_cross_entropy_with_logits(
                labels=tags, logits=logits
            ),
            "tag ids were given to a loss that wants one-hot labels",
        ),
        (lambda logits, tags: tf.clip_by_norm(None, 1.0), "a gradient is None"),
        (
            lambda logits, tags: bidirectional(logits, mask=tf.sequence_mask([3, 1])),
            "pass maxlen: `tf.sequence_mask(lengths, maxlen=tf.shape(input_batch)[1])`",
        ),
        (lambda logits, tags: tf.reduce_sum(logits, -1) / tf.reduce_sum(tags, -1), "cast one side"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_a_known_tensorflow_error_becomes_its_cause_and_fix(index, capsys):
    import tensorflow as tf

    compute_loss, words = _known_errors()[index]
    error = _failure(compute_loss, tf.ones([2, 5, 4]), tf.constant([[0, 1, 2, 1, 1]] * 2))
    assert words in error.message, error.message
    assert "(TensorFlow said: " in error.message
    assert "test_calling.py, line" in error.message
    captured = capsys.readouterr()
    assert "TensorArray" not in captured.out + captured.err  # no dump reaches the notebook


def test_an_unknown_error_keeps_its_own_text():
    def compute_loss(x):
        raise ValueError("my own words")

    assert "compute_loss raised ValueError: my own words" in _failure(compute_loss, 1).message


def test_float_of_a_graph_tensor_is_translated():
    import tensorflow as tf

    @tf.function(autograph=False)  # as the check compiles a train_step
    def train_step(x):
        return float(x * 2)

    error = _failure(train_step, tf.ones([]))
    assert "inside a tf.function" in error.message and "`float()`" in error.message


def test_every_gradient_none_is_translated_into_calling_the_model_inside_the_tape():
    import tensorflow as tf

    variable = tf.Variable(1.0)

    def train_step():
        loss = variable * 2.0
        with tf.GradientTape() as tape:
            pass
        return [tf.clip_by_norm(g, 1.0) for g in tape.gradient(loss, [variable])]

    error = _failure(train_step)
    assert "a gradient is None" in error.message and "call the model in that block" in error.message
    assert "test_calling.py, line" in error.message
