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
import importlib
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
    a function or class that raises NotImplementedError saying why. Every check's
    COURSE_ANSWERS report that they run (`watched`).
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
    for module, names in _by_module(watched_course_code()).items():
        path = destination / Path(*module.split(".")).with_suffix(".py")
        path.write_text(watched(path.read_text(encoding="utf-8"), module, names), encoding="utf-8")
    for module, names in _by_module(hidden).items():
        path = destination / Path(*module.split(".")).with_suffix(".py")
        path.write_text(redacted(path.read_text(encoding="utf-8"), names), encoding="utf-8")
    return destination


def watched_course_code() -> tuple[str, ...]:
    """Every check's COURSE_ANSWERS: library code that does an exercise's whole job."""
    names: list[str] = []
    for folder in sorted((SOURCES / "grader" / "checks").iterdir()):
        if (folder / "__init__.py").is_file():
            module = importlib.import_module(f"grader.checks.{folder.name}")
            names.extend(getattr(module, "COURSE_ANSWERS", ()))
    return tuple(names)


def _by_module(answers: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for answer in answers:
        module, name = answer.split(":")
        grouped.setdefault(module, []).append(name)
    return grouped


def watched(source: str, module: str, names: Iterable[str]) -> str:
    """`source` with each function of `names` first telling `grader.learner_side.reuse` that it
    runs, from whichever thread (see that module)."""
    names = set(names)
    tree = parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            names.discard(node.name)
            call = parse(
                "from grader.learner_side.reuse import entered as _grader_entered\n"
                f"_grader_entered({f'{module}:{node.name}'!r})"
            ).body
            docstring = ast.get_docstring(node, clean=False) is not None
            node.body[int(docstring) : int(docstring)] = call
    if names:
        raise ValueError(f"cannot watch {sorted(names)} in {module}: no such function")
    return ast.unparse(tree) + "\n"


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
