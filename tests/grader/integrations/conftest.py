"""The integrations' tests import `course_files` (beside this file) and `toy_checks`."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parents[0] / "batch"):  # toy_checks must import as in the kernels
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
