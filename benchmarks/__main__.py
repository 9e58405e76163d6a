"""`python -m benchmarks`: how fast the course, the grader and the training are (`make bench`).

    python -m benchmarks [--quick] [--only NAME,...] [--repeat N] [--speed-epochs N] [--output FILE]

Prints one table and writes it as JSON (default benchmarks/results/latest.json, git-ignored).
Every heavy measurement runs in a fresh child process, so each peak memory is that child's own.
Benchmarks: training (course loop vs keras.Model.fit both ways and PyTorch, interleaved rounds;
the distance to the GEMM rate; epoch time, F1, memory), training-tuning (the course loop with
thread settings, oneDNN, bucketing: speed-ups in interleaved rounds), grader-latency
(the three checks in process), grading-tool (python -m grader grade: one submission, batches),
grading-phases (where one graded submission's time goes: kernel start, TensorFlow import,
cells, probes, recompute worker, judging), notebooks (the solution notebooks under nbval),
feedback (typical first attempts and the fixes a learner writes from each message:
benchmarks/feedback_study/), recipe (what separates the course's recipe from the original
exercise's: validation F1 on WNUT-16, 3 seeds each), real-data (validation and test F1 on every
downloaded real corpus). `--quick` makes 1 run at small sizes: a smoke test that the benchmarks
still work, not a measurement.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from benchmarks import (
    grader_latency,
    grading_phases,
    grading_tool,
    notebook_suite,
    real_data,
    training_figures,
    training_tuning,
)
from benchmarks.feedback_study import runner as feedback_study
from benchmarks.harness import ROOT, Figure, format_table, machine_description, write_results

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "latest.json"


def benchmarks(
    quick: bool, speed_epochs: int = training_figures.MEASURED_EPOCHS
) -> dict[str, Callable[[int], Iterable[Figure]]]:
    """Each benchmark's name and the function making its figures from a repeat count."""
    return {
        "training": lambda repeat: training_figures.collect(
            repeat, quick=quick, measured_epochs=speed_epochs
        ),
        "training-tuning": lambda repeat: training_tuning.collect(
            repeat, quick=quick, measured_epochs=speed_epochs
        ),
        "grader-latency": grader_latency.collect,
        "grading-tool": lambda repeat: grading_tool.collect(repeat, batch_size=2 if quick else 20),
        "grading-phases": lambda repeat: grading_phases.collect(
            repeat, others=[] if quick else None
        ),
        "shards": lambda repeat: grading_tool.shard_throughput(4 if quick else 8),
        "sandbox": lambda repeat: grading_tool.sandbox_overhead(
            repeat, grading_tool.SOLUTIONS / "03_build_layers.ipynb"
        ),
        "notebooks": lambda repeat: notebook_suite.collect(
            repeat, notebook_suite.solution_notebooks()[:1] if quick else None
        ),
        "feedback": feedback_study.collect,
        "recipe": lambda repeat: real_data.collect_ablation(quick=quick),
        "real-data": lambda repeat: real_data.collect_real_data(quick=quick),
    }


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; `--only` names are checked against the known benchmarks."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="1 run, small sizes (smoke test)")
    parser.add_argument("--only", default="", metavar="NAME,...", help="run only these")
    parser.add_argument("--repeat", type=int, default=None, metavar="N", help="runs per figure")
    parser.add_argument(
        "--speed-epochs",
        type=int,
        default=training_figures.MEASURED_EPOCHS,
        metavar="N",
        help="training: measured epochs of 50 batches per contender and round (after a warm-up)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="FILE")
    arguments = parser.parse_args(argv)
    known = list(benchmarks(quick=False))
    arguments.only = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = [name for name in arguments.only if name not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")
    if arguments.repeat is None:
        arguments.repeat = 1 if arguments.quick else 3
    if arguments.speed_epochs < 1:
        parser.error(f"--speed-epochs must be at least 1, found {arguments.speed_epochs}")
    if arguments.repeat < 1:
        parser.error(f"--repeat must be at least 1, found {arguments.repeat}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks, print the table, write the JSON; 1 if a benchmark broke."""
    arguments = parse_arguments(argv)
    chosen = {
        name: collect
        for name, collect in benchmarks(
            arguments.quick, speed_epochs=arguments.speed_epochs
        ).items()
        if not arguments.only or name in arguments.only
    }
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    machine = machine_description()
    load = machine.get("load_average_1min")
    print(f"machine: {machine['cores']} cores, {machine['cpu']}, load average {load}", flush=True)
    for name, collect in chosen.items():
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            for figure in collect(arguments.repeat):  # keep what was measured before a failure
                figures.append(figure)
        except Exception as error:  # one broken benchmark must not hide the others
            failures[name] = f"{type(error).__name__}: {error}"
            print(f"  {name} FAILED: {failures[name]}", file=sys.stderr, flush=True)
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        extra = {"repeat": arguments.repeat, "quick": arguments.quick, "failures": failures}
        write_results(figures, arguments.output, extra)
    print(format_table(figures))
    for name, reason in failures.items():
        print(f"\n{name} failed: {reason}")
    print(f"\nwritten to {arguments.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    # SIGTERM (e.g. from `kill`) becomes SystemExit, so run_child stops the running child.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    sys.exit(main())
