"""Refusing the notebook's code the stack's frames and the object graph in a graded kernel.

LEARNER side: `one_process` installs this as a CPython audit hook before ipykernel starts, so
it sees every cell and the probe, and no code of the notebook can remove it. While the probe
calls the notebook's functions, the probe's own frames are below theirs: reading those frames'
variables (through `sys._getframe`, `inspect`, a traceback's `tb_frame`, a generator's
`gi_frame`, `gc.get_referrers`, a trace or profile function...) is how every forged result
the red teams made began. The static scan refuses those constructs it can see; this refuses
them when they run, whatever spelling reached them.

A frame may be taken only on behalf of library code that reads it and hands no frame back:
walking out from the code that takes it, the first frame met must be such a reader (`READERS`,
the grader's own code) before any frame of code that is not installed library code (a cell,
`exec`'d text, a file the notebook wrote). Tracing, profiling and audit hooks may be set by the
grader's code alone; no code may make code objects that pass for library files (`compile`
with such a name, `CodeType`, `code.replace`, `marshal.loads` outside the import system).

Anything else stops the kernel at once (SIGKILL, before the frame is handed over), after one
line on its stderr, `TRIPPED` then the event and the notebook's file and line, which the
grading process reports as run-time tampering. Signal handlers, which CPython calls with a
frame, are refused the same way (`_signal.signal` is wrapped: no audit event covers them).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import sysconfig
from collections.abc import Callable, Iterable
from typing import Any

TRIPPED = "grader-introspection-guard:"
"""How the kernel's stderr line that reports a refused event starts."""

HOOKS = frozenset({"sys.settrace", "sys.setprofile", "sys.addaudithook"})
"""Events only the grader's own code may raise: they hand every later frame to a function."""
TAKING = frozenset(
    {
        "sys._getframe",
        "sys._current_frames",
        "sys._current_exceptions",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "marshal.loads",
        # ctypes reads any memory: pythonapi.PyEval_GetFrame() is a frame, raising only dlsym
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.dlsym/handle",
        "ctypes.cdata",
        "ctypes.cdata/buffer",
        "ctypes.addressof",
        "ctypes.string_at",
        "ctypes.wstring_at",
        "ctypes.PyObj_FromPtr",
        "ctypes.call_function",
    }
)
"""Events that hand out frames, any object, code objects or raw memory."""
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
"""Attributes that hand out a frame (audited as "object.__getattr__")."""

READERS: dict[str, frozenset[str]] = {
    # file, relative to an installed folder -> functions that read frames and return none
    "logging/__init__.py": frozenset({"Logger.findCaller"}),
    "warnings.py": frozenset({"warn"}),
    "typing.py": frozenset({"_caller"}),
    "typing_extensions.py": frozenset({"_caller", "_has_generic_or_protocol_as_origin"}),
    "collections/__init__.py": frozenset({"namedtuple"}),
    "enum.py": frozenset({"EnumType._create_"}),
    "traceback.py": frozenset(
        {
            "StackSummary._extract_from_extended_frame_gen",
            "extract_stack",
            "format_stack",
            "print_stack",
        }
    ),
    "asyncio/coroutines.py": frozenset({"_format_coroutine"}),
    "tensorflow/python/util/tf_decorator.py": frozenset({"make_decorator"}),
    "tensorflow/python/util/tf_stack.py": frozenset({"CurrentModuleFilter.__init__"}),
    "tensorflow/python/framework/traceable_stack.py": frozenset(
        {"TraceableObject.set_filename_and_line_from_caller"}
    ),
    # keeps its caller's frame in the result's helper (`_stack_frame`, which the scan refuses)
    "tensorflow/python/util/tf_should_use.py": frozenset({"_add_should_use_warning"}),
    "absl/logging/__init__.py": frozenset({"ABSLLogger.findCaller", "_fast_stack_trace"}),
    "matplotlib/_api/__init__.py": frozenset({"warn_external"}),
    "traitlets/traitlets.py": frozenset({"TraitType.__init__"}),
    "IPython/core/interactiveshell.py": frozenset(
        {"InteractiveShell.showtraceback", "InteractiveShell._format_exception_for_storage"}
    ),
    # ipykernel sets its SIGINT handler around each request (signal.signal, watched too)
    "ipykernel/kernelbase.py": frozenset({"Kernel.pre_handler_hook", "Kernel.post_handler_hook"}),
    "keras/src/utils/traceback_utils.py": frozenset({"_process_traceback_frames"}),
    "tensorflow/python/util/traceback_utils.py": frozenset({"_process_traceback_frames"}),
    "tensorflow/python/platform/tf_logging.py": frozenset({"_logger_find_caller"}),
    "tensorflow/python/platform/resource_loader.py": frozenset(
        {"get_data_files_path", "get_path_to_datafile"}
    ),
    "absl/flags/_helpers.py": frozenset({"get_calling_module_object_and_name"}),
    "absl/flags/_defines.py": frozenset({"disclaim_key_flags"}),
    "scipy/_lib/_bunch.py": frozenset({"_make_tuple_bunch"}),
}
"""(New frames are handed on only inside a traceback, whose `tb_frame` is watched again.)"""
RUNS_ANYTHING: dict[str, frozenset[str]] = {
    "threading.py": frozenset({"Thread.run", "Timer.run"}),
    "concurrent/futures/thread.py": frozenset({"_WorkItem.run"}),
    "asyncio/events.py": frozenset({"Handle._run"}),
    "tornado/ioloop.py": frozenset({"IOLoop._run_callback"}),
}
"""Installed functions that call whatever callable they are given: met walking out, they
count as the notebook's code (`Thread(target=out.extend, args=[map(attrgetter(...), ...)])`
takes a frame with no frame of the notebook's on the stack)."""
GLOBAL_TAKING = frozenset(
    {
        "sys._current_frames",
        "sys._current_exceptions",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)
"""Takes that reach other threads' frames or any object: refused without a reader even when
no code of the notebook's is on this thread's stack."""


def installed_folders(grader_root: str) -> tuple[str, ...]:
    """The folders whose code is installed library code: the standard library, site-packages,
    every folder on the import path when the kernel starts (a .pth file's, the grader's
    library; `one_process` has taken the working folder off it already) and the folder
    holding the grader, each as a real path ending in a separator."""
    paths = sysconfig.get_paths()
    folders = [paths.get(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    folders += [entry for entry in sys.path if entry and os.path.isabs(entry)]
    working = os.path.join(os.path.realpath(os.getcwd()), "")
    found = {os.path.join(os.path.realpath(f), "") for f in [*folders, grader_root] if f}
    return tuple(
        sorted(f for f in found if os.path.isdir(f) and not f.startswith(working) and f != "/")
    )


class Places:
    """Where code comes from: installed, the grader's own, a reader of frames, or neither."""

    def __init__(self, folders: Iterable[str], grader_folder: str) -> None:
        self.folders = tuple(folders)
        self.grader_folder = os.path.join(os.path.realpath(grader_folder), "")
        self._seen: dict[str, tuple[bool, str]] = {}

    def installed(self, filename: Any) -> bool:
        """Whether `filename` names installed library code (or a frozen module)."""
        return self._where(filename)[0]

    def relative(self, filename: Any) -> str:
        """`filename` relative to its installed folder ("" when it is not installed)."""
        return self._where(filename)[1]

    def _where(self, filename: Any) -> tuple[bool, str]:
        """(installed?, the path relative to its installed folder)."""
        if not isinstance(filename, str):
            return False, ""
        known = self._seen.get(filename)
        if known is None:
            known = self._seen[filename] = self._locate(filename)
        return known

    def _locate(self, filename: str) -> tuple[bool, str]:
        if filename.startswith("<frozen ") and filename.endswith(">"):
            return True, filename
        if not os.path.isabs(filename):
            return False, ""
        real = os.path.realpath(filename)
        inside = [folder for folder in self.folders if real.startswith(folder)]
        if not inside:
            return False, ""
        return True, real[len(max(inside, key=len)) :]  # site-packages, not a folder above it

    def grader(self, filename: Any) -> bool:
        """Whether `filename` is a file of the grader's own package."""
        return self.installed(filename) and os.path.realpath(filename).startswith(
            self.grader_folder
        )

    def notebook(self, frame: Any) -> bool:
        """Whether `frame` runs code of the notebook's: not installed, or an installed function
        that calls what it is given (`RUNS_ANYTHING`)."""
        installed, relative = self._where(frame.f_code.co_filename)
        return not installed or frame.f_code.co_qualname in RUNS_ANYTHING.get(relative, ())

    def reader(self, frame: Any) -> bool:
        """Whether `frame` runs the grader's code, an installed module's own code (run once,
        on import), or a `READERS` function, with its own module's globals."""
        code = frame.f_code
        if self.grader(code.co_filename):
            return True
        installed, relative = self._where(code.co_filename)
        if not installed:
            return False
        if code.co_qualname != "<module>" and code.co_qualname not in READERS.get(relative, ()):
            return False
        if frame.f_locals.get("capture_locals"):  # traceback's StackSummary: reprs of locals
            return False
        module = sys.modules.get(str(frame.f_globals.get("__name__", "")))
        # its own module's globals, not others made to feed it helpers (exec of its code)
        return module is not None and getattr(module, "__dict__", None) is frame.f_globals


def frame_allowed(places: Places, frame: Any, event: str) -> bool:
    """Whether a frame (or object) taken by `frame`'s code may be handed over: walking out, a
    reader is met before any code of the notebook's; with neither, only a frame of this
    thread's own stack (the tool's and the libraries' work)."""
    while frame is not None:
        if places.reader(frame):
            return True
        if places.notebook(frame):
            return False
        frame = frame.f_back
    return event not in GLOBAL_TAKING


def compile_allowed(places: Places, source: Any, filename: Any) -> bool:
    """Whether compiling `source` under `filename` is honest: a name no installed file has, or
    that file's own text (the import system compiling a module without cached bytecode)."""
    if isinstance(filename, bytes):
        filename = os.fsdecode(filename)
    if not isinstance(filename, str) or not places.installed(filename):
        return True
    if filename.startswith("<frozen "):
        return False
    try:
        with open(filename, "rb") as file:
            text = file.read()
    except OSError:
        return False
    if isinstance(source, str):
        return text.decode("utf-8", "surrogateescape") == source
    return isinstance(source, bytes | bytearray | memoryview) and text == bytes(source)


def make_hook(places: Places, trip: Callable[[str, Any], None]) -> Callable[[str, tuple], None]:
    """The audit hook: `trip(event, frame)` for each refused event (`frame`: the code that
    raised it). Events its own work raises are not looked at."""
    get_frame = sys._getframe
    busy: set[int] = set()
    import _thread

    thread_id = _thread.get_ident

    def hook(event: str, arguments: tuple) -> None:
        if event == "object.__getattr__":
            if len(arguments) < 2 or arguments[1] not in FRAME_ATTRIBUTES:
                return
        elif (
            event not in TAKING
            and event not in HOOKS
            and event
            not in (
                "compile",
                "code.__new__",
            )
        ):
            return
        me = thread_id()
        if me in busy:
            return
        busy.add(me)
        try:
            try:
                frame = get_frame(1)
            except ValueError:  # raised by C code with no Python frame (a bare thread)
                frame = None
            if frame is None:
                allowed = event == "compile" and compile_allowed(places, *arguments[:2])
            elif event in HOOKS:
                allowed = places.grader(frame.f_code.co_filename)
            elif event == "compile":
                allowed = compile_allowed(places, *arguments[:2])
            elif event in ("code.__new__", "marshal.loads"):  # code that may pass for a library's
                allowed = places.installed(frame.f_code.co_filename) or (
                    event == "code.__new__"
                    and not places.installed(arguments[1] if len(arguments) > 1 else None)
                )
            else:
                allowed = frame_allowed(places, frame, event)
            if not allowed:
                trip(f"getattr {arguments[1]}" if event == "object.__getattr__" else event, frame)
        finally:
            busy.discard(me)

    return hook


def notebook_places(places: Places, frame: Any, limit: int = 8) -> list[tuple[str, int]]:
    """(file, line) of the frames of code not installed (the notebook's), walking out from
    `frame`, innermost first: the cell that took the frame is among them."""
    found = []
    while frame is not None and len(found) < limit:
        if not places.installed(frame.f_code.co_filename):
            found.append((str(frame.f_code.co_filename), int(frame.f_lineno or 0)))
        frame = frame.f_back
    return found


def taken_through(places: Places, frame: Any, depth: int = 4) -> str:
    """The innermost `depth` frames from `frame` out, as `file:function<file:function...`
    (files relative to their installed folder): what an instructor reads to see the path."""
    chain = []
    while frame is not None and len(chain) < depth:
        code = frame.f_code
        chain.append(f"{places.relative(code.co_filename) or code.co_filename}:{code.co_qualname}")
        frame = frame.f_back
    return "<".join(chain) or "?"


def trip_line(event: str, places: list[tuple[str, int]], through: str) -> str:
    """The stderr line that reports a refused event."""
    report = {"event": event, "places": places, "through": through}
    return f"{TRIPPED} {json.dumps(report, ensure_ascii=True)}\n"


def parse_trip(line: str) -> dict | None:
    """{"event", "places": [(file, line)...], "through"} of a `TRIPPED` line, else None."""
    if not line.startswith(TRIPPED):
        return None
    try:
        report = json.loads(line[len(TRIPPED) :])
        event, through = str(report["event"]), str(report["through"])
        found = [(str(name), int(number)) for name, number in report["places"]]
    except (ValueError, KeyError, TypeError):
        return None
    return {"event": event, "places": found, "through": through}


def install(grader_root: str) -> None:
    """Install the guard in this process: a refused event writes one `TRIPPED` line to fd 2
    and kills the process before the event's operation runs."""
    places = Places(installed_folders(grader_root), os.path.join(grader_root, "grader"))
    write, kill, pid, fstat = os.write, os.kill, os.getpid(), os.fstat
    report = os.dup(2)  # ipykernel later points fd 2 at a pipe of its own
    identity = (fstat(report).st_dev, fstat(report).st_ino)

    def trip(event: str, frame: Any) -> None:
        line = trip_line(event, notebook_places(places, frame), taken_through(places, frame))
        try:
            if (fstat(report).st_dev, fstat(report).st_ino) == identity:  # not swapped since
                write(report, line.encode("ascii"))
        finally:
            kill(pid, signal.SIGKILL)

    sys.addaudithook(make_hook(places, trip))
    _guard_signal_handlers(places, trip)


def _guard_signal_handlers(places: Places, trip: Callable[[str, Any], None]) -> None:
    """Refuse the notebook's code a Python signal handler, which CPython calls with the frame
    running when the signal came (no audit event hands it over): `signal.signal` looks
    `_signal.signal` up at each call, so wrapping that covers both."""
    import _signal

    install_handler = _signal.signal

    def guarded(signalnum: Any, handler: Any) -> Any:
        if callable(handler):
            caller = sys._getframe(1)
            if not frame_allowed(places, caller, "signal.signal"):
                trip("signal.signal", caller)
        return install_handler(signalnum, handler)

    _signal.signal = guarded
