"""check_build_layers, items (grader side): the name of each property the judge reports on."""

from __future__ import annotations

from grader.report import CheckItem

TITLE = "check_build_layers(BiLSTMTagger)"

ITEM_NAMES = {
    "construct": "BiLSTMTagger(vocabulary_size=, n_tags=, embedding_dim=, n_hidden_rnn=) builds",
    "logits": "model(input_batch, lengths, training=False) returns float32 logits [B, T, K]",
    "embedding": "model.embedding_matrix is a trainable float32 [V, D] weight of the model",
    "init": "embedding_matrix starts at about N(0, 1/D)",
    "deterministic": "training=False gives the same logits twice (no dropout at inference)",
    "independent": "sentences in a batch do not affect each other",
    "padding": "padding (and whatever ids it holds) does not change real tokens' logits",
    "backward": "each word's logits see the words after it (backward direction)",
    "forward": "each word's logits see the words before it (forward direction)",
    "positions": "each word changes its own logits; logits differ across positions",
    "not_probabilities": "the outputs are logits, not probabilities (no softmax)",
}


def item(key: str, passed: bool, message: str = "", attempted: bool = True) -> CheckItem:
    """The one-point item for property `key` of ITEM_NAMES."""
    return CheckItem(ITEM_NAMES[key], bool(passed), message, 1.0, attempted)
