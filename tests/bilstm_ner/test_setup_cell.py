"""The install cell: where the course is installed nothing runs; where it is missing (Colab),
exactly one pip command installs it from the course's address, or, unpublished, it says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bilstm_ner.course.setup_cell import install_cell_source, is_install_cell, published_address

ADDRESS = "https://github.com/ada/bilstm-ner-course"


@pytest.fixture
def pip_runs(monkeypatch):
    """The commands the cell runs (recorded, never run)."""
    commands = []
    monkeypatch.setattr(subprocess, "run", lambda command, **kw: commands.append((command, kw)))
    return commands


@pytest.fixture
def course_missing(monkeypatch):
    """`import bilstm_ner` fails, as on Colab before the course is installed."""
    monkeypatch.setitem(sys.modules, "bilstm_ner", None)


def run_cell(address: str | None) -> None:
    exec(install_cell_source(address), {})


def test_where_the_course_is_installed_nothing_runs(pip_runs, capsys):
    run_cell(ADDRESS)
    assert pip_runs == []
    assert capsys.readouterr().out == "The course is installed: nothing to do.\n"


def test_where_it_is_missing_the_course_is_installed_from_its_address(
    course_missing, pip_runs, capsys
):
    run_cell(ADDRESS)
    command = [sys.executable, "-m", "pip", "install", "--quiet", f"git+{ADDRESS}"]
    assert pip_runs == [(command, {"check": True})]
    assert capsys.readouterr().out == (
        f"Installing the course: pip install --quiet git+{ADDRESS}\n"
        f"Installed the course from {ADDRESS}\n"
    )


def test_a_failed_pip_install_stops_the_cell(course_missing, monkeypatch):
    def fail(command, check):
        raise subprocess.CalledProcessError(1, command)

    monkeypatch.setattr(subprocess, "run", fail)
    with pytest.raises(subprocess.CalledProcessError):
        run_cell(ADDRESS)


def test_unpublished_and_installed_nothing_runs(pip_runs, capsys):
    run_cell(None)
    assert pip_runs == [] and "nothing to do" in capsys.readouterr().out


def test_unpublished_and_missing_says_so_and_installs_nothing(course_missing, pip_runs):
    with pytest.raises(ModuleNotFoundError, match="not published yet"):
        run_cell(None)
    assert pip_runs == []


@pytest.mark.parametrize(
    "url",
    [None, "", "https://github.com/OWNER/bilstm-ner-course", "https://github.com/<owner>/x"],
    ids=["unset", "empty", "OWNER", "angle-brackets"],
)
def test_an_unset_or_placeholder_address_is_not_published(url):
    assert published_address(url) is None


def test_a_real_address_is_kept_without_a_trailing_slash_or_dot_git():
    assert published_address(f"{ADDRESS}.git") == ADDRESS
    assert published_address(f"{ADDRESS}/") == ADDRESS


def test_an_address_not_on_github_is_an_error_saying_why():
    with pytest.raises(ValueError, match="Colab and Binder"):
        published_address("https://gitlab.com/ada/bilstm-ner-course")


@pytest.mark.parametrize("address", [None, ADDRESS])
def test_the_cell_is_recognised_exactly(address):
    source = install_cell_source(address)
    assert is_install_cell(source)
    assert not is_install_cell(source + "\nimport os")
    assert not is_install_cell(source.replace("print(", "exec(", 1))
    assert not is_install_cell("import os\n" + source)
