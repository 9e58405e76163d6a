"""Accuracy on real tweets: the recipe ablation on WNUT-16 and the real-data table, in children.

Each figure is the mean of `seeds` training runs (one fresh `benchmarks.recipe` child per seed)
with their spread. Both need the corpora downloaded; without them each gives one "skipped"
figure saying how to get them (tests never download anything).

- `collect_ablation`: validation entity F1 after 4 epochs on the WNUT-16 course re-split for the
  course's recipe as it was, each change towards the original TF1 exercise on its own, and the
  combinations that make the course's defaults;
- `collect_real_data`: the course's defaults on every real corpus: validation and test F1.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence

from benchmarks.harness import ChildRun, Figure, python_module, run_child

Runner = Callable[[Sequence[str]], ChildRun]
SEEDS = (0, 1, 2)
DOWNLOAD_HINT = "python -m bilstm_ner.data download {name} (add --source DIR for a local copy)"
REGISTRY = {"wnut16": "wnut16", "wnut16-official": "wnut16", "wnut17": "wnut17"}

# The course's recipe before issue 14 (dropout 0.5, batches in shuffled order), as flags; every
# row changes one thing.
BEFORE = ("--dropout-rate=0.5", "--no-bucket-by-length", "--unknown-rate=0")
TF1_DIFFERENCES = (
    "--forget-bias=3",
    "--dropout-wrapper",
    "--initialisation=tf1",
    "--vocabulary=train+validation",
    "--loss=padded",
)
ABLATION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the course's recipe before (dropout 0.5)", BEFORE),
    ("forget-gate bias 3.0 (TF1 BasicLSTMCell)", (*BEFORE, "--forget-bias=3")),
    ("dropout on the state h too, fresh mask per step", (*BEFORE, "--state-dropout")),
    ("all dropout in each direction's cell (TF1 DropoutWrapper)", (*BEFORE, "--dropout-wrapper")),
    ("TF1 initialisation (one Glorot matrix)", (*BEFORE, "--initialisation=tf1")),
    ("vocabulary of train + validation tokens", (*BEFORE, "--vocabulary=train+validation")),
    ("token-level mean loss", (*BEFORE, "--loss=token")),
    ("the original's reduce_mean(mask * loss)", (*BEFORE, "--loss=padded")),
    ("all five TF1 differences at once", (*BEFORE, *TF1_DIFFERENCES)),
    ("dropout 0.1 (keep probability 0.9)", ("--no-bucket-by-length", "--unknown-rate=0")),
    (
        "dropout 0.1 and all five TF1 differences",
        ("--no-bucket-by-length", "--unknown-rate=0", *TF1_DIFFERENCES),
    ),
    ("dropout 0.1, batches bucketed by length", ("--unknown-rate=0",)),
    ("and words seen once read as <UNK> 30% of the time: the course's defaults now", ()),
)
REAL_CORPORA = ("wnut16", "wnut16-official", "wnut17")


def available(name: str) -> bool:
    """Whether corpus `name` is downloaded (and verified) where `load_corpus` looks."""
    from bilstm_ner.data import CorpusNotFoundError, load_corpus

    try:
        load_corpus(name)
    except CorpusNotFoundError:
        return False
    return True


def skipped(name: str, corpus: str) -> Figure:
    """A figure saying that `corpus` is not downloaded and how to get it."""
    hint = DOWNLOAD_HINT.format(name=REGISTRY.get(corpus, corpus))
    return Figure(name, float("nan"), "F1", note=f"skipped: {corpus} not downloaded (run `{hint}`)")


def train_seeds(arguments: Sequence[str], seeds: Sequence[int], run: Runner) -> list[dict]:
    """One `benchmarks.recipe` child per seed with `arguments`; their JSON results."""
    return [
        run(python_module("benchmarks.recipe", *arguments, f"--seed={seed}")).json()
        for seed in seeds
    ]


def mean_figure(name: str, values: Sequence[float], note: str = "", goal: str = "") -> Figure:
    """A figure whose value is the mean of `values` (one per seed), spread in its note."""
    spread = f"seeds {len(values)}, {min(values):.3f} to {max(values):.3f}"
    figure = Figure(name, statistics.fmean(values), "F1", list(values), goal=goal)
    figure.note = f"{note}; {spread}" if note else spread
    return figure.judged()


def collect_ablation(
    seeds: Sequence[int] = SEEDS, run: Runner = run_child, quick: bool = False
) -> Iterator[Figure]:
    """Validation F1 after 4 epochs on the WNUT-16 re-split for each step of `ABLATION`."""
    corpus = "bundled" if quick else "wnut16"
    if not quick and not available(corpus):
        yield skipped("recipe ablation, validation F1 (wnut16)", corpus)
        return
    steps, seeds = (ABLATION[:1], seeds[:1]) if quick else (ABLATION, seeds)
    extra = ("--epochs=1", "--train-limit=320") if quick else ()
    for label, arguments in steps:
        results = train_seeds([f"--corpus={corpus}", *arguments, *extra], seeds, run)
        yield mean_figure(
            f"validation F1 after {1 if quick else 4} epochs ({corpus}), {label}",
            [r["validation_f1"][-1] for r in results],
            goal="" if arguments or quick else ">= 0.40",
        )


def collect_real_data(
    seeds: Sequence[int] = SEEDS, run: Runner = run_child, quick: bool = False
) -> Iterator[Figure]:
    """The course's defaults on each real corpus: validation and test F1 after 4 epochs."""
    corpora, seeds = (("bundled",), seeds[:1]) if quick else (REAL_CORPORA, seeds)
    extra = ("--epochs=1", "--train-limit=320") if quick else ()
    for corpus in corpora:
        if not quick and not available(corpus):
            yield skipped(f"test F1 ({corpus})", corpus)
            continue
        results = train_seeds([f"--corpus={corpus}", *extra], seeds, run)
        yield mean_figure(f"validation F1 ({corpus})", [r["validation_f1"][-1] for r in results])
        yield mean_figure(f"test F1 ({corpus})", [r["test_f1"] for r in results])
