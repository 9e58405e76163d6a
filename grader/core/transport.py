"""Plain data between the grading process and a learner's kernel: JSON + `.npy`, never pickle.

A payload is one directory: `payload.json` holds the structure, each NumPy array is a file
`a<N>.npy` referenced from the JSON as `{"__ndarray__": N}`. Allowed values: None, bool, int,
float (NaN and infinities included), str, lists/tuples (read back as lists), dicts with str
keys, NumPy scalars (read back as Python numbers) and arrays of bool/int/uint/float dtype.

`write_payload` runs on both sides. `read_payload` treats the directory as hostile: regular
files only (no symlinks, FIFOs or devices), sizes, depth, element counts and dtypes bounded,
`allow_pickle=False`; anything else raises `MalformedPayload`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from grader.core.parsing import PARSE_LOCK
from grader.core.text import error_text, shortened

PAYLOAD_FILE = "payload.json"
ARRAY_KEY = "__ndarray__"

MAX_JSON_BYTES = 8 * 2**20
MAX_ARRAY_BYTES = 64 * 2**20
MAX_TOTAL_ARRAY_BYTES = 128 * 2**20
MAX_ARRAYS = 512
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_STRING = 50_000
MAX_INT_DIGITS = 30

_ARRAY_FILE = re.compile(r"a(\d{1,4})\.npy")


class MalformedPayload(ValueError):
    """A payload that is not plain data within the limits (message says what is wrong)."""


def payload_files(data: Any) -> dict[str, bytes]:
    """The files `write_payload` writes for plain `data`: file name -> its bytes.

    Raises `MalformedPayload` if `data` holds anything but plain data.
    """
    arrays: list[np.ndarray] = []
    structure = _encode(data, arrays, depth=0)
    files = {}
    for number, array in enumerate(arrays):
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        files[f"a{number}.npy"] = buffer.getvalue()
    files[PAYLOAD_FILE] = json.dumps(structure, allow_nan=True, separators=(",", ":")).encode()
    return files


def write_payload(directory: str | os.PathLike, data: Any) -> dict[str, bytes]:
    """Write plain `data` into `directory` (created if needed) as payload.json + a<N>.npy, and
    return what was written (file name -> bytes).

    Raises `MalformedPayload` (writing nothing) if `data` holds anything but plain data.
    """
    files = payload_files(data)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if name != PAYLOAD_FILE:
            (directory / name).write_bytes(content)
    temporary = directory / f".{PAYLOAD_FILE}.partial"
    temporary.write_bytes(files[PAYLOAD_FILE])
    os.replace(temporary, directory / PAYLOAD_FILE)  # last: a reader never sees half a payload
    return files


def results_digest(files: Mapping[str, bytes], key: str) -> str:
    """HMAC-SHA256 (hex), keyed with `key`, of results files given as relative path -> bytes:
    only who holds the key can vouch for exactly these files."""
    mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for name in sorted(files):
        mac.update(f"{name}\0{len(files[name])}\0".encode())
        mac.update(files[name])
    return mac.hexdigest()


def _encode(value: Any, arrays: list[np.ndarray], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise MalformedPayload(f"data nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and kind in _NUMPY_SCALARS:
        return value.item()
    if kind is np.ndarray:
        if value.dtype.kind not in "biuf" or value.dtype.fields is not None:
            raise MalformedPayload(f"an array of dtype {value.dtype} (only bool/int/float)")
        if len(arrays) >= MAX_ARRAYS:
            raise MalformedPayload(f"more than {MAX_ARRAYS} arrays")
        arrays.append(np.array(value, order="C"))  # keeps 0-d arrays 0-d
        return {ARRAY_KEY: len(arrays) - 1}
    if kind in (list, tuple):
        return [_encode(item, arrays, depth + 1) for item in value]
    if kind is dict:
        encoded = {}
        for key, item in value.items():
            if type(key) is not str:
                raise MalformedPayload(f"a dict key of type {type(key).__name__} (only str)")
            if key == ARRAY_KEY:
                raise MalformedPayload(f"a dict key {ARRAY_KEY!r}, which is reserved")
            encoded[key] = _encode(item, arrays, depth + 1)
        return encoded
    raise MalformedPayload(f"a value of type {kind.__module__}.{kind.__qualname__}")


_NUMPY_SCALARS = frozenset(
    np.dtype(code).type for code in np.typecodes["AllInteger"] + np.typecodes["Float"] + "?"
)


def read_payload(directory: str | os.PathLike) -> Any:
    """Read what `write_payload` wrote into `directory`, validating everything.

    Raises `MalformedPayload` for a missing, oversized, non-regular or malformed file, a
    structure that is not plain data, or an array that is not a bool/int/float `.npy`.
    """
    directory = Path(directory)
    raw = _read_regular_file(directory / PAYLOAD_FILE, MAX_JSON_BYTES)
    try:
        structure = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise MalformedPayload(
            f"{PAYLOAD_FILE} is not valid JSON ({shortened(error_text(error), 120)})"
        ) from None
    budget = {"nodes": 0, "array_bytes": 0}
    return _decode(structure, directory, budget, depth=0)


def _decode(value: Any, directory: Path, budget: dict, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise MalformedPayload(f"data nested deeper than {MAX_DEPTH} levels")
    budget["nodes"] += 1
    if budget["nodes"] > MAX_NODES:
        raise MalformedPayload(f"more than {MAX_NODES} values")
    kind = type(value)
    if value is None or kind in (bool, float):
        return value
    if kind is int:
        if abs(value) >= 10**MAX_INT_DIGITS:
            raise MalformedPayload("an integer with more than 30 digits")
        return value
    if kind is str:
        if len(value) > MAX_STRING:
            raise MalformedPayload(f"a string longer than {MAX_STRING} characters")
        return value
    if kind is list:
        return [_decode(item, directory, budget, depth + 1) for item in value]
    if kind is dict:
        if ARRAY_KEY in value:
            return _load_array(value, directory, budget)
        return {key: _decode(item, directory, budget, depth + 1) for key, item in value.items()}
    raise MalformedPayload(f"a JSON value of type {kind.__name__}")


def _load_array(reference: dict, directory: Path, budget: dict) -> np.ndarray:
    number = reference.get(ARRAY_KEY)
    if len(reference) != 1 or type(number) is not int or not 0 <= number < MAX_ARRAYS:
        raise MalformedPayload(f"a malformed array reference {str(reference)[:80]}")
    raw_size_limit = MAX_ARRAY_BYTES + 4096  # the .npy header
    raw = _read_regular_file(directory / f"a{number}.npy", raw_size_limit)
    budget["array_bytes"] += len(raw)
    if budget["array_bytes"] > MAX_TOTAL_ARRAY_BYTES:
        raise MalformedPayload(f"arrays larger than {MAX_TOTAL_ARRAY_BYTES // 2**20} MB in all")
    try:
        with PARSE_LOCK:  # np.load parses the header with ast.literal_eval
            array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as error:  # any failure to parse is a malformed payload
        detail = shortened(error_text(error), 120)
        raise MalformedPayload(f"a{number}.npy is not a plain .npy array ({detail})") from None
    if type(array) is not np.ndarray or array.dtype.kind not in "biuf" or array.dtype.fields:
        raise MalformedPayload(f"a{number}.npy holds dtype {array.dtype} (only bool/int/float)")
    return array


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file (not a symlink) of at most `limit` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise MalformedPayload(f"{path.name} is missing") from None
    except OSError as error:
        raise MalformedPayload(f"{path.name} cannot be opened ({error.strerror})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise MalformedPayload(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise MalformedPayload(f"{path.name} is larger than {limit // 2**20} MB")
        chunks, size = [], 0
        while chunk := os.read(descriptor, 2**20):
            size += len(chunk)
            if size > limit:  # grew while we read it
                raise MalformedPayload(f"{path.name} is larger than {limit // 2**20} MB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
