"""Toy checks with a `recompute`, for testing the grading side's worker process (no TensorFlow).

`triple`: the grader recomputes 3 * x; `broken`: its recomputation raises; `slow`: it sleeps for
`inputs["seconds"]`; `printer`: it prints on stdout (which must not reach the protocol).
"""

from __future__ import annotations

import os
import time

import numpy as np

from grader.core.report import CheckItem, Report
from grader.core.spec import CheckSpec, ItemSpec


def _spec(name: str, recompute) -> CheckSpec:
    def judge(inputs, observations, recomputed):
        right = recomputed is not None and bool(np.allclose(observations["y"], recomputed["y"]))
        return Report(name, [CheckItem("right", right, "", 1.0)])

    return CheckSpec(
        name=name,
        title=name,
        objects=(),
        optional_objects=(),
        make_inputs=lambda rng: {"x": rng.normal(size=3)},
        probe=lambda objects, inputs: {},
        judge=judge,
        items=(ItemSpec("right", "right"),),
        recompute=recompute,
    )


def _broken(inputs, observations):
    raise ValueError("the grader's own bug")


def _slow(inputs, observations):
    time.sleep(inputs["seconds"])
    return {}


def _printer(inputs, observations):
    print("ok 999 a stray line")
    os.write(1, b"error 999 another\n")
    return {"y": 3 * inputs["x"]}


CHECKS = {
    "triple": _spec(
        "triple", lambda inputs, observations: {"y": 3 * inputs["x"], "pid": os.getpid()}
    ),
    "broken": _spec("broken", _broken),
    "slow": _spec("slow", _slow),
    "printer": _spec("printer", _printer),
}
