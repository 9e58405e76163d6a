"""`--only training-tuning`: what makes the course loop faster without changing what it computes.

Interleaved rounds (rotating order, fresh children, the speed rounds' sizes) of the course loop
as the notebooks run it against the same loop with one setting changed: TensorFlow's thread
pools (one intra-op thread, so the forward and backward directions' small products can run on
both cores side by side instead of each product being split over both), oneDNN's kernels on,
batches bucketed by length, and all of them together. Each variant's figure is the median of
its per-round speed-up over the plain loop of the same round.
"""

from __future__ import annotations

from collections.abc import Iterator

from benchmarks.harness import Figure, run_child
from benchmarks.training_figures import (
    MEASURED_EPOCHS,
    QUICK_SPEED_ARGS,
    SPEED_ARGS,
    Runner,
    speed_rounds,
    spread_percent,
    throughput_figure,
)

PLAIN = "course loop, defaults"
VARIANTS: dict[str, tuple[str, ...]] = {
    PLAIN: (),
    "1 intra-op thread, 2 inter-op": ("--intra-op-threads=1", "--inter-op-threads=2"),
    "1 intra-op thread, 1 inter-op": ("--intra-op-threads=1", "--inter-op-threads=1"),
    "oneDNN on": ("--onednn",),
    "bucketed by length": ("--bucket-by-length",),
    "bucketed, 1 intra-op thread, oneDNN on": (
        "--bucket-by-length",
        "--intra-op-threads=1",
        "--inter-op-threads=2",
        "--onednn",
    ),
}


def collect(
    repeat: int,
    quick: bool = False,
    run: Runner = run_child,
    measured_epochs: int = MEASURED_EPOCHS,
) -> Iterator[Figure]:
    """Each variant's tokens/s and its median per-round speed-up over the plain course loop."""
    measured = 1 if quick else measured_epochs
    arguments = [f"--epochs={measured + 1}", *(QUICK_SPEED_ARGS if quick else SPEED_ARGS)]
    contenders = {label: ("--contender=course", *flags) for label, flags in VARIANTS.items()}
    results, _ = speed_rounds(repeat, arguments, None, run, contenders)
    plain = [r["tokens_per_second"] for r in results[PLAIN]]
    for label in VARIANTS:
        yield throughput_figure(label, results[label])
        if label == PLAIN:
            continue
        speedups = [r["tokens_per_second"] / p for r, p in zip(results[label], plain, strict=True)]
        yield Figure.of_runs(
            f"speed-up over the plain course loop, {label}",
            speedups,
            "x",
            note=f"median of per-round ratios, ±{spread_percent(speedups):.0f}%",
        )
