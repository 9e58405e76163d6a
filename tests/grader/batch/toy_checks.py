"""Two tiny TensorFlow-free checks for testing the grading tool's machinery.

`double`: the learner's `double(x)` must return 2 * x for a random float array x.
`greet`: the learner's `greet(name)` must return a str containing the name.
Used through `GradingOptions(registry="toy_checks", python_path=(this folder,))`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.core.report import CheckItem, Report
from grader.core.spec import CheckSpec, ItemSpec
from grader.learner_side.calling import LearnerError, call_learner, learner_failure
from grader.learner_side.conversions import to_float64


def _double_inputs(rng: np.random.Generator) -> dict:
    return {"x": rng.normal(size=int(rng.integers(3, 8)))}


def _double_probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    x = np.asarray(inputs["x"], dtype=np.float64)
    try:
        value = call_learner(
            objects["double"], x.copy(), check="double", what="double(x)", time_limit=5.0
        )
        return {"value": to_float64(value, what="double(x)")}
    except LearnerError as error:
        return learner_failure(error)


def _double_judge(inputs: dict, observations: dict) -> Report:
    x = inputs["x"]
    value = observations.get("value")
    failure = observations.get("error")
    attempted = not observations.get("not_attempted", False)
    if type(failure) is str:
        items = [
            CheckItem("right shape", False, failure, 1.0, attempted),
            CheckItem("doubles every value", False, failure, 2.0, attempted),
        ]
        return Report("check_double(double)", items)
    shaped = type(value) is np.ndarray and value.shape == x.shape
    right = shaped and bool(np.allclose(value, 2 * x))
    return Report(
        "check_double(double)",
        [
            CheckItem("right shape", shaped, "" if shaped else f"expected shape {x.shape}", 1.0),
            CheckItem("doubles every value", right, "" if right else "expected 2 * x", 2.0),
        ],
    )


def _greet_inputs(rng: np.random.Generator) -> dict:
    return {"name": f"learner{int(rng.integers(1000))}"}


def _greet_probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    try:
        text = call_learner(
            objects["greet"], inputs["name"], check="greet", what="greet(name)", time_limit=5.0
        )
    except LearnerError as error:
        return learner_failure(error)
    return {"text": text if type(text) is str else repr(type(text))}


def _greet_judge(inputs: dict, observations: dict) -> Report:
    text = observations.get("text")
    passed = type(text) is str and inputs["name"] in text
    message = "" if passed else str(observations.get("error", "the greeting lacks the name"))
    return Report("check_greet(greet)", [CheckItem("greets by name", passed, message, 1.0)])


CHECKS = {
    "double": CheckSpec(
        name="double",
        title="check_double(double)",
        objects=("double",),
        optional_objects=(),
        make_inputs=_double_inputs,
        probe=_double_probe,
        judge=_double_judge,
        items=(
            ItemSpec("shape", "right shape", 1.0),
            ItemSpec("values", "doubles every value", 2.0),
        ),
    ),
    "greet": CheckSpec(
        name="greet",
        title="check_greet(greet)",
        objects=("greet",),
        optional_objects=(),
        make_inputs=_greet_inputs,
        probe=_greet_probe,
        judge=_greet_judge,
        items=(ItemSpec("name", "greets by name", 1.0),),
    ),
}
