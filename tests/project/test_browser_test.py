"""Does the browser test judge a notebook as a learner sees it, and serve it as a learner's lab?

The browser itself runs in `make test-browser`; these check its judging and set-up, no browser.
"""

from __future__ import annotations

import json

from tools.browser_cells import find_problems, running_cell
from tools.jupyterlab_server import lab_command, learner_environment, write_lab_settings


def cell(index, source="x = 1", *, outputs=(), stderr=(), images=0, text="", prompt="[1]:"):
    return {
        "index": index,
        "type": "code",
        "source": source,
        "execution_count": None if prompt in ("[ ]:", "[*]:") else 1,
        "prompt": prompt,
        "outputs": list(outputs),
        "stderr_boxes": list(stderr),
        "images": images,
        "text": text,
    }


CLEAN = [cell(0, "plot()", images=1), cell(1, "print(check())", text="6/6 points: all passed")]


def test_a_clean_run_with_a_plot_and_a_report_has_no_problem():
    assert find_problems(CLEAN) == []


def test_a_stderr_box_names_the_cell_and_shows_its_text():
    cells = [*CLEAN, cell(2, "import tensorflow as tf", stderr=["I0000 cudart_stub.cc:31] ..."])]
    assert find_problems(cells) == [
        "cell 3/3 (`import tensorflow as tf`) shows a stderr box: I0000 cudart_stub.cc:31] ..."
    ]


def test_an_error_is_reported_once_with_its_name_and_the_cells_after_it_as_not_run():
    error = {"output_type": "error", "name": "", "ename": "ZeroDivisionError", "evalue": "oops"}
    cells = [
        *CLEAN,
        cell(2, "1/0", outputs=[error], stderr=["Traceback ..."]),
        cell(3, "y = 2", prompt="[ ]:"),
    ]
    assert find_problems(cells) == [
        "cell 3/4 (`1/0`) raised ZeroDivisionError: oops",
        "1 code cell(s) did not run, the first cell 4/4 (`y = 2`)",
    ]


def test_a_missing_plot_and_a_missing_report_are_problems():
    problems = find_problems([cell(0)])
    assert [problem.split(":")[0] for problem in problems] == [
        "no plot is shown",
        "no check report is shown",
    ]


def test_the_cell_still_running_is_named():
    assert running_cell([cell(0), cell(1, "train()", prompt="[*]:")]) == "cell 2/2 (`train()`)"
    assert running_cell(CLEAN) is None


def test_the_lab_runs_without_the_makefiles_and_pytests_variables(tmp_path):
    environment = learner_environment(
        {"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTEST_CURRENT_TEST": "t"}, tmp_path
    )
    assert environment["PATH"] == "/bin"
    assert "TF_CPP_MIN_LOG_LEVEL" not in environment and "PYTEST_CURRENT_TEST" not in environment
    assert environment["JUPYTERLAB_SETTINGS_DIR"].startswith(str(tmp_path))


def test_lab_settings_render_every_cell_and_fetch_no_news(tmp_path):
    write_lab_settings(tmp_path)
    tracker = tmp_path / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    assert json.loads(tracker.read_text())["windowingMode"] == "none"


def test_the_lab_command_allows_root_only_as_root(monkeypatch, tmp_path):
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert "--allow-root" in lab_command(tmp_path, 8888, "t")
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert "--allow-root" not in lab_command(tmp_path, 8888, "t")
