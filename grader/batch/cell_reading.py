"""Reading a code cell as IPython runs it (grading process, never running it): its Python, its
syntax tree, and the names it binds by import. The tampering scan's input."""

from __future__ import annotations

import ast
import functools
from collections import deque
from collections.abc import Iterator

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


CONTAINER = "[]"
"""Ends the module of a name that holds it inside (`self.lookup = tf.nn.embedding_lookup`,
`d = {"m": np}`, `items.append(np)`): changing that name's own attributes changes no module,
but an attribute of what it holds does (`d["m"].array = f`)."""


def held_module(modules: dict[str, str], name: str) -> str | None:
    """The module `name` is itself (an import or an alias of one); None for none, or for a
    name that only holds one inside (`CONTAINER`)."""
    module = modules.get(name)
    return None if module is None or module.endswith(CONTAINER) else module


def imported_modules(tree: ast.AST, known: dict[str, str] | None = None) -> dict[str, str]:
    """Local name -> the module it names, for every `import x` / `import x as y`, and
    `from x import y` (y: "x.y", a module or an object of one: patching it patches x), and for
    every name bound to what may be one of those (`known`: names other cells imported)."""
    modules = dict(known or {})
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    # `m = np`, `m = np if x else None`, `d = {"m": np}`, `L = keras.layers.LSTM`,
    # `items.append(np)`, `f = (lambda m: m)(os)`: each of those names may hold the module
    # (or a class or function of it) too. A binding is read again only when a name its value
    # mentions is found to hold one: a chain `a1 = a0`, `a2 = a1`, ... (in any order) is
    # followed in one pass, not one pass per link (3,000 links took 64 s that way).
    bindings = list(_bindings(tree))
    readers: dict[str, set[int]] = {}
    for index, (_, value, _) in enumerate(bindings):
        for node in ast.walk(value):
            if isinstance(node, ast.Name):
                readers.setdefault(node.id, set()).add(index)
    pending = deque(range(len(bindings)))
    while pending:
        targets, value, holds = bindings[pending.popleft()]
        if all(name in modules for name in targets):
            continue
        module = _carried(value, modules)
        if module is None:
            continue
        if holds and not module.endswith(CONTAINER):
            module += CONTAINER
        for name in targets:
            if name not in modules:
                modules[name] = module
                pending.extend(readers.get(name, ()))
    return modules


def _carried(node: ast.AST | None, modules: dict[str, str], members: bool = True) -> str | None:
    """The module that the value of expression `node` may be, or be part of, without a call
    that makes something new of it (None: none). `members=False`: only a module itself, not
    one of its attributes (what a call's arguments may hand back: `ident(os)`, not the
    `tf.float32` of `tf.cast(x, tf.float32)`)."""
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        found = _carried(node.value, modules, members) if members else None
        if found and found.endswith(CONTAINER):
            return found.removesuffix(CONTAINER)  # self.lookup: what self holds
        return f"{found}.{node.attr}" if found else None
    if isinstance(node, ast.Subscript):
        found = _carried(node.value, modules, members)
        return found.removesuffix(CONTAINER) if found else None  # d["m"]: what d holds
    if isinstance(node, ast.Starred | ast.NamedExpr):
        return _carried(node.value, modules, members)
    if isinstance(node, ast.Lambda):
        return _carried(node.body, modules, members)
    if isinstance(node, ast.IfExp):
        return _carried(node.body, modules, members) or _carried(node.orelse, modules, members)
    parts: list[ast.AST | None] = []
    if isinstance(node, ast.BoolOp):
        parts = list(node.values)
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        parts = list(node.elts)
    elif isinstance(node, ast.Dict):
        parts = list(node.values)
    elif isinstance(node, ast.Call):  # identity(np), (lambda m: m)(os): may hand it back
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        inner = _carried(node.func, modules) if isinstance(node.func, ast.Lambda) else None
        return inner or next(
            (found for part in arguments if (found := _carried(part, modules, False))), None
        )
    return next((found for part in parts if (found := _carried(part, modules, members))), None)


def _bindings(tree: ast.AST) -> Iterator[tuple[list[str], ast.AST, bool]]:
    """(the names bound, the expression they are bound to, whether they only hold it inside)
    for each binding of the tree that may make a name hold what its expression carries."""
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        value: ast.AST | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            targets, value = [node.target], node.iter
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets, value = [node.optional_vars], node.context_expr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # items.append(np), d.update(m=np): the module goes into the container
            targets, value = [node.func.value], node
        elif isinstance(node, ast.Match):  # match os: case o: ...  (every capture may be it)
            yield _captures(node), node.subject, False
            continue
        if value is None:
            continue
        names = []
        holds = isinstance(node, ast.Call) or isinstance(value, ast.List | ast.Set | ast.Dict)
        for target in targets:
            while isinstance(target, ast.Attribute | ast.Subscript | ast.Starred):
                holds = holds or not isinstance(target, ast.Starred)
                target = target.value
            names += [name.id for name in ast.walk(target) if isinstance(name, ast.Name)]
        if names:
            yield names, value, holds


def _captures(node: ast.Match) -> list[str]:
    """The names the case patterns of a `match` statement bind."""
    names = []
    for case in node.cases:
        for pattern in ast.walk(case.pattern):
            if isinstance(pattern, ast.MatchAs | ast.MatchStar) and pattern.name:
                names.append(pattern.name)
            elif isinstance(pattern, ast.MatchMapping) and pattern.rest:
                names.append(pattern.rest)
    return names


def imported_names(source: str, known: dict[str, str] | None = None) -> dict[str, str]:
    """The names a cell binds by import, or to what may be a module of `known` or of its own
    imports (empty for a cell that is not Python)."""
    try:
        return imported_modules(read_cell(source)[1], known)
    except Exception:  # scan_source reports such a cell
        return {}
