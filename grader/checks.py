"""The registry of checks (`CHECKS`) and the in-notebook entry points `check_<exercise>`.

Importing this module imports no TensorFlow: the specs import it only inside their probes.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from grader.report import CheckItem, Report
from grader.spec import CheckSpec, run_check

# name -> (module, attribute) of each exercise's CheckSpec, in course order.
_SPEC_HOMES = {
    "normalize_token": ("grader.check_data", "NORMALIZE_TOKEN"),
    "pad_sentences": ("grader.check_data", "PAD_SENTENCES"),
    "embedding_layer": ("grader.check_embedding_layer", "EMBEDDING_LAYER"),
    "build_layers": ("grader.check_model", "BUILD_LAYERS"),
    "compute_loss": ("grader.check_loss", "COMPUTE_LOSS"),
    "embedding_training": ("grader.check_training", "EMBEDDING_TRAINING"),
}

_TITLES = {
    "normalize_token": "check_normalize_token",
    "pad_sentences": "check_pad_sentences",
    "embedding_layer": "check_embedding_layer",
    "build_layers": "check_build_layers(BiLSTMTagger)",
    "compute_loss": "check_compute_loss(compute_loss)",
    "embedding_training": "check_embedding_training(BiLSTMTagger, train_step)",
}


_LOAD_ERRORS: dict[str, str] = {}


def _load_specs() -> dict[str, CheckSpec]:
    """Import each exercise's spec; one broken module must not take the other checks down."""
    specs = {}
    for name, (module_name, attribute) in _SPEC_HOMES.items():
        try:
            specs[name] = getattr(importlib.import_module(module_name), attribute)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                _LOAD_ERRORS[name] = f"{type(error).__name__}: {error}"
        except Exception as error:  # a bug in that check's module: report it when it is used
            _LOAD_ERRORS[name] = f"{type(error).__name__}: {error}"
    return specs


CHECKS: dict[str, CheckSpec] = _load_specs()
"""Every available check by name ("normalize_token", ..., "embedding_training")."""


def _run(name: str, objects: dict[str, Any], seed: int | None, time_limit: float | None) -> Report:
    spec = CHECKS.get(name)
    if spec is None:
        if name in _LOAD_ERRORS:
            message = (
                f"internal grader error: the {name} check could not be loaded "
                f"({_LOAD_ERRORS[name]}). This is a bug in the grader, not in your code."
            )
        else:
            message = f"The {name} check is not installed in this copy of the grader."
        return Report(
            title=_TITLES[name],
            items=[CheckItem(name="check available", passed=False, message=message)],
        )
    if time_limit is not None:  # every spec's make_inputs takes the per-call limit as a keyword
        make_inputs = spec.make_inputs
        spec = dataclasses.replace(
            spec, make_inputs=lambda rng: make_inputs(rng, time_limit=time_limit)
        )
    return run_check(spec, objects, seed=seed)


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

    Randomised at every call unless `seed` is given; `time_limit`: seconds per learner call.
    """
    objects = {"BiLSTMTagger": BiLSTMTagger, "train_step": train_step}
    return _run("embedding_training", objects, seed, time_limit)
