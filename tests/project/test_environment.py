"""environment.yml (conda/Binder), pyproject.toml and the pinned constraints must agree."""

from __future__ import annotations

import pytest

from tools.sync_environment import (
    ENVIRONMENT,
    PYPROJECT,
    direct_dependencies,
    read_pins,
    render_environment,
)


def test_environment_yml_matches_pyproject_and_constraints():
    from tools.sync_environment import expected_environment

    assert ENVIRONMENT.read_text(encoding="utf-8") == expected_environment(), (
        "environment.yml is out of date: run `python -m tools.sync_environment`"
    )


def test_every_direct_dependency_is_pinned():
    from tools.sync_environment import CONSTRAINTS

    pins = read_pins(CONSTRAINTS.read_text(encoding="utf-8"))
    names = direct_dependencies(PYPROJECT.read_text(encoding="utf-8"))
    assert "tensorflow" in names
    assert [name for name in names if name not in pins] == []


def test_names_are_normalised_so_underscores_and_dashes_match():
    assert read_pins("tf_keras==2.21.0\n") == {"tf-keras": "2.21.0"}


def test_a_dependency_without_a_pin_is_reported_with_the_fix():
    with pytest.raises(ValueError, match=r"no pin for seqeval.*make lock"):
        render_environment(["numpy", "seqeval"], {"numpy": "2.0"})


def test_a_malformed_constraints_line_names_the_line():
    with pytest.raises(ValueError, match="line 2"):
        read_pins("numpy==2.0\nseqeval>=1\n")


def test_back_ports_for_old_pythons_are_not_pinned():
    text = (
        '[project]\ndependencies = ["numpy"]\n'
        "[project.optional-dependencies]\n"
        "dev = [\"tomli>=2; python_version < '3.11'\"]\n"
    )
    assert direct_dependencies(text) == ["numpy"]
