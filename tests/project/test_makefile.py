"""`make lab` runs as root (a container) and as a normal user: the command make would run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def lab_command(*variables: str) -> str:
    """The `jupyter lab` line `make -n lab` prints (nothing is run)."""
    done = subprocess.run(
        ["make", "-n", "lab", *variables], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (line,) = [line for line in done.stdout.splitlines() if "jupyter lab" in line]
    return line


def test_as_root_make_lab_allows_root():
    assert lab_command("USER_ID=0").split()[-1] == "--allow-root"


def test_as_a_normal_user_make_lab_does_not_allow_root():
    assert "--allow-root" not in lab_command("USER_ID=1000")


def test_the_user_is_read_from_id_by_default():
    as_root = subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0"
    assert ("--allow-root" in lab_command()) == as_root


def test_lab_arguments_still_pass_through():
    assert lab_command("USER_ID=1000", "LAB_ARGS=--no-browser").endswith("--no-browser")
