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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import nbformat

PUBLIC_GRADER_NAMES = frozenset(
    {
        "check_normalize_token",
        "check_pad_sentences",
        "check_embedding_layer",
        "check_build_layers",
        "check_compute_loss",
        "check_embedding_training",
        "Report",
        "CheckItem",
    }
)
MACHINERY_MODULES = {
    "ctypes": "native-code",
    "cffi": "native-code",
    "gc": "frames-and-gc",
    "inspect": "frames-and-gc",
    "threading": "threads-or-processes",
    "_thread": "threads-or-processes",
    "multiprocessing": "threads-or-processes",
    "subprocess": "threads-or-processes",
    "concurrent": "threads-or-processes",
    "signal": "threads-or-processes",
    "pty": "threads-or-processes",
    "importlib": "import-machinery",
    "builtins": "builtins-patching",
    "runpy": "import-machinery",
    "zmq": "grader-internals",
    "jupyter_client": "grader-internals",
    "ipykernel": "grader-internals",
}
SYS_ATTRIBUTES = {
    "modules": "import-machinery",
    "meta_path": "import-machinery",
    "path_hooks": "import-machinery",
    "addaudithook": "audit-hooks",
    "settrace": "audit-hooks",
    "setprofile": "audit-hooks",
    "_getframe": "frames-and-gc",
    "exc_info": None,
    "stdout": None,
}
OS_CALLS = re.compile(r"^(fork|forkpty|system|popen|exec\w*|spawn\w*|posix_spawn\w*|kill\w*)$")
FRAME_ATTRIBUTES = frozenset(
    {
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "gi_frame",
        "tb_frame",
        "__globals__",
        "__builtins__",
        "__code__",
        "__subclasses__",
        "__closure__",
    }
)
DYNAMIC_CODE = frozenset({"exec", "eval", "compile", "__import__", "globals", "vars"})
RULES = (
    "grader-internals",
    "import-machinery",
    "builtins-patching",
    "audit-hooks",
    "native-code",
    "frames-and-gc",
    "threads-or-processes",
    "dynamic-code",
    "files-outside",
    "module-patching",
    "shell-or-magic",
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
    """Every finding in the notebook's code cells (cells numbered from 1, as Jupyter shows)."""
    findings = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") == "code":
            findings.extend(scan_source(str(cell.get("source", "")), number))
    return findings


def scan_source(source: str, cell: int = 1) -> list[Finding]:
    """The findings in one cell's source."""
    lines = source.splitlines()
    findings = []
    python_lines = []
    for index, line in enumerate(lines, start=1):
        if re.match(r"\s*[%!]", line):
            findings.append(Finding(cell, index, "shell-or-magic", _short(line)))
            python_lines.append("")
        else:
            python_lines.append(line)
    try:
        tree = ast.parse("\n".join(python_lines))
    except SyntaxError:
        return findings  # it cannot run either; the kernel reports the error
    modules = _imported_modules(tree)
    for node in ast.walk(tree):
        for rule in _RULES:
            for line, name in rule(node, modules):
                code = lines[line - 1] if 0 < line <= len(lines) else ""
                findings.append(Finding(cell, line, name, _short(code)))
    return sorted(set(findings), key=lambda f: (f.cell, f.line, f.rule))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


def _imported_modules(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module it names, for every `import x` / `import x as y`."""
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    return modules


Rule = Callable[[ast.AST, dict[str, str]], Iterator[tuple[int, str]]]


def _imports(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
        if node.module == "grader":
            if any(alias.name not in PUBLIC_GRADER_NAMES for alias in node.names):
                yield node.lineno, "grader-internals"
            return
        names = [node.module]
    for name in names:
        top = name.split(".")[0]
        if top == "grader" and name != "grader":
            yield node.lineno, "grader-internals"
        elif top in MACHINERY_MODULES:
            yield node.lineno, MACHINERY_MODULES[top]


def _attributes(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if not isinstance(node, ast.Attribute):
        return
    if node.attr in FRAME_ATTRIBUTES:
        yield node.lineno, "frames-and-gc"
    base = node.value.id if isinstance(node.value, ast.Name) else None
    module = modules.get(base or "", base)
    if module == "sys" and SYS_ATTRIBUTES.get(node.attr):
        yield node.lineno, str(SYS_ATTRIBUTES[node.attr])
    if module == "os" and OS_CALLS.match(node.attr):
        yield node.lineno, "threads-or-processes"
    if module == "grader" and node.attr not in PUBLIC_GRADER_NAMES:
        yield node.lineno, "grader-internals"
    if base in ("__builtins__",):
        yield node.lineno, "builtins-patching"


def _calls(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if not isinstance(node, ast.Call):
        return
    if isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_CODE:
        yield node.lineno, "dynamic-code"
    if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
        yield node.lineno, "module-patching"
    if isinstance(node.func, ast.Name) and node.func.id == "get_ipython":
        yield node.lineno, "grader-internals"
    for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
        for part in ast.walk(argument):  # also inside "a" + "b", f"...", os.path.join(...)
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                text = part.value
                if text.startswith(("/", "~")) or text.startswith("..") or "/.." in text:
                    yield node.lineno, "files-outside"
                    return


def _names(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Name) and node.id == "__builtins__":
        yield node.lineno, "builtins-patching"


def _assignments(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`np.allclose = ...`: changing a module someone else's code relies on."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = [node.target] if not isinstance(node, ast.Delete) else list(node.targets)
    for target in targets:
        while isinstance(target, ast.Attribute):
            if isinstance(target.value, ast.Name) and target.value.id in modules:
                yield node.lineno, "module-patching"
                break
            target = target.value


_RULES: tuple[Rule, ...] = (_imports, _attributes, _calls, _names, _assignments)
