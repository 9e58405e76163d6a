"""Progress bars that suit where they run: a widget in Jupyter, plain text elsewhere.

tqdm's default writes to stderr, which a notebook shows as a pink box that looks like an
error. In a Jupyter kernel with ipywidgets (JupyterLab, Colab, VS Code) `progress_bar` is
tqdm's widget; under nbval, when `BILSTM_NER_PROGRESS=text` is set (as `make solutions`
does: an executed notebook has no browser to draw a widget) or without ipywidgets, it is
plain text on stdout; in a terminal, tqdm's usual bar on stderr.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm

PROGRESS_VARIABLE = "BILSTM_NER_PROGRESS"
"""Set it to `text` for plain-text bars even in a kernel with widgets."""


def in_jupyter_kernel() -> bool:
    """True when running inside a Jupyter (IPython) kernel, not a terminal or plain Python."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


def progress_style() -> str:
    """`widget`, `stdout` (plain text in a kernel) or `terminal` (tqdm on stderr)."""
    if not in_jupyter_kernel():
        return "terminal"
    plain = os.environ.get(PROGRESS_VARIABLE) == "text" or "PYTEST_CURRENT_TEST" in os.environ
    if plain or importlib.util.find_spec("ipywidgets") is None:
        return "stdout"
    return "widget"


def progress_bar(iterable: Iterable | None = None, **options: Any) -> tqdm:
    """A tqdm bar over `iterable` (tqdm's keyword `options`) drawn as `progress_style()` says."""
    style = progress_style()
    if style == "widget":
        from tqdm.notebook import tqdm as widget_tqdm

        return widget_tqdm(iterable, **options)
    options.setdefault("file", sys.stdout if style == "stdout" else sys.stderr)
    return tqdm(iterable, **options)
