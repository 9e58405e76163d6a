"""Running one notebook in a fresh kernel, then the probe cell; nothing here judges anything.

The kernel's working directory is a private copy; its stdout/stderr go to /dev/null; cells
tagged `skip-when-grading` are skipped; a failing cell does not stop the run; printed output is
capped as it arrives; a watchdog kills the kernel's process tree above a resident-memory limit;
the whole run has a deadline. After the learner's cells, the inputs and a results folder are
written under fresh random names, and one last cell runs
`grader.learner_side.kernel_probe.run_probes`, which imports only the requested probes.
The kernel is then shut down (its process group killed) and the results are read back with
`grader.core.transport.read_payload`, as hostile data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.batch.disk_watch import DiskWatch
from grader.batch.guard_trips import read_trips
from grader.batch.kernel_library import build_library
from grader.batch.kernel_process import (
    MemoryWatch,
    kernel_env,
    kill_tree,
    make_client,
    own_process_group,
    running_kernel,
)
from grader.batch.magics import as_plain_python
from grader.batch.phases import (
    PhaseClock,
    imports_tensorflow,
    kernel_processes,
    tensorflow_loaded,
)
from grader.batch.probe_cell import probe_source, write_request
from grader.batch.sandbox import KernelPlaces, fresh_home_env
from grader.batch.sandbox import wrap as sandbox_wrap
from grader.batch.sealing import FORGED, UNSEALED, take_sealed, wait_for_seal
from grader.batch.submissions import CheckRequest
from grader.batch.tampering import Finding
from grader.batch.user_sandbox import (
    give_to_kernel_user,
    hand_over,
    kill_user_processes,
    remove_kernel_user_files,
)
from grader.core.spec import CheckSpec
from grader.learner_side.kernel_probe import SEALED


@dataclass(frozen=True)
class KernelLimits:
    """How to run a kernel: time and memory limits, threads, import path, kernel name."""

    timeout: float
    memory_limit_mb: float
    registry: str = "grader.checks"
    jobs: int = 1
    python_path: tuple[str, ...] = ()
    kernel_name: str = "python3"
    sandbox: str = "none"
    """"bwrap", "user" or "none", already resolved (`grader.batch.sandbox.resolve`)."""
    hidden: tuple[str, ...] = ()
    """Answers ("module:name") taken out of the kernel's library (`kernel_library`)."""
    submission_roots: tuple[Path, ...] = ()
    """The folders submissions came from, hidden from every kernel."""


@dataclass
class KernelRun:
    """What running a notebook and its probes produced (before any judging)."""

    status: str = "graded"
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float | None = None
    outcomes: dict[int, Any] = field(default_factory=dict)
    """Check number -> the decoded result payload, or the `MalformedPayload` it raised."""
    trips: list[Finding] = field(default_factory=list)
    """What the kernel's introspection guard refused (it killed the kernel at the first)."""


async def run_notebook(
    notebook: nbformat.NotebookNode,
    filename: str,
    requests: Sequence[tuple[CheckRequest, CheckSpec]],
    inputs: dict[int, Any],
    limits: KernelLimits,
    private_dir: Path,
    clock: PhaseClock | None = None,
) -> KernelRun:
    """Run the notebook's cells in a fresh kernel, then the probe cell, inside `private_dir`.

    `inputs[n]` are the plain-data inputs of `requests[n]` (an Exception: send {}). Never
    raises for anything the notebook does: timeouts, memory, a dying kernel become the status.
    `clock` is charged each phase as it ends (`grader.batch.phases`): setup, kernel_start,
    tensorflow_import, cells, probes; kernel_shutdown is charged by the caller, which removes
    `private_dir`.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    result = KernelRun()
    options = limits
    clock = clock or PhaseClock()

    workdir = private_dir / "work"
    workdir.mkdir()
    nbformat.write(notebook, str(workdir / filename))  # the learner's copy; original untouched
    places = KernelPlaces(
        workdir=workdir,
        exchange=private_dir / "exchange",
        home=private_dir / "home",
        library=build_library(private_dir / "library", options.hidden),
        readable=tuple(Path(folder).resolve() for folder in options.python_path),
        hidden=options.submission_roots,
    )
    jupyter_dir = places.exchange / "jupyter"
    for folder in (places.home, jupyter_dir):
        folder.mkdir(parents=True)
    env = kernel_env(options)
    env.update(fresh_home_env(places.home))
    env["PYTHONPATH"] = os.pathsep.join(
        [str(places.library), *(str(folder) for folder in places.readable)]
    )
    cpu_seconds = int(options.timeout * (os.cpu_count() or 1) + 120)

    if options.sandbox == "user":
        hand_over(places)

    def wrap(command: list[str]) -> list[str]:
        return sandbox_wrap(options.sandbox, command, places, cpu_seconds)

    client = make_client(notebook, workdir, options)
    watch = MemoryWatch(options.memory_limit_mb)
    disk = DiskWatch([places.workdir, places.exchange, places.home])
    deadline = time.monotonic() + options.timeout  # reset once the kernel is up
    output_dir: Path | None = None
    watchers: list[asyncio.Task] = []
    started = False
    process_group: int | None = None

    def kernel_pid() -> int | None:
        provisioner = getattr(client.km, "provisioner", None) if client.km else None
        return getattr(provisioner, "pid", None)

    def remaining() -> int:
        return int(max(1, deadline - time.monotonic()))

    phase = "kernel_start"  # what the clock charges when the run is cut short
    clock.lap("setup")
    launched = time.monotonic()
    stderr_path = private_dir / "kernel-stderr"  # outside every folder the kernel sees
    stderr = open(stderr_path, "wb")  # noqa: SIM115 (closed once the kernel is gone, below)
    try:
        async with running_kernel(client, env, wrap, jupyter_dir, stderr):
            started = True
            result.timings["kernel_start"] = time.monotonic() - launched
            clock.lap(phase)
            phase = "cells"
            tensorflow_seen = False
            deadline = time.monotonic() + options.timeout
            process_group = own_process_group(kernel_pid())
            watchers = [
                asyncio.ensure_future(watch.run(kernel_pid)),
                asyncio.ensure_future(
                    disk.run(
                        lambda: kill_tree(kernel_pid()), lambda: kernel_processes(kernel_pid())
                    )
                ),
            ]
            stage = "the notebook"
            try:
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    # The magics the scan read as Python run as that Python: IPython's magic
                    # machinery takes frames (to expand $names), which the guard refuses.
                    cell.source = as_plain_python(str(cell.source))
                    if time.monotonic() >= deadline:
                        raise CellTimeoutError("deadline passed")
                    stage = f"cell {index + 1}"
                    client.timeout = remaining()
                    await client.async_execute_cell(cell, index, store_history=True)
                    elapsed = clock.lap(phase)
                    if not tensorflow_seen and _loaded_tensorflow(cell, kernel_pid()):
                        tensorflow_seen = True
                        clock.move(elapsed, "cells", "tensorflow_import")
                    result.errors.extend(_cell_errors(cell, f"cell {index + 1}"))
                stage = "the grader's checks"
                phase = "probes"
                result.timings["notebook"] = time.monotonic() - deadline + options.timeout
                probe_started = time.monotonic()
                # Only now, after the learner's cells ran, do inputs and a results folder exist,
                # under names the notebook could not guess.
                exchange = places.exchange / f"exchange-{secrets.token_hex(16)}"
                # The results folder is not made here: the probe makes it once it is done.
                output_dir = exchange / f"results-{secrets.token_hex(16)}"
                exchange.mkdir(mode=0o700, parents=True)
                write_request(exchange, output_dir, requests, inputs, places)
                if options.sandbox == "user":  # its results folder must be its own to write
                    give_to_kernel_user(exchange)
                roots = [places.library, *places.readable]
                modules = [spec.probe.__module__ for _, spec in requests]
                key = secrets.token_hex(32)  # only in the probe cell's source: signs the seal
                probe_cell = nbformat.v4.new_code_cell(probe_source(exchange, roots, modules, key))
                notebook.cells.append(probe_cell)  # nbclient stores each cell back by index
                client.timeout = remaining()
                execution = asyncio.ensure_future(
                    client.async_execute_cell(
                        probe_cell, len(notebook.cells) - 1, store_history=False
                    )
                )
                sealed = await wait_for_seal(execution, output_dir / SEALED, client)
                if sealed and disk.check(kernel_processes(kernel_pid())):
                    # a burst of writes between two polls (a memfd filled in a few ms)
                    result.status = "out of disk"
                    result.errors.append(_out_of_disk(disk, "the grader's checks"))
                elif sealed:
                    # The kernel stopped itself once its results were complete: copy them out
                    # now, before any code of the notebook could run again, and check the seal.
                    with tempfile.TemporaryDirectory(prefix="grader-results-") as private:
                        outcomes = take_sealed(
                            output_dir, Path(private) / "results", key, len(requests)
                        )
                    if outcomes is None:
                        result.errors.append(FORGED)
                    else:
                        result.outcomes = outcomes
                else:
                    await execution  # the cell ended unsealed: its errors, or its timeout
                    result.errors.append(UNSEALED)
                result.errors.extend(_cell_errors(probe_cell, "grader's probe cell"))
                result.timings["checks"] = time.monotonic() - probe_started
            except CellTimeoutError:
                result.status = "timed out"
                result.errors.append(
                    f"timed out after {options.timeout:g} s while running {stage} "
                    "(the kernel was stopped)"
                )
            except DeadKernelError:
                await asyncio.sleep(0)  # let the watches record why
                if disk.exceeded:
                    result.status = "out of disk"
                    result.errors.append(_out_of_disk(disk, stage))
                elif watch.exceeded:
                    result.status = "out of memory"
                    result.errors.append(
                        f"the kernel used more than {options.memory_limit_mb:g} MB and was "
                        f"stopped while running {stage}"
                    )
                else:
                    result.status = "kernel died"
                    result.errors.append(f"the kernel died while running {stage}")
            finally:  # the phase that ended, or was cut short; the shutdown follows
                clock.lap(phase)
                phase = "kernel_shutdown"
    except Exception as error:
        if result.status == "graded":
            result.status = "kernel died" if started else "kernel failed to start"
            result.errors.append(f"kernel problem: {type(error).__name__}: {error}"[:500])
    finally:
        clock.lap(phase)  # kernel_start if it failed to start, else the shutdown so far
        for watcher in watchers:
            watcher.cancel()
        if process_group is not None:  # whatever the learner's code started in the kernel
            with contextlib.suppress(OSError):
                os.killpg(process_group, signal.SIGKILL)
        if options.sandbox == "user":  # and what it started in a session of its own
            kill_user_processes()
            remove_kernel_user_files()  # and what it left in /tmp for the next kernel
        if watch.peak_bytes:
            result.peak_memory_mb = round(watch.peak_bytes / 2**20, 1)
        stderr.close()
        result.trips = read_trips(stderr_path, notebook)
        if os.environ.get("GRADER_KERNEL_STDERR"):  # the kernel's own stderr, to debug with
            with open(stderr_path, "rb") as own:
                sys.stderr.flush()
                shutil.copyfileobj(own, sys.stderr.buffer)

    if output_dir is not None:
        shutil.rmtree(output_dir.parent, ignore_errors=True)
    return result


def _out_of_disk(disk: DiskWatch, stage: str) -> str:
    """Why a kernel that held too much was stopped."""
    return (
        "the notebook's files (in its folders, or deleted while held open) held "
        f"{disk.describe_limit()} and its kernel was stopped while running {stage}"
    )


def _loaded_tensorflow(cell: nbformat.NotebookNode, pid: int | None) -> bool:
    """Whether TensorFlow is now loaded in the kernel (its memory maps, read from /proc here;
    where they cannot be read: whether this cell's source imports it)."""
    loaded = tensorflow_loaded(kernel_processes(pid))
    return imports_tensorflow(cell.source) if loaded is None else loaded


def _cell_errors(cell: nbformat.NotebookNode, where: str) -> list[str]:
    errors = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            evalue = " ".join(str(output.get("evalue", "")).split())[:300]
            errors.append(f"{where}: {output.get('ename', 'Error')}: {evalue}".rstrip(": "))
    return errors
