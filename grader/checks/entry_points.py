"""The in-notebook checks `check_<exercise>(...)`: run one check in the learner's own process.

This is feedback for a learner (the reference is there on purpose); graded runs go through
`python -m grader grade`, which probes in a fresh kernel and judges outside it. Each entry
point never raises into the notebook: even a check that fails to load is a failed report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from grader.core.report import CheckItem, Report
from grader.core.spec import CheckSpec, run_check
from grader.core.text import short_error
from grader.learner_side.models import is_course_reference

_TITLES = {
    "normalize_token": "check_normalize_token",
    "pad_sentences": "check_pad_sentences",
    "embedding_layer": "check_embedding_layer",
    "build_layers": "check_build_layers(BiLSTMTagger)",
    "compute_loss": "check_compute_loss(compute_loss)",
    "embedding_training": "check_embedding_training(BiLSTMTagger, train_step)",
}

REFERENCE_NOTE = "the model (the course's reference BiLSTMTagger: not graded here)"
REFERENCE_MESSAGE = (
    "This notebook trains the course's reference BiLSTMTagger, so only your train_step is "
    "checked here; your own tagger is checked in 03_build_layers."
)


def _spec(name: str) -> CheckSpec | str:
    """The registered spec `name`, or why it could not be loaded."""
    try:
        from grader.checks.registry import CHECKS
    except Exception as error:  # a bug in one check's module: report it, do not raise
        return f"the checks could not be loaded ({short_error(error)})"
    return CHECKS.get(name) or f"the {name} check is not installed in this copy of the grader"


def _run(
    name: str,
    objects: dict[str, Any],
    seed: int | None,
    time_limit: float | None,
    graded: Sequence[str] | None = None,
) -> Report:
    spec = _spec(name)
    if isinstance(spec, str):
        message = f"internal grader error: {spec}. This is a bug in the grader, not in your code."
        return Report(_TITLES[name], [CheckItem("check available", False, message)])
    if time_limit is not None:  # every spec's make_inputs takes the per-call limit as a keyword
        make_inputs = spec.make_inputs
        spec = dataclasses.replace(
            spec, make_inputs=lambda rng: make_inputs(rng, time_limit=time_limit)
        )
    return run_check(spec, objects, seed=seed, graded=graded)


def check_normalize_token(
    normalize_token: Callable[[str], str], *, seed: int | None = None
) -> Report:
    """Check the learner's `normalize_token(token: str) -> str` on random tweet tokens.

    Randomised at every call unless `seed` is given.
    """
    return _run("normalize_token", {"normalize_token": normalize_token}, seed, None)


def check_pad_sentences(
    pad_sentences: Callable[[list[list[int]], int], Any], *, seed: int | None = None
) -> Report:
    """Check the learner's `pad_sentences(token_ids, pad_index) -> (input_batch, lengths)`.

    Randomised at every call unless `seed` is given.
    """
    return _run("pad_sentences", {"pad_sentences": pad_sentences}, seed, None)


def check_embedding_layer(layer_class: type, *, seed: int | None = None) -> Report:
    """Check an embedding layer: a tracked [V, D] float32 `embedding_matrix` ~ N(0, 1/D),
    `layer(input_batch)` = its rows [B, T, D], and a gradient that reaches it.

    Randomised at every call unless `seed` is given.
    """
    return _run("embedding_layer", {"EmbeddingLayer": layer_class}, seed, None)


def check_build_layers(
    BiLSTMTagger: type, *, seed: int | None = None, time_limit: float | None = None
) -> Report:
    """Check the learner's tagger class: construction, logits shape/dtype, masking, embedding.

    Randomised at every call unless `seed` is given; `time_limit`: seconds per learner call.
    """
    return _run("build_layers", {"BiLSTMTagger": BiLSTMTagger}, seed, time_limit)


def check_compute_loss(
    compute_loss: Callable, *, seed: int | None = None, time_limit: float | None = None
) -> Report:
    """Check the learner's masked loss against an independent NumPy reference.

    Randomised at every call unless `seed` is given; `time_limit`: seconds per learner call.
    """
    return _run("compute_loss", {"compute_loss": compute_loss}, seed, time_limit)


def check_embedding_training(
    BiLSTMTagger: type,
    train_step: Callable | None = None,
    *,
    seed: int | None = None,
    time_limit: float | None = None,
) -> Report:
    """Check that training updates exactly the looked-up embedding rows (and the train step).

    With the course's own reference BiLSTMTagger (notebook 05) only `train_step` is checked.
    Randomised at every call unless `seed` is given; `time_limit`: seconds per learner call.
    """
    objects = {"BiLSTMTagger": BiLSTMTagger, "train_step": train_step}
    if train_step is None:  # the title names what was passed, so it can be pasted back
        report = _run("embedding_training", objects, seed, time_limit)
        return Report("check_embedding_training(BiLSTMTagger)", report.items)
    if not is_course_reference(BiLSTMTagger):
        return _run("embedding_training", objects, seed, time_limit)
    report = _run("embedding_training", objects, seed, time_limit, graded=("train_step",))
    note = CheckItem(REFERENCE_NOTE, True, REFERENCE_MESSAGE, points=0.0)
    return Report(report.title, [note, *report.items])
