"""What a name in a scanned cell refers to, for the tampering scan (read as data, never run).

Two false flags came from reading names and strings out of context (red team 4): a learner's own
variable called `vars` (`vars = model.trainable_variables`) is not the built-in that exposes an
object's `__dict__`, and the `/token` of `f"{rate:.2f}/token"` is not an absolute path, since the
string starts with a number. These helpers mark such nodes; the rules leave marked nodes alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator

SHADOWABLE = frozenset({"vars", "locals", "globals", "breakpoint", "compile", "In", "Out"})
"""Built-ins the scan flags that a learner may well use as a variable's name."""
NAMED_PATH = re.compile(r"/[\w.~-]+/[\w.~-]+")
"""Inside a string after a formatted value: `/etc/passwd` is a path, `/token` or `/2` is not."""
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_BINDERS = (ast.Assign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.withitem)


def mark_tails(tree: ast.AST) -> None:
    """Mark the constant pieces of f-strings that do not start the string (`_tail`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for piece in node.values[1:]:
                piece._tail = True  # type: ignore[attr-defined]
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            for piece in ast.walk(node.format_spec):
                piece._tail = True  # type: ignore[attr-defined]


def is_path(node: ast.Constant, absolute: Callable[[str], bool]) -> bool:
    """Whether a string constant names a path outside the working copy (`absolute`: the rule's
    test); an f-string's later piece only when it holds two named parts."""
    if getattr(node, "_tail", False):
        return bool(NAMED_PATH.search(node.value)) or "/../" in node.value
    return absolute(node.value)


def _module_level(tree: ast.Module) -> Iterator[ast.AST]:
    """The nodes of the cell outside function and class bodies, in source order."""
    pending: list[ast.AST] = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, _SCOPES):
            pending.extend(reversed(list(ast.iter_child_nodes(node))))


def _binder_values(node: ast.AST) -> list[ast.AST]:
    """The expressions whose value a binding statement gives its targets."""
    if isinstance(node, ast.withitem):
        return [node.context_expr]
    if isinstance(node, ast.For | ast.AsyncFor):
        return [node.iter]
    value = getattr(node, "value", None)
    return [value] if value is not None else []


def _clean(values: Iterable[ast.AST], forbidden: Iterable[str]) -> bool:
    names = set(forbidden)
    return not any(
        isinstance(part, ast.Name) and part.id in names
        for value in values
        for part in ast.walk(value)
    )


def module_shadowed(trees: Iterable[ast.Module], forbidden: Iterable[str]) -> frozenset[str]:
    """The SHADOWABLE names a notebook binds at module level before any other use (its cells in
    order), to a value that mentions no flagged name, and never deletes or declares global."""
    forbidden = frozenset(forbidden)
    first: dict[str, bool] = {}  # name -> its first module-level use binds it cleanly
    disqualified: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Global | ast.Nonlocal):
                disqualified.update(node.names)
        for node in _module_level(tree):
            if isinstance(node, ast.Delete):
                disqualified.update(t.id for t in node.targets if isinstance(t, ast.Name))
            if isinstance(node, _BINDERS):
                targets = [getattr(node, "target", None), getattr(node, "optional_vars", None)]
                targets += list(getattr(node, "targets", []))
                for target in filter(None, targets):
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id in SHADOWABLE:
                            first.setdefault(name.id, _clean(_binder_values(node), forbidden))
            if isinstance(node, ast.Name) and node.id in SHADOWABLE:
                first.setdefault(node.id, False)  # used before any binding: the built-in
    return frozenset(name for name, clean in first.items() if clean) - disqualified


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of the functions and classes nested in it."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, _SCOPES):
            pending.extend(ast.iter_child_nodes(node))


def _local_names(scope: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """Names a function binds itself (arguments, assignments), which are then local throughout."""
    bound: set[str] = set()
    declared: set[str] = set()
    arguments = scope.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    bound.update(argument.arg for argument in every)
    for node in _own_nodes(scope):
        if isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound - declared


def mark_shadowed(tree: ast.AST, shadowed: frozenset[str]) -> None:
    """Mark (`_shadowed`) the Name nodes that refer to a learner's own binding of a SHADOWABLE
    name: everywhere for the notebook's module-level `shadowed`, and inside each function that
    binds the name itself (Python makes it local to the whole function)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in shadowed:
            node._shadowed = True  # type: ignore[attr-defined]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            local = _local_names(node) & SHADOWABLE
            for name in ast.walk(node):
                if isinstance(name, ast.Name) and name.id in local:
                    name._shadowed = True  # type: ignore[attr-defined]


def constant_strings(trees: Iterable[ast.Module]) -> frozenset[str]:
    """The names a notebook binds at module level only by `name = "a string"` (every such
    binding, in every cell), and no function declares global: a format template kept in a
    variable (`row = "{:14s} {}"`), whose text the scan reads where it is written."""
    constant: dict[str, bool] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Global | ast.Nonlocal):
                constant.update(dict.fromkeys(node.names, False))
        _add_constant_bindings(constant, _module_level(tree))
    return frozenset(name for name, plain in constant.items() if plain)


def _add_constant_bindings(constant: dict[str, bool], nodes: Iterable[ast.AST]) -> None:
    """Record in `constant` whether each name the nodes bind is bound only to plain strings."""
    plain_targets = set()
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            plain = isinstance(value, ast.Constant) and isinstance(value.value, str)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    constant[target.id] = constant.get(target.id, True) and plain
                    plain_targets.add(id(target))
        for name in _bound_names(node):
            constant[name] = False
        if (
            isinstance(node, ast.Name)
            and not isinstance(node.ctx, ast.Load)
            and id(node) not in plain_targets
        ):
            constant[node.id] = False  # for, with, +=, :=, del ...


def _scope_constants(scope: ast.AST) -> set[str]:
    """The names a function or class body binds itself only to plain strings."""
    constant: dict[str, bool] = {}
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        arguments = scope.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        constant.update(dict.fromkeys((a.arg for a in every), False))
    nodes = list(_own_nodes(scope))
    for node in nodes:
        if isinstance(node, ast.Global | ast.Nonlocal):
            constant.update(dict.fromkeys(node.names, False))
    _add_constant_bindings(constant, nodes)
    return {name for name, plain in constant.items() if plain}


def _bound_names(node: ast.AST) -> list[str]:
    """The names a node binds that are no Name node: imports, definitions, `case row:`,
    `except E as row:`."""
    if isinstance(node, ast.alias):
        return [(node.asname or node.name).split(".")[0]]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.MatchAs | ast.MatchStar | ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def mark_templates(tree: ast.AST, templates: frozenset[str]) -> None:
    """Mark (`_template`) the Name nodes that refer to a constant template: a module-level one
    (`templates`) where no enclosing function or class body binds the name itself, or one a
    function or class body binds only to plain strings itself."""
    pending: list[tuple[ast.AST, frozenset[str], frozenset[str]]] = [(tree, templates, templates)]
    while pending:
        scope, visible, outer = pending.pop()  # outer: what a class body's methods see
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            visible = (visible - _local_names(scope)) | _scope_constants(scope)
            outer = visible
        elif isinstance(scope, ast.ClassDef):
            own = list(_own_nodes(scope))
            bound = {n.id for n in own if isinstance(n, ast.Name)}
            bound |= {name for n in own for name in _bound_names(n)}
            visible = (visible - bound) | _scope_constants(scope)
        for node in _own_nodes(scope):
            if isinstance(node, ast.Name) and node.id in visible:
                node._template = True  # type: ignore[attr-defined]
            if isinstance(node, _SCOPES):
                pending.append((node, outer, outer))
