"""Running one notebook in a fresh kernel, then the probe cell; nothing here judges anything.

The kernel's working directory is a private copy; its stdout/stderr go to /dev/null; cells
tagged `skip-when-grading` are skipped; a failing cell does not stop the run; printed output is
capped as it arrives; a watchdog kills the kernel's process tree above a resident-memory limit;
the whole run has a deadline. After the learner's cells, the inputs and a results folder are
written under fresh random names, and one last cell runs `grader.kernel_probe.run_probes`.
The kernel is then shut down (its process group killed) and the results are read back with
`grader.transport.read_payload`, as hostile data.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.submissions import CheckRequest
from grader.transport import MalformedPayload, read_payload, write_payload

SKIP_TAG = "skip-when-grading"
STREAM_LIMIT = 4000
"""Characters of printed output kept per cell (the rest is dropped as it arrives)."""

KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class KernelLimits:
    """How to run a kernel: time and memory limits, threads, import path, kernel name."""

    timeout: float
    memory_limit_mb: float
    registry: str = "grader.checks"
    jobs: int = 1
    python_path: tuple[str, ...] = ()
    kernel_name: str = "python3"


@dataclass
class KernelRun:
    """What running a notebook and its probes produced (before any judging)."""

    status: str = "graded"
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float | None = None
    outcomes: dict[int, Any] = field(default_factory=dict)
    """Check number -> the decoded result payload, or the `MalformedPayload` it raised."""


class _MemoryWatch:
    """Polls the kernel's process tree; kills it when its resident memory passes the limit."""

    def __init__(self, limit_mb: float) -> None:
        self.limit_bytes = limit_mb * 2**20
        self.exceeded = False
        self.peak_bytes = 0

    async def run(self, pid_of: Callable[[], int | None]) -> None:
        import psutil

        while True:
            await asyncio.sleep(0.1)
            pid = pid_of()
            if pid is None:
                continue
            try:
                root = psutil.Process(pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            total = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            if total > self.limit_bytes:
                self.exceeded = True
                for process in reversed(processes):
                    with contextlib.suppress(psutil.Error):
                        process.kill()
                return


def _own_process_group(pid: int | None) -> int | None:
    """The kernel's process group if it leads its own (jupyter_client starts a new session)."""
    if pid is None:
        return None
    try:
        group = os.getpgid(pid)
    except OSError:
        return None
    return group if group == pid and group != os.getpgid(0) else None


def _kernel_env(options: KernelLimits) -> dict[str, str]:
    env = dict(os.environ)
    env.update(KERNEL_ENV)
    for name in ("PYTEST_CURRENT_TEST", "JPY_SESSION_NAME"):
        env.pop(name, None)
    if options.jobs > 1:  # kernels in parallel: share the cores instead of oversubscribing them
        threads = str(max(1, (os.cpu_count() or 1) // options.jobs))
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            env.setdefault(name, threads)
    if options.python_path:
        parts = [str(Path(p).resolve()) for p in options.python_path]
        if env.get("PYTHONPATH"):
            parts.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def _make_client(notebook: nbformat.NotebookNode, workdir: Path, options: KernelLimits) -> Any:
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Keeps only error outputs and a little printed text: floods never fill our memory."""

        def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
            content = msg.get("content", {})
            if msg["msg_type"] == "error":
                outs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename=str(content.get("ename", ""))[:200],
                        evalue=str(content.get("evalue", ""))[:1000],
                        traceback=[],
                    )
                )
            elif msg["msg_type"] == "stream":
                kept = sum(len(out.get("text", "")) for out in outs if "text" in out)
                room = STREAM_LIMIT - kept
                if room > 0:
                    outs.append(
                        nbformat.v4.new_output(
                            "stream",
                            name=str(content.get("name", "stdout")),
                            text=str(content.get("text", ""))[:room],
                        )
                    )
            return None

    return CappedClient(
        notebook,
        kernel_name=options.kernel_name,
        allow_errors=True,
        skip_cells_with_tag=SKIP_TAG,
        shutdown_kernel="immediate",
        shell_timeout_interval=1,
        startup_timeout=min(120, max(10, int(options.timeout))),
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )


@contextlib.asynccontextmanager
async def _running_kernel(client: Any, env: dict[str, str]) -> AsyncIterator[None]:
    """Start the client's kernel (its own stdout/stderr to /dev/null) and always shut it down.

    Unlike nbclient's `async_setup_kernel`, this installs no SIGINT/SIGTERM handlers, so Ctrl-C
    stops the tool (the kernels are still shut down on the way out).
    """
    client.km = client.create_kernel_manager()
    try:
        await client.async_start_new_kernel(
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        await client.async_start_new_kernel_client()
        yield
    finally:
        km, kc = client.km, client.kc
        if km is not None:
            with contextlib.suppress(Exception):
                if km.has_kernel:
                    await _maybe_await(km.shutdown_kernel(now=True))
            with contextlib.suppress(Exception):
                await _maybe_await(km.cleanup_resources())
        if kc is not None:
            with contextlib.suppress(Exception):
                await _maybe_await(kc.stop_channels())
        client.km = client.kc = None


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def run_notebook(
    notebook: nbformat.NotebookNode,
    filename: str,
    requests: Sequence[CheckRequest],
    inputs: dict[int, Any],
    limits: KernelLimits,
    private_dir: Path,
) -> KernelRun:
    """Run the notebook's cells in a fresh kernel, then the probe cell, inside `private_dir`.

    `inputs[n]` are the plain-data inputs of `requests[n]` (an Exception: send {}). Never
    raises for anything the notebook does: timeouts, memory, a dying kernel become the status.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    result = KernelRun()
    options = limits

    workdir = private_dir / "work"
    workdir.mkdir()
    nbformat.write(notebook, str(workdir / filename))  # the learner's copy; original untouched

    client = _make_client(notebook, workdir, options)
    watch = _MemoryWatch(options.memory_limit_mb)
    deadline = time.monotonic() + options.timeout  # reset once the kernel is up
    output_dir: Path | None = None
    watcher: asyncio.Task | None = None
    started = False
    process_group: int | None = None

    def kernel_pid() -> int | None:
        provisioner = getattr(client.km, "provisioner", None) if client.km else None
        return getattr(provisioner, "pid", None)

    def remaining() -> int:
        return int(max(1, deadline - time.monotonic()))

    launched = time.monotonic()
    try:
        async with _running_kernel(client, _kernel_env(options)):
            started = True
            result.timings["kernel_start"] = time.monotonic() - launched
            deadline = time.monotonic() + options.timeout
            process_group = _own_process_group(kernel_pid())
            watcher = asyncio.ensure_future(watch.run(kernel_pid))
            stage = "the notebook"
            try:
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    if time.monotonic() >= deadline:
                        raise CellTimeoutError("deadline passed")
                    stage = f"cell {index + 1}"
                    client.timeout = remaining()
                    await client.async_execute_cell(cell, index, store_history=True)
                    result.errors.extend(_cell_errors(cell, f"cell {index + 1}"))
                stage = "the grader's checks"
                result.timings["notebook"] = time.monotonic() - deadline + options.timeout
                probe_started = time.monotonic()
                # Only now, after the learner's cells ran, do inputs and a results folder exist,
                # under names the notebook could not guess.
                exchange = private_dir / f"exchange-{secrets.token_hex(16)}"
                output_dir = exchange / f"results-{secrets.token_hex(16)}"
                output_dir.mkdir(mode=0o700, parents=True)
                _write_request(exchange, output_dir, requests, inputs, options.registry)
                probe_cell = nbformat.v4.new_code_cell(_probe_source(exchange))
                notebook.cells.append(probe_cell)  # nbclient stores each cell back by index
                client.timeout = remaining()
                await client.async_execute_cell(
                    probe_cell, len(notebook.cells) - 1, store_history=False
                )
                result.errors.extend(_cell_errors(probe_cell, "grader's probe cell"))
                result.timings["checks"] = time.monotonic() - probe_started
            except CellTimeoutError:
                result.status = "timed out"
                result.errors.append(
                    f"timed out after {options.timeout:g} s while running {stage} "
                    "(the kernel was stopped)"
                )
            except DeadKernelError:
                await asyncio.sleep(0)  # let the memory watch record why
                if watch.exceeded:
                    result.status = "out of memory"
                    result.errors.append(
                        f"the kernel used more than {options.memory_limit_mb:g} MB and was "
                        f"stopped while running {stage}"
                    )
                else:
                    result.status = "kernel died"
                    result.errors.append(f"the kernel died while running {stage}")
    except Exception as error:
        if result.status == "graded":
            result.status = "kernel died" if started else "kernel failed to start"
            result.errors.append(f"kernel problem: {type(error).__name__}: {error}"[:500])
    finally:
        if watcher is not None:
            watcher.cancel()
        if process_group is not None:  # whatever the learner's code started in the kernel
            with contextlib.suppress(OSError):
                os.killpg(process_group, signal.SIGKILL)
        if watch.peak_bytes:
            result.peak_memory_mb = round(watch.peak_bytes / 2**20, 1)

    if output_dir is None or result.status != "graded":
        return result
    outcomes = result.outcomes
    for number in range(len(requests)):
        directory = output_dir / str(number)
        if not directory.exists():
            continue
        try:
            outcomes[number] = read_payload(directory)
        except MalformedPayload as error:
            outcomes[number] = error
    shutil.rmtree(output_dir, ignore_errors=True)
    return result


def _write_request(
    exchange: Path,
    output_dir: Path,
    requests: Sequence[CheckRequest],
    inputs: dict[int, Any],
    registry: str,
) -> None:
    """What the probe cell reads: each check's inputs, and the request (registry module,
    checks, where to write results)."""
    checks = []
    for number, request in enumerate(requests):
        spec_inputs = inputs[number]
        write_payload(
            exchange / "inputs" / str(number),
            {} if isinstance(spec_inputs, Exception) else spec_inputs,
        )
        checks.append({"name": request.name, "objects": dict(request.objects)})
    write_payload(
        exchange / "request",
        {"registry": registry, "checks": checks, "output": str(output_dir)},
    )


def _probe_source(exchange: Path) -> str:
    return (
        "import grader.kernel_probe as _grader_kernel_probe\n"
        f"_grader_kernel_probe.run_probes(globals(), {str(exchange)!r})\n"
    )


def _cell_errors(cell: nbformat.NotebookNode, where: str) -> list[str]:
    errors = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            evalue = " ".join(str(output.get("evalue", "")).split())[:300]
            errors.append(f"{where}: {output.get('ename', 'Error')}: {evalue}".rstrip(": "))
    return errors
