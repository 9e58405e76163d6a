"""setup.sh for real, then run_autograder: what Gradescope does with the bundle, in a temporary
AUTOGRADER_ROOT. Opt-in (GRADER_SETUP_TEST=1): it creates a venv and installs the wheel with
the pinned requirements from the package registry, about 700 MB of downloads and a few
minutes, so `make test` leaves it out (test_gradescope_end_to_end.py runs the same bundle
against this environment's packages instead). As on Gradescope, setup.sh finds the system's
Python (/usr/bin first on PATH) and the kernels run as the unprivileged user it creates
(`sandbox: user`, what "auto" picks where namespaces are refused); the test removes that user
again if it made it. Run it as root, on Debian or Ubuntu.

    GRADER_SETUP_TEST=1 .venv/bin/pytest tests/grader/integrations/test_gradescope_setup.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from course_files import COURSE_POINTS, COURSE_TOTAL, solution, write

from grader.batch.cli import main
from grader.batch.user_sandbox import KERNEL_USER

pytestmark = pytest.mark.skipif(
    not os.environ.get("GRADER_SETUP_TEST"), reason="downloads the pinned wheels: opt-in"
)


@pytest.fixture
def autograder_root():
    """An empty folder standing for /autograder, which other users may pass through."""
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_setup_sh_installs_the_course_and_run_autograder_grades_a_solution(
    tmp_path, autograder_root
):
    out, root = tmp_path / "out", autograder_root
    assert main(["autograder", "gradescope", "--out", str(out)]) == 0
    with zipfile.ZipFile(out / "autograder.zip") as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    settings = json.loads((root / "source" / "autograder.json").read_text())
    (root / "source" / "autograder.json").write_text(json.dumps({**settings, "sandbox": "user"}))
    path = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"])
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path}
    env.pop("VIRTUAL_ENV", None)
    had_user = subprocess.run(["id", "-u", KERNEL_USER], capture_output=True).returncode == 0
    try:
        graded = _setup_and_grade(root, env)
    finally:
        if not had_user:
            subprocess.run(["userdel", KERNEL_USER], check=False)
    assert graded["score"] == COURSE_POINTS["04_compute_loss"]
    assert "kernels run with sandbox user" in graded["stdout"]


def _setup_and_grade(root, env) -> dict:
    setup = subprocess.run(
        ["bash", "setup.sh"],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    print(setup.stdout)  # which Python, whether the pins installed (pytest -s shows it)
    expected = f"{len(COURSE_POINTS)} graded notebooks, {COURSE_TOTAL:g} points"
    assert f"gradescope check: ok, {expected}" in setup.stdout

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
    return {**json.loads((root / "results" / "results.json").read_text()), "stdout": graded.stdout}
