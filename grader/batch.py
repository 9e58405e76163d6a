"""Grade submitted notebooks: execute each in a fresh kernel, probe there, judge here.

For each notebook: read and validate it; decide which checks apply (the notebook's
`metadata["grader"]["checks"]`, or `GradingOptions.checks`); generate each check's inputs in
this process; execute a copy of the notebook in a fresh kernel inside a private temporary
directory (cells tagged `skip-when-grading` are not run; failing cells do not stop the run);
send the kernel one last cell that runs the probes (`grader.kernel_probe`) and writes the
observations as plain data into a directory whose name is only revealed in that cell; shut the
kernel down; read the observations as hostile data (`grader.transport`) and judge them here.
Learner code never runs in this process, and this process never imports TensorFlow itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from grader.report import CheckItem, Report
from grader.spec import CheckSpec, internal_error_report
from grader.transport import MalformedPayload, read_payload, write_payload

SKIP_TAG = "skip-when-grading"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_LIMIT_MB = 4096.0
MAX_NOTEBOOK_BYTES = 50 * 2**20
STREAM_LIMIT = 4000
"""Characters of printed output kept per cell (the rest is dropped as it arrives)."""

KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
}


class UsageError(Exception):
    """The tool was used wrongly (bad path, unknown check): a one-line message, exit code 2."""


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which checks (None: what each notebook declares), limits, parallelism."""

    checks: tuple[str, ...] | None = None
    registry: str = "grader.checks"
    timeout: float = DEFAULT_TIMEOUT
    memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB
    jobs: int = 1
    seed: int | None = None
    python_path: tuple[str, ...] = ()
    kernel_name: str = "python3"


@dataclass(frozen=True)
class CheckRequest:
    """One check to run on a notebook, with spec object names mapped to notebook names."""

    name: str
    objects: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SubmissionResult:
    """What grading one notebook produced: a report per check, a status and what went wrong."""

    path: str
    status: str
    reports: list[tuple[str, Report]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent starting the kernel, running the notebook's cells, and probing."""

    @property
    def score(self) -> float:
        """Points earned over every check."""
        return float(sum(report.score for _, report in self.reports))

    @property
    def max_score(self) -> float:
        """Points available over every check."""
        return float(sum(report.max_score for _, report in self.reports))

    def to_dict(self) -> dict:
        """Plain JSON-able data: path, score, max_score, status, items, errors, time."""
        return {
            "path": self.path,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "peak_memory_mb": self.peak_memory_mb,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
            "errors": list(self.errors),
            "items": [
                {
                    "check": check,
                    "title": report.title,
                    "name": item.name,
                    "passed": bool(item.passed),
                    "points": float(item.points),
                    "score": float(item.score),
                    "attempted": bool(item.attempted),
                    "message": item.message,
                }
                for check, report in self.reports
                for item in report.items
            ],
        }


# --- finding and reading submissions -----------------------------------------------------------


def collect_notebooks(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The notebooks named by `paths` (files, or folders searched recursively for *.ipynb,
    skipping .ipynb_checkpoints), in a stable order. Raises `UsageError` for a missing path
    or when no notebook is found."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    candidate
                    for candidate in path.rglob("*.ipynb")
                    if ".ipynb_checkpoints" not in candidate.parts and candidate.is_file()
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    if not found:
        names = ", ".join(str(p) for p in paths) or "(none given)"
        raise UsageError(f"no notebooks (*.ipynb) found in {names}")
    unreadable = [str(path) for path in found if not os.access(path, os.R_OK)]
    if unreadable:
        raise UsageError(f"cannot read {', '.join(unreadable[:3])}: check the permissions")
    return list(dict.fromkeys(found))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook (nbformat 4). Raises ValueError with a sentence for people."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"cannot read {path.name}: {error.strerror}") from None
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(
            f"{path.name} is {size / 2**20:.0f} MB, larger than the "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MB limit: clear the outputs and submit it again"
        )
    try:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # NotJSONError, ValidationError, UnicodeDecodeError, ...
        detail = " ".join(str(error).split())[:200]
        raise ValueError(
            f"{path.name} is not a valid Jupyter notebook ({type(error).__name__}: {detail}); "
            "submit the .ipynb file saved by Jupyter"
        ) from None
    return notebook


def declared_checks(
    notebook: nbformat.NotebookNode, registry: Mapping[str, CheckSpec]
) -> tuple[list[CheckRequest], list[str]]:
    """The checks a notebook declares in `metadata["grader"]["checks"]`, and problems found.

    Each entry is a check name, or {"check": name, "objects": {spec_name: notebook_name}}.
    """
    grader_metadata = notebook.get("metadata", {}).get("grader")
    if grader_metadata is None:
        return [], []
    entries = grader_metadata.get("checks") if isinstance(grader_metadata, dict) else None
    if not isinstance(entries, list):
        return [], ['notebook metadata "grader" must be {"checks": [...]}']
    requests, problems = [], []
    for entry in entries:
        if isinstance(entry, str):
            name, objects = entry, {}
        elif isinstance(entry, dict) and isinstance(entry.get("check"), str):
            name, objects = entry["check"], entry.get("objects", {})
        else:
            problems.append(f"notebook metadata: cannot read the check entry {str(entry)[:80]}")
            continue
        valid_objects = isinstance(objects, dict) and all(
            isinstance(key, str) and isinstance(value, str) for key, value in objects.items()
        )
        if not valid_objects:
            problems.append(f'notebook metadata: "objects" of check {name!r} must map str to str')
            continue
        if name not in registry:
            problems.append(
                f"notebook metadata names an unknown check {name!r} "
                f"(known: {', '.join(sorted(registry))})"
            )
            continue
        requests.append(CheckRequest(name, dict(objects)))
    return requests, problems


def load_registry(module_name: str, python_path: Sequence[str] = ()) -> Mapping[str, CheckSpec]:
    """The `CHECKS` mapping of the module `module_name` (default `grader.checks`), importable
    from `python_path` folders (added to `sys.path`, as they are for the kernels)."""
    for folder in reversed(python_path):
        folder = str(Path(folder).resolve())
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UsageError(f"cannot import the checks module {module_name!r}: {error}") from None
    registry = getattr(module, "CHECKS", None)
    if not isinstance(registry, Mapping):
        raise UsageError(f"the checks module {module_name!r} has no CHECKS mapping")
    # A check module that failed to import would silently turn its check into "unknown":
    # refuse to grade rather than give every learner zero for the grader's own bug.
    broken = getattr(module, "LOAD_ERRORS", None) or getattr(module, "_LOAD_ERRORS", None)
    if broken:
        details = "; ".join(f"{name}: {error}" for name, error in dict(broken).items())
        raise UsageError(f"some checks could not be loaded (a bug in the grader): {details}")
    return registry


# --- grading ----------------------------------------------------------------------------------


def grade_paths(
    paths: Sequence[str | os.PathLike],
    options: GradingOptions | None = None,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every notebook under `paths`, `options.jobs` at a time; results in path order.

    Never raises for a bad submission (each gets a result saying what went wrong); raises
    `UsageError` for bad paths or options. `on_result` is called as each submission finishes.
    """
    options = options or GradingOptions()
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {options.jobs}")
    if options.timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {options.timeout:g}")
    registry = load_registry(options.registry, options.python_path)
    if options.checks is not None:
        unknown = [name for name in options.checks if name not in registry]
        if unknown:
            raise UsageError(
                f"unknown check(s) {', '.join(unknown)} (known: {', '.join(sorted(registry))})"
            )
    notebooks = collect_notebooks(paths)
    return _run_coroutine(_grade_all(notebooks, registry, options, on_result))


def _run_coroutine(coroutine: Any) -> Any:
    """asyncio.run, also from inside a running event loop (e.g. called in Jupyter)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _grade_all(
    notebooks: list[Path],
    registry: Mapping[str, CheckSpec],
    options: GradingOptions,
    on_result: Callable[[SubmissionResult], None] | None,
) -> list[SubmissionResult]:
    slots = asyncio.Semaphore(options.jobs)

    async def grade_one(path: Path) -> SubmissionResult:
        async with slots:
            started = time.monotonic()
            try:
                result = await grade_notebook(path, registry, options)
            except Exception as error:  # a bug here must not stop the batch
                result = SubmissionResult(
                    path=str(path),
                    status="internal error",
                    errors=[f"internal grader error: {type(error).__name__}: {error}"],
                )
            result.seconds = time.monotonic() - started
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(grade_one(path) for path in notebooks)))


async def grade_notebook(
    path: Path, registry: Mapping[str, CheckSpec], options: GradingOptions
) -> SubmissionResult:
    """Grade one notebook (see the module docstring); never raises for a bad submission."""
    result = SubmissionResult(path=str(path), status="graded")
    requests = [CheckRequest(name) for name in options.checks] if options.checks is not None else []
    try:
        notebook = read_notebook(path)
    except ValueError as error:
        result.status = "invalid notebook"
        result.errors.append(str(error))
        result.reports = _failed_reports(requests, registry, {}, str(error), attempted=False)
        return result
    if options.checks is None:
        requests, problems = declared_checks(notebook, registry)
        result.errors.extend(problems)
    if not requests:
        result.status = "no checks"
        result.errors.append("no checks declared in this notebook")
        return result

    inputs = {}
    for number, request in enumerate(requests):
        rng = _rng(options.seed, request.name)
        try:
            inputs[number] = registry[request.name].make_inputs(rng)
        except Exception as error:
            inputs[number] = error

    with tempfile.TemporaryDirectory(prefix="grader-", ignore_cleanup_errors=True) as private:
        private_dir = Path(private)
        for number, spec_inputs in inputs.items():  # plain data? (a trial write, then discarded)
            try:
                write_payload(private_dir / "trial" / str(number), spec_inputs)
            except Exception as error:  # make_inputs returned something not plain, or crashed
                inputs[number] = error
        shutil.rmtree(private_dir / "trial", ignore_errors=True)
        observations = await _execute_and_probe(
            notebook, path.name, requests, inputs, options, private_dir, result
        )

    first_cell_error = next((e for e in result.errors if e.startswith("cell ")), None)
    for number, request in enumerate(requests):
        spec = registry[request.name]
        spec_inputs = inputs[number]
        if isinstance(spec_inputs, Exception):
            result.reports.append((request.name, internal_error_report(spec.title, spec_inputs)))
            continue
        report = _judge(spec, spec_inputs, observations.get(number), result, first_cell_error)
        result.reports.append((request.name, report))
    return result


def _rng(seed: int | None, check_name: str) -> np.random.Generator:
    """Fresh randomness per run; with a seed, the same inputs for a check in every notebook."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, zlib.crc32(check_name.encode())])


def _judge(
    spec: CheckSpec,
    inputs: dict,
    outcome: dict | MalformedPayload | None,
    result: SubmissionResult,
    first_cell_error: str | None,
) -> Report:
    """Turn what the kernel returned for one check into a report (judged in this process)."""
    if outcome is None:
        reason = _no_result_reason(result)
        return _failed_report(spec, inputs, reason, attempted=True)
    if isinstance(outcome, MalformedPayload):
        result.errors.append(f"{spec.name}: malformed results from the kernel: {outcome}")
        return _failed_report(
            spec, inputs, "the submission's kernel returned malformed results", attempted=True
        )
    status = outcome.get("status") if type(outcome) is dict else None
    if status == "ok" and type(outcome.get("observations")) is dict:
        try:
            report = spec.judge(inputs, outcome["observations"])
            if not isinstance(report, Report):
                raise TypeError(f"judge returned {type(report).__name__}, not a Report")
            return report
        except Exception as error:
            return internal_error_report(spec.title, error)
    if status == "missing" and _is_str_list(outcome.get("missing")):
        names = " and ".join(f"`{name}`" for name in outcome["missing"][:5])
        verb = "is" if len(outcome["missing"]) == 1 else "are"
        reason = f"{names} {verb} not defined in the notebook: did you rename it or skip its cell?"
        if first_cell_error:
            reason += f" (The notebook's first error: {first_cell_error}.)"
        return _failed_report(spec, inputs, reason, attempted=False)
    if status == "error" and type(outcome.get("error")) is str:
        result.errors.append(f"{spec.name}: the check failed in the kernel: {outcome['error']}")
        reason = f"the check could not run in your notebook: {outcome['error'][:500]}"
        return _failed_report(spec, inputs, reason, attempted=True)
    result.errors.append(f"{spec.name}: malformed results from the kernel")
    return _failed_report(
        spec, inputs, "the submission's kernel returned malformed results", attempted=True
    )


def _is_str_list(value: Any) -> bool:
    return type(value) is list and bool(value) and all(type(item) is str for item in value)


def _no_result_reason(result: SubmissionResult) -> str:
    reasons = {
        "timed out": "not graded: the notebook did not finish within the time limit (a loop "
        "that never ends? a long cell not tagged `skip-when-grading`?)",
        "out of memory": "not graded: the notebook used more memory than allowed and was "
        "stopped (a huge array or model?)",
        "kernel died": "not graded: the notebook's kernel died (`exit()`, `os._exit()` or a "
        "crash in a cell?)",
        "kernel failed to start": "not graded: the notebook's kernel could not be started",
    }
    if result.status in reasons and result.errors:
        return f"{reasons[result.status]} [{result.errors[-1]}]"
    return reasons.get(
        result.status,
        "the submission's kernel returned no results for this check (did the notebook replace "
        "or break Python built-ins?)",
    )


def _failed_reports(
    requests: list[CheckRequest],
    registry: Mapping[str, CheckSpec],
    inputs: dict,
    reason: str,
    *,
    attempted: bool,
) -> list[tuple[str, Report]]:
    reports = []
    for request in requests:
        spec = registry[request.name]
        spec_inputs = inputs.get(request.name)
        reports.append((request.name, _failed_report(spec, spec_inputs, reason, attempted)))
    return reports


def _failed_report(spec: CheckSpec, inputs: dict | None, reason: str, attempted: bool) -> Report:
    """Every item the check would have judged, failed with `reason` (keeps max_score right)."""
    items: list[CheckItem] = []
    try:
        if inputs is None:
            inputs = spec.make_inputs(np.random.default_rng(0))
        items = list(spec.judge(inputs, {}).items)
    except Exception:  # the judge only tells us the item names and points here
        items = []
    if not items:
        items = [CheckItem(name=spec.name, passed=False, message=reason)]
    return Report(
        title=spec.title,
        items=[
            CheckItem(
                name=item.name,
                passed=False,
                message=reason,
                points=item.points,
                attempted=attempted,
            )
            for item in items
        ],
    )


# --- running a notebook in a kernel -----------------------------------------------------------


class _MemoryWatch:
    """Polls the kernel's process tree; kills it when its resident memory passes the limit."""

    def __init__(self, limit_mb: float) -> None:
        self.limit_bytes = limit_mb * 2**20
        self.exceeded = False
        self.peak_bytes = 0

    async def run(self, pid_of: Callable[[], int | None]) -> None:
        import psutil

        while True:
            await asyncio.sleep(0.2)
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


def _kernel_env(options: GradingOptions) -> dict[str, str]:
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


def _make_client(notebook: nbformat.NotebookNode, workdir: Path, options: GradingOptions) -> Any:
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


async def _execute_and_probe(
    notebook: nbformat.NotebookNode,
    filename: str,
    requests: list[CheckRequest],
    inputs: dict[int, Any],
    options: GradingOptions,
    private_dir: Path,
    result: SubmissionResult,
) -> dict[int, Any]:
    """Run the notebook's cells, then the probe cell; return {check number: outcome}."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

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
        return {}
    outcomes: dict[int, Any] = {}
    for number in range(len(requests)):
        directory = output_dir / str(number)
        if not directory.exists():
            continue
        try:
            outcomes[number] = read_payload(directory)
        except MalformedPayload as error:
            outcomes[number] = error
    shutil.rmtree(output_dir, ignore_errors=True)
    return outcomes


def _write_request(
    exchange: Path,
    output_dir: Path,
    requests: list[CheckRequest],
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
