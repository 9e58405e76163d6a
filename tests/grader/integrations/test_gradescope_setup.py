"""setup.sh for real, then run_autograder: what Gradescope does with the bundle, in a temporary
AUTOGRADER_ROOT. Opt-in (GRADER_SETUP_TEST=1): it creates a venv and installs the wheel with
the pinned requirements from the package registry, about 700 MB of downloads and a few
minutes, so `make test` leaves it out (test_gradescope_end_to_end.py runs the same bundle
against this environment's packages instead).

    GRADER_SETUP_TEST=1 .venv/bin/pytest tests/grader/integrations/test_gradescope_setup.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile

import pytest
from course_files import solution, write

from grader.batch.cli import main

pytestmark = pytest.mark.skipif(
    not os.environ.get("GRADER_SETUP_TEST"), reason="downloads the pinned wheels: opt-in"
)


def test_setup_sh_installs_the_course_and_run_autograder_grades_a_solution(tmp_path):
    out, root = tmp_path / "out", tmp_path / "autograder"
    assert main(["autograder", "gradescope", "--out", str(out)]) == 0
    with zipfile.ZipFile(out / "autograder.zip") as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env.pop("VIRTUAL_ENV", None)
    setup = subprocess.run(
        ["bash", "setup.sh"],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert "gradescope check: ok, 5 graded notebooks, 44 points" in setup.stdout

    write(root / "submission" / "04_compute_loss.ipynb", solution("04_compute_loss"))
    graded = subprocess.run(
        ["bash", str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 6
