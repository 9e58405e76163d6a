"""Timing and memory helpers for the benchmarks: medians of repeated runs, peak RSS of a child."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg"}
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


@dataclass
class Figure:
    """One benchmark figure: the median of `runs`, its unit, and the goal it is held to (if any).

    `goal` reads like ">= 1.0" or "< 10"; `met` is filled in from it by `Figure.judged`.
    """

    name: str
    value: float
    unit: str
    runs: list[float] = field(default_factory=list)
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @classmethod
    def of_runs(cls, name: str, runs: Sequence[float], unit: str, **kwargs) -> Figure:
        """The figure whose value is the median of `runs` (NaN when there are none)."""
        runs = [float(r) for r in runs]
        value = statistics.median(runs) if runs else math.nan
        return cls(name, value, unit, runs, **kwargs).judged()

    def judged(self) -> Figure:
        """Set `met` by comparing `value` with `goal` ("<", "<=", ">", ">=" and a number)."""
        if self.goal and not math.isnan(self.value):
            self.met = goal_met(self.value, self.goal)
        return self


def goal_met(value: float, goal: str) -> bool:
    """Whether `value` satisfies `goal`, e.g. goal_met(0.8, "< 10") is True."""
    operator, _, number = goal.strip().partition(" ")
    threshold = float(number)
    comparisons = {
        "<": value < threshold,
        "<=": value <= threshold,
        ">": value > threshold,
        ">=": value >= threshold,
    }
    if operator not in comparisons:
        raise ValueError(f"a goal looks like '>= 1.0' or '< 10', found {goal!r}")
    return comparisons[operator]


def median_of(function: Callable[[], float], repeat: int) -> tuple[float, list[float]]:
    """Call `function` `repeat` times (it returns one measurement) and return (median, runs)."""
    runs = [float(function()) for _ in range(repeat)]
    return statistics.median(runs), runs


def timed(function: Callable[[], object]) -> float:
    """Return the wall time of one call of `function`, in seconds."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


@dataclass(frozen=True)
class ChildRun:
    """What one child process did: wall seconds, peak memory (MB) and its standard output.

    `peak_rss_mb` is the largest peak resident set (VmHWM) of the child or of any descendant,
    read while they run; growth in a process's last polling interval can be missed. (Not
    `wait4`'s ru_maxrss: Linux counts the parent's memory at fork in it, so a child of a
    1 GB process would report at least 1 GB.) `tree_peak_mb` is the largest sum of the resident
    sets of the child and all its descendants, sampled every `interval` seconds (it can miss
    short spikes).
    """

    wall: float
    peak_rss_mb: float
    tree_peak_mb: float
    stdout: str
    returncode: int = 0

    def json(self) -> dict:
        """The child's last stdout line parsed as JSON (children print one JSON object)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        if not lines:
            raise ValueError("the child printed nothing; expected one JSON object on stdout")
        return json.loads(lines[-1])


def _children_of() -> dict[int, list[int]]:
    """Map each process id to its children's ids, read from /proc (empty off Linux)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _high_water_mb(pid: int) -> float:
    """The peak resident memory (VmHWM, MB) of process `pid` since its last exec; 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(summed current RSS, largest VmHWM) in MB over process `pid` and all its descendants."""
    children = _children_of()
    total_pages, largest, todo, seen = 0, 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/statm", "rb") as statm:
                total_pages += int(statm.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
        largest = max(largest, _high_water_mb(current))
        todo.extend(children.get(current, []))
    return total_pages * PAGE_MB, largest


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """Ask `process` to terminate (so it can stop its own children), kill it after `grace` s."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_child(
    args: Sequence[str],
    *,
    timeout: float = 1800,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    interval: float = 0.1,
    check: bool = True,
) -> ChildRun:
    """Run a command in a child process and measure its wall time and peak memory.

    Memory is read from /proc while the child runs (see `ChildRun`), so neither this process
    nor earlier children leak into it. Raises RuntimeError (with the end of its output) when
    the child fails (unless `check` is False) and TimeoutError when it runs longer than
    `timeout` seconds.
    """
    environment = {**os.environ, **QUIET_TF, **(env or {})}
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(args), cwd=cwd, env=environment, stdout=output, stderr=errors
        )
        deadline = start + timeout
        tree_peak = largest = 0.0
        try:
            while True:
                tree_now, largest_now = tree_memory_mb(process.pid)
                tree_peak, largest = max(tree_peak, tree_now), max(largest, largest_now)
                pid, status, _ = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{' '.join(args)} took longer than {timeout:.0f} s")
                time.sleep(interval)
        except BaseException:  # timeout, Ctrl-C, SIGTERM: leave no orphan behind
            stop(process)
            raise
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        stdout = output.read().decode(errors="replace")
        if check and process.returncode != 0:
            errors.seek(0)
            tail = (stdout + errors.read().decode(errors="replace"))[-3000:]
            raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}:\n{tail}")
    return ChildRun(wall, largest, max(tree_peak, largest), stdout, process.returncode)


def python_module(module: str, *arguments: str) -> list[str]:
    """The command running `python -m module arguments...` with this interpreter."""
    return [python(), "-m", module, *arguments]


def machine_description() -> dict[str, object]:
    """Return the cores, CPU model, load, Python and TensorFlow versions of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    description: dict[str, object] = {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if hasattr(os, "getloadavg"):
        description["load_average_1min"] = round(os.getloadavg()[0], 2)
    from importlib.metadata import PackageNotFoundError, version

    for package in ("tensorflow", "keras"):
        try:
            description[package] = version(package)
        except PackageNotFoundError:
            description[package] = "not installed"
    return description


def write_results(figures: Sequence[Figure], path: Path, extra: dict | None = None) -> None:
    """Write the figures and the machine description as JSON, atomically."""
    payload = {
        "machine": machine_description(),
        "figures": [_without_nan(asdict(figure)) for figure in figures],
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _without_nan(record: dict) -> dict:
    """The record with NaN values (skipped figures) as None, so the JSON stays standard."""
    return {
        key: None if isinstance(value, float) and math.isnan(value) else value
        for key, value in record.items()
    }


def format_value(value: float) -> str:
    """A figure's value for the table: 3 significant digits, thousands separated."""
    if math.isnan(value):
        return "n/a"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def format_table(figures: Sequence[Figure]) -> str:
    """Return the figures as an aligned plain-text table (name, median, unit, runs, goal, met)."""
    header = ("figure", "median", "unit", "runs", "goal", "met", "note")
    rows = [
        (
            f.name,
            format_value(f.value),
            f.unit,
            str(len(f.runs)),
            f.goal,
            "" if f.met is None else ("yes" if f.met else "NO"),
            f.note,
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def python() -> str:
    """Return the interpreter running the benchmarks (the project's venv under `make bench`)."""
    return sys.executable
