"""The learner's kernel as a process (grading process side): its environment, a notebook client
that keeps only a little of what it prints, start and certain shutdown, a memory watchdog."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

if TYPE_CHECKING:
    from grader.batch.kernel_run import KernelLimits

SKIP_TAG = "skip-when-grading"
STREAM_LIMIT = 4000
"""Characters of printed output kept per cell (the rest is dropped as it arrives)."""

KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
}


class MemoryWatch:
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


def own_process_group(pid: int | None) -> int | None:
    """The kernel's process group if it leads its own (jupyter_client starts a new session)."""
    if pid is None:
        return None
    try:
        group = os.getpgid(pid)
    except OSError:
        return None
    return group if group == pid and group != os.getpgid(0) else None


def kernel_env(options: KernelLimits) -> dict[str, str]:
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


def make_client(notebook: nbformat.NotebookNode, workdir: Path, options: KernelLimits) -> Any:
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
async def running_kernel(client: Any, env: dict[str, str]) -> AsyncIterator[None]:
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
