"""check_embedding_training, items (grader side): the name of each property the judges report on."""

from __future__ import annotations

from grader.report import CheckItem

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
}
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
