"""What the kernel's introspection guard refused, read from the kernel's stderr (grading process).

`grader.learner_side.introspection_guard` kills the kernel the moment the notebook's code
takes a frame or walks the object graph, after one line on its stderr. The tool gives the
kernel a file of its own as stderr and reads those lines once the kernel is gone: each becomes
a finding (cell and line where ipykernel's file name for the cell says, rule
"run-time-introspection"), and the submission is flagged. A line the notebook wrote itself
can only flag itself.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader.batch.tampering import Finding
from grader.learner_side.introspection_guard import TRIPPED, parse_trip

RULE = "run-time-introspection"
MAX_STDERR_BYTES = 4 * 2**20
"""The end of the kernel's stderr read at most (the trip line is its last one)."""
MAX_TRIPS = 20


def read_trips(stderr: Path, notebook: nbformat.NotebookNode) -> list[Finding]:
    """The guard's trips in the kernel's stderr file, as findings (none when it has none)."""
    try:
        with open(stderr, "rb") as file:
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(0, size - MAX_STDERR_BYTES))
            text = file.read().decode("utf-8", "backslashreplace")
    except OSError:
        return []
    cells = _cells_by_file_name(notebook)
    findings = []
    for line in text.splitlines():
        if not line.startswith(TRIPPED) or (trip := parse_trip(line)) is None:
            continue
        in_cells = [(cells[Path(f).name], n) for f, n in trip["places"] if Path(f).name in cells]
        cell, number = in_cells[0] if in_cells else (0, 0)
        code = f"{trip['event']}, through {trip['through']}"
        findings.append(Finding(cell, number, RULE, code[:300]))
    return findings[:MAX_TRIPS]


def _cells_by_file_name(notebook: nbformat.NotebookNode) -> dict[str, int]:
    """ipykernel's file name for each code cell's source -> the cell's number (from 1)."""
    from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

    seed = get_tmp_hash_seed()
    names = {}
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") == "code":
            try:
                names[f"{murmur2_x86(str(cell.get('source', '')), seed)}.py"] = number
            except Exception:  # a source murmur2 cannot hash (a lone surrogate): no cell named
                continue
    return names
