"""Training figures: the course's loop against its peers, side by side, in fresh children.

Speed: each round trains every contender (the course loop, the course loop with batches
bucketed by length, `Model.fit` with `jit_compile="auto"` and with it off, and PyTorch when the
bench extra is installed) on the first `SPEED_SENTENCES` training tweets for one warm-up epoch
(it traces graphs) and `measured_epochs` measured ones, one child each; a GEMM child measures
the machine's matrix-product rate in the same round. The order rotates each round, so a slow
spell of the shared machine does not always hit the same contender. Each contender's figure is
the median of its rounds, with their spread (± % of the median) in the note; ratios and the
fraction of the GEMM rate are medians of per-round values. Quality: one full course run (the
whole corpus, the loop's default epochs) gives the epoch time, the validation F1 and the memory.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence

from benchmarks.flop_count import flop_per_real_token
from benchmarks.harness import ChildRun, Figure, python_module, run_child
from benchmarks.real_data import DOWNLOAD_HINT, available
from benchmarks.torch_tagger import INSTALL_HINT, torch_available

Runner = Callable[[Sequence[str]], ChildRun]
SPEED_SENTENCES = 1600  # 50 batches of 32 an epoch
MEASURED_EPOCHS = 3  # after the warm-up epoch: 150 batches, about 50,000 real tokens
SPEED_ARGS = (f"--train-limit={SPEED_SENTENCES}", "--validation-limit=64")
QUICK_ARGS = ("--embedding-dim=16", "--n-hidden-rnn=16", "--train-limit=320")
QUICK_SPEED_ARGS = (*QUICK_ARGS, "--validation-limit=64")
QUICK_FULL_ARGS = ("--epochs=2", *QUICK_ARGS, "--validation-limit=128")
COURSE, BUCKETED = "course loop", "course loop, bucketed by length"
SPEED_CONTENDERS: dict[str, tuple[str, ...]] = {
    COURSE: ("--contender=course",),
    BUCKETED: ("--contender=course", "--bucket-by-length"),
    "keras Model.fit (jit_compile auto)": ("--contender=keras-fit",),
    "keras Model.fit (jit_compile False)": ("--contender=keras-fit-nojit",),
    "PyTorch (nn.LSTM, packed)": ("--contender=torch",),
}
TORCH = "PyTorch (nn.LSTM, packed)"
PEERS = tuple(label for label in SPEED_CONTENDERS if label not in (COURSE, BUCKETED))
GEMM = "gemm"


def train_child(arguments: Sequence[str], run: Runner) -> tuple[dict, ChildRun]:
    """Run one `benchmarks.training` child; return its JSON result and the run."""
    child = run(python_module("benchmarks.training", *arguments))
    return child.json(), child


def wnut16_available() -> bool:
    """Whether the WNUT-16 corpus is downloaded (and verified) where load_corpus looks."""
    return available("wnut16")


def spread_percent(values: Sequence[float]) -> float:
    """The largest distance of `values` from their median, in % of the median (0 for one)."""
    middle = statistics.median(values)
    return 100 * max(abs(v - middle) for v in values) / middle if middle else 0.0


def rotated(items: Sequence[str], round_index: int) -> list[str]:
    """`items` starting at position `round_index` (mod its length): round r's order."""
    shift = round_index % len(items)
    return [*items[shift:], *items[:shift]]


def speed_rounds(
    repeat: int,
    arguments: Sequence[str],
    gemm_arguments: Sequence[str] | None,
    run: Runner,
    contenders: dict[str, tuple[str, ...]] = SPEED_CONTENDERS,
) -> tuple[dict[str, list[dict]], dict[str, list[ChildRun]]]:
    """`repeat` interleaved rounds of every available contender and one GEMM child each (none
    when `gemm_arguments` is None); results and children by label, in round order."""
    labels = [label for label in contenders if label != TORCH or torch_available()]
    labels += [GEMM] if gemm_arguments is not None else []
    results: dict[str, list[dict]] = {label: [] for label in labels}
    children: dict[str, list[ChildRun]] = {label: [] for label in labels}
    for round_index in range(repeat):
        for label in rotated(labels, round_index):
            if label == GEMM:
                child = run(python_module("benchmarks.gemm_rate", *(gemm_arguments or ())))
                result = child.json()
            else:
                result, child = train_child([*contenders[label], *arguments], run)
            results[label].append(result)
            children[label].append(child)
    return results, children


def throughput_figure(label: str, results: Sequence[dict]) -> Figure:
    """One contender's tokens/s over rounds, with the rounds' and the chunks' spread."""
    rounds = [r["tokens_per_second"] for r in results]
    chunks = [c for r in results for c in r.get("chunk_tokens_per_second", [])]
    config = results[0]["config"]
    note = (
        f"±{spread_percent(rounds):.0f}% over rounds ({min(rounds):,.0f}–{max(rounds):,.0f}), "
        f"±{spread_percent(chunks or rounds):.0f}% over {len(chunks)} epochs; "
        f"{config['epochs'] - 1} measured epochs of {results[0]['train_sentences']:,}"
    )
    return Figure.of_runs(f"training throughput, {label}", rounds, "tokens/s", note=note)


def limit_figures(label: str, course: Sequence[dict], gemm: Sequence[dict]) -> list[Figure]:
    """GFLOP/s of a course variant and its per-round fraction of the step-GEMM rate."""
    config = course[0]["config"]
    flop = flop_per_real_token(config["embedding_dim"], config["n_hidden_rnn"], course[0]["n_tags"])
    rates = [r["tokens_per_second"] * flop / 1e9 for r in course]
    fractions = [rate / g["step_gflops"] for rate, g in zip(rates, gemm, strict=True)]
    return [
        Figure.of_runs(
            f"compute rate, {label}",
            rates,
            "GFLOP/s",
            note=f"real tokens/s × {flop / 1e6:.2f} MFLOP a token (benchmarks.flop_count)",
        ),
        Figure.of_runs(
            f"fraction of the step-GEMM rate, {label}",
            fractions,
            "x",
            goal=">= 0.35",
            note="median of per-round fractions",
        ),
    ]


def speed_figures(
    results: dict[str, list[dict]], children: dict[str, list[ChildRun]]
) -> list[Figure]:
    """Throughputs, spreads, ratios to the fastest peer, padding and the distance to the limit."""
    labels = [label for label in SPEED_CONTENDERS if label in results]
    figures = [throughput_figure(label, results[label]) for label in labels]
    if TORCH not in results:
        figures.append(
            Figure(
                f"training throughput, {TORCH}",
                float("nan"),
                "tokens/s",
                note=f"skipped: install the bench extra ({INSTALL_HINT})",
            )
        )
    spreads = {
        label: spread_percent([r["tokens_per_second"] for r in results[label]]) for label in labels
    }
    worst = max(spreads, key=spreads.get)
    figures.append(
        Figure(
            "throughput spread over rounds, largest",
            spreads[worst],
            "±%",
            goal="<= 10",
            note=f"{worst}; needs a quiet machine",
        ).judged()
    )
    peers = [label for label in PEERS if label in results]
    fastest = [
        max(peers, key=lambda label: results[label][index]["tokens_per_second"])
        for index in range(len(results[COURSE]))
    ]
    for label in (COURSE, BUCKETED):
        ratios = [
            results[label][index]["tokens_per_second"] / results[peer][index]["tokens_per_second"]
            for index, peer in enumerate(fastest)
        ]
        figures.append(
            Figure.of_runs(
                f"throughput ratio {label} / fastest peer",
                ratios,
                "x",
                goal=">= 1.0",
                note=f"median of per-round ratios; fastest: {', '.join(sorted(set(fastest)))}",
            )
        )
    for label in (COURSE, BUCKETED):
        shares = [
            100 * (1 - sum(r["epoch_tokens"]) / sum(r["epoch_positions"])) for r in results[label]
        ]
        figures.append(Figure.of_runs(f"padding share of computed positions, {label}", shares, "%"))
    gemm = results[GEMM]
    shape = "×".join(map(str, gemm[0]["step_shape"]))
    figures += [
        Figure.of_runs(
            "float32 GEMM rate, LSTM step shape",
            [g["step_gflops"] for g in gemm],
            "GFLOP/s",
            note=f"m×k×n {shape}, TensorFlow, same run",
        ),
        Figure.of_runs(
            "float32 GEMM rate, 2048×2048×2048",
            [g["large_gflops"] for g in gemm],
            "GFLOP/s",
            note="TensorFlow, same run",
        ),
    ]
    for label in (COURSE, BUCKETED):
        figures += limit_figures(label, results[label], gemm)
    fit = children["keras Model.fit (jit_compile auto)"]
    figures.append(
        Figure.of_runs("peak memory, training (fit)", [c.peak_rss_mb for c in fit], "MB")
    )
    return figures


def collect(
    repeat: int,
    quick: bool = False,
    run: Runner = run_child,
    full_runs: int = 1,
    measured_epochs: int = MEASURED_EPOCHS,
) -> Iterator[Figure]:
    """Speed figures from `repeat` interleaved rounds (`measured_epochs` after a warm-up one),
    then `full_runs` full course runs: epoch time, validation F1, peak memory; WNUT-16 when
    downloaded. Figures are yielded as soon as they are measured, so a later failure does not
    lose them."""
    measured = 1 if quick else measured_epochs
    arguments = [f"--epochs={measured + 1}", *(QUICK_SPEED_ARGS if quick else SPEED_ARGS)]
    gemm_arguments = ["--embedding-dim=16", "--n-hidden-rnn=16", "--seconds=0.1"] if quick else []
    yield from speed_figures(*speed_rounds(repeat, arguments, gemm_arguments, run))
    full_arguments = QUICK_FULL_ARGS if quick else ()
    # As notebook 05 trains: batches bucketed by length.
    full_arguments = ("--bucket-by-length", "--unknown-rate=0.3", *full_arguments)  # notebook 05
    full = [train_child(["--contender=course", *full_arguments], run) for _ in range(full_runs)]
    yield from full_course_figures([r for r, _ in full], [c for _, c in full])
    yield from collect_wnut16(full_runs, full_arguments, run)


def full_course_figures(results: Sequence[dict], children: Sequence[ChildRun]) -> list[Figure]:
    """Epoch time, first epoch, validation F1 and peak memory of full course-loop runs."""
    config = results[0]["config"]
    corpus, epochs = config["corpus"], config["epochs"]
    tweets = f"{results[0]['train_sentences']:,} tweets"
    return [
        Figure.of_runs(
            f"epoch time, course loop ({corpus})",
            [r["steady_epoch_seconds"] for r in results],
            "s",
            note=f"{tweets}, training steps, epochs after the first",
        ),
        Figure.of_runs(
            f"first epoch time, course loop ({corpus}, graph tracing included)",
            [r["first_epoch_seconds"] for r in results],
            "s",
        ),
        Figure.of_runs(
            f"validation entity F1 after {epochs} epochs ({corpus})",
            [r["validation_f1"] for r in results],
            "F1",
            note="notebook 05's settings (dropout 0.1, bucketed batches, <UNK> training)",
        ),
        Figure.of_runs(
            "peak memory, training (course)",
            [c.peak_rss_mb for c in children],
            "MB",
            note=f"full run, {tweets}",
        ),
    ]


def collect_wnut16(runs: int, arguments: Sequence[str], run: Runner) -> list[Figure]:
    """Epoch time and F1 of the course loop on WNUT-16, or a 'skipped' figure when absent."""
    if not wnut16_available():
        return [
            Figure(
                "epoch time, course loop (wnut16)",
                float("nan"),
                "s",
                note="skipped: wnut16 not downloaded (run "
                f"`{DOWNLOAD_HINT.format(name='wnut16')}`)",
            )
        ]
    arguments = ["--contender=course", *arguments, "--corpus=wnut16"]
    full = [train_child(arguments, run) for _ in range(runs)]
    return full_course_figures([r for r, _ in full], [c for _, c in full])[:3]
