"""The grading image installs exactly what `make install` does, and runs as a non-root user."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_the_image_installs_from_the_same_constraints_file_as_make_install():
    constraints = re.search(r"^CONSTRAINTS := (\S+)$", MAKEFILE, re.M).group(1)
    assert "-c $(CONSTRAINTS)" in MAKEFILE
    assert f"-c {constraints} -e ." in DOCKERFILE
    assert f"COPY {constraints.split('/')[0]}/" in DOCKERFILE


def test_the_image_has_the_sandbox_and_the_course_and_drops_root():
    assert "bubblewrap" in DOCKERFILE and "COPY solutions/" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] != "root"


def test_every_folder_the_image_copies_exists():
    for folder in re.findall(r"^COPY (\S+)/ ", DOCKERFILE, re.M):
        assert (ROOT / folder).is_dir(), folder
