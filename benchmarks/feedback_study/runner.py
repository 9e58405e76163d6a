"""Re-run every chain of the feedback study and summarise it (child process of `make bench`).

    python -m benchmarks.feedback_study [--only CHECK,...] [--json FILE] [--verbose]

For each chain, each try runs as its notebook would (`cells.run_cell`) and records whether the
check passed and the message the learner read. The summary: wrong first attempts caught (x of
N), correct alternatives passing, the tries a caught mistake took to fix (median, mean, max),
and the chains whose message needed more than one try.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.feedback_study.cells import Verdict, run_cell
from benchmarks.feedback_study.chains import Chain, load_chains
from benchmarks.harness import ChildRun, Figure, python_module, run_child


def run_chains(
    chains: Sequence[Chain], run: Callable[[str, str], Verdict] = run_cell
) -> list[dict]:
    """Each chain with every try's verdict: {check, name, kind, mistake, tries: [...]}."""
    results = []
    for chain in chains:
        tries = []
        for attempt in chain.tries:
            verdict = run(chain.check, attempt.source)
            tries.append(
                {"note": attempt.note, "passed": verdict.passed, "message": verdict.message}
            )
        results.append(
            {
                "check": chain.check,
                "name": chain.name,
                "kind": chain.kind,
                "mistake": chain.mistake,
                "tries": tries,
            }
        )
    return results


def tries_to_fix(result: dict) -> int | None:
    """How many tries after the first attempt passed the check (None if none did)."""
    for index, attempt in enumerate(result["tries"][1:], start=1):
        if attempt["passed"]:
            return index
    return None


def summarise(results: Sequence[dict]) -> dict:
    """Caught, correct passing, tries to fix (median/mean/max), and the chains to look at."""
    wrong = [r for r in results if r["kind"] == "wrong"]
    correct = [r for r in results if r["kind"] == "correct"]
    caught = [r for r in wrong if not r["tries"][0]["passed"]]
    fixes = {f"{r['check']}/{r['name']}": tries_to_fix(r) for r in caught}
    counts = [n for n in fixes.values() if n is not None]
    return {
        "wrong": len(wrong),
        "caught": len(caught),
        "missed": [f"{r['check']}/{r['name']}" for r in wrong if r["tries"][0]["passed"]],
        "correct": len(correct),
        "correct_passing": sum(r["tries"][0]["passed"] for r in correct),
        "rejected_correct": [
            f"{r['check']}/{r['name']}" for r in correct if not r["tries"][0]["passed"]
        ],
        "tries_median": statistics.median(counts) if counts else None,
        "tries_mean": statistics.mean(counts) if counts else None,
        "tries_max": max(counts) if counts else None,
        "never_fixed": sorted(name for name, n in fixes.items() if n is None),
        "more_than_one_try": sorted(name for name, n in fixes.items() if n and n > 1),
    }


def report_lines(results: Sequence[dict], summary: dict, verbose: bool = False) -> list[str]:
    """A readable account: one line per chain (every message with --verbose), then the summary."""
    lines = []
    for result in results:
        marks = "".join("P" if t["passed"] else "F" for t in result["tries"])
        lines.append(f"{result['kind']:7s} {result['check']}/{result['name']}: {marks}")
        shown = result["tries"] if verbose else [t for t in result["tries"][1:] if not t["passed"]]
        for index, attempt in enumerate(result["tries"]):
            if attempt in shown and attempt["message"]:
                text = attempt["message"].replace("\n", "\n        ")
                lines.append(f"    try {index}: {text}")
    lines.append(
        f"wrong attempts caught: {summary['caught']} of {summary['wrong']}; "
        f"correct alternatives passing: {summary['correct_passing']} of {summary['correct']}"
    )
    lines.append(
        f"tries to fix: median {summary['tries_median']}, mean {summary['tries_mean']}, "
        f"max {summary['tries_max']}"
    )
    for key in ("missed", "rejected_correct", "never_fixed", "more_than_one_try"):
        if summary[key]:
            lines.append(f"{key.replace('_', ' ')}: {', '.join(summary[key])}")
    return lines


def collect(repeat: int, run: Callable[[Sequence[str]], ChildRun] | None = None) -> list[Figure]:
    """The study's figures, from one child run (its verdicts do not vary: seeds are fixed)."""
    run = run or run_child
    payload = run(python_module("benchmarks.feedback_study", "--json", "-")).json()
    summary = payload["summary"]
    figures = [
        Figure.of_runs(
            "wrong first attempts caught",
            [summary["caught"]],
            f"of {summary['wrong']}",
            goal=f">= {summary['wrong']}",
        ),
        Figure.of_runs(
            "correct alternatives passing",
            [summary["correct_passing"]],
            f"of {summary['correct']}",
            goal=f">= {summary['correct']}",
        ),
    ]
    for key, goal in (("median", "<= 1"), ("mean", ""), ("max", "")):
        value = summary[f"tries_{key}"]
        runs = [] if value is None else [float(value)]
        figures.append(
            Figure.of_runs(f"tries to fix from the message, {key}", runs, "tries", goal=goal)
        )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chains; print the account (or the JSON with --json -); 1 if any was missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feedback_study")
    parser.add_argument("--only", default="", metavar="CHECK,...", help="these checks only")
    parser.add_argument("--json", default="", metavar="FILE", help="write results ('-': stdout)")
    parser.add_argument("--verbose", action="store_true", help="every try's message")
    arguments = parser.parse_args(argv)
    only = {name for name in arguments.only.split(",") if name} or None
    results = run_chains(load_chains(only=only))
    summary = summarise(results)
    payload = json.dumps({"summary": summary, "chains": results}, indent=1)
    if arguments.json == "-":  # one line: the benchmark reads the child's last line
        print(json.dumps({"summary": summary, "chains": results}))
    else:
        print("\n".join(report_lines(results, summary, arguments.verbose)))
        if arguments.json:
            Path(arguments.json).write_text(payload + "\n", encoding="utf-8")
    return 1 if summary["missed"] or summary["rejected_correct"] else 0


if __name__ == "__main__":
    sys.exit(main())
