"""check_embedding_layer (notebook 02): a Keras layer holding a trainable embedding matrix.

__init__   the declaration: title, items and points
inputs     grader side: random vocabulary_size / embedding_dim and a batch of ids
probe      LEARNER side: builds the layer, reads its matrix, calls it under a GradientTape
judge      grader side: the matrix (see checks/embedding_judging.py), lookup and gradient
spec       the CheckSpec tying them together (grader side)
"""

from __future__ import annotations

from grader.core.spec import ItemSpec

TITLE = "check_embedding_layer"

ITEMS = (
    ItemSpec("tracked", "embedding_matrix is a tracked trainable weight"),
    ItemSpec("shape", "shape [vocabulary_size, embedding_dim]"),
    ItemSpec("dtype", "dtype float32"),
    ItemSpec("init", "initialised from N(0, 1/embedding_dim)"),
    ItemSpec("lookup", "layer(input_batch) returns the looked-up rows"),
    ItemSpec("gradient", "the loss gradient reaches embedding_matrix"),
)

ANSWERS = {"EmbeddingLayer": ("bilstm_ner.notebook:EmbeddingLayer",)}
"""The course's own implementations, taken out of the kernel while their object is graded."""
