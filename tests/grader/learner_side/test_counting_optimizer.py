"""The SGD a train_step is given counts only what it applies to the model's own variables."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from grader.learner_side.counting_optimizer import counting_sgd

INPUTS = {"learning_rate": 0.1, "weight_decay": 0.1}


def test_gradients_applied_to_decoys_count_for_nothing():
    """A step could give the optimizer the real gradients on copies of the weights (so its
    count and the size of what it got agree) and update the real weights by hand."""
    weights = [keras.Variable(np.ones((2, 3), np.float32)), keras.Variable(np.ones(3, np.float32))]
    decoys = [keras.Variable(np.zeros_like(w.numpy())) for w in weights]
    gradients = [np.full((2, 3), 2.0, np.float32), np.full(3, 1.0, np.float32)]
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    optimizer.apply_gradients(zip(gradients, decoys, strict=True))
    assert (calls[0], float(received.numpy())) == (0, 0.0)
    optimizer, calls, received = counting_sgd(INPUTS, weights)
    optimizer.apply_gradients(zip(gradients, weights, strict=True))
    assert calls[0] == 1
    assert float(received.numpy()) == pytest.approx(6 * 4.0 + 3 * 1.0)


def test_it_looks_like_keras_sgd():
    optimizer, _, _ = counting_sgd(INPUTS, [])
    assert type(optimizer).__name__ == "SGD"
    assert type(optimizer).__module__ == keras.optimizers.SGD.__module__
