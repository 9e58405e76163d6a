"""The few IPython magics honest notebooks use, read as the plain Python they run."""

from __future__ import annotations

import re

MATPLOTLIB = re.compile(r"^(\s*)%matplotlib(\s+(inline|agg|notebook|widget|ipympl))?\s*$")
"""`%matplotlib inline`: a backend by its plain name (a `module://` backend imports code)."""
_OPTIONS = r"(\s+-([nrp]\s*\d+|[tcqo]))*"  # %timeit's -n 10 -r3 -q ...
TIME_LINE = re.compile(rf"^(\s*)%(time|timeit)\b{_OPTIONS}\s+(?P<code>\S.*)$")
TIME_CELL = re.compile(rf"^%%(time|timeit)\b{_OPTIONS}\s*(?P<code>.*)$")


def as_plain_python(source: str) -> str:
    """`source` with `%matplotlib NAME`, `%time`/`%timeit CODE` and a first line `%%time` or
    `%%timeit [CODE]` replaced, line for line, by the Python they run (`pass` for none), so
    the scan reads that code instead of flagging the magic; every other line is kept."""
    lines = source.split("\n")
    if lines and (cell := TIME_CELL.match(lines[0])):
        lines[0] = cell.group("code").strip() or "pass"
    for index, line in enumerate(lines):
        if match := MATPLOTLIB.match(line):
            lines[index] = f"{match.group(1)}pass"
        elif match := TIME_LINE.match(line):
            lines[index] = f"{match.group(1)}{match.group('code')}"
    return "\n".join(lines)
