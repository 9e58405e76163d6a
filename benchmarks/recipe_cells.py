"""Keras pieces for the recipe ablation: a forget-gate bias initialiser and TF1-style dropout.

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
class DropoutWrapperLSTMCell(keras.layers.LSTMCell):
    """LSTM cell with TF1's `DropoutWrapper(..., state_keep_prob=1 - rate)`: the state h passed
    to the next step is dropped with a fresh mask at every step (c is left alone, as TF1 did).
    With `inputs_and_outputs`, also its `input_keep_prob` and `output_keep_prob`: the step's
    input and output, fresh masks per step and per direction."""

    def __init__(
        self, units: int, rate: float = 0.0, inputs_and_outputs: bool = True, **kwargs
    ) -> None:
        super().__init__(units, **kwargs)
        self.rate, self.inputs_and_outputs = float(rate), bool(inputs_and_outputs)

    def call(self, inputs, states, training=False):
        """One step with dropout on the state h (and the input and output) while training."""
        h_tm1, c_tm1 = states[0], states[1]
        dropping = training and self.rate > 0
        if dropping:
            h_tm1 = tf.nn.dropout(h_tm1, rate=self.rate)
            if self.inputs_and_outputs:
                inputs = tf.nn.dropout(inputs, rate=self.rate)
        h, (h, c) = super().call(inputs, [h_tm1, c_tm1], training=training)
        output = tf.nn.dropout(h, rate=self.rate) if dropping and self.inputs_and_outputs else h
        return output, [h, c]

    def get_config(self) -> dict:
        """The LSTM cell's config plus `rate` and `inputs_and_outputs`."""
        return {
            **super().get_config(),
            "rate": self.rate,
            "inputs_and_outputs": self.inputs_and_outputs,
        }
