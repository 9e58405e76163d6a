"""Correct answers to notebook 01's exercises as a learner writes them, in their own code.

The checks give no points for the course's own reference (`bilstm_ner.data.normalize_token`,
`bilstm_ner.notebook.pad_sentences`), so the tests that need a right answer use these.
"""

from __future__ import annotations

import numpy as np


def normalize_token(token):
    """Map '@name' to <USR> and 'http(s)://...' to <URL>; return any other token."""
    if token.lower().startswith(("http://", "https://")):
        return "<URL>"
    return "<USR>" if token.startswith("@") and len(token) > 1 else token


def pad_sentences(token_ids, pad_index):
    """Pad lists of ids to the longest: (input_batch int32 [batch, time], lengths int32)."""
    lengths = np.array([len(sentence) for sentence in token_ids], dtype=np.int32)
    input_batch = np.full((len(token_ids), int(lengths.max())), pad_index, dtype=np.int32)
    for row, sentence in enumerate(token_ids):
        input_batch[row, : len(sentence)] = sentence
    return input_batch, lengths
