"""The SGD a train_step is given counts only what it applies to the model's own variables."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from grader.learner_side.counting_optimizer import counting_sgd

INPUTS = {"learning_rate": 0.1, "weight_decay": 0.1}


def weights_and_gradients():
    weights = [keras.Variable(np.ones((2, 3), np.float32)), keras.Variable(np.ones(3, np.float32))]
    gradients = [np.full((2, 3), 2.0, np.float32), np.full(3, 1.0, np.float32)]
    return weights, gradients


def test_gradients_applied_to_decoys_count_for_nothing():
    """A step could give the optimizer the real gradients on copies of the weights (so its
    count and the size of what it got agree) and update the real weights by hand."""
    weights, gradients = weights_and_gradients()
    decoys = [keras.Variable(np.zeros_like(w.numpy())) for w in weights]
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    with pytest.raises(ValueError, match="Unknown variable"):  # as the course's built optimizer
        optimizer.apply_gradients(zip(gradients, decoys, strict=True))
    assert (calls[0], float(received.numpy())) == (0, 0.0)
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    optimizer.apply_gradients(zip(gradients, weights, strict=True))
    assert calls[0] == 1
    assert float(received.numpy()) == pytest.approx(6 * 4.0 + 3 * 1.0)


def test_it_is_built_on_the_models_variables_so_apply_takes_the_gradients_alone():
    """Red team 5: `optimizer.apply(gradients)` (Keras 3) works in notebook 05's loop, whose
    compile_train_step builds the optimizer on model.trainable_variables first."""
    weights, gradients = weights_and_gradients()
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    assert optimizer.built
    optimizer.apply(gradients)
    assert calls[0] == 1
    assert float(received.numpy()) == pytest.approx(6 * 4.0 + 3 * 1.0)
    assert np.allclose(weights[1].numpy(), 1.0 - 0.1 * 0.1 - 0.1 * 1.0)


def test_with_its_own_clipnorm_it_records_the_gradients_it_applies_after_clipping():
    """Red team 5: a step may set `optimizer.clipnorm = 1.0` and pass the raw gradients; the
    grader compares what the optimizer applied with how the weights moved."""
    weights, gradients = weights_and_gradients()
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    optimizer.clipnorm = 1.0
    optimizer.apply_gradients(zip(gradients, weights, strict=True))
    assert calls[0] == 1
    assert float(received.numpy()) == pytest.approx(2.0, rel=1e-5)  # two gradients of norm 1


def test_it_looks_like_keras_sgd():
    optimizer, _, _ = counting_sgd(INPUTS, [])
    assert type(optimizer).__name__ == "SGD"
    assert type(optimizer).__module__ == keras.optimizers.SGD.__module__
