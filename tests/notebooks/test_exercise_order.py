"""No notebook shows an exercise's answer before the learner writes it (issue 11).

Notebook 04 once printed the exact per-tweet average right above the `compute_loss` exercise, and
the appendix 06, whose TF1 graph holds the answers of 03 to 05, was offered after notebook 02.
"""

from __future__ import annotations

import re

import nbformat

from tools.make_notebooks import BEGIN_SOLUTION, END_SOLUTION, SOLUTIONS_DIR

SOLUTIONS = sorted(SOLUTIONS_DIR.glob("*.ipynb"))

# Lines of an answer that the course teaches on purpose before the exercise asks for them.
TAUGHT_BEFORE = {
    "with tf.GradientTape() as tape:",  # notebook 02, sections 3 to 5
    # notebook 04, section 2: the call the exercise starts from (its task names it)
    "token_losses = tf.nn.sparse_softmax_cross_entropy_with_logits(",
    "labels=ground_truth_tags, logits=logits",
}


def split_lines(source: str) -> tuple[list[str], list[str]]:
    """(stripped lines inside solution regions, outside them) of one code cell."""
    inside, outside, in_region = [], [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped in (BEGIN_SOLUTION, END_SOLUTION):
            in_region = stripped == BEGIN_SOLUTION
        elif re.search(r"\w", stripped):  # skip lines of punctuation only, such as ")"
            (inside if in_region else outside).append(stripped)
    return inside, outside


def test_no_code_before_an_exercise_holds_a_line_of_its_answer():
    """In course order (notebook by notebook, cell by cell), what a learner has read so far."""
    shown: dict[str, str] = {}  # line -> where it was first shown
    leaks = []
    for path in SOLUTIONS:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            inside, outside = split_lines(cell.source)
            leaks += [
                f"{path.name} cell {index}: {line!r} already shown in {shown[line]}"
                for line in inside
                if line in shown and line not in TAUGHT_BEFORE
            ]
            for line in outside:
                shown.setdefault(line, f"{path.name} cell {index}")
    assert leaks == []


def test_a_reading_only_notebook_asks_for_every_exercise_notebook_before_it():
    last_exercise = None
    for path in SOLUTIONS:
        notebook = nbformat.read(path, as_version=4)
        if notebook.metadata.get("exercises") != "none":
            last_exercise = path.name[:2]
            continue
        needs = re.search(r"\*\*What you need\*\*:([^\n]*)", notebook.cells[0].source)
        assert needs, f"{path.name} says what you need"
        assert last_exercise is None or last_exercise in needs.group(1), (
            f"{path.name} comes after the exercises and may show their answers: "
            f"its 'What you need' should include notebook {last_exercise}"
        )
