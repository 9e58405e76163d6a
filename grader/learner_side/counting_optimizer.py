"""The optimizer check_embedding_training gives a learner's train_step (kernel side)."""

from __future__ import annotations

from typing import Any


def counting_sgd(inputs: dict, variables: list) -> tuple[Any, list[int], Any]:
    """The SGD train_step is given, built on `variables` (the model's own) as notebook 05's
    `compile_train_step` builds its optimizer, the list counting its `apply` calls on those
    variables (`apply_gradients` makes one; so does `apply(gradients)`, which means them) and a
    variable holding the sum of squares of the gradients the last such call applied, after the
    optimizer's own clipping (`clipnorm`) if the step set one (a call on decoy variables counts
    for nothing).

    The optimizer's step count is a variable any code can assign; these two are held only here
    and in the methods' closure, out of reach without the introspection the tampering scan
    flags. The sum lets the grader check that the optimizer applied the gradients that moved
    the weights, not zeros beside an update written by hand. The class looks like Keras's SGD.
    """
    import keras
    import tensorflow as tf

    calls = [0]
    own = {id(variable) for variable in variables}
    received = tf.Variable(0.0, dtype=tf.float64, trainable=False)
    counting = [False]  # inside an apply call on the model's own variables

    def record(grads: Any) -> None:
        squares = [
            tf.reduce_sum(tf.square(tf.cast(tf.convert_to_tensor(g), tf.float64)))
            for g in grads
            if g is not None
        ]
        received.assign(tf.add_n(squares) if squares else tf.constant(0.0, tf.float64))

    class SGD(keras.optimizers.SGD):
        def apply(self, grads, trainable_variables=None):
            targets = variables if trainable_variables is None else list(trainable_variables)
            if any(id(v) not in own for v in targets):
                return super().apply(grads, trainable_variables)
            calls[0] += 1  # at tracing time under tf.function: once per apply in the step
            grads = list(grads)
            record(grads)
            counting[0] = True
            try:
                return super().apply(grads, trainable_variables)
            finally:
                counting[0] = False

        def _clip_gradients(self, grads):
            clipped = super()._clip_gradients(grads)
            if counting[0]:  # what the update itself uses, after the optimizer's own clipping
                record(clipped)
            return clipped

    SGD.__qualname__, SGD.__module__ = "SGD", keras.optimizers.SGD.__module__
    optimizer = SGD(
        learning_rate=float(inputs["learning_rate"]), weight_decay=float(inputs["weight_decay"])
    )
    if variables:
        optimizer.build(variables)
    return optimizer, calls, received
