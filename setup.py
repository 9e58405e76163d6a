"""Build step of the package (everything else is in pyproject.toml): the learner notebooks in
`notebooks/` go into the wheel as `bilstm_ner/course/notebooks/`, so an installed course can
copy them out (`bilstm-ner-course start`). An editable install reads `notebooks/` in place."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
TARGET = Path("bilstm_ner", "course", "notebooks")


class BuildWithNotebooks(build_py):
    """`build_py`, then copy the learner notebooks into the built package."""

    def run(self) -> None:
        """Build the packages, then add the notebooks (refusing to build a course without)."""
        super().run()
        if self.editable_mode:
            return
        notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
        if not notebooks:
            raise SystemExit(f"no learner notebooks in {NOTEBOOKS}: run `make notebooks` first")
        target = Path(self.build_lib) / TARGET
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.ipynb"):
            stale.unlink()
        for notebook in notebooks:
            shutil.copyfile(notebook, target / notebook.name)


setup(cmdclass={"build_py": BuildWithNotebooks})
