"""check_compute_loss: how the judge compares numbers (grader side, NumPy only)."""

from __future__ import annotations

from typing import Any

import numpy as np

RELATIVE_TOLERANCE = 2e-5
ABSOLUTE_TOLERANCE = 1e-6


def close(value: float, expected: float, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    """Whether two finite numbers agree; NaN and infinities never match anything (a loss that
    is always NaN must not "ignore the padded logits")."""
    if not (np.isfinite(value) and np.isfinite(expected)):
        return False
    return bool(abs(value - expected) <= ABSOLUTE_TOLERANCE + tolerance * abs(expected))


def scalar(value: Any) -> float | None:
    """`value` as a float when it is a one-element array, else None."""
    if type(value) is np.ndarray and value.size == 1:
        return float(value.reshape(()))
    return None
