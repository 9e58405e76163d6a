"""The learner-kernel side of `python -m grader grade`: run each check's probe, write plain data.

The grading tool executes the submission, then sends its kernel one last cell:

    import grader.learner_side.kernel_probe; ....run_probes(globals(), "<request dir>")

`run_probes` reads the request (for each check: the module and name of its probe, the learner
objects to look up under their notebook names; where to write), imports only those probe
modules (never a judge or the registry), runs `probe(objects, inputs)` on the inputs the
grading process generated, and writes one result payload per check:
{"status": "ok", "observations": ...} | {"status": "missing", "missing": [names]} |
{"status": "error", "error": text}. Nothing here decides a score: the grading process reads
these results as hostile data and judges them itself.

With "seal" in the request (graded runs): the request and the inputs are read, then deleted,
before any learner code runs, so what the probes call cannot find them; the results folder is
created only once every probe has returned (it must not exist yet, so nothing the learner's
code did can have written into it); after the last result `run_probes` writes the SEALED
marker and stops its own process (SIGSTOP): no code of the notebook runs after the probe, not
a post-run hook, a signal handler, an atexit function or a finalizer, until the grading
process has read the results and killed the kernel. The tool accepts sealed results only.
"""

from __future__ import annotations

import gc
import importlib
import linecache
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping
from typing import Any

from grader.core.text import short_error
from grader.core.transport import MalformedPayload, read_payload, results_digest, write_payload

ERROR_LIMIT = 2000
SEALED = "SEALED"
"""The marker file, in the results folder, that says every result is written."""


def run_probes(namespace: Mapping[str, Any], request_dir: str, key: str = "") -> None:
    """Probe every requested check on the objects in `namespace`; write results as payloads.

    `key` (graded runs: given in the probe cell's own source, never in a file): the seal
    carries the HMAC of every byte written, so results changed or written by anything else
    are refused by the grading process."""
    if key:  # the probe cell's source holds the key: out of the traceback caches at once
        _forget_source(_callers_file())
    request = read_payload(os.path.join(request_dir, "request"))
    entries = request["checks"]
    inputs = [_read_inputs(request_dir, number) for number in range(len(entries))]
    sealed = request.get("seal") is True
    if sealed:  # the learner code the probes call must find neither the request nor the inputs
        shutil.rmtree(os.path.join(request_dir, "inputs"), ignore_errors=True)
        shutil.rmtree(os.path.join(request_dir, "request"), ignore_errors=True)
    roots = request.get("roots") or []
    results = [_probe_one(entry, namespace, inputs[n], roots) for n, entry in enumerate(entries)]
    output = request["output"]
    if sealed:
        gc.collect()  # finalizers of the learner's garbage run now, before the results exist
        gc.disable()
        os.mkdir(output, 0o700)  # not there before: no learner code could write into it
    else:
        os.makedirs(output, exist_ok=True)
    written: dict[str, bytes] = {}
    for number, result in enumerate(results):
        destination = os.path.join(output, str(number))
        try:
            files = write_payload(destination, result)
        except MalformedPayload as error:
            files = write_payload(
                destination,
                {"status": "error", "error": f"the probe returned data that is not plain: {error}"},
            )
        written.update({f"{number}/{name}": content for name, content in files.items()})
    if sealed:
        _seal(output, results_digest(written, key))


def _callers_file() -> str:
    """The file name of `run_probes`' caller (the probe cell): the probe's one take of a frame,
    in a function of its own, as the kernel's introspection guard lets only it take one (not
    `run_probes`, which runs the notebook's finalizers and calls its objects)."""
    return sys._getframe(2).f_code.co_filename


def _forget_source(filename: str) -> None:
    """Drop a cell's source from linecache and from IPython's copy, which refills it."""
    for cache in (linecache.cache, getattr(linecache, "_ipython_cache", {})):
        cache.pop(filename, None)


def _seal(output: str, digest: str) -> None:
    """Mark the results complete, then stop this process for the grader to read and kill it.

    The marker is written under another name and renamed: the grader takes the results as soon
    as SEALED exists, and one it found empty (created, not yet written) read as a forged seal.
    """
    partial = os.path.join(output, f"{SEALED}.partial")
    with open(partial, "w") as marker:
        marker.write(digest)
    os.replace(partial, os.path.join(output, SEALED))
    os.kill(os.getpid(), signal.SIGSTOP)
    while True:  # only if the stop was refused: still never return into the notebook
        time.sleep(3600)


def _read_inputs(request_dir: str, number: int) -> Any:
    """The inputs of check `number`, or the exception reading them raised."""
    try:
        return read_payload(os.path.join(request_dir, "inputs", str(number)))
    except Exception as error:  # reported as that check's error
        return error


def _probe_one(entry: dict, namespace: Mapping[str, Any], inputs: Any, roots: list) -> dict:
    """One check: look its objects up, call its probe; every failure becomes a result."""
    objects: dict[str, Any] = {}
    missing = []
    for object_name, notebook_name in entry["objects"].items():
        if notebook_name in namespace:
            objects[object_name] = namespace[notebook_name]
        else:
            missing.append(notebook_name)
    if missing:
        return {"status": "missing", "missing": missing}
    try:
        probe = _find_probe(entry["probe_module"], entry["probe_name"], roots)
        if isinstance(inputs, Exception):
            raise inputs
        return {"status": "ok", "observations": probe(objects, inputs)}
    except BaseException as error:  # nothing a probe raises stops the others
        return {"status": "error", "error": short_error(error, ERROR_LIMIT)}


def _find_probe(module_name: str, qualified_name: str, roots: list) -> Any:
    """The probe function `qualified_name` of module `module_name` (imports that module only).

    With `roots` (graded runs), the module must be a file under one of them and the function
    defined in that file: a module or a probe the notebook planted is refused."""
    module = importlib.import_module(module_name)
    value: Any = module
    for part in qualified_name.split("."):
        value = getattr(value, part)
    if roots:
        where = os.path.realpath(str(getattr(module, "__file__", "") or ""))
        inside = any(where.startswith(os.path.realpath(root) + os.sep) for root in roots)
        code = getattr(value, "__code__", None)
        if not inside or code is None or os.path.realpath(code.co_filename) != where:
            raise RuntimeError(f"the grader's probe {module_name} was replaced in this kernel")
    return value
