"""One setting, the address in pyproject.toml, decides the badges of the README and of every
learner notebook and their install cell; while it is unset they say the course is unpublished."""

from __future__ import annotations

import nbformat
import pytest

from bilstm_ner.course.setup_cell import install_cell_source
from tools.course_links import (
    NOT_PUBLISHED,
    README,
    badges,
    readme_problems,
    readme_with_badges,
    repository_address,
)
from tools.make_notebooks import NOTEBOOKS_DIR

LEARNER_NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def pyproject(tmp_path, urls: str = ""):
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\n{urls}', encoding="utf-8")
    return path


def test_the_address_is_read_from_project_urls(tmp_path):
    path = pyproject(tmp_path, '[project.urls]\nRepository = "https://github.com/ada/course"\n')
    assert repository_address(path) == "https://github.com/ada/course"


def test_no_project_urls_means_not_published(tmp_path):
    assert repository_address(pyproject(tmp_path)) is None


def test_a_placeholder_means_not_published(tmp_path):
    urls = '[project.urls]\nRepository = "https://github.com/OWNER/bilstm-ner-course"\n'
    assert repository_address(pyproject(tmp_path, urls)) is None


def test_unpublished_badges_say_so_and_link_nowhere():
    assert badges(None, "notebooks/01_data.ipynb") == NOT_PUBLISHED
    assert "not published" in NOT_PUBLISHED and "](" not in NOT_PUBLISHED


def test_the_readme_block_is_rewritten_and_the_rest_kept():
    readme = "# T\n\n<!-- badges: from pyproject -->\nold\n<!-- /badges -->\n\nText\n"
    rewritten = readme_with_badges(readme, "https://github.com/ada/course")
    assert rewritten.startswith("# T\n\n<!-- badges: from pyproject -->\n[![Open in Colab]")
    assert "old" not in rewritten and rewritten.endswith("<!-- /badges -->\n\nText\n")
    assert "mybinder.org/v2/gh/ada/course/HEAD?labpath=notebooks%2F01_data.ipynb" in rewritten


def test_an_address_that_is_not_github_stops_make_notebooks_with_a_message(
    tmp_path, monkeypatch, capsys
):
    from tools import make_notebooks

    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), solutions / "01_x.ipynb")
    gitlab = pyproject(tmp_path, '[project.urls]\nRepository = "https://gitlab.com/ada/c"\n')
    monkeypatch.setattr(make_notebooks, "repository_address", lambda: repository_address(gitlab))
    code = make_notebooks.main(["--solutions", str(solutions), "--notebooks", str(tmp_path)])
    assert code == 2 and "https://github.com/OWNER/NAME" in capsys.readouterr().err


def test_a_readme_without_the_block_is_an_error():
    with pytest.raises(ValueError, match="badges"):
        readme_with_badges("# T\n", None)


def test_the_readme_agrees_with_pyproject():
    assert readme_problems() == [], "run `make notebooks`"
    assert "github.com/OWNER" not in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", LEARNER_NOTEBOOKS, ids=lambda path: path.name)
def test_each_learner_notebook_agrees_with_pyproject(path):
    notebook = nbformat.read(path, as_version=4)
    address = repository_address()
    assert badges(address, f"notebooks/{path.name}") in notebook.cells[0].source
    assert notebook.cells[1].source == install_cell_source(address)
    assert "github.com/OWNER" not in path.read_text(encoding="utf-8")
