"""The notebook generator: solution regions become stubs, outputs go, markers are policed."""

from __future__ import annotations

import nbformat
import pytest

from bilstm_ner.course.setup_cell import INSTALL_CELL_ID, install_cell_source
from tools.course_links import NOT_PUBLISHED
from tools.make_notebooks import (
    SolutionMarkerError,
    generate,
    main,
    make_learner_notebook,
    out_of_date,
    render,
    strip_solution,
)

METHOD = """class Tagger:
    def call(self, x):
        ### BEGIN SOLUTION
        y = x + 1
        return y
        ### END SOLUTION
"""


def make_solution(*sources: str, markdown: str = "# Title") -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(markdown, id="title")]
    for number, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, id=f"code-{number}")
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret 42\n")]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["grader"] = {"checks": ["compute_loss"]}
    return notebook


def test_solution_region_becomes_stub_at_the_markers_indentation():
    assert strip_solution(METHOD, where="x") == (
        "class Tagger:\n"
        "    def call(self, x):\n"
        "        # YOUR CODE HERE\n"
        "        raise NotImplementedError()\n"
    )


def test_code_outside_markers_is_kept_verbatim():
    source = (
        "import numpy as np\n\ndef f(x):\n"
        "    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\nprint(f)"
    )
    stripped = strip_solution(source, where="x")
    assert stripped.startswith("import numpy as np\n\ndef f(x):\n")
    assert stripped.endswith("\n\nprint(f)")


def test_two_regions_in_one_cell_are_both_replaced():
    source = (
        METHOD
        + "\n    def other(self):\n"
        + "        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION"
    )
    stripped = strip_solution(source, where="x")
    assert stripped.count("raise NotImplementedError()") == 2
    assert "y = x + 1" not in stripped and "pass" not in stripped


def test_stubbed_function_compiles_and_raises_not_implemented():
    namespace: dict = {}
    exec(strip_solution(METHOD, where="x"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["Tagger"]().call(1)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION", "nested"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("x = 1\n### END SOLUTION", "without a `### BEGIN SOLUTION`"),
        ("x = 1  ### BEGIN SOLUTION\n### END SOLUTION", "alone on its line"),
    ],
    ids=["nested", "unclosed", "stray-end", "inline"],
)
def test_malformed_markers_are_errors_naming_notebook_cell_and_line(source, expected):
    solution = make_solution("x = 0", source)
    with pytest.raises(SolutionMarkerError, match=expected) as error:
        make_learner_notebook(solution, solution_name="03_model.ipynb")
    assert "03_model.ipynb, cell 2 (code)" in str(error.value)
    assert "line " in str(error.value)


def test_markers_in_a_markdown_cell_are_an_error():
    solution = make_solution("x = 0", markdown="### BEGIN SOLUTION\nanswer\n### END SOLUTION")
    with pytest.raises(SolutionMarkerError, match="only supported in code cells"):
        make_learner_notebook(solution, solution_name="01_data.ipynb")


def test_outputs_and_execution_counts_are_cleared():
    learner = make_learner_notebook(make_solution(METHOD, "print(1)"), solution_name="n.ipynb")
    code_cells = [cell for cell in learner.cells if cell.cell_type == "code"]
    assert [cell.outputs for cell in code_cells] == [[], [], []]  # the install cell, then two
    assert [cell.execution_count for cell in code_cells] == [None, None, None]


def test_the_first_cell_is_the_learners_title_with_badges_not_a_note_for_maintainers():
    learner = make_learner_notebook(make_solution("x = 1"), solution_name="02_embeddings.ipynb")
    first = learner.cells[0]
    assert first.cell_type == "markdown" and first.source == f"# Title\n\n{NOT_PUBLISHED}"
    assert "do not edit" not in first.source and "solutions/" not in first.source


def test_the_generated_note_is_in_the_notebook_metadata():
    learner = make_learner_notebook(make_solution("x = 1"), solution_name="02_embeddings.ipynb")
    note = learner.metadata["generated"]
    assert note["from"] == "solutions/02_embeddings.ipynb"
    assert "do not edit" in note["note"] and "make notebooks" in note["note"]


def test_badges_open_this_notebook_on_colab_and_binder_at_the_address():
    learner = make_learner_notebook(
        make_solution("x = 1"),
        solution_name="03_model.ipynb",
        address="https://github.com/ada/course",
    )
    title = learner.cells[0].source
    colab = "https://colab.research.google.com/github/ada/course/blob/main/notebooks/03_model.ipynb"
    assert f"({colab})" in title
    assert (
        "(https://mybinder.org/v2/gh/ada/course/HEAD?labpath=notebooks%2F03_model.ipynb)" in title
    )


@pytest.mark.parametrize("address", [None, "https://github.com/ada/course"])
def test_the_install_cell_comes_second_and_is_skipped_when_grading(address):
    learner = make_learner_notebook(
        make_solution("x = 1"), solution_name="n.ipynb", address=address
    )
    install = learner.cells[1]
    assert install.cell_type == "code" and install.id == INSTALL_CELL_ID
    assert install.source == install_cell_source(address)
    assert install.metadata["tags"] == ["skip-when-grading"]
    assert [cell.source for cell in learner.cells[2:]] == ["x = 1"]


def test_solution_notebook_is_not_modified_and_metadata_and_tags_are_kept():
    solution = make_solution(METHOD)
    solution.cells[1].metadata["tags"] = ["skip-when-grading"]
    before = nbformat.writes(solution)
    learner = make_learner_notebook(solution, solution_name="n.ipynb")
    assert nbformat.writes(solution) == before
    assert learner.metadata["grader"] == {"checks": ["compute_loss"]}
    assert learner.cells[2].metadata["tags"] == ["skip-when-grading"]


def test_generated_notebook_is_valid_nbformat(tmp_path):
    path = tmp_path / "01_x.ipynb"
    nbformat.write(make_solution(METHOD), path)
    nbformat.validate(nbformat.reads(render(path), as_version=4))


def test_generate_is_idempotent_and_then_nothing_is_out_of_date(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(make_solution(METHOD), solutions / "01_x.ipynb")
    generate(solutions, notebooks)
    first = (notebooks / "01_x.ipynb").read_bytes()
    generate(solutions, notebooks)
    assert (notebooks / "01_x.ipynb").read_bytes() == first
    assert out_of_date(solutions, notebooks) == []


def test_generate_removes_orphans_and_check_reports_them(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    notebooks.mkdir()
    nbformat.write(make_solution("x = 1"), solutions / "01_x.ipynb")
    (notebooks / "09_old.ipynb").write_text("{}", encoding="utf-8")
    assert out_of_date(solutions, notebooks) == [
        "notebooks/09_old.ipynb has no solutions/09_old.ipynb: delete it or add the solution",
        "notebooks/01_x.ipynb is missing",
    ]
    generate(solutions, notebooks)
    assert sorted(path.name for path in notebooks.iterdir()) == ["01_x.ipynb"]


def test_check_mode_fails_on_a_stale_notebook_and_writes_nothing(tmp_path, capsys):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(make_solution(METHOD), solutions / "01_x.ipynb")
    generate(solutions, notebooks)
    nbformat.write(make_solution(METHOD, "print(2)"), solutions / "01_x.ipynb")
    stale = (notebooks / "01_x.ipynb").read_bytes()
    arguments = ["--solutions", str(solutions), "--notebooks", str(notebooks), "--check"]
    assert main(arguments) == 1
    assert "differs" in capsys.readouterr().err
    assert (notebooks / "01_x.ipynb").read_bytes() == stale


def test_command_line_reports_marker_errors_without_writing(tmp_path, capsys):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(make_solution("### BEGIN SOLUTION\nx = 1"), solutions / "01_x.ipynb")
    assert main(["--solutions", str(solutions), "--notebooks", str(notebooks)]) == 2
    assert "01_x.ipynb, cell 1" in capsys.readouterr().err
    assert not (notebooks / "01_x.ipynb").exists()
