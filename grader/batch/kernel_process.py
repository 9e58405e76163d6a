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
import zmq

if TYPE_CHECKING:
    from grader.batch.kernel_run import KernelLimits

SKIP_TAG = "skip-when-grading"
MAX_MESSAGE_BYTES = 16 * 2**20
"""A kernel message larger than this is dropped unread (the cell then times out)."""
STREAM_LIMIT = 4000
"""Characters of printed output kept per cell (the rest is dropped as it arrives)."""

KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
}
INHERITED = (
    "PATH",  # where the sandbox's own programs (bwrap, prlimit, setpriv) are found
    "LANG",
    "LANGUAGE",
    "TZ",
    "LD_LIBRARY_PATH",  # a conda or CUDA installation's libraries, which TensorFlow may need
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "TF_NUM_INTRAOP_THREADS",  # the instructor's thread counts, else those of --jobs
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "NER_DATASET",  # the course's own variables (README, Data)
    "NER_DATA_DIR",
    "BILSTM_NER_PROGRESS",
)
"""What the kernel takes from the tool's environment, besides every `LC_*`: nothing else, so no
token, password or key the tool was started with can be printed by a learner's cell. HOME,
TMPDIR, the Jupyter/IPython folders (`sandbox.fresh_home_env`) and PYTHONPATH (the kernel's
library) are set for each kernel."""


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
            processes = _processes(pid)
            if not processes:
                continue
            total = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            if total > self.limit_bytes:
                self.exceeded = True
                kill_tree(pid)
                return


def _processes(pid: int | None) -> list:
    """The psutil processes of `pid` and all its descendants (none when it is gone)."""
    import psutil

    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def kill_tree(pid: int | None) -> None:
    """Kill the process `pid` (the kernel, or the sandbox around it) and all its descendants,
    the youngest first."""
    import psutil

    for process in reversed(_processes(pid)):
        with contextlib.suppress(psutil.Error):
            process.kill()


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
    """The environment a learner's kernel starts with: the allow-listed part of this process's
    (`INHERITED`, `LC_*`) and the quiet-start settings (`KERNEL_ENV`); nothing else."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name in INHERITED or name.startswith("LC_")
    }
    env.update(KERNEL_ENV)
    if options.jobs > 1:  # kernels in parallel: share the cores instead of oversubscribing them
        threads = str(max(1, (os.cpu_count() or 1) // options.jobs))
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            env.setdefault(name, threads)
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

        def handle_comm_msg(self, outs, msg, cell_index):  # type: ignore[override]
            """Widgets and other comms are dropped unread: nbclient would keep every widget's
            state (40 text boxes of 12 MB grew this process by 1.5 GB)."""
            return None

    return CappedClient(
        notebook,
        kernel_name=options.kernel_name,
        allow_errors=True,
        store_widget_state=False,
        skip_cells_with_tag=SKIP_TAG,
        shutdown_kernel="immediate",
        shell_timeout_interval=1,
        startup_timeout=min(120, max(10, int(options.timeout))),
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )


def sandboxed_kernel_manager(base: type, wrap: Callable[[list[str]], list[str]]) -> type:
    """A subclass of the kernel manager class `base` whose kernel command is `wrap(command)`."""

    class SandboxedKernelManager(base):  # type: ignore[misc, valid-type]
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return wrap(super().format_kernel_cmd(extra_arguments))

    return SandboxedKernelManager


_KERNEL_STDERR = None if os.environ.get("GRADER_KERNEL_STDERR") else subprocess.DEVNULL
"""Set GRADER_KERNEL_STDERR=1 to see a kernel's own stderr (why it failed to start)."""


@contextlib.asynccontextmanager
async def running_kernel(
    client: Any,
    env: dict[str, str],
    wrap: Callable[[list[str]], list[str]] | None = None,
    jupyter_dir: Path | None = None,
    stderr: Any = _KERNEL_STDERR,
) -> AsyncIterator[None]:
    """Start the client's kernel (its own stdout to /dev/null, its stderr to `stderr`, by
    default /dev/null too) and always shut it down.

    `wrap`: turns the kernel's command into the sandboxed one; `jupyter_dir`: where its
    connection file and ipc sockets go (ipc: a network namespace cuts TCP). Unlike nbclient's
    `async_setup_kernel`, this installs no SIGINT/SIGTERM handlers, so Ctrl-C stops the tool
    (the kernels are still shut down on the way out).
    """
    if wrap is not None:
        client.kernel_manager_class = sandboxed_kernel_manager(client.kernel_manager_class, wrap)
    client.km = client.create_kernel_manager()
    if jupyter_dir is not None:
        client.km.transport = "ipc"
        client.km.ip = str(jupyter_dir / "kernel")
        client.km.connection_file = str(jupyter_dir / "connection.json")
    try:
        await client.async_start_new_kernel(env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        # nbclient's async_start_new_kernel_client, with every message capped before it is
        # decoded: a cell raising an exception with a 150 MB message must not grow this process
        # by gigabytes (nbclient trims outputs only after decoding them).
        client.kc = client.km.client()
        client.kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        await _maybe_await(client.kc.start_channels())
        await _maybe_await(client.kc.wait_for_ready(timeout=client.startup_timeout))
        client.kc.allow_stdin = False
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
