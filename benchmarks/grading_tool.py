"""The grading tool end to end: `python -m grader grade` on one submission and on a batch.

One submission is a solution notebook (the one declaring the most checks, so the most work);
a batch is that notebook copied N times into a temporary folder, graded with `--jobs 1` and
`--jobs 2`. Each run is a fresh `python -m grader grade` child; its results JSON is read back
to make sure every submission was graded with full marks (a timing of a broken run is no
figure).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from benchmarks.harness import ROOT, ChildRun, Figure, python_module, run_child

SOLUTIONS = ROOT / "solutions"
Runner = Callable[[Sequence[str]], ChildRun]


def declared_checks(notebook: Path) -> list[str]:
    """The check names a notebook declares in its `grader` metadata."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    checks = metadata.get("grader", {}).get("checks", [])
    return [c if isinstance(c, str) else c.get("check", "?") for c in checks]


def busiest_solution(folder: Path = SOLUTIONS) -> Path:
    """The solution notebook declaring the most grader checks (the first one on a tie)."""
    notebooks = sorted(folder.glob("*.ipynb"))
    graded = [n for n in notebooks if declared_checks(n)]
    if not graded:
        raise FileNotFoundError(f"no notebook in {folder} declares grader checks")
    return max(graded, key=lambda n: len(declared_checks(n)))


def copy_batch(notebook: Path, count: int, folder: Path) -> list[Path]:
    """Copy `notebook` `count` times into `folder` as <its name>_01.ipynb, ...; return them
    (named after it, so the grading tool grades them as that course notebook)."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = [folder / f"{notebook.stem}_{index:02d}.ipynb" for index in range(1, count + 1)]
    for copy in copies:
        shutil.copyfile(notebook, copy)
    return copies


def read_results(path: Path, expected: int | None) -> list[dict]:
    """The submissions of a grader results JSON; ValueError unless all `expected` (None: any
    number) got full marks."""
    submissions = json.loads(path.read_text(encoding="utf-8"))["submissions"]
    if expected is not None and len(submissions) != expected:
        raise ValueError(f"expected {expected} graded submissions, found {len(submissions)}")
    for submission in submissions:
        if submission["status"] != "graded" or submission["score"] != submission["max_score"]:
            raise ValueError(
                f"{submission['path']} was not graded with full marks "
                f"({submission['status']}, {submission['score']}/{submission['max_score']}): "
                f"{submission.get('errors')}; fix the grader or the solution before timing it"
            )
    return submissions


def grade(
    paths: Sequence[Path],
    jobs: int,
    extra: Sequence[str] = (),
    run: Runner = run_child,
    expected: int | None = -1,
) -> tuple[ChildRun, list[dict]]:
    """Grade `paths` in one `python -m grader grade` child; return its run and its results
    (`expected` submissions: by default one per path; None: any number)."""
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        results = Path(folder) / "results.json"
        command = python_module(
            "grader",
            "grade",
            *map(str, paths),
            "--jobs",
            str(jobs),
            "--json",
            str(results),
            "--no-progress",
            *extra,
        )
        child = run(command)
        return child, read_results(results, len(paths) if expected == -1 else expected)


def collect(
    repeat: int,
    batch_size: int = 20,
    notebook: Path | None = None,
    extra: Sequence[str] = (),
    run: Runner = run_child,
) -> Iterator[Figure]:
    """Figures: one submission's wall time and peak memory (median of `repeat`), batch speed.

    The two batch runs (`--jobs 1`, `--jobs 2`) are made once each: they are long. Figures are
    yielded as soon as they are measured, so a later failure does not lose them.
    """
    notebook = notebook or busiest_solution()
    walls, peaks, largest = [], [], []
    for _ in range(repeat):
        child, _ = grade([notebook], jobs=1, extra=extra, run=run)
        walls.append(child.wall)
        peaks.append(child.tree_peak_mb)
        largest.append(child.peak_rss_mb)
    label = notebook.name
    yield from [
        Figure.of_runs(
            f"grade one submission ({label})",
            walls,
            "s",
            goal="< 30",
            note="python -m grader grade, wall incl. start-up",
        ),
        Figure.of_runs(
            "peak memory, grading one submission",
            peaks,
            "MB",
            note="grader + kernel, summed, sampled",
        ),
        Figure.of_runs("largest process, grading one submission", largest, "MB"),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        copies = copy_batch(notebook, batch_size, Path(folder))
        for jobs in (1, 2):
            child, _ = grade(copies, jobs=jobs, extra=extra, run=run)
            yield (
                Figure.of_runs(
                    f"grade a batch of {batch_size}, --jobs {jobs}",
                    [batch_size / child.wall * 60],
                    "subm./min",
                    note=f"{child.wall:.0f} s for the batch",
                )
            )


def sandbox_overhead(
    repeat: int, notebook: Path | None = None, run: Runner = run_child
) -> Iterator[Figure]:
    """Figures: one submission graded with `--sandbox bwrap` and with `--sandbox none`, the two
    interleaved (median wall times, and the median of the per-round differences and ratios)."""
    notebook = notebook or busiest_solution()
    walls: dict[str, list[float]] = {"bwrap": [], "none": []}
    for _ in range(max(1, repeat)):
        for kind in walls:
            child, _ = grade([notebook], jobs=1, extra=["--sandbox", kind], run=run)
            walls[kind].append(child.wall)
    differences = [b - n for b, n in zip(walls["bwrap"], walls["none"], strict=True)]
    ratios = [b / n for b, n in zip(walls["bwrap"], walls["none"], strict=True)]
    yield from [
        Figure.of_runs(
            f"grade one submission ({notebook.name}), --sandbox bwrap", walls["bwrap"], "s"
        ),
        Figure.of_runs(
            f"grade one submission ({notebook.name}), --sandbox none", walls["none"], "s"
        ),
        Figure.of_runs("sandbox overhead per submission", differences, "s", goal="< 1"),
        Figure.of_runs("sandbox overhead, ratio bwrap / none", ratios, "x", goal="< 1.15"),
    ]


def shard_throughput(
    batch_size: int = 8, shards: int = 2, notebook: Path | None = None, run: Runner = run_child
) -> Iterator[Figure]:
    """Figures: one batch graded by one `--jobs 1` run, and by `shards` `--shard K/N` runs at
    once (as cluster tasks would, here on one machine), side by side; submissions per minute."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    notebook = notebook or SOLUTIONS / "02_embeddings.ipynb"
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as folder:
        copies = copy_batch(notebook, batch_size, Path(folder))
        child, _ = grade([Path(folder)], jobs=1, run=run, expected=batch_size)
        one_run = batch_size / child.wall * 60
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=shards) as pool:
            parts = list(
                pool.map(
                    lambda k: grade(
                        [Path(folder)],
                        jobs=1,
                        extra=["--shard", f"{k}/{shards}"],
                        run=run,
                        expected=None,
                    ),
                    range(shards),
                )
            )
        wall = time.monotonic() - started
        graded = sum(len(submissions) for _, submissions in parts)
        if graded != len(copies):
            raise ValueError(f"the shards graded {graded} of {len(copies)} notebooks")
        sharded = batch_size / wall * 60
    yield from [
        Figure.of_runs(f"grade a batch of {batch_size}, one --jobs 1 run", [one_run], "subm./min"),
        Figure.of_runs(
            f"grade a batch of {batch_size}, {shards} shards at once", [sharded], "subm./min"
        ),
        Figure.of_runs("throughput ratio shards / one run", [sharded / one_run], "x"),
    ]
