"""The notebook suite: the solution notebooks under nbval, as `make test` runs them.

One `pytest --nbval` child runs the whole suite (its wall time is the suite's figure); the
`benchmarks.nbval_timer` plugin gives each notebook's share (the sum of its cells' times, kernel
start included). A failing cell is an error here, not a figure: a timing of a broken notebook
means nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
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


def notebook_seconds(times: Path, notebooks: Sequence[Path]) -> dict[str, float]:
    """Per notebook name, the summed time of its cells, from the nbval_timer plugin's file.

    Raises RuntimeError naming the failing cells when any cell failed or errored.
    """
    payload = json.loads(times.read_text(encoding="utf-8"))
    if payload["failed"]:
        raise RuntimeError(
            f"nbval failed in {', '.join(payload['failed'])}; "
            "run `make test` to see why, fix it, then time it"
        )
    return {n.name: float(payload["seconds"].get(n.name, 0.0)) for n in notebooks}


def collect(
    repeat: int, notebooks: Sequence[Path] | None = None, run: Runner | None = None
) -> list[Figure]:
    """Figures: each notebook's time under nbval and the whole suite's wall time (medians)."""
    notebooks = list(notebooks) if notebooks is not None else solution_notebooks()
    if not notebooks:
        raise FileNotFoundError("no notebooks to run under nbval")
    run = run or (lambda command, env: run_child(command, timeout=1800, env=env))
    suite_walls: list[float] = []
    per_notebook: dict[str, list[float]] = {n.name: [] for n in notebooks}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-nbval-") as folder:
            times = Path(folder) / "times.json"
            try:
                child = run(nbval_command(notebooks), {ENVIRONMENT_VARIABLE: str(times)})
            except RuntimeError:
                if times.is_file():
                    notebook_seconds(times, notebooks)  # names the failing cells
                raise
            for name, seconds in notebook_seconds(times, notebooks).items():
                per_notebook[name].append(seconds)
        suite_walls.append(child.wall)
    figures = [
        Figure.of_runs(f"nbval {name}", runs, "s", note="its cells, kernel start included")
        for name, runs in per_notebook.items()
    ]
    figures.append(
        Figure.of_runs(
            f"nbval suite ({len(notebooks)} notebooks)",
            suite_walls,
            "s",
            goal="< 300",
            note="one pytest run, wall incl. start-up",
        )
    )
    return figures
