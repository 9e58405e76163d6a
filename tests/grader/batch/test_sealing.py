"""Taking sealed results: only the exact bytes the probe wrote and signed are read."""

from __future__ import annotations

import os

import numpy as np

from grader.batch.sealing import take_sealed
from grader.core.transport import results_digest, write_payload

KEY = "k" * 64


def probe_results(folder, key=KEY):
    """What the probe writes: one payload per check, then SEALED holding the HMAC."""
    written = {}
    for number, result in enumerate([{"status": "ok", "observations": {"v": np.arange(3.0)}}]):
        files = write_payload(folder / str(number), result)
        written.update({f"{number}/{name}": content for name, content in files.items()})
    (folder / "SEALED").write_text(results_digest(written, key))
    return folder


def test_the_probes_own_results_are_read_from_a_private_copy(tmp_path):
    results = probe_results(tmp_path / "results")
    outcomes = take_sealed(results, tmp_path / "copy", KEY, 1)
    assert outcomes is not None
    np.testing.assert_array_equal(outcomes[0]["observations"]["v"], np.arange(3.0))
    assert (tmp_path / "copy" / "0" / "payload.json").is_file()


def test_a_seal_made_without_the_key_is_refused(tmp_path):
    results = probe_results(tmp_path / "results", key="guessed")
    assert take_sealed(results, tmp_path / "copy", KEY, 1) is None


def test_a_result_changed_after_the_seal_is_refused(tmp_path):
    results = probe_results(tmp_path / "results")
    (results / "0" / "a0.npy").write_bytes((results / "0" / "a0.npy").read_bytes()[:-8] + bytes(8))
    assert take_sealed(results, tmp_path / "copy", KEY, 1) is None


def test_an_added_file_or_a_link_is_refused(tmp_path):
    results = probe_results(tmp_path / "added")
    (results / "1").mkdir()
    (results / "1" / "payload.json").write_text("{}")
    assert take_sealed(results, tmp_path / "copy1", KEY, 2) is None
    linked = probe_results(tmp_path / "linked")
    os.symlink("/etc/passwd", linked / "0" / "a1.npy")
    assert take_sealed(linked, tmp_path / "copy2", KEY, 1) is None
