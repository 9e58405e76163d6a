"""The subcommands that take the course elsewhere, hooked into `python -m grader`.

python -m grader autograder gradescope --out DIR [--course PATH] [--hide-until-due-date]
python -m grader export nbgrader COURSE_DIR [--course PATH] [--python PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

AUTOGRADER_HELP = """\
Write DIR/setup.sh, DIR/run_autograder and DIR/autograder.zip (both scripts, a wheel of this
package, the pinned requirements and the course notebooks' grader metadata, no solution).
Upload autograder.zip on Gradescope's "Configure Autograder" page (Ubuntu 22.04 or newer
base image). For each submission, every course notebook found is graded with the course's
checks; a missing one scores 0 for its items, saying why. Set Gradescope's autograder timeout
to at least the notebooks' count times --timeout.
"""

EXPORT_HELP = """\
Write an nbgrader course into COURSE_DIR: source/<assignment>/<assignment>.ipynb for every
course notebook with checks (solution cells from the ### BEGIN/END SOLUTION regions, every
other cell locked, one autograded test cell per check worth its points whose output is the
check's score), nbgrader_config.py, and the course kernel in kernels/. Then, in COURSE_DIR:
nbgrader generate_assignment NAME, nbgrader autograde NAME. nbgrader runs learners' code in
its own kernel, without this project's sandbox.
"""


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `autograder gradescope` and `export nbgrader` to the parser's subcommands."""
    from grader.batch.options import DEFAULT_MEMORY_LIMIT_MB

    autograder = commands.add_parser("autograder", help="build an autograder for a platform")
    platforms = autograder.add_subparsers(dest="platform", required=True)
    gradescope = platforms.add_parser(
        "gradescope",
        help="write setup.sh, run_autograder and autograder.zip for Gradescope",
        description=AUTOGRADER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gradescope.add_argument("--out", required=True, metavar="DIR")
    gradescope.add_argument("--course", metavar="PATH", help="default: solutions/")
    gradescope.add_argument(
        "--hide-until-due-date",
        action="store_true",
        help="students see tests and total only after the due date",
    )
    gradescope.add_argument("--timeout", type=float, default=300.0, metavar="S")
    gradescope.add_argument(
        "--memory-limit", type=float, default=DEFAULT_MEMORY_LIMIT_MB, metavar="MB"
    )
    gradescope.add_argument("--jobs", type=int, default=1, metavar="N")

    export = commands.add_parser("export", help="export the course to another grader")
    formats = export.add_subparsers(dest="format", required=True)
    nbgrader = formats.add_parser(
        "nbgrader",
        help="write an nbgrader course directory",
        description=EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nbgrader.add_argument("course_dir", metavar="COURSE_DIR")
    nbgrader.add_argument("--course", metavar="PATH", help="default: solutions/")
    nbgrader.add_argument(
        "--python", metavar="PATH", help="the kernel's interpreter (default: this one)"
    )
    nbgrader.add_argument("--course-id", default="bilstm-ner", metavar="ID")


def run(arguments: argparse.Namespace) -> int:
    """Carry out `autograder` or `export`; raises UsageError for misuse (exit code 2)."""
    if arguments.command == "autograder":
        from grader.integrations.gradescope import Settings
        from grader.integrations.gradescope_bundle import write_bundle

        settings = Settings(
            visibility="after_due_date" if arguments.hide_until_due_date else "visible",
            timeout=arguments.timeout,
            memory_limit_mb=arguments.memory_limit,
            jobs=arguments.jobs,
        )
        course = Path(arguments.course) if arguments.course else None
        bundle = write_bundle(Path(arguments.out), settings, course)
        print(
            f"wrote {bundle.setup_sh}, {bundle.run_autograder} and {bundle.zip_path} "
            f"({bundle.wheel_name}; graded notebooks: {', '.join(bundle.course_notebooks)})"
        )
        return 0
    from grader.integrations.nbgrader_export import export_course

    course = Path(arguments.course) if arguments.course else None
    written = export_course(
        Path(arguments.course_dir),
        course,
        python=arguments.python,
        course_id=arguments.course_id,
    )
    for path in written:
        print(f"wrote {path}")
    return 0
