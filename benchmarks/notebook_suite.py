"""The notebook suite: the solution notebooks under nbval, as `make test` runs them.

One `pytest --nbval` child runs the whole suite (its wall time is the suite's figure); a JUnit
XML report gives each notebook's share (the sum of its cells' times, kernel start included).
A failing cell is an error here, not a figure: a timing of a broken notebook means nothing.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.harness import ROOT, ChildRun, Figure, python_module, run_child

SANITIZE = ROOT / "tests" / "notebooks" / "nbval_sanitize.cfg"
Runner = Callable[[Sequence[str]], ChildRun]


def solution_notebooks(folder: Path = ROOT / "solutions") -> list[Path]:
    """The solution notebooks, in course order."""
    return sorted(folder.glob("*.ipynb"))


def nbval_command(notebooks: Sequence[Path], junit: Path) -> list[str]:
    """The pytest command `make test` uses for solutions/, limited to `notebooks`."""
    sanitize = ["--nbval-sanitize-with", str(SANITIZE)] if SANITIZE.is_file() else []
    return python_module(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--nbval",
        "--nbval-current-env",
        *sanitize,
        f"--junitxml={junit}",
        *map(str, notebooks),
    )


def notebook_seconds(junit: Path, notebooks: Sequence[Path]) -> dict[str, float]:
    """Per notebook name, the summed time of its cells in a JUnit report.

    Raises RuntimeError naming the failing cells when any cell failed or errored.
    """
    seconds = {notebook.name: 0.0 for notebook in notebooks}
    failed = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        owner = next((name for name in seconds if case.get("classname", "").endswith(name)), None)
        if owner is None:
            continue
        seconds[owner] += float(case.get("time", 0.0))
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{owner}::{case.get('name')}")
    if failed:
        raise RuntimeError(
            f"nbval failed in {', '.join(failed)}; run `make test` to see why, fix it, then time it"
        )
    return seconds


def collect(
    repeat: int, notebooks: Sequence[Path] | None = None, run: Runner | None = None
) -> list[Figure]:
    """Figures: each notebook's time under nbval and the whole suite's wall time (medians)."""
    notebooks = list(notebooks) if notebooks is not None else solution_notebooks()
    if not notebooks:
        raise FileNotFoundError("no notebooks to run under nbval")
    run = run or (lambda command: run_child(command, timeout=1800))
    suite_walls: list[float] = []
    per_notebook: dict[str, list[float]] = {n.name: [] for n in notebooks}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-nbval-") as folder:
            junit = Path(folder) / "junit.xml"
            try:
                child = run(nbval_command(notebooks, junit))
            except RuntimeError:
                if junit.is_file():
                    notebook_seconds(junit, notebooks)  # names the failing cells
                raise
            for name, seconds in notebook_seconds(junit, notebooks).items():
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
