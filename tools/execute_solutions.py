"""Execute solutions/*.ipynb and store their outputs, as nbval will later compare them.

`python -m tools.execute_solutions [NOTEBOOK ...]` (`make solutions`) runs each solution in a fresh
kernel of this environment, in the `solutions/` folder and with the quiet-TensorFlow variables
nbval's runs get from the Makefile and plain-text progress bars (no browser draws a widget
here), then drops TensorFlow's C++ start-up lines (CUDA probing, absl)
from the stored stderr: they differ from machine to machine and mean nothing to a learner. Each
notebook is written only once it ran without an error, atomically. Regenerate the learner
notebooks afterwards with `python -m tools.make_notebooks`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from bilstm_ner.progress import PROGRESS_VARIABLE
from bilstm_ner.quiet_start import QUIET_ENVIRONMENT, is_native_log_line

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
CELL_TIMEOUT_SECONDS = 900


def drop_native_log_lines(text: str) -> str:
    """Return `text` without TensorFlow's C++ log lines, keeping every other line as it was."""
    kept = [
        line for line in text.splitlines(keepends=True) if not is_native_log_line(line.rstrip("\n"))
    ]
    return "".join(kept)


def scrub_outputs(notebook: nbformat.NotebookNode) -> None:
    """Remove native log lines from stderr outputs, and stderr outputs left empty by that."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = drop_native_log_lines(output["text"])
                if not output["text"]:
                    continue
            outputs.append(output)
        cell["outputs"] = outputs


def execute(path: Path) -> float:
    """Run one notebook in a fresh kernel, scrub and store its outputs; return the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    os.environ.update(QUIET_ENVIRONMENT)
    os.environ[PROGRESS_VARIABLE] = "text"  # no browser here to draw a progress widget
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    scrub_outputs(notebook)
    temporary = path.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, temporary)
    os.replace(temporary, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Execute the named solution notebooks (default: all of solutions/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: solutions/*.ipynb")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(SOLUTIONS.glob("*.ipynb"))
    failed = 0
    for path in paths:
        if not path.is_file():
            print(f"{path}: no such notebook", file=sys.stderr)
            return 2
        try:
            print(f"{path.name}: {execute(path):.0f} s", flush=True)
        except CellExecutionError as error:
            failed += 1
            print(f"{path.name}: a cell failed, notebook left unchanged\n{error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
