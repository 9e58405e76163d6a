"""The notebook suite: the solution notebooks under nbval, as `make test` runs them.

One `pytest --nbval` child runs the whole suite (its wall time is the suite's figure); the
`benchmarks.nbval_timer` plugin gives each notebook's share (the sum of its cells' times, kernel
start included). A failing cell is an error here, not a figure: a timing of a broken notebook
means nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from benchmarks.harness import ROOT, ChildRun, Figure, python_module, run_child
from benchmarks.nbval_timer import ENVIRONMENT_VARIABLE

SANITIZE = ROOT / "tests" / "notebooks" / "nbval_sanitize.cfg"
Runner = Callable[[Sequence[str], dict[str, str]], ChildRun]
"""`run(command, environment)`: run a child with these extra environment variables."""


def solution_notebooks(folder: Path = ROOT / "solutions") -> list[Path]:
    """The solution notebooks, in course order."""
    return sorted(folder.glob("*.ipynb"))


def nbval_command(notebooks: Sequence[Path]) -> list[str]:
    """The pytest command `make test` uses for solutions/, limited to `notebooks`, timed."""
    sanitize = ["--nbval-sanitize-with", str(SANITIZE)] if SANITIZE.is_file() else []
    return python_module(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--nbval",
        "--nbval-current-env",
        *sanitize,
        "-p",
        "benchmarks.nbval_timer",
        *map(str, notebooks),
    )


def notebook_seconds(times: Path, notebooks: Sequence[Path]) -> tuple[dict[str, float], list[str]]:
    """Per notebook name, the summed time of its cells, and the failing cells ("name::Cell 3"),
    from the nbval_timer plugin's file."""
    payload = json.loads(times.read_text(encoding="utf-8"))
    seconds = {n.name: float(payload["seconds"].get(n.name, 0.0)) for n in notebooks}
    return seconds, list(payload["failed"])


def collect(
    repeat: int, notebooks: Sequence[Path] | None = None, run: Runner | None = None
) -> Iterator[Figure]:
    """Figures: each notebook's time under nbval and the whole suite's wall time (medians).

    When cells fail, the figures are still yielded (the failing notebooks flagged in their
    note) and then RuntimeError names the failing cells: a timing of a broken notebook is
    not a result to publish.
    """
    notebooks = list(notebooks) if notebooks is not None else solution_notebooks()
    if not notebooks:
        raise FileNotFoundError("no notebooks to run under nbval")
    run = run or (lambda command, env: run_child(command, timeout=1800, env=env, check=False))
    suite_walls: list[float] = []
    per_notebook: dict[str, list[float]] = {n.name: [] for n in notebooks}
    failed: list[str] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-nbval-") as folder:
            times = Path(folder) / "times.json"
            child = run(nbval_command(notebooks), {ENVIRONMENT_VARIABLE: str(times)})
            if not times.is_file():
                raise RuntimeError(
                    f"pytest --nbval exited with {child.returncode} before running any cell:\n"
                    f"{child.stdout[-2000:]}"
                )
            seconds, failed_now = notebook_seconds(times, notebooks)
        for name, value in seconds.items():
            per_notebook[name].append(value)
        failed += [cell for cell in failed_now if cell not in failed]
        suite_walls.append(child.wall)
    for name, runs in per_notebook.items():
        broken = [cell for cell in failed if cell.startswith(name + "::")]
        note = f"FAILED: {', '.join(broken)}" if broken else "its cells, kernel start included"
        yield Figure.of_runs(f"nbval {name}", runs, "s", note=note)
    yield Figure.of_runs(
        f"nbval suite ({len(notebooks)} notebooks)",
        suite_walls,
        "s",
        goal="< 300",
        note="one pytest run, wall incl. start-up" + (", WITH FAILURES" if failed else ""),
    )
    if failed:
        raise RuntimeError(
            f"nbval failed in {', '.join(failed)}; run `make test` to see why, fix it, then time it"
        )
