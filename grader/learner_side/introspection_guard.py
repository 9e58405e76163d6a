"""Refusing the notebook's code the stack's frames and the object graph in a graded kernel.

LEARNER side: `one_process` installs this as a CPython audit hook before ipykernel starts, so
it sees every cell and the probe, and no code of the notebook can remove it. While the probe
calls the notebook's functions, the probe's own frames are below theirs: reading those frames'
variables (through `sys._getframe`, `inspect`, a traceback's `tb_frame`, a generator's
`gi_frame`, `gc.get_referrers`, a trace or profile function...) is how every forged result
the red teams made began. The static scan refuses those constructs it can see; this refuses
them when they run, whatever spelling reached them.

A frame may be taken only by library code that reads it and hands none back: the innermost
Python frame when it is taken (past `HELPERS` such as `inspect.currentframe`, which take it
for their caller) must be such a reader (`READERS`: the very function, with its own module's
globals), an installed module's own code while it is imported, or the grader's code. Tracing,
profiling and audit hooks may be set by the grader's code alone; no code may make code
objects that pass for library files (`compile` with such a name and other text, `CodeType`,
`code.replace`, `marshal.loads` outside the import system).

Anything else stops the kernel at once (SIGKILL, before the frame is handed over), after one
line on its stderr, `TRIPPED` then the event and the notebook's file and line, which the
grading process reports as run-time tampering. Signal handlers, which CPython calls with a
frame, are refused the same way (`_signal.signal` is wrapped: no audit event covers them).
"""

from __future__ import annotations

import dis as _dis
import importlib.machinery
import json
import os
import signal
import sys
import sysconfig
from collections.abc import Callable, Iterable
from typing import Any

_realpath, _isabs, _modules = os.path.realpath, os.path.isabs, sys.modules
_vars, _getattr, _hasattr, _getframe = vars, getattr, hasattr, sys._getframe
_FILE_LOADERS = (
    importlib.machinery.SourceFileLoader,
    importlib.machinery.SourcelessFileLoader,
    importlib.machinery.ExtensionFileLoader,
)
"""Taken when the guard is imported, before any notebook code: a function the notebook patches
later cannot lie to it about where code comes from."""

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
    "tensorflow/python/util/deprecation.py": frozenset({"_call_location"}),
    "tensorflow/python/autograph/operators/py_builtins.py": frozenset(
        {"super_in_original_context"}
    ),
    "tensorflow/python/util/module_wrapper.py": frozenset({"get_rename_v2"}),
    "matplotlib/axes/_base.py": frozenset({"_process_plot_var_args.__call__"}),
    "numpy/matrixlib/defmatrix.py": frozenset({"bmat"}),
    "numpy/lib/index_tricks.py": frozenset({"AxisConcatenator.__getitem__"}),
    "numpy/lib/_index_tricks_impl.py": frozenset({"AxisConcatenator.__getitem__"}),
    "ipywidgets/widgets/utils.py": frozenset({"deprecation", "_external_stacklevel"}),
    "ipywidgets/widgets/widget.py": frozenset(
        {"Widget.widgets", "Widget._active_widgets", "Widget._widget_types", "Widget.widget_types"}
    ),
    "IPython/core/ultratb.py": frozenset(
        {"VerboseTB.get_records", "VerboseTB.get_records.<locals>.<setcomp>"}
    ),
}
"""The reader must be the code that takes the frame, or call the `HELPERS` that do: a reader
further out (which may run the notebook's callables: a loader's `get_source`, a finalizer)
vouches for nothing. New frames are handed on only inside a traceback, whose `tb_frame` is
watched again."""
GRADER_READERS: dict[str, frozenset[str]] = {
    # the grader's own takes, by file in the grader package: nothing else of it vouches (it
    # calls the notebook's objects, and runs its finalizers)
    "learner_side/kernel_probe.py": frozenset({"_callers_file"}),
    "learner_side/calling.py": frozenset({"_alarm", "_watchdog.<locals>.interrupt_until_done"}),
    "learner_side/reuse.py": frozenset({"watching_for"}),
    "learner_side/introspection_guard.py": frozenset(
        {"_guard_signal_handlers.<locals>.guarded", "_guard_gc_debug.<locals>.guarded"}
    ),
}
UNAVAILABLE = frozenset(
    {"greenlet", "gevent", "torch", "_testcapi", "_testinternalcapi", "_xxsubinterpreters"}
)
"""Installed modules that hand out frames without an audit event (greenlet's `gr_frame`,
torch's frame evaluation hook, CPython's test modules): importing one stops the kernel."""
HELPERS: dict[str, frozenset[str]] = {
    "inspect.py": frozenset({"currentframe", "stack", "getouterframes", "getframeinfo"}),
    "logging/__init__.py": frozenset({"<lambda>"}),  # currentframe = lambda: sys._getframe(1)
    "traceback.py": frozenset(
        {
            "walk_stack",
            "walk_tb",
            "_walk_tb_with_full_positions",
            "StackSummary.extract.<locals>.extended_frame_gen",
            "StackSummary.extract",
        }
    ),
    "tensorflow/python/util/tf_inspect.py": frozenset({"currentframe", "stack"}),
    "tensorflow/python/platform/tf_logging.py": frozenset({"_get_caller"}),
    "ipywidgets/widgets/utils.py": frozenset({"_get_frame"}),
    "signal.py": frozenset({"signal"}),  # installs a handler for its caller
    "tensorflow/python/autograph/operators/py_builtins.py": frozenset({"_find_originating_frame"}),
}
"""Installed functions that take a frame for their caller and hand it back: walking out from
the take, they are passed over to reach the reader that asked."""


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
        self.grader_folder = os.path.join(_realpath(grader_folder), "")
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
        if not _isabs(filename):
            return False, ""
        real = _realpath(filename)
        inside = [folder for folder in self.folders if real.startswith(folder)]
        if not inside:
            return False, ""
        return True, real[len(max(inside, key=len)) :]  # site-packages, not a folder above it

    def grader_reader(self, frame: Any) -> bool:
        """Whether `frame` runs one of the grader's own `GRADER_READERS`."""
        code = frame.f_code
        if not self.grader(code.co_filename):
            return False
        relative = self.relative(code.co_filename).removeprefix("grader/")
        return code.co_qualname in GRADER_READERS.get(relative, ())

    def grader(self, filename: Any) -> bool:
        """Whether `filename` is a file of the grader's own package."""
        return self.installed(filename) and _realpath(filename).startswith(self.grader_folder)

    def helper(self, frame: Any) -> bool:
        """Whether `frame` runs one of the `HELPERS` (which hand their caller the frame)."""
        code = frame.f_code
        installed, relative = self._where(code.co_filename)
        return installed and code.co_qualname in HELPERS.get(relative, ())

    def reader(self, frame: Any) -> bool:
        """Whether `frame` runs the grader's code, an installed module's own code while it is
        imported, or a `READERS` function: the very function of the module that file is, with
        that module's globals (not a copy of it, nor its code run anew)."""
        code = frame.f_code
        if self.grader(code.co_filename):
            return self.grader_reader(frame)
        installed, relative = self._where(code.co_filename)
        if not installed or frame.f_locals.get("capture_locals"):  # reprs of every local
            return False
        module = _modules.get(module_name(relative))
        if module is None or _getattr(module, "__dict__", None) is not frame.f_globals:
            return False
        if code.co_qualname == "<module>":  # being imported, by the standard file loader
            spec = _getattr(module, "__spec__", None)
            loader = type(_getattr(spec, "loader", None))
            runner = frame.f_back.f_code if frame.f_back is not None else None
            return (  # run by the import system itself, not a piece eval'd by a finder it asked
                bool(_getattr(spec, "_initializing", False))
                and loader in _FILE_LOADERS
                and runner is not None
                and runner.co_filename == "<frozen importlib._bootstrap>"
                and runner.co_qualname == "_call_with_frames_removed"
            )
        if code.co_qualname not in READERS.get(relative, ()):
            return False
        if ".<locals>." in code.co_qualname:  # a comprehension of a reader, called by it
            outer = frame.f_back
            enclosing = code.co_qualname.split(".<locals>.")[0]
            return (
                outer is not None and outer.f_code.co_qualname == enclosing and (self.reader(outer))
            )
        found: Any = module
        for part in code.co_qualname.split("."):  # without running properties on the way
            found = _vars(found).get(part) if _hasattr(found, "__dict__") else None
            if found is None:  # a class its module is still building (a metaclass's work)
                return bool(_getattr(_getattr(module, "__spec__", None), "_initializing", False))
        for unwrap in ("__func__", "fget"):  # a classmethod's, a (static) property's
            found = _getattr(found, unwrap, found)
        return _getattr(found, "__code__", None) is code


def module_name(relative: str) -> str:
    """The module an installed file is (`logging/__init__.py` -> `logging`)."""
    if relative.startswith("<frozen ") and relative.endswith(">"):
        return relative[len("<frozen ") : -1]
    name = relative[: -len(".py")] if relative.endswith(".py") else relative
    name = name.replace(os.sep, ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def frame_allowed(places: Places, frame: Any) -> bool:
    """Whether a frame (or object) taken with `frame` the innermost Python frame may be
    handed over: `frame` is a reader, or helpers that take it for their caller lead to one,
    and the reader is at the take itself (not at a call of some method of an object it was
    handed, whose C code the notebook assembled: `namedtuple` calls `.get` on its caller's
    globals). Anything else is refused: a frame taken by C code the notebook assembled (`map`,
    `functools.partial`) has some other function innermost, whatever is further out."""
    through_generator = False
    while frame is not None and places.helper(frame):
        through_generator = through_generator or bool(frame.f_code.co_flags & _GENERATOR)
        frame = frame.f_back
    if frame is None or not places.reader(frame):
        return False
    return places.grader(frame.f_code.co_filename) or at_a_take(frame, through_generator)


TAKE_CALLS = frozenset(
    {
        "_getframe",
        "currentframe",
        "stack",
        "getouterframes",
        "getframeinfo",
        "exc_info",
        "_get_frame",
        "_get_caller",
        "_find_originating_frame",
        "_fast_stack_trace",
        "extract_stack",
        "format_stack",
        "print_stack",
        "walk_stack",
        "walk_tb",
        "signal",
        "set_debug",
        "_call_location",
        "_external_stacklevel",
        "_get_records",
    }
)
"""What a reader calls to take a frame (itself, or through one of the `HELPERS`)."""
_GENERATOR = 0x20  # CO_GENERATOR
_code_instructions: dict = {}


def at_a_take(frame: Any, through_generator: bool) -> bool:
    """Whether `frame` is at an instruction that takes a frame: a call of a `TAKE_CALLS`
    name, a read of a frame attribute, or (past a helper generator) the step or call that
    pulls its next item."""
    code = frame.f_code
    instructions = _code_instructions.get(code)
    if instructions is None:
        instructions = _code_instructions[code] = list(_dis.get_instructions(code))
    at = [i for i in instructions if i.offset <= frame.f_lasti]
    if not at:
        return False
    current = at[-1]
    if through_generator:  # a helper generator's next item: `for`, or `list(walk_tb(tb))`
        return current.opname in ("FOR_ITER", "SEND", "CALL", "PRECALL", "CALL_FUNCTION_EX")
    if current.opname in ("LOAD_ATTR", "LOAD_METHOD"):
        return current.argval in FRAME_ATTRIBUTES
    if current.opname not in ("CALL", "PRECALL", "CALL_FUNCTION_EX"):
        return False
    start = (current.positions.lineno, current.positions.col_offset)
    names = [
        i.argval
        for i in at[:-1]
        if i.opname in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF")
        and (i.positions.lineno, i.positions.col_offset) == start
    ]  # the callee: the last name loaded where the call's expression starts
    return bool(names) and names[-1] in TAKE_CALLS


def cached_bytecode(places: Places, frame: Any) -> bool:
    """Whether `frame` unmarshals code as the import system does for an installed module: its
    `_compile_bytecode`, reading bytecode cached in an installed folder (the notebook cannot
    write there, so the code is the file's)."""
    code = frame.f_code
    if code.co_filename != "<frozen importlib._bootstrap_external>":
        return False
    if code.co_qualname != "_compile_bytecode":
        return False
    return places.installed(frame.f_locals.get("bytecode_path"))


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
    # The file's text, or a piece of it: CPython's traceback printer compiles the line it shows
    # (a piece run with its module's globals is no reader: no module is being imported then)
    if isinstance(source, str):
        return source.strip() in text.decode("utf-8", "surrogateescape")
    return isinstance(source, bytes | bytearray | memoryview) and bytes(source).strip() in text


def make_hook(places: Places, trip: Callable[[str, Any], None]) -> Callable[[str, tuple], None]:
    """The audit hook: `trip(event, frame)` for each refused event (`frame`: the innermost
    Python frame when it was raised). Only its own `sys._getframe` goes unchecked: whatever
    else runs while it decides (a patched function it calls) is checked as any code is."""
    get_frame = _getframe
    taking = [False]
    watched = TAKING | HOOKS | {"compile", "code.__new__", "import"}

    def hook(event: str, arguments: tuple) -> None:
        if event == "object.__getattr__":
            if len(arguments) < 2 or arguments[1] not in FRAME_ATTRIBUTES:
                return
        elif event not in watched:
            return
        if event == "sys._getframe" and taking[0]:
            return  # the hook's own, just below
        if event == "import":
            name = str(arguments[0]) if arguments else ""
            if name.split(".")[0] in UNAVAILABLE:
                trip("import " + name[:100], _frame_or_none(get_frame, taking))
            return
        frame = _frame_or_none(get_frame, taking)
        try:
            allowed = _decide(places, event, arguments, frame)
        except BaseException:  # a decision that fails refuses (a patched helper, a recursion)
            allowed = False
        if not allowed:
            trip(f"getattr {arguments[1]}" if event == "object.__getattr__" else event, frame)

    return hook


def _decide(places: Places, event: str, arguments: tuple, frame: Any) -> bool:
    """Whether `event`, raised with `frame` innermost, may go on."""
    if frame is None:
        allowed = event == "compile" and compile_allowed(places, *arguments[:2])
    elif event in HOOKS:
        allowed = places.grader_reader(frame)
    elif event == "compile":
        allowed = compile_allowed(places, *arguments[:2])
    elif event == "code.__new__":  # code that may pass for a library's
        allowed = places.installed(frame.f_code.co_filename) or not places.installed(
            arguments[1] if len(arguments) > 1 else None
        )
    elif event == "marshal.loads":
        allowed = cached_bytecode(places, frame)
    else:
        allowed = frame_allowed(places, frame)
    return allowed


def _frame_or_none(get_frame: Callable[[int], Any], taking: list) -> Any:
    """The innermost Python frame below the hook (None on a thread with none)."""
    taking[0] = True
    try:
        return get_frame(2)
    except ValueError:  # raised by C code with no Python frame (a bare thread)
        return None
    finally:
        taking[0] = False


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
        try:
            line = trip_line(event, notebook_places(places, frame), taken_through(places, frame))
        except BaseException:  # whatever it cannot describe, it still stops
            line = trip_line(event, [], "?")
        try:
            if (fstat(report).st_dev, fstat(report).st_ino) == identity:  # not swapped since
                write(report, line.encode("ascii"))
        finally:
            kill(pid, signal.SIGKILL)

    sys.addaudithook(make_hook(places, trip))
    _guard_signal_handlers(places, trip)
    _guard_gc_debug(places, trip)


def _guard_gc_debug(places: Places, trip: Callable[[str, Any], None]) -> None:
    """Refuse the notebook's code `gc.DEBUG_SAVEALL`, which keeps every collected object, dead
    frames and tracebacks too, in `gc.garbage` (no audit event covers it)."""
    import gc

    set_debug, saving = gc.set_debug, gc.DEBUG_SAVEALL

    def guarded(flags: int) -> None:
        caller = _getframe(1)
        if type(flags) is not int:  # its __int__ would run with this function innermost
            trip("gc.set_debug", caller)
        if flags & saving and not frame_allowed(places, caller):
            trip("gc.set_debug", caller)
        set_debug(flags)

    gc.set_debug = guarded


def _guard_signal_handlers(places: Places, trip: Callable[[str, Any], None]) -> None:
    """Refuse the notebook's code a Python signal handler, which CPython calls with the frame
    running when the signal came (no audit event hands it over): `signal.signal` looks
    `_signal.signal` up at each call, so wrapping that covers both."""
    import _signal

    install_handler = _signal.signal

    def guarded(signalnum: Any, handler: Any) -> Any:
        caller = _getframe(1)
        if type(signalnum) is not int:  # signal.signal passes ints; an __index__ would run here
            trip("signal.signal", caller)
        if callable(handler) and not frame_allowed(places, caller):
            trip("signal.signal", caller)
        return install_handler(signalnum, handler)

    _signal.signal = guarded
