"""check_compute_loss (notebook 04): the learner's masked loss against a NumPy reference.

__init__    the declaration: title, items and points
inputs      grader side: six random batches with logits the grader made (a broken model
            never hides a correct loss)
probe       LEARNER side: calls compute_loss as the training loop does, then again with
            garbage logits at padded positions; differentiates it (eagerly and in a
            tf.function) and calls it on extreme logits
judge       grader side: compares with the reference and names the mistake the values match
reference   grader side: the loss in plain NumPy float64, and the known mistakes
spec        the CheckSpec tying them together (grader side)
"""

from __future__ import annotations

from grader.core.spec import ItemSpec

TITLE = "check_compute_loss(compute_loss)"

FINITE_SCALAR = "returns a finite scalar"
MATCHES_PAD_ZERO = "matches the reference loss (pad_index 0)"
MATCHES_ANY_PAD = "matches the reference loss for any pad_index"
IGNORES_PADDED_LOGITS = "ignores the logits at padded positions"
DIFFERENTIABLE = "has the reference's gradient with respect to the logits, also in a tf.function"
EXTREME_LOGITS = "stays finite and exact on very large logits"

ITEMS = (
    ItemSpec("finite_scalar", FINITE_SCALAR, 1.0),
    ItemSpec("pad_zero", MATCHES_PAD_ZERO, 2.0),
    ItemSpec("any_pad", MATCHES_ANY_PAD, 2.0),
    ItemSpec("padded_logits", IGNORES_PADDED_LOGITS, 1.0),
    ItemSpec("gradient", DIFFERENTIABLE, 1.0),
    ItemSpec("extreme_logits", EXTREME_LOGITS, 1.0),
)

ANSWERS = {"compute_loss": ("bilstm_ner.model:compute_loss",)}
"""The course's own implementations, taken out of the kernel while their object is graded."""
