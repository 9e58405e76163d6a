"""Keras pieces for the recipe ablation: a forget-gate bias initialiser and TF1-style state dropout.

Both are registered as serializable: `Bidirectional` builds its backward layer from the forward
layer's config, so an unregistered class would be lost there.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="bilstm_ner_bench")
class ForgetBias(keras.initializers.Initializer):
    """LSTM bias [i, f, c, o] of zeros with `value` on the forget gate (TF1's `forget_bias`)."""

    def __init__(self, value: float = 1.0) -> None:
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        """A [4 * units] bias vector: zeros except the forget gate's quarter."""
        units = shape[0] // 4
        parts = [tf.zeros([units]), tf.fill([units], self.value), tf.zeros([2 * units])]
        return tf.cast(tf.concat(parts, axis=0), dtype or "float32")

    def get_config(self) -> dict:
        """What rebuilds this initialiser."""
        return {"value": self.value}


@keras.saving.register_keras_serializable(package="bilstm_ner_bench")
class StateDropoutLSTMCell(keras.layers.LSTMCell):
    """LSTM cell that drops the state h fed into every step with a fresh mask (TF1's
    `DropoutWrapper(state_keep_prob=1 - state_rate)`, which leaves the cell state c alone)."""

    def __init__(self, units: int, state_rate: float = 0.0, **kwargs) -> None:
        super().__init__(units, **kwargs)
        self.state_rate = float(state_rate)

    def call(self, inputs, states, training=False):
        """One step, with h of the previous step dropped while training."""
        h_tm1, c_tm1 = states[0], states[1]
        if training and self.state_rate > 0:
            h_tm1 = tf.nn.dropout(h_tm1, rate=self.state_rate)
        return super().call(inputs, [h_tm1, c_tm1], training=training)

    def get_config(self) -> dict:
        """The LSTM cell's config plus `state_rate`."""
        return {**super().get_config(), "state_rate": self.state_rate}


@keras.saving.register_keras_serializable(package="bilstm_ner_bench")
class DropoutWrapperLSTMCell(keras.layers.LSTMCell):
    """LSTM cell with TF1's `DropoutWrapper(input_keep_prob, output_keep_prob, state_keep_prob)`,
    all at `1 - rate`: fresh masks at every step and in each direction, on the step's input, on
    its output, and on the state h passed to the next step (c is left alone, as TF1 did)."""

    def __init__(self, units: int, rate: float = 0.0, **kwargs) -> None:
        super().__init__(units, **kwargs)
        self.rate = float(rate)

    def call(self, inputs, states, training=False):
        """One step with dropout on input, output and the state h while training."""
        h_tm1, c_tm1 = states[0], states[1]
        if training and self.rate > 0:
            inputs = tf.nn.dropout(inputs, rate=self.rate)
            h_tm1 = tf.nn.dropout(h_tm1, rate=self.rate)
        h, (h, c) = super().call(inputs, [h_tm1, c_tm1], training=training)
        output = tf.nn.dropout(h, rate=self.rate) if training and self.rate > 0 else h
        return output, [h, c]

    def get_config(self) -> dict:
        """The LSTM cell's config plus `rate`."""
        return {**super().get_config(), "rate": self.rate}
