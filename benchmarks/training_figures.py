"""Training figures: the course's loop against `keras.Model.fit`, side by side, in fresh children.

Each round trains both contenders, one child each, alternating which goes first (so a slow
spell of the shared machine does not always hit the same one); the speed ratio is the median
of the rounds' ratios.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from benchmarks.harness import ChildRun, Figure, python_module, run_child

Runner = Callable[[Sequence[str]], ChildRun]
QUICK_ARGS = (
    "--epochs=2",
    "--embedding-dim=16",
    "--n-hidden-rnn=16",
    "--train-limit=320",
    "--validation-limit=64",
)
DOWNLOAD_HINT = "python -m bilstm_ner.data download wnut16"


def train_child(contender: str, arguments: Sequence[str], run: Runner) -> tuple[dict, ChildRun]:
    """Run one `benchmarks.training` child; return its JSON result and the run."""
    child = run(python_module("benchmarks.training", f"--contender={contender}", *arguments))
    return child.json(), child


def wnut16_available() -> bool:
    """Whether the WNUT-16 corpus is downloaded (and verified) where load_corpus looks."""
    from bilstm_ner.data import CorpusNotFoundError, load_corpus

    try:
        load_corpus("wnut16")
    except CorpusNotFoundError:
        return False
    return True


def collect(repeat: int, quick: bool = False, run: Runner = run_child) -> list[Figure]:
    """Throughput, ratio, epoch time, validation F1 and peak memory of both contenders."""
    arguments = QUICK_ARGS if quick else ()
    results: dict[str, list[dict]] = {"course": [], "keras-fit": []}
    peaks: dict[str, list[float]] = {"course": [], "keras-fit": []}
    for round_index in range(repeat):
        order = ("course", "keras-fit") if round_index % 2 == 0 else ("keras-fit", "course")
        for contender in order:
            result, child = train_child(contender, arguments, run)
            results[contender].append(result)
            peaks[contender].append(child.peak_rss_mb)
    course, fit = results["course"], results["keras-fit"]
    epochs = course[0]["config"]["epochs"]
    sizes = "{embedding_dim}/{n_hidden_rnn}/{batch_size}".format(**course[0]["config"])
    note = f"emb/hidden/batch {sizes}, real tokens, epochs after the first"
    figures = [
        Figure.of_runs(
            "training throughput, course loop",
            [r["tokens_per_second"] for r in course],
            "tokens/s",
            note=note,
        ),
        Figure.of_runs(
            "training throughput, keras Model.fit",
            [r["tokens_per_second"] for r in fit],
            "tokens/s",
            note=note,
        ),
        Figure.of_runs(
            "throughput ratio course / fit",
            [
                c["tokens_per_second"] / f["tokens_per_second"]
                for c, f in zip(course, fit, strict=True)
            ],
            "x",
            goal=">= 1.0",
            note="median of per-round ratios",
        ),
        Figure.of_runs(
            f"epoch time, course loop ({course[0]['config']['corpus']})",
            [r["steady_epoch_seconds"] for r in course],
            "s",
            note=f"{course[0]['train_sentences']:,} tweets, training steps, epochs after the first",
        ),
        Figure.of_runs(
            "first epoch time, course loop (graph tracing included)",
            [r["first_epoch_seconds"] for r in course],
            "s",
        ),
        Figure.of_runs(
            f"validation entity F1 after {epochs} epochs, course",
            [r["validation_f1"] for r in course],
            "F1",
        ),
        Figure.of_runs(
            f"validation entity F1 after {epochs} epochs, fit",
            [r["validation_f1"] for r in fit],
            "F1",
        ),
        Figure.of_runs("peak memory, training (course)", peaks["course"], "MB"),
        Figure.of_runs("peak memory, training (fit)", peaks["keras-fit"], "MB"),
    ]
    figures.extend(collect_wnut16(repeat, arguments, run))
    return figures


def collect_wnut16(repeat: int, arguments: Sequence[str], run: Runner) -> list[Figure]:
    """Epoch time and F1 of the course loop on WNUT-16, or a 'skipped' figure when absent."""
    if not wnut16_available():
        return [
            Figure(
                "epoch time, course loop (wnut16)",
                float("nan"),
                "s",
                note=f"skipped: wnut16 not downloaded (run `{DOWNLOAD_HINT}`)",
            )
        ]
    runs = [train_child("course", [*arguments, "--corpus=wnut16"], run)[0] for _ in range(repeat)]
    epochs = runs[0]["config"]["epochs"]
    return [
        Figure.of_runs(
            "epoch time, course loop (wnut16)",
            [r["steady_epoch_seconds"] for r in runs],
            "s",
            note=f"{runs[0]['train_sentences']:,} tweets",
        ),
        Figure.of_runs(
            f"validation entity F1 after {epochs} epochs (wnut16)",
            [r["validation_f1"] for r in runs],
            "F1",
            note=f"spread {statistics.pstdev(r['validation_f1'] for r in runs):.3f}",
        ),
    ]
