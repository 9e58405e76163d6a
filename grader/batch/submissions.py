"""Finding submissions, reading them as notebooks, and the checks each one declares.

The notebook <-> grader convention (documented in `grader.cli`): notebook metadata
`{"grader": {"checks": [name | {"check": name, "objects": {spec_name: notebook_name}}]}}`,
names being keys of the registry `CHECKS` (default module `grader.checks`).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.batch.notebook_files import (
    non_file_kind,
    not_a_file_problem,
    notebook_entries,
)
from grader.core.spec import CheckSpec

MAX_NOTEBOOK_BYTES = 50 * 2**20


class UsageError(Exception):
    """The tool was used wrongly (bad path, unknown check): a one-line message, exit code 2."""


@dataclass(frozen=True)
class CheckRequest:
    """One check to run on a notebook: spec object names mapped to notebook names, and which
    objects are graded (None: the required ones plus the optional ones named in `objects`)."""

    name: str
    objects: Mapping[str, str] = field(default_factory=dict)
    graded: tuple[str, ...] | None = None

    def graded_objects(self, spec: CheckSpec) -> tuple[str, ...]:
        """The objects of `spec` this request grades, in the spec's order."""
        if self.graded is not None:
            return tuple(name for name in spec.objects if name in self.graded)
        return spec.graded_objects(self.objects)

    def lookups(self, spec: CheckSpec) -> dict[str, str]:
        """{spec object name: notebook name} for every graded object."""
        return {name: self.objects.get(name, name) for name in self.graded_objects(spec)}


def collect_notebooks(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The notebooks named by `paths` (files, or folders searched recursively for *.ipynb,
    skipping .ipynb_checkpoints), in a stable order. Raises `UsageError` for a missing path
    or when no notebook is found. A folder argument is a folder of submissions; an entry in it
    named like a notebook but not a file (a folder `x.ipynb`) is collected unopened, and
    grading reports it as an invalid notebook (`grader.batch.notebook_files`)."""
    return [path for path, _ in collect_with_roots(paths)]


def collect_with_roots(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, Path]]:
    """`collect_notebooks`, each with the folder it was submitted in (the folder given, or a
    file's own folder): a notebook may not be a symbolic link leading out of it."""
    found: dict[Path, Path] = {}
    paths = list(paths)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in notebook_entries(path):
                found.setdefault(candidate, path)
        elif path.is_file():
            found.setdefault(path, path.parent)
        elif (kind := non_file_kind(path)) is not None:
            raise UsageError(f"{raw}: {kind}, neither a notebook file nor a folder")
        else:
            raise UsageError(f"{raw}: no such file or folder")
    if not found:
        names = ", ".join(str(p) for p in paths) or "(none given)"
        raise UsageError(f"no notebooks (*.ipynb) found in {names}")
    unreadable = [str(path) for path in found if not os.access(path, os.R_OK)]
    if unreadable:
        raise UsageError(f"cannot read {', '.join(unreadable[:3])}: check the permissions")
    return list(found.items())


def duplicates(names: Iterable[str]) -> list[str]:
    """The names listed more than once, each once, in the order they repeat."""
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for name in names:
        if name in seen:
            repeated[name] = None
        seen.add(name)
    return list(repeated)


def read_notebook(path: Path, root: Path | None = None) -> nbformat.NotebookNode:
    """Read and validate a notebook (nbformat 4). Raises ValueError with a sentence for people.

    With `root`, a notebook that is a symbolic link leading outside that folder is refused
    unread (a link to /etc/passwd must not have its first line quoted back).
    """
    if root is not None and outside_symlink(path, root):
        raise ValueError(
            f"{path.name} is a symbolic link to a file outside the submitted folder: submit "
            "the notebook itself"
        )
    problem = not_a_file_problem(path)
    if problem is not None:  # a folder is not read as a notebook, and a FIFO never opened
        raise ValueError(problem)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"cannot read {path.name}: {error.strerror}") from None
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(
            f"{path.name} is {size / 2**20:.0f} MB, larger than the "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MB limit: clear the outputs and submit it again"
        )
    try:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # NotJSONError, ValidationError, UnicodeDecodeError, ...
        # Say where, never what: the message of a JSON or decoding error quotes the file.
        raise ValueError(
            f"{path.name} is not a valid Jupyter notebook ({type(error).__name__}"
            f"{_where(error)}); submit the .ipynb file saved by Jupyter"
        ) from None
    _check_encodable(notebook, path.name)
    return notebook


def _check_encodable(notebook: nbformat.NotebookNode, name: str) -> None:
    """Refuse text that cannot be written back as UTF-8 (a lone surrogate, which JSON's \\ud83d
    escapes allow): the kernel's copy of the notebook could not be written."""
    parts = [("cell", index, cell) for index, cell in enumerate(notebook.cells, 1)]
    for kind, index, part in [*parts, ("metadata", 0, notebook.metadata)]:
        try:
            json.dumps(part, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            where = f"cell {index}" if kind == "cell" else "the notebook's metadata"
            raise ValueError(
                f"{name}: {where} holds text that is not valid Unicode (half of a character "
                "pair, such as a broken emoji): delete it, save the notebook and submit it again"
            ) from None


def _where(error: BaseException) -> str:
    """', line L column C' (or ', byte B') of a parse error, from its numbers only."""
    cause = error.__cause__ or error.__context__ or error
    for candidate in (error, cause):
        if isinstance(candidate, json.JSONDecodeError):
            return f", line {candidate.lineno} column {candidate.colno}"
        if isinstance(candidate, UnicodeDecodeError):
            return f", byte {candidate.start}: not UTF-8"
    return ""


def outside_symlink(path: Path, root: Path) -> bool:
    """Whether `path` is, or passes through, a symbolic link leading outside `root`."""
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def declared_checks(
    notebook: nbformat.NotebookNode, registry: Mapping[str, CheckSpec]
) -> tuple[list[CheckRequest], list[str]]:
    """The checks a notebook declares in `metadata["grader"]["checks"]`, and problems found.

    Each entry is a check name, or {"check": name, "objects": {spec_name: notebook_name},
    "graded": [spec_name, ...]} (both keys optional; see `CheckRequest`).
    """
    grader_metadata = notebook.get("metadata", {}).get("grader")
    if grader_metadata is None:
        return [], []
    entries = grader_metadata.get("checks") if isinstance(grader_metadata, dict) else None
    if not isinstance(entries, list):
        return [], ['notebook metadata "grader" must be {"checks": [...]}']
    requests, problems = [], []
    for entry in entries:
        graded = None
        if isinstance(entry, str):
            name, objects = entry, {}
        elif isinstance(entry, dict) and isinstance(entry.get("check"), str):
            name, objects, graded = entry["check"], entry.get("objects", {}), entry.get("graded")
        else:
            problems.append(f"notebook metadata: cannot read the check entry {str(entry)[:80]}")
            continue
        valid_objects = isinstance(objects, dict) and all(
            isinstance(key, str) and isinstance(value, str) for key, value in objects.items()
        )
        if not valid_objects:
            problems.append(f'notebook metadata: "objects" of check {name!r} must map str to str')
            continue
        if name not in registry:
            problems.append(
                f"notebook metadata names an unknown check {name!r} "
                f"(known: {', '.join(sorted(registry))})"
            )
            continue
        if graded is not None:
            known = registry[name].objects
            if (
                not isinstance(graded, list)
                or not graded
                or not all(isinstance(g, str) and g in known for g in graded)
            ):
                problems.append(
                    f'notebook metadata: "graded" of check {name!r} must list some of '
                    f"{', '.join(known)}"
                )
                continue
            graded = tuple(graded)
        requests.append(CheckRequest(name, dict(objects), graded))
    return requests, problems


def load_registry(module_name: str, python_path: Sequence[str] = ()) -> Mapping[str, CheckSpec]:
    """The `CHECKS` mapping of the module `module_name` (default `grader.checks`), importable
    from `python_path` folders (added to `sys.path`, as they are for the kernels)."""
    for folder in reversed(python_path):
        folder = str(Path(folder).resolve())
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UsageError(f"cannot import the checks module {module_name!r}: {error}") from None
    registry = getattr(module, "CHECKS", None)
    if not isinstance(registry, Mapping):
        raise UsageError(f"the checks module {module_name!r} has no CHECKS mapping")
    # A check module that failed to import would silently turn its check into "unknown":
    # refuse to grade rather than give every learner zero for the grader's own bug.
    broken = getattr(module, "LOAD_ERRORS", None) or getattr(module, "_LOAD_ERRORS", None)
    if broken:
        details = "; ".join(f"{name}: {error}" for name, error in dict(broken).items())
        raise UsageError(f"some checks could not be loaded (a bug in the grader): {details}")
    return registry
