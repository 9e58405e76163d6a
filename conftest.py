"""Repository-wide pytest hooks for the notebook runs (`pytest --nbval solutions/`).

Under pytest, ipykernel does not capture C-level output, so TensorFlow's C++ log lines are in the
outputs stored from Jupyter but never in an nbval run. stderr is therefore never compared.
"""

from __future__ import annotations


def pytest_collectstart(collector) -> None:
    """Tell nbval not to compare stderr outputs of notebook cells."""
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")
