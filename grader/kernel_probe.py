"""The learner-kernel side of `python -m grader grade`: run each check's probe, write plain data.

The grading tool executes the submission, then sends its kernel one last cell:

    import grader.kernel_probe; grader.kernel_probe.run_probes(globals(), "<request dir>")

`run_probes` reads the request (which checks, which notebook names, where to write), looks
the learner's objects up in the notebook namespace, runs `spec.probe(objects, inputs)` on the
inputs the grading process generated, and writes one result payload per check:
{"status": "ok", "observations": ...} | {"status": "missing", "missing": [names]} |
{"status": "error", "error": text}. Nothing here decides a score: the grading process reads
these results as hostile data and judges them itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from grader.transport import MalformedPayload, read_payload, write_payload

ERROR_LIMIT = 2000


def run_probes(namespace: Mapping[str, Any], request_dir: str) -> None:
    """Probe every requested check on the objects in `namespace`; write results as payloads."""
    request = read_payload(os.path.join(request_dir, "request"))
    registry = importlib.import_module(request["registry"]).CHECKS
    for number, entry in enumerate(request["checks"]):
        result = _probe_one(
            registry, entry, namespace, os.path.join(request_dir, "inputs", str(number))
        )
        destination = os.path.join(request["output"], str(number))
        try:
            write_payload(destination, result)
        except MalformedPayload as error:
            write_payload(
                destination,
                {"status": "error", "error": f"the probe returned data that is not plain: {error}"},
            )


def _probe_one(
    registry: Mapping, entry: dict, namespace: Mapping[str, Any], inputs_dir: str
) -> dict:
    spec = registry[entry["name"]]
    names = entry.get("objects", {})
    objects: dict[str, Any] = {}
    missing = []
    for object_name in spec.objects:
        notebook_name = names.get(object_name, object_name)
        if notebook_name in namespace:
            objects[object_name] = namespace[notebook_name]
        elif object_name not in spec.optional_objects:
            missing.append(notebook_name)
    if missing:
        return {"status": "missing", "missing": missing}
    try:
        inputs = read_payload(inputs_dir)
        return {"status": "ok", "observations": spec.probe(objects, inputs)}
    except BaseException as error:  # nothing a probe raises stops the others
        text = f"{type(error).__name__}: {error}"
        return {"status": "error", "error": text[:ERROR_LIMIT]}
