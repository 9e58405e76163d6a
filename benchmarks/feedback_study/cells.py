"""Each in-notebook check as its notebook runs it: the notebook's imports, the learner's cell,
then the check cell. Nothing of the grader's internals is used: only what a learner calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

NOTEBOOK_01 = (
    "from collections import Counter\nimport numpy as np\n"
    "from bilstm_ner.data import URL_TOKEN, USER_TOKEN\n"
)
KERAS = "import keras\nimport numpy as np\nimport tensorflow as tf\n"
PRELUDES = {
    "normalize_token": NOTEBOOK_01,
    "pad_sentences": NOTEBOOK_01,
    "embedding_layer": KERAS,
    "build_layers": "import re\n" + KERAS,
    "compute_loss": "import numpy as np\nimport tensorflow as tf\n",
    "train_step": KERAS + "from bilstm_ner.model import BiLSTMTagger, compute_loss\n",
}
"""The imports of the notebook holding each exercise (its Setup cell, less the plotting)."""


@dataclass
class Verdict:
    """What the learner saw after running one try: passed, and the failed items' messages."""

    passed: bool
    message: str


def _call(check: str, namespace: dict, seed: int):
    import grader

    if check == "normalize_token":
        return grader.check_normalize_token(namespace["normalize_token"], seed=seed)
    if check == "pad_sentences":
        return grader.check_pad_sentences(namespace["pad_sentences"], seed=seed)
    if check == "embedding_layer":
        return grader.check_embedding_layer(namespace["EmbeddingLayer"], seed=seed)
    if check == "build_layers":
        return grader.check_build_layers(namespace["BiLSTMTagger"], seed=seed)
    if check == "compute_loss":
        return grader.check_compute_loss(namespace["compute_loss"], seed=seed)
    if check == "train_step":
        return grader.check_embedding_training(
            namespace["BiLSTMTagger"], train_step=namespace["train_step"], seed=seed
        )
    raise ValueError(f"unknown check {check!r}; choose from {', '.join(PRELUDES)}")


def failed_messages(report) -> str:
    """The failed items of a report, one "name: message" line each (what a learner reads)."""
    return "\n".join(f"{item.name}: {item.message}" for item in report.items if not item.passed)


def run_cell(check: str, source: str, seeds: Sequence[int] = (0, 1)) -> Verdict:
    """Run the notebook's imports and `source`, then the check at each seed.

    Passed only if every seed passes; the message is the first failing seed's. An error in the
    cell itself is what the learner would see: its type and text.
    """
    namespace: dict = {"__name__": "__main__"}
    try:
        exec(compile(PRELUDES[check] + source, f"<{check} cell>", "exec"), namespace)
    except Exception as error:  # the learner's cell raised before the check ran
        return Verdict(False, f"the cell raised {type(error).__name__}: {error}")
    for seed in seeds:
        report = _call(check, namespace, seed)
        if not report.passed:
            return Verdict(False, failed_messages(report))
    return Verdict(True, "")


Runner = Callable[[str, str], Verdict]
