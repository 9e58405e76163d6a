"""check_embedding_training, the "step_rows" item of experiment 2 (grader side, NumPy only).

The optimizer train_step is given shrinks every row it updates alike (its weight decay); that
shrink, read from the rows no gradient reaches, is taken out first. What is left must be the
rows of the batch's real words and nothing else.
"""

from __future__ import annotations

import numpy as np

from grader.checks.embedding_training import CHANGED
from grader.checks.embedding_training import step_item as item
from grader.checks.judging import rows_summary
from grader.core.report import CheckItem


def real_rows(inputs: dict) -> set[int]:
    """The embedding rows of the batch's real (unpadded) words."""
    input_batch, lengths = np.asarray(inputs["input_batch"]), np.asarray(inputs["lengths"])
    real = np.arange(input_batch.shape[1])[None, :] < lengths[:, None]
    return {int(i) for i in np.unique(input_batch[real])}


def absent_rows(inputs: dict) -> list[int]:
    """The embedding rows no loss gradient can reach: neither a real word nor the PAD row."""
    excluded = real_rows(inputs) | {int(inputs["pad_index"])}
    return [row for row in range(int(inputs["sizes"]["vocabulary_size"])) if row not in excluded]


def judge_step_rows(
    inputs: dict,
    change: np.ndarray,
    start: np.ndarray,
    gradient: np.ndarray,
    applications: int | None,
    shrink: tuple[float, float] | None,
) -> CheckItem:
    """The "step_rows" item: beyond the uniform weight decay (`shrink`, from `embedding_shrink`
    of the absent rows), exactly the batch's rows moved."""
    factor = shrink[0] if shrink is not None else 0.0
    moved_rows = {
        int(i) for i in np.nonzero(np.abs(change - factor * start).max(axis=-1) > CHANGED)[0]
    }
    if not moved_rows:
        return item("step_rows", False, "No embedding row changed (see the items above).")
    real = real_rows(inputs)
    if moved_rows - real:
        pad_index = int(inputs["pad_index"])
        extra = sorted(moved_rows - real)
        hint = (
            " The PAD row changed: the loss must ignore padded positions."
            if pad_index in extra
            else " (The check's optimizer has a small weight decay, which shrinks every row "
            "alike; these rows moved otherwise.) Momentum or another optimizer moves rows "
            "without a gradient: use the optimizer you are given."
        )
        return item(
            "step_rows",
            False,
            f"Rows of words that are not in the batch changed ({rows_summary(extra)}).{hint}",
        )
    # A word whose gradient is tiny moves less than CHANGED after clipping (seen: 7e-7 for a
    # gradient of 4e-5), so only rows whose clipped step is clearly visible must move.
    norm = float(np.linalg.norm(gradient))
    learning_rate = float(inputs["learning_rate"]) * max(applications or 1, 1)
    expected = learning_rate * np.abs(gradient).max(axis=-1) * min(1.0, 1.0 / max(norm, 1e-30))
    must_move = {i for i in real if expected[i] > 10 * CHANGED}
    if must_move - moved_rows:
        return item(
            "step_rows",
            False,
            "Rows of words in the batch did not change "
            f"({rows_summary(sorted(must_move - moved_rows))}): apply the embedding's "
            "gradient (an IndexedSlices) like the others.",
        )
    return item("step_rows", True)
