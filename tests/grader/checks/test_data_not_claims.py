"""Whether the embedding is trained is decided from values, not from what the kernel says.

Each probe applies one SGD step with a gradient the grader chose to the model's (or layer's)
trainable variables and returns the embedding before and after; the judge checks the move.
Observations that claim a tracked matrix but show it unmoved, or moved otherwise, fail.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from grader.checks.build_layers.spec import SPEC as BUILD_LAYERS
from grader.checks.embedding_layer.spec import SPEC as EMBEDDING_LAYER
from grader.checks.embedding_training.spec import SPEC as EMBEDDING_TRAINING


def reference_objects():
    from bilstm_ner.model import BiLSTMTagger
    from bilstm_ner.notebook import EmbeddingLayer

    class Tagger(BiLSTMTagger):  # a learner's class: the course's own is not graded
        pass

    return {"BiLSTMTagger": Tagger, "EmbeddingLayer": EmbeddingLayer}


# (spec, path to the known step's record, the item that must fail)
CASES = [
    (BUILD_LAYERS, ("stats_step",), "embedding"),
    (EMBEDDING_LAYER, ("step",), "tracked"),
    (EMBEDDING_TRAINING, ("model", "known_step"), "tracked"),
]


def observed(spec, seed=5):
    inputs = spec.make_inputs(np.random.default_rng(seed))
    return inputs, spec.probe(reference_objects(), inputs)


def record(observations, path):
    for key in path:
        observations = observations[key]
    return observations


def item_named(report, spec, key):
    name = next(item.name for item in spec.items if item.key == key)
    return next(item for item in report.items if item.name == name)


@pytest.mark.parametrize(("spec", "path", "key"), CASES, ids=[c[0].name for c in CASES])
def test_a_correct_model_passes_on_the_values_it_shows(spec, path, key):
    inputs, observations = observed(spec)
    assert item_named(spec.judge(inputs, observations), spec, key).passed


@pytest.mark.parametrize(("spec", "path", "key"), CASES, ids=[c[0].name for c in CASES])
@pytest.mark.parametrize("forgery", ["unmoved", "moved otherwise", "missing"])
def test_claims_without_the_values_to_match_fail(spec, path, key, forgery):
    inputs, observations = observed(spec)
    forged = copy.deepcopy(observations)
    step = record(forged, path)
    if forgery == "unmoved":
        step["after"] = step["before"].copy()
    elif forgery == "moved otherwise":
        step["after"] = step["before"] - 0.01
    else:
        step.clear()
    assert not item_named(spec.judge(inputs, forged), spec, key).passed
