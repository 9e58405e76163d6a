"""Broken and malicious submissions, graded together in one batch (2 kernels at a time).

Each gets a clear result with the reason, and none stops the batch. The checks are the toy,
TensorFlow-free `double` check (`toy_checks.py`): `double(x)` must return 2 * x; "right
shape" is worth 1 point, "doubles every value" 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat.v4 as v4
import pytest

from conftest import DOUBLE, toy_options, write_notebook
from grader.batch import SubmissionResult, grade_paths

WRONG = "def double(x):\n    return x"  # right shape, wrong values: 1 of 3 points
TIMEOUT = 10.0
MEMORY_LIMIT_MB = 400.0

# A fake probe that writes whatever `body` builds into the results folder it is given, and
# seals it as the real probe does: the results the tool then reads are hostile.
FAKE_PROBE = """
import os, signal, numpy as np, grader.learner_side.kernel_probe, grader.core.transport
def fake_run_probes(namespace, request_dir):
    request = grader.core.transport.read_payload(os.path.join(request_dir, "request"))
    folder = os.path.join(request["output"], "0")
    os.makedirs(folder, exist_ok=True)
{body}
    open(os.path.join(request["output"], "SEALED"), "w").close()
    os.kill(os.getpid(), signal.SIGSTOP)
grader.learner_side.kernel_probe.run_probes = fake_run_probes
"""


def fake_probe(body: str) -> str:
    return FAKE_PROBE.format(body="\n".join("    " + line for line in body.splitlines()))


SUBMISSIONS: dict[str, tuple[str, ...]] = {
    "good": ("import numpy as np", DOUBLE),
    "stub": ("def double(x):\n    raise NotImplementedError()",),
    "wrong": (WRONG,),
    "empty": (),
    "syntax_error_then_good": ("def broken(:\n    pass", DOUBLE),
    "uses_a_skipped_cell": (
        "import numpy as np",  # tagged skip-when-grading below
        "SCALE = np.float64(2)",
        "def double(x):\n    return SCALE * x",
    ),
    "skipped_endless_cell": ("while True:\n    pass", DOUBLE),
    "raises_inside": ("def double(x):\n    raise ValueError('boom')",),
    "loops_inside": ("def double(x):\n    while True:\n        pass",),
    "prints_inside": (
        "def double(x):\n    for _ in range(10**5):\n        print('spam')\n    return 2 * x",
    ),
    "endless_top_level": (DOUBLE, "while True:\n    pass"),
    "memory_hog": (
        DOUBLE,
        "chunks = []\nfor _ in range(60):\n    chunks.append(b'x' * 50_000_000)",
    ),
    "sys_exit": ("import sys\nsys.exit(3)", DOUBLE),
    "raise_system_exit": ("raise SystemExit", DOUBLE),
    "os_exit": (DOUBLE, "import os\nos._exit(1)"),
    "segfault": (DOUBLE, "import faulthandler\nfaulthandler._sigsegv()"),
    "ctypes_read": (DOUBLE, "import ctypes\nctypes.string_at(0)"),  # refused before it reads
    "print_flood": ("for i in range(200_000):\n    print('x' * 100)", DOUBLE),
    "c_level_flood": ("import os\nfor i in range(50_000):\n    os.write(1, b'y' * 100)", DOUBLE),
    "writes_files_around": (
        "import os\nfor name in ('results.json', '../results.json', 'out.csv'):\n"
        "    open(name, 'w').write('{\"score\": 100}')",
        DOUBLE,
    ),
    "env_is_set": (
        "import os\nOK = os.environ.get('TF_ENABLE_ONEDNN_OPTS') == '0' and "
        "os.environ.get('TF_CPP_MIN_LOG_LEVEL') == '2' and os.environ.get('MPLBACKEND') == 'Agg'",
        "def double(x):\n    return 2 * x if OK else x",
    ),
    "patches_numpy_allclose": ("import numpy\nnumpy.allclose = lambda *a, **k: True", WRONG),
    "patches_grader_report": (
        "import grader.core.report\n"
        "grader.core.report.CheckItem.score = property(lambda self: self.points)\n"
        "grader.core.report.Report.passed = property(lambda self: True)",
        WRONG,
    ),
    "patches_builtins": (
        "import builtins\nbuiltins.all = lambda *a: True\nbuiltins.abs = lambda x: 0",
        WRONG,
    ),
    "prewrites_fake_results": (
        "import os, json\n"
        "root = os.path.dirname(os.getcwd())\n"
        "for guess in ('exchange/results/0', 'exchange/results-0/0', 'results/0'):\n"
        "    os.makedirs(os.path.join(root, guess), exist_ok=True)\n"
        "    with open(os.path.join(root, guess, 'payload.json'), 'w') as f:\n"
        "        json.dump({'status': 'ok', 'observations': {'value': 1.0}}, f)",
        WRONG,
    ),
    "fake_probe_list_instead_of_array": (
        fake_probe(
            "grader.core.transport.write_payload(folder, "
            "{'status': 'ok', 'observations': {'value': [1.0, 2.0]}})"
        ),
        WRONG,
    ),
    "fake_probe_pickle_bomb": (
        fake_probe(
            "np.save(os.path.join(folder, 'a0.npy'), np.array([os.system], dtype=object), "
            "allow_pickle=True)\n"
            "open(os.path.join(folder, 'payload.json'), 'w').write("
            '\'{"status": "ok", "observations": {"value": {"__ndarray__": 0}}}\')'
        ),
        DOUBLE,
    ),
    "fake_probe_huge_array": (
        fake_probe(
            "np.save(os.path.join(folder, 'a0.npy'), np.zeros(70 * 2**20 // 8))\n"
            "open(os.path.join(folder, 'payload.json'), 'w').write("
            '\'{"status": "ok", "observations": {"value": {"__ndarray__": 0}}}\')'
        ),
        DOUBLE,
    ),
    "fake_probe_complex_dtype": (
        fake_probe(
            "np.save(os.path.join(folder, 'a0.npy'), np.zeros(3, dtype=complex))\n"
            "open(os.path.join(folder, 'payload.json'), 'w').write("
            '\'{"status": "ok", "observations": {"value": {"__ndarray__": 0}}}\')'
        ),
        DOUBLE,
    ),
    "fake_probe_symlink": (
        fake_probe(
            "os.symlink('/dev/zero', os.path.join(folder, 'payload.json'))",
        ),
        DOUBLE,
    ),
    "asks_for_input": ("name = input('Your name? ')", DOUBLE),
    "exits_inside": ("def double(x):\n    import os\n    os._exit(0)",),
    "deletes_its_surroundings": (
        "import os, shutil\nshutil.rmtree(os.path.dirname(os.getcwd()), ignore_errors=True)",
        DOUBLE,
    ),
}
TAGS = {
    "uses_a_skipped_cell": {0: ["skip-when-grading"]},
    "skipped_endless_cell": {0: ["skip-when-grading"]},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, SubmissionResult]:
    """Every submission above (plus two that are not notebooks), graded in one batch."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, cells in SUBMISSIONS.items():
        write_notebook(folder / f"{name}.ipynb", *cells, tags=TAGS.get(name))
    (folder / "not_json.ipynb").write_text("this is not JSON {")
    wrong_format = v4.new_notebook(cells=[v4.new_code_cell(DOUBLE)])
    wrong_format["nbformat"] = 99
    (folder / "wrong_nbformat.ipynb").write_text(json.dumps(wrong_format))
    broken_emoji = v4.new_notebook(cells=[v4.new_markdown_cell("\ud83d"), v4.new_code_cell(DOUBLE)])
    (folder / "lone_surrogate.ipynb").write_text(json.dumps(broken_emoji))  # escaped: \\ud83d
    before = sorted(path.name for path in folder.iterdir())
    results = grade_paths(
        [folder],
        # Reviewed: many of these reach into the machinery on purpose, to test what the kernel
        # can and cannot do once it runs (test_tampering.py shows they are flagged otherwise).
        toy_options(jobs=2, timeout=TIMEOUT, memory_limit_mb=MEMORY_LIMIT_MB, allow_flagged=True),
    )
    graded = {Path(result.path).stem: result for result in results}
    graded["__files_after__"] = sorted(path.name for path in folder.iterdir())  # type: ignore[assignment]
    graded["__files_before__"] = before  # type: ignore[assignment]
    return graded


def messages(result: SubmissionResult) -> str:
    return "\n".join(item.message for _, report in result.reports for item in report.items)


def test_every_submission_gets_a_result(graded):
    assert set(SUBMISSIONS) | {"not_json", "wrong_nbformat"} <= set(graded)


def test_a_correct_submission_gets_full_marks(graded):
    result = graded["good"]
    assert (result.score, result.max_score, result.status) == (3, 3, "graded")
    assert result.errors == []


def test_the_stub_gets_zero_with_not_attempted_items(graded):
    result = graded["stub"]
    assert (result.score, result.max_score) == (0, 3)
    items = [item for _, report in result.reports for item in report.items]
    assert items and not any(item.attempted for item in items)
    assert "not attempted" in messages(result)


def test_a_wrong_answer_gets_only_the_shape_point(graded):
    assert graded["wrong"].score == 1


@pytest.mark.parametrize("name", ["not_json", "wrong_nbformat"])
def test_a_file_that_is_not_a_notebook_is_reported_as_such(graded, name):
    result = graded[name]
    assert result.status == "invalid notebook"
    assert "not a valid Jupyter notebook" in result.errors[0]


def test_half_an_emoji_is_an_invalid_notebook_with_its_cell_not_an_internal_error(graded):
    """Red team 4: JSON may escape a lone surrogate, which cannot be written back as UTF-8 for
    the kernel's copy; it was reported as "internal error" (a bug in the grader)."""
    result = graded["lone_surrogate"]
    assert result.status == "invalid notebook"
    assert "cell 1 holds text that is not valid Unicode" in result.errors[0]


def test_an_empty_notebook_says_the_function_is_missing(graded):
    result = graded["empty"]
    assert (result.score, result.max_score) == (0, 3)
    assert "`double` is not defined in the notebook" in messages(result)


def test_a_syntax_error_is_listed_and_does_not_hide_later_cells(graded):
    result = graded["syntax_error_then_good"]
    assert result.score == 3
    assert any("SyntaxError" in error for error in result.errors)


def test_a_name_error_from_a_skipped_cell_is_explained(graded):
    result = graded["uses_a_skipped_cell"]
    assert result.score == 0
    assert any("cell 2: NameError" in error for error in result.errors)
    assert "double(x) raised NameError: name 'SCALE' is not defined" in messages(result)


def test_cells_tagged_skip_when_grading_are_not_run(graded):
    result = graded["skipped_endless_cell"]
    assert (result.score, result.status) == (3, "graded")
    assert result.seconds < TIMEOUT


def test_an_exception_in_learner_code_is_summarised(graded):
    text = messages(graded["raises_inside"])
    assert "ValueError: boom" in text and "your cell, line 2" in text


def test_an_endless_loop_inside_the_function_hits_the_checks_time_limit(graded):
    result = graded["loops_inside"]
    assert result.score == 0 and result.status == "graded"
    assert "did not finish" in messages(result)


def test_printing_inside_the_function_is_harmless(graded):
    assert graded["prints_inside"].score == 3


def test_an_endless_loop_at_top_level_times_out_and_scores_zero(graded):
    result = graded["endless_top_level"]
    assert (result.status, result.score, result.max_score) == ("timed out", 0, 3)
    assert "did not finish within the time limit" in messages(result)
    assert result.seconds < TIMEOUT + 10


def test_a_memory_hog_is_stopped(graded):
    result = graded["memory_hog"]
    assert (result.status, result.score) == ("out of memory", 0)
    assert "more memory than allowed" in messages(result)
    # Stopped well before the 3,000 MB the cell asks for. The watchdog polls, so how far past the
    # limit it gets depends on the machine's load (762 MB was seen at a 400 MB limit, load 8).
    assert result.peak_memory_mb < 2000


@pytest.mark.parametrize("name", ["sys_exit", "raise_system_exit"])
def test_system_exit_in_a_cell_is_an_error_the_kernel_survives(graded, name):
    result = graded[name]
    assert result.score == 3
    assert any("SystemExit" in error for error in result.errors)


@pytest.mark.parametrize("name", ["os_exit", "segfault"])
def test_a_dying_kernel_scores_zero_with_the_reason(graded, name):
    result = graded[name]
    assert (result.status, result.score, result.max_score) == ("kernel died", 0, 3)
    assert "kernel died" in messages(result) and "cell 2" in messages(result)


def test_reading_raw_memory_with_ctypes_is_refused_and_flagged(graded):
    result = graded["ctypes_read"]
    assert (result.status, result.score) == ("flagged", 0)
    assert any("cell 2, line 2: run-time-introspection: `ctypes." in e for e in result.errors)


@pytest.mark.parametrize("name", ["print_flood", "c_level_flood"])
def test_output_floods_are_dropped(graded, name):
    result = graded[name]
    assert result.score == 3
    assert len(json.dumps(result.to_dict())) < 5000


def test_files_written_by_a_submission_stay_in_its_private_copy(graded):
    assert graded["writes_files_around"].score == 3
    assert graded["__files_after__"] == graded["__files_before__"]


def test_the_kernel_gets_the_quiet_tensorflow_and_headless_matplotlib_settings(graded):
    assert graded["env_is_set"].score == 3


@pytest.mark.parametrize(
    "name", ["patches_numpy_allclose", "patches_grader_report", "patches_builtins"]
)
def test_monkeypatching_in_the_kernel_gains_nothing(graded, name):
    assert graded[name].score <= 1


def test_results_written_in_advance_are_ignored(graded):
    assert graded["prewrites_fake_results"].score == 1


@pytest.mark.parametrize(
    ("name", "earned"),
    [
        ("fake_probe_list_instead_of_array", 1),
        ("fake_probe_pickle_bomb", 3),
        ("fake_probe_huge_array", 3),
        ("fake_probe_complex_dtype", 3),
        ("fake_probe_symlink", 3),
    ],
)
def test_a_notebook_that_replaces_the_probe_is_graded_on_its_own_code(graded, name, earned):
    """Its fake run_probes would write hostile results (a pickle bomb, a 70 MB array, a
    symlink to /dev/zero...), but the probe cell imports the grader afresh: the real probe runs
    and the notebook's own function earns what it earns. (The reader refuses such results
    anyway: tests/grader/core/test_transport.py.)"""
    result = graded[name]
    assert (result.status, result.score) == ("graded", earned), result.errors
    assert "malformed" not in messages(result)


def test_input_in_a_cell_fails_that_cell_instead_of_waiting(graded):
    result = graded["asks_for_input"]
    assert result.score == 3
    assert any("StdinNotImplementedError" in error for error in result.errors)


def test_a_kernel_killed_by_the_learners_function_scores_zero(graded):
    result = graded["exits_inside"]
    assert (result.status, result.score) == ("kernel died", 0)
    assert "while running the grader's checks" in messages(result)


def test_a_notebook_deleting_its_private_folder_is_still_graded(graded):
    assert graded["deletes_its_surroundings"].score == 3
