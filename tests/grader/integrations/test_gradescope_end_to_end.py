"""The Gradescope bundle end to end: built by `python -m grader autograder gradescope`, unpacked
into a temporary /autograder (`AUTOGRADER_ROOT`), its `run_autograder` run unchanged on real
course notebooks, its results.json read back.

What stands in for setup.sh: a venv at `$ROOT/venv` into which the bundle's own wheel is
installed (`pip install --no-deps`), while its dependencies (TensorFlow and the rest, the
versions constraints.txt pins) come from the environment running the tests through a .pth
file. So the code that grades is the wheel's, not this checkout's, and no test downloads
TensorFlow; setup.sh itself (apt-get, then pip with the pins) runs for real in
test_gradescope_setup.py, which is opt-in. Kernels run in bubblewrap where it works
(`sandbox: auto`), as they would on a Gradescope image that allows namespaces.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from course_files import COURSE_POINTS, COURSE_TOTAL, partly_right_loss, solution, stub, write

from grader.batch.cli import main
from grader.batch.sandbox import bwrap_works
from tests.wheel_venv import venv_with_wheel


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The folder `python -m grader autograder gradescope --out` wrote."""
    out = tmp_path_factory.mktemp("gradescope") / "out"
    assert main(["autograder", "gradescope", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def autograder_root(bundle, tmp_path_factory) -> Path:
    """A temporary /autograder: the zip in source/, run_autograder beside it, the venv."""
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(bundle / "autograder.zip") as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    venv_with_wheel(next((root / "source").glob("*.whl")), root / "venv")
    return root


def run_autograder(root: Path, files: dict[str, nbformat.NotebookNode | str]) -> dict:
    """Put `files` in $ROOT/submission, run $ROOT/run_autograder, return results.json."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "submission").mkdir()
    for name, content in files.items():
        if isinstance(content, str):
            (root / "submission" / name).write_text(content)
        else:
            write(root / "submission" / name, content)
    done = subprocess.run(
        ["bash", str(root / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    data["stdout"] = done.stdout
    return data


def points(data: dict, notebook: str) -> tuple[float, float]:
    """(score, max_score) of one course notebook's tests."""
    tests = [test for test in data["tests"] if test["name"].startswith(f"{notebook} · ")]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def test_the_zip_holds_both_scripts_at_its_root_a_wheel_the_pins_and_no_solution(bundle):
    with zipfile.ZipFile(bundle / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        course = [json.loads(archive.read(n)) for n in names if n.startswith("course/")]
    assert {"setup.sh", "run_autograder", "constraints.txt", "autograder.json"} <= set(names)
    (wheel,) = [n for n in names if n.endswith(".whl")]
    assert re.fullmatch(r"bilstm_ner_course-[\w.]+-py3-none-any\.whl", wheel)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert len(course) == len(COURSE_POINTS) and all(nb["cells"] == [] for nb in course)
    assert os.access(bundle / "setup.sh", os.X_OK) and os.access(bundle / "run_autograder", os.X_OK)


def test_the_grading_code_is_the_wheels(autograder_root):
    python = autograder_root / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import grader; print(grader.__file__)"],
        cwd=autograder_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(autograder_root / "venv")


def test_a_solution_earns_its_notebooks_points_and_each_missing_notebook_zero(autograder_root):
    data = run_autograder(autograder_root, {"04_compute_loss.ipynb": solution("04_compute_loss")})
    loss = COURSE_POINTS["04_compute_loss"]
    assert points(data, "04_compute_loss") == (loss, loss)
    assert data["score"] == loss and sum(t["max_score"] for t in data["tests"]) == COURSE_TOTAL
    for missing in ("01_data", "02_embeddings", "03_build_layers", "05_training"):
        assert points(data, missing) == (0, COURSE_POINTS[missing])
    assert f"kernels run with sandbox {'bwrap' if bwrap_works() else 'none'}" in data["stdout"]


def test_a_stub_earns_nothing(autograder_root):
    data = run_autograder(autograder_root, {"04_compute_loss.ipynb": stub("04_compute_loss")})
    assert data["score"] == 0
    assert points(data, "04_compute_loss") == (0, COURSE_POINTS["04_compute_loss"])


def test_a_partly_right_answer_earns_the_items_it_gets_right(autograder_root):
    wrong = partly_right_loss(solution("04_compute_loss"))
    data = run_autograder(autograder_root, {"04_compute_loss.ipynb": wrong})
    earned, maximum = points(data, "04_compute_loss")
    assert 0 < earned < maximum == COURSE_POINTS["04_compute_loss"]
    failed = [t["name"] for t in data["tests"] if t["status"] == "failed" and t["max_score"]]
    assert any("matches the reference loss for any pad_index" in name for name in failed)


def test_two_notebooks_are_both_graded_whatever_suffix_gradescope_added(autograder_root):
    files = {
        "01_Data (1).ipynb": solution("01_data"),
        "04_compute_loss.ipynb": solution("04_compute_loss"),
        "scratch.ipynb": stub("04_compute_loss"),
    }
    data = run_autograder(autograder_root, files)
    for name in ("01_data", "04_compute_loss"):
        assert points(data, name) == (COURSE_POINTS[name], COURSE_POINTS[name])
    assert data["score"] == COURSE_POINTS["01_data"] + COURSE_POINTS["04_compute_loss"]
    assert "ignored: scratch.ipynb" in data["tests"][0]["output"]


def test_tampered_metadata_neither_drops_a_check_nor_lowers_the_maximum(autograder_root):
    tampered = stub("04_compute_loss")
    tampered.metadata["grader"] = {"checks": []}
    data = run_autograder(autograder_root, {"04_compute_loss.ipynb": tampered})
    assert points(data, "04_compute_loss") == (0, COURSE_POINTS["04_compute_loss"])


def test_a_submission_without_a_notebook_scores_zero_of_the_whole_course(autograder_root):
    data = run_autograder(autograder_root, {"answers.txt": "my answers are in my head"})
    assert data["score"] == 0 and sum(t["max_score"] for t in data["tests"]) == COURSE_TOTAL
    assert data["tests"][0]["status"] == "failed"
    assert "not found in your submission" in data["tests"][1]["output"]
