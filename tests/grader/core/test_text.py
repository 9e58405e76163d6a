"""Text a learner controls, made safe to print: control characters become visible escapes."""

from __future__ import annotations

from grader.core.text import printable, printable_lines


def test_a_newline_cannot_start_a_new_line():
    assert printable("01_data\nalice.ipynb  15/15") == "01_data\\nalice.ipynb  15/15"


def test_terminal_escapes_are_shown_not_sent():
    assert printable("\x1b[31mRED\x1b[0m \x9b2J \x07") == "\\x1b[31mRED\\x1b[0m \\x9b2J \\x07"


def test_bidirectional_overrides_and_line_separators_are_shown():
    assert printable("a\u202eb\u2028c") == "a\\u202eb\\u2028c"


def test_other_text_is_kept_as_it_is():
    text = "Émilie, 中文, emoji 🙂 (zero-width joiner \u200d kept), tab-free"
    assert printable(text) == text


def test_a_report_keeps_its_lines_and_tabs_but_not_escapes():
    assert printable_lines("check\n\t✓ item \x1b[2J") == "check\n\t✓ item \\x1b[2J"
