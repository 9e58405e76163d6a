"""Where the learner notebooks are: beside the package when installed from a wheel (copied
there by `setup.py`'s build step), or in the checkout's `notebooks/` (an editable install)."""

from __future__ import annotations

from pathlib import Path

PACKAGED_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
"""The learner notebooks inside an installed wheel (not in git: the build copies them)."""
CHECKOUT = Path(__file__).resolve().parents[2]
"""The repository, when the package is used from a checkout."""


def learner_notebooks_dir() -> Path:
    """The folder holding the course's learner notebooks (`01_data.ipynb`, ...).

    Raises FileNotFoundError, saying how to fix it, when the installation has none.
    """
    candidates = [PACKAGED_NOTEBOOKS]
    if (CHECKOUT / "pyproject.toml").is_file():
        candidates.insert(0, CHECKOUT / "notebooks")
    for folder in candidates:
        if any(folder.glob("*.ipynb")):
            return folder
    raise FileNotFoundError(
        f"the course's notebooks are not installed (looked in {', '.join(map(str, candidates))}):"
        " reinstall the course from its wheel or repository (`pip install bilstm-ner-course` "
        "from a wheel, or `pip install .` in a checkout)"
    )


def learner_notebooks() -> list[Path]:
    """The learner notebooks, sorted by name (which is the course's order)."""
    return sorted(learner_notebooks_dir().glob("*.ipynb"))
