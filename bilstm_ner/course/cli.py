"""`bilstm-ner-course`: the course's command once it is installed.

    bilstm-ner-course start [DIR] [--copy-only] [JUPYTER OPTIONS]  # DIR: ./bilstm-ner-course
    bilstm-ner-course grade PATH... [OPTIONS]                      # python -m grader grade ...

`start` copies the learner notebooks into DIR, never over one you edited (it says which it
kept), then opens JupyterLab there. DIR comes first; from the first option that is not its own
(`--no-browser`, `--port 8890`, or anything after `--`) the rest goes to JupyterLab. As root it
adds `--allow-root`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bilstm_ner.course.files import learner_notebooks
from bilstm_ner.course.start import copy_notebooks, prepare_directory

DEFAULT_DIRECTORY = "bilstm-ner-course"
EXIT_USAGE = 2
START_OPTIONS = ("--copy-only", "-h", "--help")


def jupyter_lab_command(
    options: Sequence[str], *, executable: str | None = None, is_root: bool | None = None
) -> list[str]:
    """The command that opens JupyterLab with `options`: the `jupyter-lab` installed beside
    `executable` (default: this Python, so that its kernel has the course), else the first on
    PATH; `--allow-root` added when running as root. FileNotFoundError when there is none."""
    beside = Path(executable or sys.executable).parent
    found = shutil.which("jupyter-lab", path=str(beside))
    found = found or shutil.which("jupyter-lab")
    if found is None:
        raise FileNotFoundError(
            "JupyterLab is not installed: `pip install jupyterlab`, or open the copied "
            "notebooks with the Jupyter you have"
        )
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    extra = ["--allow-root"] if is_root and "--allow-root" not in options else []
    return [found, *extra, *options]


def launch(command: list[str], directory: Path) -> int:
    """Run `command` in `directory`: the process becomes it on POSIX (Ctrl-C goes to Jupyter)."""
    if os.name == "posix":
        os.chdir(directory)
        os.execv(command[0], command)
    return subprocess.call(command, cwd=directory)  # pragma: no cover - Windows


def build_parser() -> argparse.ArgumentParser:
    """The parser of `bilstm-ner-course` (`grade`'s options are the grader's own)."""
    parser = argparse.ArgumentParser(
        prog="bilstm-ner-course",
        description="Named entities on Twitter with a BiLSTM: open the course, or grade it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser(
        "start",
        help="copy the notebooks into DIR and open JupyterLab there",
        description="Copy the learner notebooks into DIR (never over one you edited) and open "
        "JupyterLab there. DIR comes first; from the first option that is not start's own, the "
        "rest goes to JupyterLab (e.g. --no-browser, --port 8890).",
    )
    start.add_argument("directory", nargs="?", default=DEFAULT_DIRECTORY, metavar="DIR")
    start.add_argument(
        "--copy-only", action="store_true", help="copy the notebooks, do not open JupyterLab"
    )
    commands.add_parser("grade", help="grade notebooks: the same as `python -m grader grade`")
    return parser


def start(arguments: argparse.Namespace, jupyter_options: list[str]) -> int:
    """Copy the notebooks into the chosen folder, report, then open JupyterLab there."""
    try:
        directory = prepare_directory(Path(arguments.directory))
        result = copy_notebooks(learner_notebooks(), directory)
    except (ValueError, FileNotFoundError) as error:
        print(f"bilstm-ner-course start: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # e.g. a folder you may not write to
        print(
            f"bilstm-ner-course start: error: cannot copy the notebooks into "
            f"{arguments.directory}: {error.strerror or error} (choose another folder)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for line in result.summary():
        print(line)
    if arguments.copy_only:
        return 0
    try:
        command = jupyter_lab_command(jupyter_options)
    except FileNotFoundError as error:
        print(f"bilstm-ner-course start: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Opening JupyterLab in {directory}: {' '.join(command)}", flush=True)
    return launch(command, directory)


def split_start_arguments(arguments: Sequence[str]) -> tuple[list[str], list[str]]:
    """(start's own arguments, JupyterLab's): JupyterLab's begin at the first option that is
    not start's own, or after `--`."""
    arguments = list(arguments)
    for index, argument in enumerate(arguments):
        if argument == "--":
            return arguments[:index], arguments[index + 1 :]
        if argument.startswith("-") and argument not in START_OPTIONS:
            return arguments[:index], arguments[index:]
    return arguments, []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (2 for misuse; `grade`: the grader's)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["grade"]:
        from grader.batch.cli import main as grader_main

        return grader_main(argv)
    own, jupyter_options = split_start_arguments(argv)
    return start(build_parser().parse_args(own), jupyter_options)


if __name__ == "__main__":
    sys.exit(main())
