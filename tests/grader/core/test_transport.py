"""The plain-data exchange with the learner's kernel: round trips, and hostile payloads refused."""

from __future__ import annotations

import json
import math
import os
import pickle

import numpy as np
import pytest

from grader.core.transport import MalformedPayload, read_payload, write_payload


def test_plain_data_survives_the_round_trip(tmp_path):
    data = {
        "x": np.arange(6, dtype=np.float32).reshape(2, 3),
        "ids": np.array([[1, 2], [3, 0]], dtype=np.int32),
        "mask": np.array([True, False]),
        "scalar": np.array(1.5),
        "nested": [{"a": None, "b": True}, 3, -2.5, "text"],
        "nan": math.nan,
    }
    write_payload(tmp_path / "p", data)
    back = read_payload(tmp_path / "p")
    assert back["x"].dtype == np.float32 and np.array_equal(back["x"], data["x"])
    assert back["ids"].dtype == np.int32 and np.array_equal(back["ids"], data["ids"])
    assert back["mask"].dtype == np.bool_ and back["scalar"].shape == ()
    assert back["nested"] == data["nested"] and math.isnan(back["nan"])


def test_tuples_come_back_as_lists_and_numpy_scalars_as_python_numbers(tmp_path):
    write_payload(tmp_path, {"shape": (2, 3), "n": np.int64(7), "f": np.float32(0.5)})
    back = read_payload(tmp_path)
    assert back == {"shape": [2, 3], "n": 7, "f": 0.5}
    assert type(back["n"]) is int


@pytest.mark.parametrize(
    "value",
    [
        object(),
        np.array(["a", "b"]),
        np.array([1, None], dtype=object),
        {1: "int key"},
        {"__ndarray__": 0},
        1j,
        b"bytes",
    ],
    ids=["object", "str-array", "object-array", "int-key", "reserved-key", "complex", "bytes"],
)
def test_writing_anything_but_plain_data_is_refused(tmp_path, value):
    with pytest.raises(MalformedPayload):
        write_payload(tmp_path / "p", {"value": value})
    assert not (tmp_path / "p" / "payload.json").exists()


def _refer_to_array_zero(directory) -> None:
    (directory / "payload.json").write_text(json.dumps({"value": {"__ndarray__": 0}}))


def test_a_pickled_object_array_is_refused_not_unpickled(tmp_path):
    class Bomb:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "exploded"),))

    with open(tmp_path / "a0.npy", "wb") as file:
        np.save(file, np.array([Bomb()], dtype=object), allow_pickle=True)
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload, match=r"not a plain \.npy"):
        read_payload(tmp_path)
    assert not (tmp_path / "exploded").exists()


def test_a_raw_pickle_file_is_refused(tmp_path):
    (tmp_path / "a0.npy").write_bytes(pickle.dumps({"value": 1}))
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload):
        read_payload(tmp_path)


@pytest.mark.parametrize(
    "array",
    [np.array(["x"]), np.zeros(2, dtype=complex), np.zeros(2, dtype=[("a", "i4")])],
    ids=["str", "complex", "record"],
)
def test_arrays_of_other_dtypes_are_refused(tmp_path, array):
    np.save(tmp_path / "a0.npy", array, allow_pickle=False)
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload, match=r"dtype|plain"):
        read_payload(tmp_path)


def test_a_symlink_to_an_endless_device_is_refused(tmp_path):
    os.symlink("/dev/zero", tmp_path / "a0.npy")
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload, match=r"cannot be opened|not a regular"):
        read_payload(tmp_path)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "payload.json")
    with pytest.raises(MalformedPayload, match="not a regular file"):
        read_payload(tmp_path)


def test_an_oversized_array_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("grader.core.transport.MAX_ARRAY_BYTES", 1000)
    np.save(tmp_path / "a0.npy", np.zeros(10_000))
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload, match="larger than"):
        read_payload(tmp_path)


def test_a_header_promising_more_data_than_the_file_holds_is_refused(tmp_path):
    np.save(tmp_path / "a0.npy", np.zeros(10))
    raw = (tmp_path / "a0.npy").read_bytes()
    assert b"(10,)" in raw
    (tmp_path / "a0.npy").write_bytes(raw.replace(b"(10,)", b"(99,)"))
    _refer_to_array_zero(tmp_path)
    with pytest.raises(MalformedPayload):
        read_payload(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"x": "y" * 60_000}),
        json.dumps({"x": 10**40}),
        json.dumps({"x": {"__ndarray__": "../../etc/passwd"}}),
        json.dumps({"x": {"__ndarray__": 5}}),
    ],
    ids=["not-json", "deep", "long-string", "huge-int", "path-reference", "missing-array"],
)
def test_malformed_structures_are_refused(tmp_path, text):
    (tmp_path / "payload.json").write_text(text)
    with pytest.raises(MalformedPayload):
        read_payload(tmp_path)


def test_a_missing_payload_says_so(tmp_path):
    with pytest.raises(MalformedPayload, match="missing"):
        read_payload(tmp_path / "nowhere")
