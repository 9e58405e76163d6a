"""Reading a submission's code cells as data (never running them) for code that reaches into
the grading machinery. Honest solutions of this course never need any of it; a flagged
submission scores 0 with each finding until an instructor who reviewed it re-grades it with
`--allow-flagged`.

Each rule is one small function over the cell's syntax tree; a finding names the cell, the
line and the rule. IPython syntax (magics, `!shell`) is not Python: such lines are flagged as
"shell-or-magic" and the rest of the cell is still read.
"""

from __future__ import annotations

import ast
import copy
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import nbformat

from bilstm_ner.course.setup_cell import is_install_cell
from grader.batch.cell_reading import held_module, imported_modules, imported_names, read_cell
from grader.batch.magics import as_plain_python
from grader.batch.shadowing import (
    constant_strings,
    is_path,
    mark_shadowed,
    mark_tails,
    mark_templates,
    module_shadowed,
)
from grader.batch.tampering_rules import (
    AMBIGUOUS_MODULE_NAMES,
    ATTRIBUTE_BUILTINS,
    ATTRIBUTE_RULES,
    DANGEROUS_ATTRIBUTES,
    DYNAMIC_CODE,
    FORBIDDEN_NAMES,
    FORMAT_METHODS,
    FRAME_ATTRIBUTES,
    HARMLESS_MEMBERS,
    HARMLESS_MODULES,
    INLINE_BACKENDS,
    LISTED_MODULES,
    MACHINERY_MODULES,
    OS_CALLS,
    OS_FILE_NAMES,
    PICKLE_LOADERS,
    PUBLIC_DUNDERS,
    PUBLIC_GRADER_NAMES,
    REFLECTION_NAMES,
    SEPARATORS,
    STAR_IMPORTS,
    SUBMODULES,
    SYS_ATTRIBUTES,
    outside_path,
)


@dataclass(frozen=True)
class Finding:
    """One construct that reaches into the grading machinery."""

    cell: int
    line: int
    rule: str
    code: str

    def __str__(self) -> str:
        return f"cell {self.cell}, line {self.line}: {self.rule}: `{self.code}`"


def scan_notebook(notebook: nbformat.NotebookNode) -> list[Finding]:
    """Every finding in the notebook's code cells (cells numbered from 1, as Jupyter shows).

    The course's own install cell (which runs pip where the course is missing) is not a
    finding when its code is exactly what `make notebooks` writes; any change to it is read as
    any other cell."""
    sources = {
        number: as_plain_python(str(cell.get("source", "")))
        for number, cell in enumerate(notebook.get("cells", []), start=1)
        if cell.get("cell_type") == "code" and not is_install_cell(str(cell.get("source", "")))
    }
    imported: dict[str, str] = {}  # a name imported in one cell is the same name in the next
    for _ in range(2):  # twice: an alias made in a later cell of a name a cell before imports
        for source in sources.values():
            imported.update(imported_names(source, imported))
    findings = []
    shadowed = module_shadowed(_trees(sources.values()), FORBIDDEN_NAMES)
    templates = constant_strings(_trees(sources.values()))
    for number, source in sources.items():
        findings.extend(scan_source(source, number, imported, shadowed, templates))
    return findings


def _trees(sources) -> Iterator[ast.Module]:
    """The syntax trees of the cells that parse, in order."""
    for source in sources:
        try:
            yield read_cell(source)[1]
        except Exception:  # SyntaxError, a lone surrogate, ...: scan_source reports those
            continue


def scan_source(
    source: str,
    cell: int = 1,
    imported: dict[str, str] | None = None,
    shadowed: frozenset[str] | None = None,
    templates: frozenset[str] | None = None,
) -> list[Finding]:
    """The findings in one cell's source (never raises: a cell it cannot read is a finding);
    `imported`: names other cells of the notebook bound by import; `shadowed`: flagged
    built-ins the notebook rebinds to values of its own (`vars = model.trainable_variables`),
    by default those this cell rebinds."""
    try:
        return _scan(as_plain_python(source), cell, imported or {}, shadowed, templates)
    except Exception as error:  # RecursionError, MemoryError, a lone surrogate...
        return [Finding(cell, 1, "unreadable-cell", f"{type(error).__name__} while reading it")]


def _aliases(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """`g = getattr`: the attribute built-ins used other than by a direct call."""
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in ATTRIBUTE_BUILTINS and id(node) not in called:
            yield node.lineno, "dynamic-attribute"


def _scan(
    source: str,
    cell: int,
    imported: dict[str, str],
    shadowed: frozenset[str] | None,
    templates: frozenset[str] | None = None,
) -> list[Finding]:
    lines = source.splitlines()
    source.encode("utf-8")  # a lone surrogate cannot be code: refuse the cell
    try:
        python, tree = read_cell(source)
    except SyntaxError:
        return []  # IPython cannot run it either: the kernel reports the error
    findings = []
    if "get_ipython()" in python and "get_ipython()" not in source:
        # IPython syntax made calls into IPython: name the lines (`!ls`, `%magic`, `x = !ls`).
        # Only then: `"loss=%.1f" % x` or a line starting with `% (a, b)` is plain Python.
        findings = [
            Finding(cell, index, "shell-or-magic", _short(line))
            for index, line in enumerate(lines, start=1)
            if re.search(r"(^|=)\s*[%!]", line)
        ]
    if shadowed is None:
        shadowed = module_shadowed([tree], FORBIDDEN_NAMES)
    if templates is None:
        templates = constant_strings([tree])
    tree = copy.deepcopy(tree)  # read_cell's trees are cached and shared: mark a copy
    mark_tails(tree)
    mark_shadowed(tree, shadowed)
    mark_templates(tree, templates)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.func._called = True  # type: ignore[attr-defined]
    if len(python.splitlines()) != len(lines):
        lines = python.splitlines()
    modules = imported_modules(tree, imported)
    mark_harmless_uses(tree, modules)
    for node in ast.walk(tree):
        for rule in _RULES:
            for line, name in rule(node, modules):
                code = lines[line - 1] if 0 < line <= len(lines) else ""
                findings.append(Finding(cell, line, name, _short(code)))
    for line, name in _aliases(tree):
        code = lines[line - 1] if 0 < line <= len(lines) else ""
        findings.append(Finding(cell, line, name, _short(code)))
    return sorted(set(findings), key=lambda f: (f.cell, f.line, f.rule))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


Rule = Callable[[ast.AST, dict[str, str]], Iterator[tuple[int, str]]]


def _imports(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names if alias.name not in HARMLESS_MEMBERS]
    elif isinstance(node, ast.ImportFrom) and node.module in HARMLESS_MEMBERS:
        if any(alias.name not in HARMLESS_MEMBERS[node.module] for alias in node.names):
            yield node.lineno, MACHINERY_MODULES[node.module]
        return
    elif isinstance(node, ast.ImportFrom) and node.module:
        if node.module == "IPython" and all(alias.name == "display" for alias in node.names):
            return  # `from IPython import display`: the harmless IPython.display
        if node.module == "grader":
            if any(alias.name not in PUBLIC_GRADER_NAMES for alias in node.names):
                yield node.lineno, "grader-internals"
            return
        for alias in node.names:
            if alias.name == "*" and not _star_allowed(node.module):
                yield node.lineno, "dynamic-attribute"
            if alias.name in MACHINERY_MODULES and alias.name not in AMBIGUOUS_MODULE_NAMES:
                yield node.lineno, MACHINERY_MODULES[alias.name]  # from gzip import builtins
            if node.module == "sys" and SYS_ATTRIBUTES.get(alias.name):
                yield node.lineno, str(SYS_ATTRIBUTES[alias.name])
            if node.module == "os" and OS_CALLS.match(alias.name):
                yield node.lineno, _os_rule(alias.name)
            if alias.name in REFLECTION_NAMES or alias.name.startswith("__"):
                yield node.lineno, "dynamic-attribute"
        names = [node.module]
    named = list(names)
    if isinstance(node, ast.ImportFrom) and node.module:  # from logging import config
        named += [f"{node.module}.{alias.name}" for alias in node.names]
    for name in named:
        if rule := _submodule_rule(name):
            yield node.lineno, rule
    if isinstance(node, ast.ImportFrom) and (node.level or not node.module):
        yield node.lineno, "unlisted-module"  # from . import x: a module of the working folder
    for name in names:
        top = name.split(".")[0]
        if top == "grader" and name != "grader":
            yield node.lineno, "grader-internals"
        elif top in MACHINERY_MODULES and name not in HARMLESS_MODULES:
            yield node.lineno, MACHINERY_MODULES[top]
        elif top not in LISTED_MODULES and top not in ("grader", "IPython"):
            yield node.lineno, "unlisted-module"


def _submodule_rule(name: str) -> str | None:
    """The rule a dotted name breaks by naming a flagged submodule (`SUBMODULES`), if any."""
    for submodule, rule in SUBMODULES.items():
        if name == submodule or name.startswith(submodule + "."):
            return rule
    return None


def _star_allowed(module: str) -> bool:
    """Whether `from module import *` hands out only names the scan may leave alone (not the
    course's modules: `bilstm_ner.progress` hands out `importlib` unseen)."""
    return module in STAR_IMPORTS


def _attributes(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if not isinstance(node, ast.Attribute):
        return
    if node.attr in FRAME_ATTRIBUTES:
        yield node.lineno, "frames-and-gc"
    if node.attr == "__annotations__":
        yield node.lineno, "dynamic-code"  # dataclasses execs what its names hold
    base = node.value.id if isinstance(node.value, ast.Name) else None
    module = held_module(modules, base) if base in modules else base
    if module and module.endswith(".sys"):  # from os import sys
        module = "sys"
    if module == "sys" and SYS_ATTRIBUTES.get(node.attr):
        yield node.lineno, str(SYS_ATTRIBUTES[node.attr])
    if module == "os" and OS_CALLS.match(node.attr):
        yield node.lineno, _os_rule(node.attr)
    if node.attr in REFLECTION_NAMES:
        yield node.lineno, "dynamic-attribute"
    if node.attr in ATTRIBUTE_RULES:
        yield node.lineno, ATTRIBUTE_RULES[node.attr]
    if module == "grader" and node.attr not in PUBLIC_GRADER_NAMES:
        yield node.lineno, "grader-internals"
    if module and (rule := _submodule_rule(f"{module}.{node.attr}")):
        yield node.lineno, rule  # logging.config
    if (
        base is not None
        and held_module(modules, base)
        and node.attr.startswith("_")
        and node.attr not in PUBLIC_DUNDERS
    ):
        yield node.lineno, "dynamic-attribute"  # typing._eval_type: a module's private parts
    if (
        node.attr in FORMAT_METHODS
        and not isinstance(node.value, ast.Constant)
        and not getattr(node, "_called", False)
    ):
        yield node.lineno, "dynamic-attribute"  # render = str.format: its template unseen
    if base in ("__builtins__",):
        yield node.lineno, "builtins-patching"


def _calls(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if not isinstance(node, ast.Call):
        return
    if (
        isinstance(node.func, ast.Name)
        and node.func.id in DYNAMIC_CODE
        and modules.get(node.func.id, "builtins").split(".")[0] in ("builtins", "__builtin__")
    ):  # `from re import compile`: not the built-in
        yield node.lineno, "dynamic-code"
    if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
        yield node.lineno, "module-patching"
    loader = node.func.attr if isinstance(node.func, ast.Attribute) else None
    if loader in PICKLE_LOADERS and (
        len(node.args) >= PICKLE_LOADERS[loader]
        or any(isinstance(argument, ast.Starred) for argument in node.args)
        or any(keyword.arg is None for keyword in node.keywords)
    ):
        yield node.lineno, "dynamic-code"  # np.load(f, None, True): allow_pickle by position
    for keyword in node.keywords:  # logging's style="{": its format reads record attributes
        if keyword.arg == "style" and not (
            isinstance(keyword.value, ast.Constant) and keyword.value.value in ("%", "$")
        ):
            yield node.lineno, "dynamic-attribute"
    for keyword in node.keywords:  # np.load(..., allow_pickle=True); False is the safe default
        if keyword.arg == "safe_mode" and not (  # keras.saving.load_model(..., safe_mode=False)
            isinstance(keyword.value, ast.Constant) and keyword.value.value is True
        ):
            yield node.lineno, "dynamic-code"
        if keyword.arg == "allow_pickle" and not (
            isinstance(keyword.value, ast.Constant) and keyword.value.value is False
        ):
            yield node.lineno, "dynamic-code"
    if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
        name = node.args[1] if len(node.args) > 1 else None
        constant = isinstance(name, ast.Constant) and isinstance(name.value, str)
        target = node.args[0] if node.args else None
        if (
            not constant
            or name.value.startswith("_")
            or name.value in DANGEROUS_ATTRIBUTES
            or (isinstance(target, ast.Name) and held_module(modules, target.id))
            or not isinstance(target, ast.Name | ast.Attribute)  # getattr([sys][0], ...)
        ):
            yield node.lineno, "dynamic-attribute"
    for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
        for part in ast.walk(argument):  # also inside "a" + "b", f"...", os.path.join(...)
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                text = part.value  # a path with a named part: not "/" (split), "..." (print)
                if is_path(part, outside_path) or "/../" in text or text.endswith("/.."):
                    yield node.lineno, "files-outside"
                    return


def _builders(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`type(sys)("name")` makes a module of its own; `chr(47)` builds a path separator."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or not node.args:
        return
    first = node.args[0]
    if (
        node.func.id == "type"
        and isinstance(first, ast.Name)
        and "." not in (held_module(modules, first.id) or ".")
    ):
        yield node.lineno, "import-machinery"
    if node.func.id == "chr" and isinstance(first, ast.Constant) and first.value in SEPARATORS:
        yield node.lineno, "files-outside"


def _os_rule(name: str) -> str:
    return "files-outside" if name in OS_FILE_NAMES else "threads-or-processes"


def _names(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if (
        isinstance(node, ast.Name)
        and node.id in FORBIDDEN_NAMES
        and not getattr(node, "_shadowed", False)
        and modules.get(node.id, "builtins").split(".")[0] in ("builtins", "__builtin__")
    ):  # `from re import compile`: not the built-in
        yield node.lineno, FORBIDDEN_NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):  # [sys][0]: a module hidden in a list
        for element in node.elts:
            if isinstance(element, ast.Name) and "." not in (
                held_module(modules, element.id) or "."
            ):
                yield node.lineno, "dynamic-attribute"
    if isinstance(node, ast.Constant) and node.value == "__annotations__":
        yield node.lineno, "dynamic-code"  # type("C", (), {"__annotations__": ...})
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.lstrip().lower().startswith("module://")
        and node.value.strip() not in INLINE_BACKENDS
    ):
        yield node.lineno, "import-machinery"  # a matplotlib backend named by module: imported
    # A path held in a variable, not only passed as an argument.
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and is_path(node, outside_path)
    ):
        yield node.lineno, "files-outside"


def _finalizers(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`def __del__`: code that runs whenever memory is collected (during the probe, say);
    `del compile` after `from re import compile`: the built-in is back."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__del__":
        yield node.lineno, "threads-or-processes"
    if isinstance(node, ast.Delete) and any(
        isinstance(target, ast.Name) and target.id in DYNAMIC_CODE for target in node.targets
    ):
        yield node.lineno, "dynamic-code"


def _assignments(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`np.allclose = ...`: changing a module someone else's code relies on."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = [node.target] if not isinstance(node, ast.Delete) else list(node.targets)
    for target in targets:
        if not isinstance(target, ast.Attribute):
            continue
        root, depth = target, 0
        while isinstance(root, ast.Attribute | ast.Subscript):
            root, depth = root.value, depth + 1
        # Patching something imported, or something reached through an expression
        # (`[np][0].allclose = f`, `resolve('numpy').allclose = f`), or what a name holds
        # (`d["m"].array = f`; not `self.x = 1` beside `self.lookup = tf.nn.embedding_lookup`).
        if (
            not isinstance(root, ast.Name)
            or held_module(modules, root.id)
            or (root.id in modules and depth >= 2)
        ):
            yield node.lineno, "module-patching"


def _harmless_member_uses(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`traceback` used other than to call one of its harmless functions (`HARMLESS_MEMBERS`;
    those uses were marked `_harmless` by `mark_harmless_uses`)."""
    if isinstance(node, ast.Name) and not getattr(node, "_harmless", False):
        module = modules.get(node.id)
        if module in HARMLESS_MEMBERS:
            yield node.lineno, MACHINERY_MODULES[module]


def mark_harmless_uses(tree: ast.AST, modules: dict[str, str]) -> None:
    """Mark the module names in `traceback.print_exc` and the like (`HARMLESS_MEMBERS`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = modules.get(node.value.id)
            if module in HARMLESS_MEMBERS and node.attr in HARMLESS_MEMBERS[module]:
                node.value._harmless = True  # type: ignore[attr-defined]


def _hidden_attributes(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """Attributes read without an attribute in the syntax: by a class pattern of `match`
    (`case object(f_back=frame)`), by `__match_args__`, or by a format string's fields
    (`"{0.tb_frame.f_back}".format(tb)`, and `.format` on a string built at run time)."""
    names: list[str] = []
    if isinstance(node, ast.MatchClass):
        names = list(node.kwd_attrs)
    elif isinstance(node, ast.Name | ast.Attribute):
        if (node.id if isinstance(node, ast.Name) else node.attr) == "__match_args__":
            yield node.lineno, "dynamic-attribute"
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value:
        names = format_field_attributes(node.value)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("format", "format_map", "vformat")
    ):
        template = node.func.value
        if isinstance(template, ast.Name) and template.id == "str" and node.args:
            template = node.args[0]  # str.format(template, ...)
        if not isinstance(template, ast.Constant) and not getattr(template, "_template", False):
            yield node.lineno, "dynamic-attribute"  # a template built at run time
    for name in names:
        if name in FRAME_ATTRIBUTES:
            yield node.lineno, "frames-and-gc"
        elif name.startswith("_") or name in DANGEROUS_ATTRIBUTES or OS_CALLS.match(name):
            yield node.lineno, "dynamic-attribute"


def format_field_attributes(template: str) -> list[str]:
    """The attribute names a `str.format` template's fields read (`"{0.shape[1]}"`:
    ["shape"]), nested fields included; none for text that is not a valid template."""
    found: list[str] = []
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return found
    for _, field, spec, _ in fields:
        if field:
            found += re.findall(r"\.([^.\[]*)", re.sub(r"\[[^\]]*\]", "", field))
        if spec and "{" in spec:
            found += format_field_attributes(spec)
    return found


_RULES: tuple[Rule, ...] = (
    _imports,
    _attributes,
    _calls,
    _builders,
    _names,
    _assignments,
    _finalizers,
    _hidden_attributes,
    _harmless_member_uses,
)
