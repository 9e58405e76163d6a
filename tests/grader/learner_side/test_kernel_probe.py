"""The kernel side, run in this process: what `run_probes` writes for each kind of outcome."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.batch.probe_cell import request_entry
from grader.batch.submissions import CheckRequest
from grader.core.transport import read_payload, write_payload
from grader.learner_side import kernel_probe
from grader.learner_side.kernel_probe import run_probes

TOY_CHECKS_DIR = str(Path(__file__).resolve().parents[1] / "batch")
if TOY_CHECKS_DIR not in sys.path:  # `toy_checks` must import here as it does in the kernels
    sys.path.insert(0, TOY_CHECKS_DIR)

import toy_checks  # noqa: E402


def request(tmp_path, checks, inputs=None) -> str:
    """Write a request for `checks` (with `inputs` for each) the way the grading tool does."""
    exchange = tmp_path / "exchange"
    entries = []
    for number, check in enumerate(checks):
        write_payload(
            exchange / "inputs" / str(number), (inputs or {}).get(number, {"x": np.ones(3)})
        )
        spec = toy_checks.CHECKS[check["name"]]
        entries.append(request_entry(CheckRequest(check["name"], check.get("objects", {})), spec))
    write_payload(exchange / "request", {"checks": entries, "output": str(tmp_path / "out")})
    return str(exchange)


def with_probe(monkeypatch, name, probe) -> None:
    """Replace the probe of toy check `name` for one test (where the kernel will import it)."""
    original = toy_checks.CHECKS[name].probe
    monkeypatch.setattr(toy_checks, original.__name__, probe)


def outcome(tmp_path, number=0):
    return read_payload(tmp_path / "out" / str(number))


def test_observations_of_a_correct_function_are_written_as_plain_data(tmp_path):
    run_probes({"double": lambda x: 2 * x}, request(tmp_path, [{"name": "double"}]))
    result = outcome(tmp_path)
    assert result["status"] == "ok"
    assert np.array_equal(result["observations"]["value"], 2 * np.ones(3))


def test_a_missing_object_is_reported_by_its_notebook_name(tmp_path):
    checks = [{"name": "double", "objects": {"double": "times_two"}}]
    run_probes({"double": lambda x: 2 * x}, request(tmp_path, checks))
    assert outcome(tmp_path) == {"status": "missing", "missing": ["times_two"]}


def test_objects_are_looked_up_under_their_mapped_names(tmp_path):
    checks = [{"name": "double", "objects": {"double": "times_two"}}]
    run_probes({"times_two": lambda x: 2 * x}, request(tmp_path, checks))
    assert outcome(tmp_path)["status"] == "ok"


def test_a_probe_that_crashes_is_an_error_and_the_next_check_still_runs(tmp_path, monkeypatch):
    def broken_probe(objects, inputs):
        raise KeyboardInterrupt("even this")

    with_probe(monkeypatch, "double", broken_probe)
    checks = [{"name": "double"}, {"name": "greet"}]
    inputs = {1: {"name": "ada"}}
    run_probes({"double": None, "greet": lambda n: f"hi {n}"}, request(tmp_path, checks, inputs))
    assert outcome(tmp_path, 0) == {"status": "error", "error": "KeyboardInterrupt: even this"}
    assert outcome(tmp_path, 1) == {"status": "ok", "observations": {"text": "hi ada"}}


def test_observations_that_are_not_plain_data_become_an_error(tmp_path, monkeypatch):
    with_probe(monkeypatch, "double", lambda objects, inputs: {"value": object()})
    run_probes({"double": None}, request(tmp_path, [{"name": "double"}]))
    result = outcome(tmp_path)
    assert result["status"] == "error" and "not plain" in result["error"]


def test_the_seal_appears_only_once_it_is_complete(tmp_path, monkeypatch):
    """The grader takes the results as soon as SEALED exists: it must never see it empty."""
    seen_when_named = []
    replace = os.replace

    def watching_replace(source, destination):
        assert not os.path.exists(destination)  # not there while its digest is being written
        seen_when_named.append(Path(source).read_text())
        replace(source, destination)

    class Stopped(Exception):
        pass

    def stop(pid, signal_number):
        raise Stopped  # instead of SIGSTOP: the test goes on

    monkeypatch.setattr(os, "replace", watching_replace)
    monkeypatch.setattr(os, "kill", stop)
    with pytest.raises(Stopped):
        kernel_probe._seal(str(tmp_path), "f" * 64)
    assert seen_when_named == ["f" * 64]
    assert sorted(path.name for path in tmp_path.iterdir()) == [kernel_probe.SEALED]
    assert (tmp_path / kernel_probe.SEALED).read_text() == "f" * 64
