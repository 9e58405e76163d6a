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

With "seal" in the request (graded runs), once every result is written `run_probes` writes the
SEALED marker and stops its own process (SIGSTOP): no code of the notebook runs after the
probe, not a post-run hook, a signal handler, an atexit function or a finalizer, until the
grading process has read the results and killed the kernel.
"""

from __future__ import annotations

import importlib
import os
import signal
import time
from collections.abc import Mapping
from typing import Any

from grader.core.text import short_error
from grader.core.transport import MalformedPayload, read_payload, write_payload

ERROR_LIMIT = 2000
SEALED = "SEALED"
"""The marker file, in the results folder, that says every result is written."""


def run_probes(namespace: Mapping[str, Any], request_dir: str) -> None:
    """Probe every requested check on the objects in `namespace`; write results as payloads."""
    request = read_payload(os.path.join(request_dir, "request"))
    for number, entry in enumerate(request["checks"]):
        result = _probe_one(entry, namespace, os.path.join(request_dir, "inputs", str(number)))
        destination = os.path.join(request["output"], str(number))
        try:
            write_payload(destination, result)
        except MalformedPayload as error:
            write_payload(
                destination,
                {"status": "error", "error": f"the probe returned data that is not plain: {error}"},
            )
    if request.get("seal") is True:
        _seal(request["output"])


def _seal(output: str) -> None:
    """Mark the results complete, then stop this process for the grader to read and kill it."""
    with open(os.path.join(output, SEALED), "w") as marker:
        marker.write("sealed\n")
    os.kill(os.getpid(), signal.SIGSTOP)
    while True:  # only if the stop was refused: still never return into the notebook
        time.sleep(3600)


def _probe_one(entry: dict, namespace: Mapping[str, Any], inputs_dir: str) -> dict:
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
        probe = _find_probe(entry["probe_module"], entry["probe_name"])
        inputs = read_payload(inputs_dir)
        return {"status": "ok", "observations": probe(objects, inputs)}
    except BaseException as error:  # nothing a probe raises stops the others
        return {"status": "error", "error": short_error(error, ERROR_LIMIT)}


def _find_probe(module_name: str, qualified_name: str) -> Any:
    """The probe function `qualified_name` of module `module_name` (imports that module only)."""
    value: Any = importlib.import_module(module_name)
    for part in qualified_name.split("."):
        value = getattr(value, part)
    return value
