"""`python -m grader merge RESULT.json... --json ALL.json --csv ALL.csv`: join shards.

Shards (`grade --shard K/N --json part-K.json`) are joined only when they belong together: the
same results format, the same run (course, checks, checks module, seed, shard count), each
shard once, no submission in two of them, and (unless `--partial`) every shard present. The
joined results are what one run over all the notebooks would have written.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from grader.batch.output_paths import check_output_paths
from grader.batch.result import SubmissionResult
from grader.batch.results import JSON_FORMAT_VERSION, write_csv, write_json
from grader.batch.submissions import UsageError


def read_results(path: str | Path) -> dict:
    """One results file written by `grade --json`; UsageError naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    except ValueError as error:
        raise UsageError(f"{path}: not a results file of `grade --json` ({error})") from None
    if type(data) is not dict or data.get("format_version") != JSON_FORMAT_VERSION:
        raise UsageError(f"{path}: not a results file of `grade --json` (format version)")
    if type(data.get("submissions")) is not list:
        raise UsageError(f"{path}: not a results file of `grade --json` (no submissions)")
    return data


def merge(documents: Sequence[tuple[str, dict]], *, partial: bool = False) -> tuple[list, dict]:
    """(results sorted by path, the run without its shard index) of `documents` ([(name,
    results data)]); UsageError when they overlap, are mismatched or (unless `partial`) a
    shard is missing."""
    runs = [(name, dict(data.get("run") or {})) for name, data in documents]
    shards = {name: run.pop("shard", None) for name, run in runs}
    first_name, first_run = runs[0]
    for name, run in runs[1:]:
        if run != first_run:
            raise UsageError(
                f"{name} and {first_name} come from different runs: {run} != {first_run}"
            )
    counts = {shard["count"] if shard else None for shard in shards.values()}
    if len(counts) != 1:
        raise UsageError(
            f"the files were graded with different --shard counts: {sorted(map(str, counts))}"
        )
    count = counts.pop()
    if count is not None:
        seen: dict[int, str] = {}
        for name, shard in shards.items():
            if shard["index"] in seen:
                raise UsageError(
                    f"shard {shard['index']}/{count} is in both {seen[shard['index']]} and {name}"
                )
            seen[shard["index"]] = name
        missing = sorted(set(range(count)) - set(seen))
        if missing and not partial:
            raise UsageError(
                f"shards {', '.join(map(str, missing))} of {count} are missing (or pass --partial)"
            )
    owners: dict[str, str] = {}
    results = []
    for name, data in documents:
        for entry in data["submissions"]:
            try:
                result = SubmissionResult.from_dict(entry)
            except (KeyError, TypeError, ValueError) as error:
                raise UsageError(f"{name}: a submission entry is malformed ({error})") from None
            if result.path in owners:
                raise UsageError(
                    f"{result.path} was graded in both {owners[result.path]} and {name}"
                )
            owners[result.path] = name
            results.append(result)
    run = {**first_run, "shard": None, "merged_from": [name for name, _ in documents]}
    return sorted(results, key=lambda result: result.path), run


def run_merge(arguments: argparse.Namespace) -> int:
    """Run `merge` with parsed `arguments`; 0 when the joined results were written."""
    check_output_paths({"--json": arguments.json, "--csv": arguments.csv})
    documents = [(str(path), read_results(path)) for path in arguments.results]
    results, run = merge(documents, partial=arguments.partial)
    if arguments.json:
        write_json(arguments.json, results, run=run)
    if arguments.csv:
        write_csv(arguments.csv, results)
    print(f"merged {len(results)} submissions from {len(documents)} files")
    return 0
