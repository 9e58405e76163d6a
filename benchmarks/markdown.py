"""`python -m benchmarks.markdown [FILE]`: a results JSON as the README's Markdown table.

Reads benchmarks/results/latest.json by default and prints the machine line and the table to
paste into the README's Benchmarks section.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.harness import ROOT, format_value


def machine_line(machine: dict) -> str:
    """One sentence naming the machine, the date and the versions of a results file."""
    return (
        f"Taken {machine.get('date', '?')} on {machine.get('cores', '?')} cores "
        f"({machine.get('cpu', '?')}), load average {machine.get('load_average_1min', '?')} "
        f"when written; Python {machine.get('python', '?')}, TensorFlow "
        f"{machine.get('tensorflow', '?')}, Keras {machine.get('keras', '?')}."
    )


def markdown_table(payload: dict) -> str:
    """The figures of a results payload as a Markdown table (figure, median, goal, runs, note)."""
    lines = ["| figure | median | goal | runs | note |", "| --- | ---: | --- | ---: | --- |"]
    for figure in payload["figures"]:
        value = figure["value"]
        shown = "n/a" if value is None else f"{format_value(value)} {figure['unit']}"
        goal = figure["goal"]
        if goal and figure["met"] is not None:
            goal = f"{goal} ({'met' if figure['met'] else '**missed**'})"
        lines.append(
            f"| {figure['name']} | {shown} | {goal} | {len(figure['runs'])} | {figure['note']} |"
        )
    for name, reason in payload.get("failures", {}).items():
        lines.append(f"| {name} | failed | | | {reason.splitlines()[0]} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the machine line and the Markdown table of a results file."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    path = Path(arguments[0]) if arguments else ROOT / "benchmarks" / "results" / "latest.json"
    payload = json.loads(path.read_text(encoding="utf-8"))
    print(machine_line(payload["machine"]))
    print()
    print(markdown_table(payload))


if __name__ == "__main__":
    main()
