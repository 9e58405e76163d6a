"""`python -m grader grade PATH...`: see `grader.cli` for the options and the conventions."""

from grader.cli import main

raise SystemExit(main())
