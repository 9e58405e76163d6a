"""The optimizer check_embedding_training gives a learner's train_step (kernel side)."""

from __future__ import annotations

from typing import Any


def counting_sgd(inputs: dict, variables: list) -> tuple[Any, list[int], Any]:
    """The SGD train_step is given, the list counting its `apply` calls on the model's own
    `variables` (`apply_gradients` makes one) and a variable holding the sum of squares of the
    gradients the last such call got (a call on decoy variables counts for nothing).

    The optimizer's step count is a variable any code can assign; these two are held only here
    and in the method's closure, out of reach without the introspection the tampering scan
    flags. The sum lets the grader check that the optimizer was given the gradients that moved
    the weights, not zeros beside an update written by hand. The class looks like Keras's SGD.
    """
    import keras
    import tensorflow as tf

    calls = [0]
    own = {id(variable) for variable in variables}
    received = tf.Variable(0.0, dtype=tf.float64, trainable=False)

    class SGD(keras.optimizers.SGD):
        def apply(self, grads, trainable_variables=None):
            if trainable_variables is None or any(id(v) not in own for v in trainable_variables):
                return super().apply(grads, trainable_variables)
            calls[0] += 1  # at tracing time under tf.function: once per apply in the step
            squares = [
                tf.reduce_sum(tf.square(tf.cast(tf.convert_to_tensor(g), tf.float64)))
                for g in grads
                if g is not None
            ]
            received.assign(tf.add_n(squares) if squares else tf.constant(0.0, tf.float64))
            return super().apply(grads, trainable_variables)

    SGD.__qualname__, SGD.__module__ = "SGD", keras.optimizers.SGD.__module__
    optimizer = SGD(
        learning_rate=float(inputs["learning_rate"]), weight_decay=float(inputs["weight_decay"])
    )
    return optimizer, calls, received
