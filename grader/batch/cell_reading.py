"""Reading a code cell as IPython runs it (grading process, never running it): its Python, its
syntax tree, and the names it binds by import. The tampering scan's input."""

from __future__ import annotations

import ast
import functools

from grader.core.parsing import parse


@functools.lru_cache(maxsize=64)
def read_cell(source: str) -> tuple[str, ast.Module]:
    """The cell as IPython runs it and its syntax tree, made once per source (scan_notebook
    reads each cell twice: for the names it imports, then for its findings)."""
    python = as_python(source)
    return python, parse(python)


def as_python(source: str) -> str:
    """The cell as IPython runs it: magics and `!shell` become `get_ipython()` calls, which
    the rules see (a cell is not skipped because IPython syntax makes it invalid Python)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def imported_modules(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module it names, for every `import x` / `import x as y`, and
    `from x import y` (y: "x.y", a module or an object of one: patching it patches x)."""
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):  # `m = np`: m names a module too
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    modules[target.id] = modules[node.value.id]
    return modules


def imported_names(source: str) -> dict[str, str]:
    """The names a cell binds by import (empty for a cell that is not Python)."""
    try:
        return imported_modules(read_cell(source)[1])
    except Exception:  # scan_source reports such a cell
        return {}
