"""The grading side's worker process runs each check's `recompute` out of every kernel's reach."""

from __future__ import annotations

import numpy as np
import psutil
import pytest

from conftest import HERE
from grader.batch.recompute_worker import RecomputeFailed, RecomputeWorker


@pytest.fixture
def worker():
    with RecomputeWorker("recompute_checks", (str(HERE),), timeout=5.0) as client:
        yield client


def test_it_returns_what_the_check_recomputes_as_plain_data(worker):
    x = np.array([1.0, -2.0, 0.5])
    result = worker.recompute("triple", {"x": x}, {"y": np.zeros(3)})
    np.testing.assert_array_equal(result["y"], 3 * x)


def test_one_process_serves_every_request_of_a_run(worker):
    pids = {worker.recompute("triple", {"x": np.ones(2)}, {})["pid"] for _ in range(3)}
    assert len(pids) == 1


def test_a_failing_recomputation_says_why_and_the_next_one_still_runs(worker):
    with pytest.raises(RecomputeFailed, match="the grader's own bug"):
        worker.recompute("broken", {"x": np.ones(2)}, {})
    assert worker.recompute("triple", {"x": np.ones(2)}, {})["y"].tolist() == [3.0, 3.0]


def test_a_recomputation_that_hangs_is_stopped_and_the_worker_restarts(worker):
    first = worker.recompute("triple", {"x": np.ones(1)}, {})["pid"]
    with pytest.raises(RecomputeFailed, match="timed out"):
        worker.recompute("slow", {"seconds": 60.0}, {})
    assert not psutil.pid_exists(first) or psutil.Process(first).status() == "zombie"
    assert worker.recompute("triple", {"x": np.ones(1)}, {})["pid"] != first


def test_what_a_recomputation_prints_never_reaches_the_protocol(worker):
    result = worker.recompute("printer", {"x": np.ones(2)}, {})
    assert result["y"].tolist() == [3.0, 3.0]


def test_closing_stops_the_process():
    client = RecomputeWorker("recompute_checks", (str(HERE),))
    pid = client.recompute("triple", {"x": np.ones(1)}, {})["pid"]
    client.close()
    assert not psutil.pid_exists(pid)
