"""check_pad_sentences (notebook 01): `pad_sentences(token_ids, pad_index) -> (input_batch,
lengths)` on random sentences and pad indices.

    __init__   the declaration: title, items and points
    inputs     grader side: random sentences; a random non-zero pad_index, 0, one sentence
    probe      LEARNER side: calls pad_sentences on fresh lists, records plain arrays
    judge      grader side: compares with the grader's own padding
    spec       the CheckSpec tying them together (grader side)
"""

from __future__ import annotations

from grader.core.spec import ItemSpec

TITLE = "check_pad_sentences"

ITEMS = (
    ItemSpec("longest", "pads to the longest sentence"),
    ItemSpec("pad_index", "uses the given pad_index"),
    ItemSpec("single", "a single sentence needs no padding"),
)

ANSWERS = {"pad_sentences": ("bilstm_ner.notebook:pad_sentences",)}
"""The course's own implementations, taken out of the kernel while their object is graded."""
COURSE_ANSWERS = ("bilstm_ner.batching:_pad", "bilstm_ner.notebook:pad_sentences")
"""The course's code that does this exercise's whole job and stays importable for the rest of
the notebook: a learner's function that runs it earns nothing (`learner_side.reuse`)."""
