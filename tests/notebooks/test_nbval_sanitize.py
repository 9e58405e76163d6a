"""The nbval sanitize file parses the way nbval reads it, and each rule removes its noise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

PATTERNS = get_sanitize_patterns((Path(__file__).parent / "nbval_sanitize.cfg").read_text())


def sanitize(text: str) -> str:
    for regex, replacement in PATTERNS:
        text = re.sub(regex, replacement, text)
    return text


def test_every_rule_is_read_by_nbval():
    assert len(PATTERNS) == 4


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<Model at 0x7f3a2c1d>", "<Model at 0x7f99aa00>"),
        ("epoch 1 took 12.3 s", "epoch 1 took 9.8 s"),
        ("32/32 - 45ms/step", "32/32 - 51ms/step"),
        (
            "100%|██████████| 20/20 [00:01<00:00, 15.2it/s]",
            "100%|██████████| 20/20 [00:02<00:00, 9.1it/s]",
        ),
        ("graph written to /tmp/tmpab12cd/graph", "graph written to /tmp/tmpzz99/graph"),
    ],
    ids=["address", "seconds", "per-step", "tqdm", "tempdir"],
)
def test_run_to_run_noise_is_sanitized_away(first, second):
    assert first != second
    assert sanitize(first) == sanitize(second)


def test_numbers_that_matter_are_kept():
    assert (
        sanitize("loss 1.8934, F1 0.41, 7 rows changed") == "loss 1.8934, F1 0.41, 7 rows changed"
    )
