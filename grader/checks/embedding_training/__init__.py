"""check_embedding_training (notebooks 03 and 05): does training reach the embedding, and does
`train_step` do one clipped step?

Two experiments, each judged on its own so a broken piece never hides a correct one, each
graded when its learner object is (its items declare it with `needs`):

1. `BiLSTMTagger`: the learner's model with the grader's masked loss and the grader's own step
   (plain SGD, each gradient clipped by norm 1.0): `embedding_matrix` must be in
   `trainable_variables`, the loss's gradient must reach it as `tf.IndexedSlices` of the
   batch's rows, and the step must change exactly the rows of the batch's real words.
2. `train_step`: the learner's `train_step`, compiled with `tf.function` as notebook 05's
   loop compiles it, on the course's reference `BiLSTMTagger` (a fixed dropout mask, so the
   step is deterministic and still differs from one without dropout; output weights scaled up
   so gradients are far above norm 1), with a fresh SGD optimizer (random learning rate, small
   weight decay). The kernel reports only the weights after the step and what it returned;
   the grader recomputes everything they are compared with, so forging the report means
   computing a correct step. Which gradients fit the change, scaled how, after how many steps
   of the given optimizer, tells "training=False", "not clipped", "clipped by global norm",
   "another optimizer", "applied twice", "embedding left out" and "nothing applied" apart.

    __init__    the declaration: title, items (and the object each needs) and points
    inputs      grader side: sizes, a batch using half of the vocabulary, settings (NumPy only)
    probe       LEARNER side: both experiments (the reference model and loss they train with)
    judge_model grader side: experiment 1's items
    step/       grader side: experiment 2, recomputed and judged (see its __init__)
    spec        grader side: the report of both experiments, and the CheckSpec
"""

from __future__ import annotations

from grader.core.report import CheckItem
from grader.core.spec import ItemSpec

TITLE = "check_embedding_training(BiLSTMTagger, train_step)"
CHANGED = 1e-6
"""An embedding row or variable moved further than this (max abs) has changed."""

MODEL_ITEMS = {
    "tracked": "model.embedding_matrix is in model.trainable_variables",
    "gradient": "the loss's gradient reaches embedding_matrix as IndexedSlices of the batch's rows",
    "rows_changed": "one SGD step changes the embedding rows of the batch's words",
    "rows_kept": "one SGD step leaves every other row alone (absent words, the PAD row)",
    "model_loss": "the loss goes down after one SGD step",
}
STEP_ITEMS = {
    "returns": "train_step returns the loss computed before the update (a scalar)",
    "optimizer": "train_step applies the gradients once, with the optimizer it is given",
    "all_variables": "train_step updates every trainable variable, the embedding included",
    "clipping": "train_step clips each gradient by norm 1.0 (then one plain SGD step)",
    "step_rows": "train_step changes only the embedding rows of the batch's words",
    "step_loss": "the loss goes down after train_step",
    "dropout": "train_step runs the model with training=True (dropout on while training)",
}
ITEMS = tuple(
    ItemSpec(key, name, 1.0, "BiLSTMTagger") for key, name in MODEL_ITEMS.items()
) + tuple(ItemSpec(key, name, 1.0, "train_step") for key, name in STEP_ITEMS.items())
ON_REFERENCE = (
    " (train_step was run on the course's reference BiLSTMTagger, so a problem in your model "
    "cannot cause this.)"
)


def model_item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
    """The one-point item for property `key` of MODEL_ITEMS (experiment 1)."""
    return CheckItem(MODEL_ITEMS[key], bool(passed), message, 1.0, attempted)


def step_item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
    """The one-point item for property `key` of STEP_ITEMS (experiment 2); a failure the learner
    caused says that it ran on the reference model."""
    if message and not passed and attempted:
        message += ON_REFERENCE
    return CheckItem(STEP_ITEMS[key], bool(passed), message, 1.0, attempted)


ANSWERS = {
    "BiLSTMTagger": ("bilstm_ner.model:BiLSTMTagger",),
    "train_step": ("bilstm_ner.model:train_step",),
}
"""The course's own implementations, taken out of the kernel while their object is graded."""
