"""`python -m benchmarks.feedback_study`: see benchmarks/feedback_study/runner.py."""

import sys

from benchmarks.feedback_study.runner import main

sys.exit(main())
