"""Generate the learner notebooks in `notebooks/` from the solutions in `solutions/`.

In every code cell, the lines between `### BEGIN SOLUTION` and `### END SOLUTION` (nbgrader's
markers, each on its own line) become `# YOUR CODE HERE` and `raise NotImplementedError()` at the
indentation of the BEGIN marker. Outputs and execution counts are cleared, and a first markdown
cell says the notebook is generated. Nested, unclosed or stray markers are errors that name the
notebook and the cell.

    python -m tools.make_notebooks            # (re)write notebooks/
    python -m tools.make_notebooks --check    # exit 1 if notebooks/ is out of date
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")
HEADER_CELL_ID = "generated-header"
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPOSITORY_ROOT / "solutions"
NOTEBOOKS_DIR = REPOSITORY_ROOT / "notebooks"


class SolutionMarkerError(ValueError):
    """A solution marker is nested, unclosed, stray, misplaced or in a markdown cell."""


def header_text(solution_name: str) -> str:
    """The markdown of the first cell of a generated notebook."""
    return (
        f"*Generated from `solutions/{solution_name}` by `make notebooks` — do not edit: "
        "edit the solution notebook and run `make notebooks` again.*"
    )


def strip_solution(source: str, *, where: str) -> str:
    """Replace each solution region of a code cell's `source` by the stub, at its indentation.

    `where` (e.g. "01_data.ipynb, cell 7") is used in error messages.
    """
    output: list[str] = []
    open_line: int | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        is_begin, is_end = stripped == BEGIN_SOLUTION, stripped == END_SOLUTION
        if not (is_begin or is_end) and (BEGIN_SOLUTION in line or END_SOLUTION in line):
            raise SolutionMarkerError(
                f"{where}, line {number}: a solution marker must be alone on its line, found "
                f"{stripped!r}. Put `{BEGIN_SOLUTION}` / `{END_SOLUTION}` on lines of their own."
            )
        if is_begin:
            if open_line is not None:
                raise SolutionMarkerError(
                    f"{where}, line {number}: nested `{BEGIN_SOLUTION}` (the one on line "
                    f"{open_line} is not closed yet). Close it with `{END_SOLUTION}` first."
                )
            open_line = number
            indent = line[: len(line) - len(line.lstrip())]
            output.extend(indent + stub for stub in STUB_LINES)
        elif is_end:
            if open_line is None:
                raise SolutionMarkerError(
                    f"{where}, line {number}: `{END_SOLUTION}` without a `{BEGIN_SOLUTION}` "
                    "before it. Remove it or add the missing BEGIN marker."
                )
            open_line = None
        elif open_line is None:
            output.append(line)
    if open_line is not None:
        raise SolutionMarkerError(
            f"{where}, line {open_line}: `{BEGIN_SOLUTION}` is never closed. "
            f"Add `{END_SOLUTION}` after the solution code."
        )
    return "\n".join(output)


def make_learner_notebook(
    solution: nbformat.NotebookNode, *, solution_name: str
) -> nbformat.NotebookNode:
    """Return the learner version of a solution notebook (the input is not modified)."""
    notebook = copy.deepcopy(solution)
    for index, cell in enumerate(notebook.cells):
        where = f"{solution_name}, cell {index} ({cell.cell_type})"
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, where=where)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif BEGIN_SOLUTION in cell.source or END_SOLUTION in cell.source:
            raise SolutionMarkerError(
                f"{where}: solution markers are only supported in code cells. "
                "Move the solution into a code cell or remove the markers."
            )
    header = nbformat.v4.new_markdown_cell(header_text(solution_name), id=HEADER_CELL_ID)
    notebook.cells.insert(0, header)
    return notebook


def render(solution_path: Path) -> str:
    """The exact text of the learner notebook generated from `solution_path`."""
    solution = nbformat.read(solution_path, as_version=4)
    notebook = make_learner_notebook(solution, solution_name=solution_path.name)
    return nbformat.writes(notebook) + "\n"


def out_of_date(solutions_dir: Path, notebooks_dir: Path) -> list[str]:
    """Describe every difference between `notebooks_dir` and what the generator would write."""
    problems = []
    solutions = {path.name: path for path in sorted(solutions_dir.glob("*.ipynb"))}
    generated = {path.name for path in notebooks_dir.glob("*.ipynb")}
    for name in sorted(generated - solutions.keys()):
        problems.append(f"notebooks/{name} has no solutions/{name}: delete it or add the solution")
    for name, path in solutions.items():
        target = notebooks_dir / name
        if not target.exists():
            problems.append(f"notebooks/{name} is missing")
        elif target.read_text(encoding="utf-8") != render(path):
            problems.append(f"notebooks/{name} differs from what solutions/{name} generates")
    return problems


def generate(solutions_dir: Path, notebooks_dir: Path) -> list[Path]:
    """Write one learner notebook per solution, delete orphans; return the paths written."""
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    solutions = sorted(solutions_dir.glob("*.ipynb"))
    texts = {notebooks_dir / path.name: render(path) for path in solutions}  # all or nothing
    for orphan in notebooks_dir.glob("*.ipynb"):
        if orphan not in texts:
            orphan.unlink()
    for target, text in texts.items():
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return list(texts)


def main(argv: list[str] | None = None) -> int:
    """Command line: generate `notebooks/`, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS_DIR)
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR)
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = out_of_date(args.solutions, args.notebooks)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print("Run `make notebooks` to regenerate them.", file=sys.stderr)
            return 1 if problems else 0
        written = generate(args.solutions, args.notebooks)
    except SolutionMarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{len(written)} notebook(s) generated in {args.notebooks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
