"""A fresh venv holding only a wheel of the course, for the tests of what gets installed."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path


def venv_with_wheel(wheel: Path, folder: Path) -> Path:
    """Create a venv at `folder` with `wheel` installed (`--no-deps`) and return its python.

    Its dependencies (TensorFlow and the rest) are this environment's, reached through a .pth
    file, so nothing is downloaded and the course's code is the wheel's, not the checkout's.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "course-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True)
    return python
