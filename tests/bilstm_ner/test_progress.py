"""Is a progress bar a widget in Jupyter, plain text under nbval, and tqdm's bar in a terminal?"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from bilstm_ner import progress
from bilstm_ner.progress import PROGRESS_VARIABLE, progress_bar, progress_style

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_outside_a_kernel_the_bar_is_tqdms_on_stderr(capsys):
    assert progress_style() == "terminal"
    for _ in progress_bar(range(3), desc="steps", mininterval=0):
        pass
    captured = capsys.readouterr()
    assert "steps: 100%" in captured.err and captured.out == ""


def test_in_a_kernel_under_nbval_the_bar_is_plain_text_on_stdout(monkeypatch, capsys):
    monkeypatch.setattr(progress, "in_jupyter_kernel", lambda: True)
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "nbval")
    assert progress_style() == "stdout"
    for _ in progress_bar(range(3), desc="steps", mininterval=0):
        pass
    captured = capsys.readouterr()
    assert "steps: 100%" in captured.out and captured.err == ""


def test_the_variable_asks_for_plain_text_in_a_kernel(monkeypatch):
    monkeypatch.setattr(progress, "in_jupyter_kernel", lambda: True)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.setenv(PROGRESS_VARIABLE, "text")
    assert progress_style() == "stdout"


def test_in_a_kernel_with_ipywidgets_the_bar_is_a_widget(monkeypatch):
    monkeypatch.setattr(progress, "in_jupyter_kernel", lambda: True)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(PROGRESS_VARIABLE, raising=False)
    assert progress_style() == "widget"


def run_cell(source: str) -> list:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return notebook.cells[0].outputs


@pytest.mark.parametrize("under_nbval", [False, True], ids=["jupyter", "nbval"])
def test_a_real_kernel_shows_a_widget_or_text_and_never_stderr(monkeypatch, under_nbval):
    if not under_nbval:
        monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(PROGRESS_VARIABLE, raising=False)
    outputs = run_cell(
        "from bilstm_ner.progress import progress_bar\n"
        "for _ in progress_bar(range(3), desc='steps'):\n"
        "    pass\n"
    )
    assert [output for output in outputs if output.get("name") == "stderr"] == []
    widgets = [output for output in outputs if WIDGET_VIEW in output.get("data", {})]
    text = "".join(output.get("text", "") for output in outputs if output.get("name") == "stdout")
    if under_nbval:
        assert widgets == [] and "steps: 100%" in text
    else:
        assert len(widgets) == 1 and text == ""
