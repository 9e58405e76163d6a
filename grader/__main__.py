"""`python -m grader grade PATH...`: see `grader.batch.cli` for the options and the conventions."""

from grader.batch.cli import main

raise SystemExit(main())
