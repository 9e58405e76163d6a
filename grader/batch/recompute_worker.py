"""The grading side's worker process: each check's `recompute`, out of every learner's reach.

Some judges compare what a kernel reported with values only a computation can give (notebook
05's train_step: the reference model's gradients with and without dropout, its losses). That
computation needs TensorFlow, which the grading process does not import, and must not run in
the learner's kernel, where the notebook could rewrite it. So it runs here: one process per
grading run, started on first need, that runs grader code only, on the check's inputs and the
observations as plain data (read back bounded, `grader.core.transport`).

Protocol: the worker says "ready" once it has loaded the checks; the client writes a request
payload into a folder of its own and sends the folder's number on the worker's stdin; the
worker writes the result payload beside it and answers "ok N" or "error N <text>" on its
protocol stream (its stdout; anything a library prints goes to stderr instead).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.spec import CheckSpec
from grader.core.text import short_error
from grader.core.transport import read_payload, write_payload

if TYPE_CHECKING:
    from grader.batch.phases import PhaseClock

QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
START_TIMEOUT = 120.0
"""Seconds a first request may take (the worker imports TensorFlow then)."""


class RecomputeFailed(RuntimeError):
    """The worker could not recompute a check's values (the message says why)."""


class RecomputeWorker:
    """A client of one lazily started worker process; thread-safe, one request at a time."""

    def __init__(self, registry: str, python_path: Sequence[str] = (), timeout: float = 60.0):
        self.registry = registry
        self.python_path = tuple(str(Path(p).resolve()) for p in python_path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._answers: queue.Queue[str] = queue.Queue()
        self._folder: Path | None = None
        self._numbers = itertools.count()

    def recompute(
        self, check: str, inputs: dict, observations: Any, timing: dict | None = None
    ) -> Any:
        """`CHECKS[check].recompute(inputs, observations)`, run in the worker; raises
        RecomputeFailed (and restarts the worker on the next call) if it fails. `timing`, when
        given, gets "start": the seconds this call spent starting the worker (0.0 if running)."""
        with self._lock:
            first = self._process is None
            starting = time.perf_counter()
            try:
                if first:
                    self._start()
            finally:
                if timing is not None:
                    timing["start"] = time.perf_counter() - starting if first else 0.0
            number = next(self._numbers)
            folder = self._folder / str(number)
            try:
                write_payload(
                    folder / "request",
                    {"check": check, "inputs": inputs, "observations": observations},
                )
                self._process.stdin.write(f"{number}\n")
                self._process.stdin.flush()
                answer = self._answers.get(timeout=START_TIMEOUT if first else self.timeout)
            except (OSError, queue.Empty) as error:
                self._stop()
                reason = "timed out" if isinstance(error, queue.Empty) else "stopped"
                raise RecomputeFailed(f"the recompute worker {reason}") from None
            try:
                if answer.startswith(f"ok {number}"):
                    return read_payload(folder / "result")
                if answer.startswith(f"error {number} "):
                    raise RecomputeFailed(answer.split(" ", 2)[2])
                self._stop()
                raise RecomputeFailed(f"the recompute worker answered {answer[:200]!r}")
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Stop the worker process (a later request starts a new one)."""
        with self._lock:
            self._stop()

    def __enter__(self) -> RecomputeWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="grader-recompute-"))
        env = {**os.environ, **QUIET_TENSORFLOW}
        env.pop("PYTEST_CURRENT_TEST", None)
        command = [sys.executable, "-m", "grader.batch.recompute_worker", self.registry]
        self._process = subprocess.Popen(
            [*command, str(self._folder), *self.python_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self._answers = queue.Queue()
        threading.Thread(
            target=_pump, args=(self._process.stdout, self._answers), daemon=True
        ).start()
        try:
            answer = self._answers.get(timeout=START_TIMEOUT)
        except queue.Empty:
            answer = "timed out"
        if answer != "ready":
            self._stop()
            raise RecomputeFailed(f"the recompute worker did not start ({answer[:200]})")

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


RECOMPUTE_FAILED = (
    "internal grader error: the grader could not recompute what this check compares with; "
    "nothing in the notebook caused it: please tell the instructor"
)


async def recompute_outcome(
    worker: RecomputeWorker,
    spec: CheckSpec,
    inputs: dict,
    outcome: Any,
    clock: PhaseClock | None = None,
) -> Any:
    """The check's recomputed values for a usable kernel result (in the worker), else None.

    `clock` is charged the time since its last lap as "recompute", of which the worker's start
    (if this call started it) as "recompute_start"."""
    usable = type(outcome) is dict and outcome.get("status") == "ok"
    if spec.recompute is None or not usable or type(outcome.get("observations")) is not dict:
        return None
    timing: dict[str, float] = {}
    try:
        return await asyncio.to_thread(
            worker.recompute, spec.name, inputs, outcome["observations"], timing
        )
    finally:
        if clock is not None:
            clock.lap("recompute")
            clock.move(timing.get("start", 0.0), "recompute", "recompute_start")


def _pump(stream: Any, answers: queue.Queue) -> None:
    for line in stream:
        answers.put(line.rstrip("\n"))
    answers.put("stopped")


def serve(registry_name: str, folder: Path, python_path: Sequence[str], lines: Any) -> None:
    """The worker's loop: one request folder number per line of `lines`, answered on stdout."""
    from grader.batch.submissions import load_registry

    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints never reach the protocol
    registry = load_registry(registry_name, python_path)
    protocol.write("ready\n")
    for line in lines:
        number = line.strip()
        if not number.isdigit():
            continue
        try:
            request = read_payload(folder / number / "request")
            spec = registry[request["check"]]
            if spec.recompute is None:
                raise KeyError(f"check {spec.name} recomputes nothing")
            result = spec.recompute(request["inputs"], request["observations"])
            write_payload(folder / number / "result", result)
            protocol.write(f"ok {number}\n")
        except Exception as error:  # reported to the client, which fails that check's items
            text = short_error(error, 500).replace("\n", " ")
            protocol.write(f"error {number} {text}\n")


if __name__ == "__main__":
    serve(sys.argv[1], Path(sys.argv[2]), sys.argv[3:], sys.stdin)
