"""The few IPython magics honest notebooks use, read as the plain Python they run."""

from __future__ import annotations

import re

_COMMENT = r"(\s+#[^\n]*)?"  # `%pip install -q seqeval  # for the F1 table`
MATPLOTLIB = re.compile(
    rf"^(\s*)%matplotlib(\s+(inline|agg|notebook|widget|ipympl))?{_COMMENT}\s*$"
)
"""`%matplotlib inline`: a backend by its plain name (a `module://` backend imports code)."""
_OPTIONS = r"(\s+-([nrp]\s*\d+|[tcqo]))*"  # %timeit's -n 10 -r3 -q ...
TIME_LINE = re.compile(rf"^(\s*)%(time|timeit)\b{_OPTIONS}\s+(?P<code>\S.*)$")
TIME_CELL = re.compile(rf"^%%(time|timeit)\b{_OPTIONS}\s*(?P<code>.*)$")
CAPTURE_CELL = re.compile(r"^%%capture(\s+--no-(stderr|stdout|display))*(\s+[A-Za-z_]\w*)?\s*$")
"""`%%capture [name]`: the cell's output kept in a variable instead of shown."""
_LITERAL = r"""('[^'"\\]*'|"[^'"\\]*"|-?[\d.]+|True|False|None)"""
_SETTING = rf"{_LITERAL}|[\[{{(]\s*({_LITERAL}\s*,?\s*)*[\]}})]"  # "retina", {'png', 'svg'}
NO_CODE = re.compile(
    r"^(\s*)(%(load_ext|reload_ext)\s+autoreload|%autoreload(\s+(0|1|2|3|now|off|all|explicit))?"
    r"|%pinfo2?\s+[A-Za-z_][\w.]*|\?{1,2}[A-Za-z_][\w.]*|[A-Za-z_][\w.]*\?{1,2}"
    rf"|%config\s+(InlineBackend|Completer)\.[A-Za-z_]\w*\s*=\s*({_SETTING})"
    r"|%precision(\s+(\d+|%\.?\d*[fgeFGE]))?|%xmode(\s+(Plain|Context|Minimal))?"
    r"|[%!](pip3?|conda|mamba)\s+install(\s+[-\w.=<>~\[\],:/@+]+)+"
    r"|!python3?\s+-m\s+pip\s+install(\s+[-\w.=<>~\[\],:/@+]+)+)"
    rf"{_COMMENT}\s*$"
)
"""Magics that run no code of the notebook: autoreload (modules re-imported when their file
changes), help (`name?`, `?name`, `name??`: a docstring or source shown, never returned), and
display settings: `%config InlineBackend.figure_format = "retina"` (or `Completer.` ...) set
to a literal, `%precision 3`, `%xmode Minimal`; and package installs (`%pip install seqeval`,
`!pip install -q tqdm`), which a graded run skips: the kernel has the course's packages, and
runs the `pass` the scan read instead."""


def as_plain_python(source: str) -> str:
    """`source` with `%matplotlib NAME`, `%time`/`%timeit CODE`, autoreload, help (`name?`)
    and a first line `%%time`, `%%timeit [CODE]` or `%%capture [name]` replaced, line for line,
    by the Python they run (`pass` for none), so the scan reads that code instead of flagging
    the magic; every other line is kept."""
    lines = source.split("\n")
    if lines and (cell := TIME_CELL.match(lines[0])):
        lines[0] = cell.group("code").strip() or "pass"
    elif lines and CAPTURE_CELL.match(lines[0]):
        lines[0] = "pass"
    syntax = ipython_lines(source)
    for index, line in enumerate(lines):
        if index not in syntax:  # plain Python, a line of a string literal included
            continue
        if match := MATPLOTLIB.match(line) or NO_CODE.match(line):
            lines[index] = f"{match.group(1)}pass"
        elif match := TIME_LINE.match(line):
            lines[index] = f"{match.group(1)}{match.group('code')}"
    return "\n".join(lines)


def ipython_lines(source: str) -> set[int]:
    """The numbers (from 0) of the lines IPython reads as its own syntax, not Python: those it
    rewrites (a `name?` inside a verbose regex's string is Python, and stays)."""
    from IPython.core.inputtransformer2 import TransformerManager

    original = source.split("\n")
    try:
        rewritten = TransformerManager().transform_cell(source).split("\n")
    except Exception:  # IPython cannot read it: it runs none of it as IPython syntax either
        return set()
    return {n for n, line in enumerate(original) if n >= len(rewritten) or rewritten[n] != line}
