"""The library a learner's kernel imports in a graded run: the kernel-side grader and the
course's support library, with the answers to the exercises being graded taken out.

Graded with `compute_loss`, the kernel's `bilstm_ner.model.compute_loss` raises
NotImplementedError, so an alias, a wrapper or a subclass of the course's reference scores as
not attempted; the exercises not being graded keep their reference (notebook 05 trains the
course's tagger with the course's loss). The grader part holds `grader.core`,
`grader.learner_side` and each check's declaration, inputs and probe: no judge, no reference,
no registry. With the bwrap sandbox this copy is all the kernel can read of the course.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterable
from pathlib import Path

from grader.batch.sandbox import REPOSITORY
from grader.core.parsing import parse

SOURCES = REPOSITORY
KERNEL_SIDE_GRADER = (
    "grader/__init__.py",
    "grader/core/*.py",
    "grader/learner_side/*.py",
    "grader/checks/__init__.py",
    "grader/checks/entry_points.py",
    "grader/checks/*/__init__.py",
    "grader/checks/*/inputs.py",
    "grader/checks/*/probe.py",
)


def build_library(destination: Path, hidden: Iterable[str]) -> Path:
    """Write the kernel's library into `destination` (a new folder) and return it.

    `hidden`: answers as "module:name" (e.g. "bilstm_ner.model:compute_loss"), each replaced by
    a function or class that raises NotImplementedError saying why.
    """
    destination.mkdir(parents=True)
    for pattern in KERNEL_SIDE_GRADER:
        for source in sorted(SOURCES.glob(pattern)):
            _copy(source, destination / source.relative_to(SOURCES))
    shutil.copytree(
        SOURCES / "bilstm_ner",
        destination / "bilstm_ner",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.ipynb"),  # a wheel's notebooks
    )
    by_module: dict[str, list[str]] = {}
    for answer in hidden:
        module, name = answer.split(":")
        by_module.setdefault(module, []).append(name)
    for module, names in by_module.items():
        path = destination / Path(*module.split(".")).with_suffix(".py")
        path.write_text(redacted(path.read_text(encoding="utf-8"), names), encoding="utf-8")
    return destination


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def redacted(source: str, names: Iterable[str]) -> str:
    """`source` with the functions and classes `names` (at any depth: notebook 02's reference
    layer is built inside a function) reduced to a stub that raises NotImplementedError (a
    class keeps its bases; its __init__ raises)."""
    names = set(names)
    tree = parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name not in names:
                continue
            found.add(node.name)
            message = (
                f"the course's {node.name} is not available while your {node.name} is graded: "
                "write your own"
            )
            raise_stub = parse(f"raise NotImplementedError({message!r})").body
            if isinstance(node, ast.ClassDef):
                init = parse("def __init__(self, *args, **kwargs):\n    pass").body[0]
                init.body = raise_stub
                node.body = [init]
            else:
                node.body = raise_stub
            node.decorator_list = []
    missing = names - found
    if missing:
        raise ValueError(f"cannot hide {sorted(missing)}: no such definition")
    return ast.unparse(tree) + "\n"
