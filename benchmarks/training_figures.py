"""Training figures: the course's loop against `keras.Model.fit`, side by side, in fresh children.

Speed: each round trains both contenders for two epochs on the first `SPEED_SENTENCES` training
tweets (the first epoch traces graphs, the second is measured), one child each, alternating
which goes first so that a slow spell of the shared machine does not always hit the same one;
the ratio is the median of the rounds' ratios. Quality: one full course run (the whole corpus,
the course loop's default epochs) gives the epoch time, the validation F1 and the peak memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from benchmarks.harness import ChildRun, Figure, python_module, run_child

Runner = Callable[[Sequence[str]], ChildRun]
SPEED_SENTENCES = 1600  # 50 batches of 32: enough steps for a stable tokens/s
SPEED_ARGS = ("--epochs=2", f"--train-limit={SPEED_SENTENCES}", "--validation-limit=64")
QUICK_ARGS = ("--embedding-dim=16", "--n-hidden-rnn=16", "--train-limit=320")
QUICK_SPEED_ARGS = ("--epochs=2", *QUICK_ARGS, "--validation-limit=64")
QUICK_FULL_ARGS = ("--epochs=2", *QUICK_ARGS, "--validation-limit=128")
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


def collect(
    repeat: int, quick: bool = False, run: Runner = run_child, full_runs: int = 1
) -> Iterator[Figure]:
    """Throughput of both contenders and their ratio (`repeat` rounds), then `full_runs` full
    course runs: epoch time, validation F1, peak memory; WNUT-16 when downloaded. Figures are
    yielded as soon as they are measured, so a later failure does not lose them."""
    speed_arguments = QUICK_SPEED_ARGS if quick else SPEED_ARGS
    results: dict[str, list[dict]] = {"course": [], "keras-fit": []}
    peaks: dict[str, list[float]] = {"course": [], "keras-fit": []}
    for round_index in range(repeat):
        order = ("course", "keras-fit") if round_index % 2 == 0 else ("keras-fit", "course")
        for contender in order:
            result, child = train_child(contender, speed_arguments, run)
            results[contender].append(result)
            peaks[contender].append(child.peak_rss_mb)
    course, fit = results["course"], results["keras-fit"]
    sizes = "{embedding_dim}/{n_hidden_rnn}/{batch_size}".format(**course[0]["config"])
    note = f"emb/hidden/batch {sizes}, real tokens, 2nd epoch of {course[0]['train_sentences']:,}"
    yield from [
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
        Figure.of_runs("peak memory, training (fit)", peaks["keras-fit"], "MB", note=note),
    ]
    full_arguments = QUICK_FULL_ARGS if quick else ()
    full = [train_child("course", full_arguments, run) for _ in range(full_runs)]
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
            note="course loop defaults",
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
                note=f"skipped: wnut16 not downloaded (run `{DOWNLOAD_HINT}`)",
            )
        ]
    full = [train_child("course", [*arguments, "--corpus=wnut16"], run) for _ in range(runs)]
    return full_course_figures([r for r, _ in full], [c for _, c in full])[:3]
