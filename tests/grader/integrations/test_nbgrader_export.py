"""`python -m grader export nbgrader`: the cells, kernel and configuration it writes, for every
course notebook (no nbgrader needed; the round trip through nbgrader is in
test_nbgrader_round_trip.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_files import COURSE_POINTS, ROOT

from grader.batch.submissions import UsageError
from grader.integrations import nbgrader_kernel
from grader.integrations.nbgrader_export import KERNEL_NAME, check_call, export_course


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    course_dir = tmp_path_factory.mktemp("nbgrader") / "course"
    export_course(course_dir)
    return course_dir


def source(course_dir: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(course_dir / "source" / name / f"{name}.ipynb", as_version=4)


def kind(cell: nbformat.NotebookNode) -> str:
    meta = cell.metadata["nbgrader"]
    return "grade" if meta["grade"] else "solution" if meta["solution"] else "locked"


def test_every_course_notebook_with_checks_becomes_an_assignment(exported):
    assert sorted(p.name for p in (exported / "source").iterdir()) == sorted(COURSE_POINTS)


@pytest.mark.parametrize("name", sorted(COURSE_POINTS))
def test_autograded_cells_are_worth_the_notebooks_points(exported, name):
    grade_cells = [c for c in source(exported, name).cells if kind(c) == "grade"]
    assert grade_cells and all(c.metadata["nbgrader"]["locked"] for c in grade_cells)
    assert sum(c.metadata["nbgrader"]["points"] for c in grade_cells) == COURSE_POINTS[name]


@pytest.mark.parametrize("name", sorted(COURSE_POINTS))
def test_solution_regions_are_solution_cells_and_every_other_cell_is_locked(exported, name):
    notebook = source(exported, name)
    for cell in notebook.cells:
        expected = "solution" if "### BEGIN SOLUTION" in cell.source else {"grade", "locked"}
        assert kind(cell) in expected, cell.source[:80]
        assert cell.get("outputs", []) == []
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells]
    assert len(ids) == len(set(ids))
    assert notebook.metadata["kernelspec"]["name"] == KERNEL_NAME


def test_the_autograded_cell_prints_the_report_outputs_the_score_and_raises_at_zero(exported):
    (cell,) = [c for c in source(exported, "05_training").cells if kind(c) == "grade"]
    assert "report = check_embedding_training(BiLSTMTagger, train_step=train_step)" in cell.source
    assert f"assert report.max_score == {COURSE_POINTS['05_training']:g}," in cell.source
    assert 'assert report.score > 0, "no points yet' in cell.source
    assert cell.source.splitlines()[-1] == "report.score"


def test_the_kernel_runs_this_interpreter_through_the_checking_launcher(exported):
    spec = json.loads((exported / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["argv"][-2:] == ["-f", "{connection_file}"]
    assert "grader.integrations.nbgrader_kernel import main" in spec["argv"][2]
    assert spec["env"]["TF_CPP_MIN_LOG_LEVEL"] == "2"


def test_the_configuration_names_the_course_its_kernel_folder_and_a_long_cell_timeout(exported):
    text = (exported / "nbgrader_config.py").read_text()
    compile(text, "nbgrader_config.py", "exec")
    assert "c.CourseDirectory.root = HERE" in text and "c.Execute.timeout = 600" in text
    assert 'os.environ["JUPYTER_PATH"]' in text


def test_exporting_again_rewrites_only_its_own_files(tmp_path):
    (tmp_path / "gradebook.db").write_text("nbgrader's")
    first = export_course(tmp_path, ROOT / "solutions" / "04_compute_loss.ipynb")
    second = export_course(tmp_path, ROOT / "solutions" / "04_compute_loss.ipynb")
    assert first == second and (tmp_path / "gradebook.db").read_text() == "nbgrader's"


def test_a_python_that_cannot_import_the_course_is_refused(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    with pytest.raises(UsageError, match="cannot run the course: bilstm-ner course kernel"):
        export_course(tmp_path / "course", python=str(venv / "bin" / "python"))


def test_the_launcher_names_what_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(nbgrader_kernel, "REQUIRED", ("bilstm_ner", "no_such_module"))
    assert nbgrader_kernel.main(["--check"]) == 1
    assert "cannot import no_such_module" in capsys.readouterr().err


def test_the_check_call_is_found_wherever_the_cell_puts_it():
    assert check_call("print(check_pad_sentences(pad_sentences))", "pad_sentences") == (
        "check_pad_sentences(pad_sentences)"
    )
    assert check_call("check_build_layers(BiLSTMTagger)", "compute_loss") is None
