"""Child process: latency of the grader checks on a correct submission, TensorFlow imported.

    python -m benchmarks.grader_latency [--repeat N] [--checks check_compute_loss,...]

The first call of each check in a fresh process is what a learner waits for in a notebook
(Keras builds layers and traces functions then); later calls are warm. Prints one JSON object:
{"cold": {check: seconds, ..., "all": seconds}, "warm": {check: [seconds, ...], ...}}.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence

from benchmarks.harness import ChildRun, Figure, python_module, run_child

Runner = Callable[[Sequence[str]], ChildRun]

CHECK_NAMES = ("check_build_layers", "check_compute_loss", "check_embedding_training")


def reference_checks() -> dict[str, Callable[[], object]]:
    """Each grader check bound to the course's reference (correct) implementation."""
    from bilstm_ner.model import BiLSTMTagger, compute_loss, train_step
    from grader import check_build_layers, check_compute_loss, check_embedding_training

    return {
        "check_build_layers": lambda: check_build_layers(BiLSTMTagger),
        "check_compute_loss": lambda: check_compute_loss(compute_loss),
        "check_embedding_training": lambda: check_embedding_training(
            BiLSTMTagger, train_step=train_step
        ),
    }


def measure(names: Sequence[str] = CHECK_NAMES, repeat: int = 2) -> dict[str, dict]:
    """Time each named check `repeat` times in this process; the first round is the cold one.

    Raises SystemExit when a check fails on the reference: its timing would mean nothing.
    """
    import tensorflow  # noqa: F401  (imported before timing: the figure excludes start-up)

    checks = reference_checks()
    unknown = sorted(set(names) - set(checks))
    if unknown:
        raise ValueError(f"unknown checks {unknown}; choose from {sorted(checks)}")
    rounds: list[dict[str, float]] = []
    for _ in range(repeat):
        timings: dict[str, float] = {}
        for name in names:
            start = time.perf_counter()
            report = checks[name]()
            timings[name] = time.perf_counter() - start
            if not report.passed:
                raise SystemExit(f"{name} failed on the reference implementation:\n{report}")
        timings["all"] = sum(timings.values())
        rounds.append(timings)
    return {
        "cold": rounds[0],
        "warm": {name: [r[name] for r in rounds[1:]] for name in rounds[0]},
    }


def collect(repeat: int, run: Runner | None = None) -> list[Figure]:
    """Figures: each check's cold latency and all three cold and warm (medians of children)."""
    run = run or run_child
    command = python_module("benchmarks.grader_latency", "--repeat=2")
    rounds = [run(command).json() for _ in range(repeat)]
    figures = [
        Figure.of_runs(f"{name}, first call", [r["cold"][name] for r in rounds], "s")
        for name in CHECK_NAMES
    ]
    figures.append(
        Figure.of_runs(
            "three grader checks, first calls",
            [r["cold"]["all"] for r in rounds],
            "s",
            goal="< 10",
            note="in process, TensorFlow already imported",
        )
    )
    figures.append(
        Figure.of_runs(
            "three grader checks, warm", [w for r in rounds for w in r["warm"]["all"]], "s"
        )
    )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    """Print the cold and warm latencies of the checks as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="rounds in this process (>= 1)")
    parser.add_argument("--checks", default=",".join(CHECK_NAMES), help="comma-separated")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, found {args.repeat}")
    print(json.dumps(measure(args.checks.split(","), args.repeat)))


if __name__ == "__main__":
    main()
