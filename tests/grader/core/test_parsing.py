"""Syntax trees are built one at a time in the grading process, whichever thread builds them.

On CPython 3.11 two threads building them at once can fail with "SystemError: AST constructor
recursion depth mismatch" (seen in a graded batch: the tampering scan met a thread reading a
payload, whose np.load parses each .npy header). It is too rare to provoke in a test, so these
pin the mechanism: every parse goes through `grader.core.parsing`, under its lock.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import grader
from grader.core import transport
from grader.core.parsing import PARSE_LOCK
from grader.core.transport import read_payload, write_payload

GRADER = Path(grader.__file__).resolve().parent


def calls_of(tree: ast.AST, module: str, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == module
    ]


def test_no_grader_module_parses_python_or_loads_arrays_but_through_the_lock():
    offenders = []
    for path in GRADER.rglob("*.py"):
        if path.name == "parsing.py" or "learner_side" in path.parts or path.name == "probe.py":
            continue  # parsing.py is the lock; kernel-side code runs in the learner's kernel
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line in calls_of(tree, "ast", "parse") + calls_of(tree, "ast", "literal_eval"):
            offenders.append(f"{path.relative_to(GRADER)}:{line}")
        if path.name != "transport.py":
            offenders += [f"{path.relative_to(GRADER)}:{n}" for n in calls_of(tree, "np", "load")]
    assert not offenders


def test_reading_a_payload_holds_the_lock_while_numpy_parses_headers(tmp_path, monkeypatch):
    write_payload(tmp_path, {"x": np.arange(3)})
    held = []
    load = np.load

    def recording_load(*args, **kwargs):
        held.append(PARSE_LOCK._is_owned())
        return load(*args, **kwargs)

    monkeypatch.setattr(transport.np, "load", recording_load)
    read_payload(tmp_path)
    assert held == [True]
