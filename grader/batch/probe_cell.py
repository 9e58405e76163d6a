"""What the grader's probe cell is given (grading process): the request naming each check's
probe and objects, the inputs beside it, and the cell's source, which imports the grader afresh."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.batch.sandbox import KernelPlaces
from grader.batch.submissions import CheckRequest
from grader.core.spec import CheckSpec
from grader.core.transport import write_payload


def write_request(
    exchange: Path,
    output_dir: Path,
    requests: Sequence[tuple[CheckRequest, CheckSpec]],
    inputs: dict[int, Any],
    places: KernelPlaces,
) -> None:
    """What the probe cell reads: each check's inputs, and the request (per check: its probe's
    module and name, the objects to look up; where to write results; the folders its probes
    must come from)."""
    checks = []
    for number, (request, spec) in enumerate(requests):
        spec_inputs = inputs[number]
        write_payload(
            exchange / "inputs" / str(number),
            {} if isinstance(spec_inputs, Exception) else spec_inputs,
        )
        checks.append(request_entry(request, spec))
    roots = [str(folder) for folder in (places.library, *places.readable)]
    request = {"checks": checks, "output": str(output_dir), "seal": True, "roots": roots}
    write_payload(exchange / "request", request)


def request_entry(request: CheckRequest, spec: CheckSpec) -> dict:
    """One check of the kernel's request: its probe's module and name, and the graded objects
    to look up ({spec name: notebook name}); never a judge, never the registry."""
    return {
        "name": request.name,
        "probe_module": spec.probe.__module__,
        "probe_name": spec.probe.__qualname__,
        "objects": request.lookups(spec),
    }


def probe_source(
    exchange: Path, roots: Sequence[Path], probe_modules: Sequence[str], key: str = ""
) -> str:
    """The probe cell. Modules the notebook imported or planted under the grader's names (and
    a `grader/` folder it wrote beside itself) are not used: the grader's modules and the probes
    are imported afresh, from the kernel's library first. `key` signs the seal: it exists only
    in this cell's source, which reaches the kernel after every cell of the notebook ran."""
    tops = sorted({"grader", *(name.split(".")[0] for name in probe_modules)})
    return (
        "import sys as _grader_sys\n"
        f"_grader_sys.path[:0] = {[str(root) for root in roots]!r}\n"
        "for _grader_name in [name for name in list(_grader_sys.modules)\n"
        f"                     if name.split('.')[0] in {tops!r}]:\n"
        "    del _grader_sys.modules[_grader_name]\n"
        "import grader.learner_side.kernel_probe as _grader_kernel_probe\n"
        f"_grader_kernel_probe.run_probes(globals(), {str(exchange)!r}, {key!r})\n"
    )
