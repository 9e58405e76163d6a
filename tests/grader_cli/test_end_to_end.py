"""The real course notebooks through `python -m grader grade` with the real checks.

The solutions must grade to full marks and the generated learner notebooks (stubs untouched) to
zero with "not attempted" items; the grading process must never import TensorFlow. These
start TensorFlow kernels, so they take a minute or so on two cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}

# Grade in a fresh interpreter and report whether that process imported TensorFlow.
GRADE_AND_REPORT_IMPORTS = """
import sys
from grader.cli import main
code = main(sys.argv[1:])
print("IMPORTED_TENSORFLOW" if "tensorflow" in sys.modules or "keras" in sys.modules else "")
sys.exit(code)
"""


def declares_checks(path: Path) -> bool:
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return bool(metadata.get("grader", {}).get("checks"))


def graded_notebooks(folder: str) -> list[Path]:
    notebooks = sorted((ROOT / folder).glob("*.ipynb"))
    if not any(declares_checks(path) for path in notebooks):
        pytest.skip(f"no notebook in {folder}/ declares grader checks yet")
    return notebooks


def grade(folder: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    results = tmp_path / f"{folder}.json"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            GRADE_AND_REPORT_IMPORTS,
            "grade",
            str(ROOT / folder),
            "--jobs",
            "2",
            "--no-progress",
            "--json",
            str(results),
            "--timeout",
            "600",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=tmp_path,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    submissions = json.loads(results.read_text())["submissions"]
    return done, [s for s in submissions if s["status"] != "no checks"]


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    graded_notebooks("solutions")
    return grade("solutions", tmp_path_factory.mktemp("solutions"))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    graded_notebooks("notebooks")
    return grade("notebooks", tmp_path_factory.mktemp("notebooks"))


def test_every_solution_gets_full_marks(solutions):
    _, submissions = solutions
    assert submissions
    for submission in submissions:
        failed = [
            f"{i['check']}: {i['name']}: {i['message']}"
            for i in submission["items"]
            if not i["passed"]
        ]
        assert submission["score"] == submission["max_score"] > 0, (submission["path"], failed)
        assert submission["errors"] == [], submission["errors"]


def test_every_learner_notebook_scores_zero_and_says_not_attempted(stubs):
    _, submissions = stubs
    assert submissions
    for submission in submissions:
        assert submission["status"] == "graded" and submission["score"] == 0
        assert submission["max_score"] > 0
        first_items = {}
        for item in submission["items"]:
            first_items.setdefault(item["check"], item)
        for item in first_items.values():
            assert "not attempted" in item["message"] and not item["attempted"], item


def test_the_grading_process_never_imports_tensorflow(stubs):
    done, _ = stubs
    assert "IMPORTED_TENSORFLOW" not in done.stdout
