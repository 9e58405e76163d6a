"""check_build_layers (notebook 03): is the learner's `BiLSTMTagger` a real, masked,
bidirectional tagger?

    __init__         the declaration: title, items and points
    inputs           grader side: random sizes, one padded batch and its variants (NumPy only)
    probe            LEARNER side: builds the model, calls it on each variant, reads its embedding
    judge            grader side: construction (two working recurrent layers), logits, the
                     embedding (checks/embedding_judging)
    judge_behaviour  grader side: masking, both directions, no dropout at inference
    judge_output     grader side: logits are the affine output layer's (no softmax or activation)
    spec             the CheckSpec tying them together (grader side)
"""

from __future__ import annotations

from grader.core.spec import ItemSpec

TITLE = "check_build_layers(BiLSTMTagger)"

ITEMS = (
    ItemSpec(
        "construct",
        "BiLSTMTagger(vocabulary_size=, n_tags=, embedding_dim=, n_hidden_rnn=) builds",
    ),
    ItemSpec(
        "logits", "model(input_batch, lengths, training=False) returns float32 logits [B, T, K]"
    ),
    ItemSpec(
        "embedding", "model.embedding_matrix is a trainable float32 [V, D] weight of the model"
    ),
    ItemSpec("init", "embedding_matrix starts at about N(0, 1/D)"),
    ItemSpec(
        "deterministic", "training=False gives the same logits twice (no dropout at inference)"
    ),
    ItemSpec("independent", "sentences in a batch do not affect each other"),
    ItemSpec("padding", "padding (and whatever ids it holds) does not change real tokens' logits"),
    ItemSpec("backward", "each word's logits see the words after it (backward direction)"),
    ItemSpec("forward", "each word's logits see the words before it (forward direction)"),
    ItemSpec("positions", "each word changes its own logits; logits differ across positions"),
    ItemSpec("not_probabilities", "the outputs are logits, not probabilities (no softmax)"),
)
ITEM_NAMES = {item.key: item.name for item in ITEMS}

ANSWERS = {"BiLSTMTagger": ("bilstm_ner.model:BiLSTMTagger",)}
"""The course's own implementations, taken out of the kernel while their object is graded."""
