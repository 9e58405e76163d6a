"""`python -m grader grade PATH...`: grade submitted notebooks, each in its own fresh kernel.

Usage
-----
    python -m grader grade submissions/            # every *.ipynb below the folder
    python -m grader grade a.ipynb b.ipynb --jobs 2 --json results.json --csv summary.csv
    python -m grader grade submission.ipynb --format gradescope      # writes results.json

Options: `--sandbox auto|bwrap|user|none` (where kernels run; see below), `--allow-flagged`
(grade submissions flagged for tampering, after reviewing them), `--course PATH` (the
course notebooks deciding each submission's checks; see below),
`--json FILE` (our JSON: per submission its path, score, max_score, status, items
{check, name, passed, points, message}, errors, seconds), `--format gradescope` (write
Gradescope's results.json shape instead, to `--json FILE` or `results.json`; one submission
per run), `--csv FILE` (one summary row per submission), `--jobs N` (submissions graded in
parallel, each in its own kernel), `--timeout S` (per submission, whole execution; default
600, at most 86400), `--memory-limit MB` (the kernel and its children are killed above this
resident memory; default 4096, at most 2**20), `--checks NAME,...` (grade these checks,
ignoring what notebooks declare; each once),
`--seed N` (the same inputs every run; default: fresh random inputs per run),
`--fail-under SCORE` (exit 1 when any submission scores fewer points), `--verbose` (print
every item of every submission; a single submission is always printed in full).

Each submission ends with a status: "graded" (its cells ran, possibly with errors listed, and
the checks were judged), "flagged" (its code reaches into the grading machinery: every item 0,
each finding listed with its cell, line and rule; not run; `--allow-flagged` grades it after a
review), "not a course notebook" (its name matches none of the course's
notebooks: 0/0, grade it with `--checks`), "no checks" (the course grades nothing in it: 0/0),
"invalid notebook", "timed out", "out of memory", "out of disk" (its folders, and the files it
held open that no folder lists, held more than 1 GiB or 20,000 files), "kernel died", "kernel
failed to start" (the checks' items then score zero, each saying why), or "internal error" (a
bug in the tool). The JSON also gives per submission `peak_memory_mb`, `timings` (seconds:
kernel_start, notebook, checks) and `phases` (where its `seconds` went: setup, kernel_start,
tensorflow_import, cells, probes, kernel_shutdown, recompute_start, recompute, judging; see
`grader.batch.phases`), and for the run `tool_phases` (startup: from the tool's start to the
first submission; worker_stop).

Exit codes: 0 when results were produced (whatever the scores), 1 with `--fail-under` when a
submission scored below it, 2 when the tool was used wrongly (bad option, missing path, no
notebook found, unknown check, a check module that failed to load, an output path that cannot
take the results: unwritable, a folder, device or pipe, a submitted notebook, a name ending in
.ipynb, or --json and --csv the same file), found before the first kernel starts: one line on
stderr says what; 3 when the tool itself failed (a bug: please report it); 130 when
interrupted (Ctrl-C; kernels are shut down, no result files written). Result files are
written before anything is printed, and text that is not UTF-8 is written as backslash escapes.

The notebook <-> grader convention
----------------------------------
* Which checks apply is the course's decision, never the submission's: `--checks NAME,...`,
  or else the course notebook of the same name (`--course PATH`: a folder of notebooks, or
  one notebook every submission is graded as; default: this repository's solutions/). Names
  match ignoring case, spaces and punctuation, and a suffix is allowed: `05_Training (2).ipynb`
  is graded as `05_training.ipynb`. A course notebook declares its checks in its metadata:
      "metadata": {"grader": {"checks": ["build_layers", "compute_loss"]}}
  Names are keys of `grader.checks.CHECKS`. An entry may also map the names a check looks
  up to the names used in the notebook:
      {"check": "embedding_training", "objects": {"train_step": "my_train_step"}}
  and say which of its objects are graded (each check declares the items, and points, that
  grade each object; by default its required objects and the optional ones named in
  "objects"):
      {"check": "embedding_training", "objects": {...}, "graded": ["train_step"]}
  By default a check looks up its objects under their own names (`BiLSTMTagger`,
  `compute_loss`, `train_step`) in the notebook's global namespace after all cells ran. The
  submission's own metadata is ignored, so a notebook can neither add a check nor drop one.
* Cells tagged `skip-when-grading` (cell metadata "tags") are not executed when grading: tag
  long training runs and heavy demos. Everything a check needs must be defined in untagged
  cells.
* Every other code cell runs in order in a fresh kernel whose working directory is a private
  temporary copy; a cell that raises does not stop the later ones (its error is listed in the
  result), so one broken exercise does not hide the others.

How a submission is graded (and why it cannot grade itself)
-----------------------------------------------------------
The grading process generates each check's random inputs, runs the notebook in a separate
kernel, and sends that kernel one last cell that calls each check's probe on the learner's
objects and writes the observations as JSON + .npy (never pickle) into a directory named with
a random nonce. The kernel is then shut down and the observations are read as hostile data
(regular files only, sizes and dtypes bounded, schema checked) and judged in the grading
process, which never runs submission code and never imports TensorFlow. A submission that
monkeypatches the grader, NumPy or builtins in its kernel can only change the observations;
the judges validate them, but a submission written to forge them (it can read the inputs once
they are sent to its kernel) is not yet stopped: the kernel is not sandboxed (see below).

The kernel runs as the same operating-system user as the tool, so this separates scoring from
learner code but is not a sandbox: learner code can read files that user can read or signal
that user's processes. Grade untrusted submissions in a throwaway container or as a dedicated
user (as Gradescope's autograder containers do).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from grader.batch.options import (
    DEFAULT_MEMORY_LIMIT_MB,
    DEFAULT_TIMEOUT,
    MAX_MEMORY_LIMIT_MB,
    MAX_TIMEOUT,
)
from grader.batch.shards import parse_shard
from grader.batch.submissions import UsageError, duplicates
from grader.core.text import printable
from grader.integrations.cli import add_commands as add_integration_commands
from grader.integrations.cli import run as run_integration

EXIT_OK, EXIT_BELOW_THRESHOLD, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of `python -m grader`."""
    parser = _Parser(
        prog="python -m grader",
        description="Grade submitted notebooks, or take the course to Gradescope or nbgrader.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    grade = commands.add_parser(
        "grade",
        help="grade notebooks (files or folders of *.ipynb)",
        description=__doc__.split("The notebook <-> grader")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebook files or folders")
    grade.add_argument("--json", metavar="FILE", help="write machine-readable results here")
    grade.add_argument("--format", choices=("text", "gradescope"), default="text")
    grade.add_argument("--csv", metavar="FILE", help="write a one-row-per-submission summary")
    grade.add_argument("--jobs", type=_positive_int, default=1, metavar="N")
    grade.add_argument("--timeout", type=_limit(MAX_TIMEOUT), default=DEFAULT_TIMEOUT, metavar="S")
    grade.add_argument(
        "--memory-limit",
        type=_limit(MAX_MEMORY_LIMIT_MB),
        default=DEFAULT_MEMORY_LIMIT_MB,
        metavar="MB",
    )
    grade.add_argument("--fail-under", type=_finite_float, metavar="SCORE")
    grade.add_argument("--checks", type=_names, metavar="NAME,...")
    grade.add_argument("--course", metavar="PATH")
    grade.add_argument("--sandbox", choices=("auto", "bwrap", "user", "none"), default="auto")
    grade.add_argument("--allow-flagged", action="store_true")
    grade.add_argument("--shard", type=_shard, metavar="K/N")
    grade.add_argument("--seed", type=_seed, metavar="N")
    grade.add_argument("--verbose", "-v", action="store_true", help="print every item")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    # For tests and other courses: the module holding CHECKS, and folders the kernel imports from.
    grade.add_argument("--checks-module", default="grader.checks", help=argparse.SUPPRESS)
    grade.add_argument("--python-path", action="append", default=[], help=argparse.SUPPRESS)
    merge = commands.add_parser(
        "merge",
        help="join the --json results of shards graded separately",
        description="Join the --json results of `grade --shard K/N` runs into one; refuse "
        "shards that overlap, come from different runs (course, checks, seed, shard count) or "
        "leave a shard out (unless --partial).",
    )
    merge.add_argument("results", nargs="+", metavar="RESULT.json")
    merge.add_argument("--json", metavar="FILE", help="write the joined results here")
    merge.add_argument("--csv", metavar="FILE", help="write a one-row-per-submission summary")
    merge.add_argument("--partial", action="store_true", help="allow missing shards")
    add_integration_commands(commands)  # autograder gradescope, export nbgrader
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def _limit(maximum: float) -> Callable[[str], float]:
    """An argparse type: a finite number above 0 and at most `maximum` (not nan, not inf)."""

    def limit(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and 0 < value <= maximum):
            raise argparse.ArgumentTypeError(
                f"expected a positive number up to {maximum:g}, got {text!r}"
            )
        return value

    return limit


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to 2**63 - 1, got {value}")
    return value


def _shard(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected check names separated by commas")
    repeated = duplicates(names)
    if repeated:  # graded twice, it would count twice towards the maximum
        raise argparse.ArgumentTypeError(
            f"each check once: {', '.join(repeated)} listed more than once"
        )
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 results, 1 below --fail-under, 2 misuse)."""
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command in ("autograder", "export"):
            return run_integration(arguments)
        if arguments.command == "merge":
            from grader.batch.merge import run_merge

            return run_merge(arguments)
        from grader.batch.grade_command import run_grade

        return run_grade(arguments)
    except UsageError as error:
        print(f"python -m grader: error: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # the kernels are shut down on the way out
        print("python -m grader: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug in the tool: its own exit code, not --fail-under's 1
        print(
            f"python -m grader: internal error: {type(error).__name__}: {printable(str(error))} "
            "(a bug in the grader: please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
