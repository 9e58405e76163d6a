"""The course as a learner installs it: the wheel `python -m build` makes, installed into a fresh
venv outside the checkout, brings `bilstm_ner`, `grader` and the learner notebooks; its
`bilstm-ner-course start --no-browser` copies them and launches JupyterLab (a stub here, so no
server is left running), one copied notebook runs headless there, and `grade` grades it.

The venv gets the wheel only (`--no-deps`); TensorFlow and the other dependencies come from the
environment running the tests through a .pth file, so nothing is downloaded. Takes about 30 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.wheel_venv import venv_with_wheel

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
STUB_JUPYTER_LAB = """#!/bin/sh
# Stands in for JupyterLab: records how it was started, then exits.
python3 -c 'import json, os, sys; json.dump({"argv": sys.argv[1:], "cwd": os.getcwd()}, \
open(os.environ["LAUNCH_RECORD"], "w"))' "$@"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist and wheel `python -m build` makes (the wheel built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    egg_info = ROOT / "bilstm_ner_course.egg-info"  # the sdist step writes it into the checkout
    existed = egg_info.exists()
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if not existed:
        shutil.rmtree(egg_info, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed; returns its bin folder."""
    folder = tmp_path_factory.mktemp("learner") / "venv"
    venv_with_wheel(built["wheel"], folder)
    return folder / "bin"


@pytest.fixture(scope="module")
def started(venv, tmp_path_factory) -> dict:
    """`bilstm-ner-course start --no-browser` run in an empty folder, with a stub jupyter-lab."""
    home = tmp_path_factory.mktemp("home")
    stub = home / "stub-bin" / "jupyter-lab"
    stub.parent.mkdir()
    stub.write_text(STUB_JUPYTER_LAB, encoding="utf-8")
    stub.chmod(0o755)
    record = home / "launch.json"
    env = {
        **os.environ,
        "PATH": f"{stub.parent}{os.pathsep}{venv}{os.pathsep}/usr/bin:/bin",
        "LAUNCH_RECORD": str(record),
    }
    command = [str(venv / "bilstm-ner-course"), "start", "--no-browser"]
    done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return {
        "folder": home / "bilstm-ner-course",
        "stdout": done.stdout,
        "launch": json.loads(record.read_text()),
        "env": env,
    }


def test_the_wheel_holds_both_packages_and_every_learner_notebook_but_no_solution(built):
    names = zipfile.ZipFile(built["wheel"]).namelist()
    assert "bilstm_ner/course/cli.py" in names and "grader/batch/cli.py" in names
    packaged = sorted(n.rsplit("/", 1)[1] for n in names if n.endswith(".ipynb"))
    assert packaged == NOTEBOOKS
    assert all(n.startswith("bilstm_ner/course/notebooks/") for n in names if n.endswith(".ipynb"))
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "tools/"))]


def test_the_wheel_declares_the_console_command(built):
    with zipfile.ZipFile(built["wheel"]) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "bilstm-ner-course = bilstm_ner.course.cli:main" in text


def test_the_installed_packages_are_the_wheels_not_the_checkout(venv, tmp_path):
    code = "import bilstm_ner, grader; print(bilstm_ner.__file__); print(grader.__file__)"
    done = subprocess.run(
        [str(venv / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert Path(line).is_relative_to(venv.parent) and not Path(line).is_relative_to(ROOT)


def test_start_copies_every_notebook_and_launches_jupyter_lab_there(started):
    assert sorted(path.name for path in started["folder"].glob("*.ipynb")) == NOTEBOOKS
    assert started["launch"]["cwd"] == str(started["folder"])
    assert "--no-browser" in started["launch"]["argv"]
    assert ("--allow-root" in started["launch"]["argv"]) == (os.geteuid() == 0)
    assert f"Copied {len(NOTEBOOKS)} notebook(s)" in started["stdout"]


def test_a_copied_notebook_runs_headless_with_the_installed_course(started, venv):
    code = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "notebook = nbformat.read('01_data.ipynb', as_version=4)\n"
        "NotebookClient(notebook, timeout=300, kernel_name='python3').execute()\n"
        "nbformat.write(notebook, 'executed.ipynb')\n"
    )
    done = subprocess.run(
        [str(venv / "python"), "-c", code],
        cwd=started["folder"],
        env=started["env"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    executed = nbformat.read(started["folder"] / "executed.ipynb", as_version=4)
    outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]


def test_grade_grades_a_copied_notebook_with_the_packaged_course(started, venv, tmp_path):
    results = tmp_path / "results.json"
    command = [str(venv / "bilstm-ner-course"), "grade", "01_data.ipynb", "--json", str(results)]
    done = subprocess.run(
        command, cwd=started["folder"], env=started["env"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (submission,) = json.loads(results.read_text())["submissions"]
    assert submission["max_score"] == 15 and submission["status"] == "graded", submission["errors"]


def test_start_again_after_an_edit_keeps_the_learners_notebook(started, venv):
    edited = started["folder"] / "02_embeddings.ipynb"
    edited.write_text(edited.read_text() + " ", encoding="utf-8")
    command = [str(venv / "bilstm-ner-course"), "start", "--copy-only"]
    done = subprocess.run(
        command, cwd=started["folder"].parent, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Kept your edited 02_embeddings.ipynb" in done.stdout
    assert edited.read_text().endswith(" ")


def test_the_sdist_carries_the_notebooks_the_wheel_is_built_from(built):
    import tarfile

    with tarfile.open(built["sdist"]) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert sorted(n for n in names if n.startswith("notebooks/")) == [
        f"notebooks/{name}" for name in NOTEBOOKS
    ]
    assert "setup.py" in names and not [n for n in names if n.startswith("solutions/")]
