"""A throwaway JupyterLab server on a copy of the learner notebooks, for `make test-browser`.

It runs as a learner's would: without the Makefile's TensorFlow variables or pytest's
`PYTEST_CURRENT_TEST` (under which ipykernel stops showing C-level output), so what the
browser sees is what the course itself prints. Its settings, workspaces and runtime files live
in the temporary folder: no news pop-up, no restored layout, every cell rendered (no
windowing), no nbgrader extension (learners do not have it), and the app exposed to the page
as `window.jupyterapp`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Variables a learner's machine does not have: the Makefile's, pytest's, nbval's.
DROPPED_VARIABLES = (
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "PYTEST_CURRENT_TEST",
    "BILSTM_NER_PROGRESS",
    "JPY_SESSION_NAME",
)
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
# Lab extensions of the instructors' tools, which a learner's JupyterLab does not have.
DISABLED_EXTENSIONS = {"@jupyter/nbgrader": True}
START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class LabServer:
    """A running server: where it serves, its token, the folder it serves, its log."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        """The address that opens notebook `name` (a file in `root`) in JupyterLab."""
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def learner_environment(environment: dict[str, str], home: Path) -> dict[str, str]:
    """`environment` without the test harness's variables, with Jupyter's folders under `home`."""
    kept = {name: value for name, value in environment.items() if name not in DROPPED_VARIABLES}
    folders = {
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
    }
    return {**kept, **{name: str(folder) for name, folder in folders.items()}}


def write_lab_settings(settings_dir: Path) -> None:
    """Write `LAB_SETTINGS` as JupyterLab user settings under `settings_dir`."""
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.split(":")
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def write_page_config(config_dir: Path) -> None:
    """Disable `DISABLED_EXTENSIONS` for the JupyterLab whose config folder is `config_dir`."""
    path = config_dir / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"disabledExtensions": DISABLED_EXTENSIONS}), encoding="utf-8")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_command(root: Path, port: int, token: str) -> list[str]:
    """The `jupyter lab` command line serving `root` on `port` (with --allow-root as root)."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def wait_until_ready(process: subprocess.Popen, url: str, token: str, log: Path) -> None:
    """Poll the server's /api/status until it answers; raise with its log if it dies or stalls."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{_tail(log)}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5),
        ):
            return
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT_SECONDS} s:\n{_tail(log)}")


@contextlib.contextmanager
def lab_server(notebooks: Path) -> Iterator[LabServer]:
    """Serve a temporary copy of `notebooks` in JupyterLab; stop it and delete the copy after."""
    home = Path(tempfile.mkdtemp(prefix="bilstm-browser-test-"))
    try:
        root = home / "notebooks"
        shutil.copytree(notebooks, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        environment = learner_environment(dict(os.environ), home)
        write_lab_settings(Path(environment["JUPYTERLAB_SETTINGS_DIR"]))
        write_page_config(Path(environment["JUPYTER_CONFIG_DIR"]))
        port, token = free_port(), secrets.token_hex(16)
        log = home / "jupyterlab.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                lab_command(root, port, token),
                cwd=root,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its kernels too are in its process group
            )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(process, url, token, log)
            yield LabServer(url=url, token=token, root=root, log=log)
        finally:
            _stop(process)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    """Stop the server politely, then whatever is left of its process group (its kernels)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _tail(log: Path, lines: int = 30) -> str:
    """The last `lines` lines of the server's log."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])
