"""Where grading time goes: the phases of a submission add up to its time, under stable names."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from recompute_checks import CHECKS as RECOMPUTE_CHECKS

from conftest import DOUBLE, HERE, TOY_CLI, write_notebook
from grader.batch import SubmissionResult
from grader.batch.cli import main
from grader.batch.phases import (
    PHASES,
    PhaseClock,
    imports_tensorflow,
    kernel_processes,
    process_age,
    tensorflow_loaded,
)
from grader.batch.recompute_worker import RecomputeWorker, recompute_outcome
from grader.batch.results import results_json

# A cell that maps a file named like TensorFlow's library, as `import tensorflow` does.
FAKE_TENSORFLOW_IMPORT = """
import mmap, time
with open("libtensorflow_framework.so.2", "wb") as _file:
    _file.write(bytes(4096))
_library = open("libtensorflow_framework.so.2", "rb")
_mapped = mmap.mmap(_library.fileno(), 0, access=mmap.ACCESS_READ)
time.sleep(0.4)
"""


def test_laps_charge_the_time_since_the_previous_lap_and_add_up_to_the_whole():
    started = time.perf_counter()
    clock = PhaseClock()
    time.sleep(0.02)
    clock.lap("setup")
    time.sleep(0.03)
    elapsed = clock.lap("cells")
    clock.move(0.01, "cells", "tensorflow_import")
    whole = time.perf_counter() - started
    phases = clock.as_dict()
    assert list(phases) == list(PHASES)
    assert phases["setup"] >= 0.02 and elapsed >= 0.03
    assert phases["tensorflow_import"] == pytest.approx(0.01)
    assert sum(phases.values()) == pytest.approx(whole, abs=0.005)


def test_an_unknown_phase_is_refused_naming_the_known_ones():
    with pytest.raises(KeyError, match="kernel_start"):
        PhaseClock().lap("warm_up")


def test_tensorflow_is_seen_in_a_processs_memory_maps(tmp_path):
    library = tmp_path / "libtensorflow_framework.so.2"
    library.write_bytes(bytes(4096))
    mapping = (
        "import mmap, sys, time\n"
        f"f = open({str(library)!r}, 'rb'); m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)\n"
        "print('mapped', flush=True); time.sleep(30)\n"
    )
    plain = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    mapped = subprocess.Popen([sys.executable, "-c", mapping], stdout=subprocess.PIPE, text=True)
    try:
        assert mapped.stdout.readline().strip() == "mapped"
        assert tensorflow_loaded([plain.pid]) is False
        assert tensorflow_loaded([plain.pid, mapped.pid]) is True
        assert tensorflow_loaded([2**22 + 12345]) is None  # no such process: nothing readable
    finally:
        for process in (plain, mapped):
            process.kill()
            process.wait()


def test_a_kernels_processes_are_it_and_its_descendants():
    assert kernel_processes(None) == []
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert {os.getpid(), child.pid} <= set(kernel_processes(os.getpid()))
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize(
    ("source", "imports"),
    [
        ("import tensorflow as tf", True),
        ("from tensorflow import keras", True),
        ("x = 1\nstart_tensorflow()  # first", True),
        ("import numpy as np", False),
        ("# tensorflow is imported later", False),
    ],
)
def test_the_fallback_reads_a_cells_source_for_a_tensorflow_import(source, imports):
    assert imports_tensorflow(source) is imports


def test_this_processs_age_grows_from_its_start():
    first = process_age()
    assert first is not None and 0 < first < 10**6
    time.sleep(0.05)
    assert process_age() >= first + 0.04


def test_phases_are_in_our_json_and_read_back():
    result = SubmissionResult("a.ipynb", "graded", seconds=3.0)
    result.phases = dict.fromkeys(PHASES, 0.0) | {"kernel_start": 1.23456, "cells": 1.76544}
    data = result.to_dict()
    assert data["phases"]["kernel_start"] == 1.235 and list(data["phases"]) == list(PHASES)
    assert SubmissionResult.from_dict(data).phases == data["phases"]
    assert "tool_phases" not in results_json([result])
    assert results_json([result], tool_phases={"startup": 0.5})["tool_phases"] == {"startup": 0.5}


def test_the_run_that_starts_the_worker_is_charged_its_start_and_later_ones_are_not():
    spec = RECOMPUTE_CHECKS["triple"]
    outcome = {"status": "ok", "observations": {"y": np.zeros(1)}}
    charged = []
    with RecomputeWorker("recompute_checks", (str(HERE),), timeout=20.0) as worker:
        for _ in range(2):
            clock = PhaseClock()
            recomputation = recompute_outcome(worker, spec, {"x": np.ones(1)}, outcome, clock)
            recomputed = asyncio.run(recomputation)
            assert recomputed["y"].tolist() == [3.0]
            charged.append(clock.as_dict())
    assert charged[0]["recompute_start"] > 0 and charged[0]["recompute"] > 0
    assert charged[1]["recompute_start"] == 0 and charged[1]["recompute"] > 0


def test_a_graded_submissions_phases_add_up_to_its_time_and_name_the_tensorflow_cell(
    capsys, notebook_dir, tmp_path
):
    path = write_notebook(
        notebook_dir / "double.ipynb",
        "import time\ntime.sleep(0.3)",
        FAKE_TENSORFLOW_IMPORT,
        DOUBLE,
    )
    results = tmp_path / "results.json"
    assert main(["grade", str(path), "--json", str(results), *TOY_CLI]) == 0
    capsys.readouterr()
    data = json.loads(results.read_text())
    submission = data["submissions"][0]
    phases = submission["phases"]
    assert submission["score"] == submission["max_score"] == 3
    assert list(phases) == list(PHASES)
    assert sum(phases.values()) == pytest.approx(submission["seconds"], abs=0.02)
    assert phases["tensorflow_import"] >= 0.4  # its cell, not the first one (0.3 s)
    assert phases["cells"] >= 0.3 and phases["kernel_start"] > 0 and phases["probes"] > 0
    assert phases["recompute_start"] == phases["recompute"] == 0  # the toy check recomputes nothing
    assert phases["kernel_start"] == pytest.approx(submission["timings"]["kernel_start"], abs=0.01)
    assert set(data["tool_phases"]) == {"startup", "worker_stop"}
    assert data["tool_phases"]["startup"] > 0
