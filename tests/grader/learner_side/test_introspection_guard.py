"""The kernel's introspection guard: each way of taking a frame or any object from a notebook's
code stops the process (before the operation) with one line naming the cell's file and line;
what libraries do with frames for their own work goes on.

Each case runs in a fresh Python with the guard installed, its "cell" compiled under the file
name ipykernel gives cells, as in a graded kernel.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from grader.batch.guard_trips import read_trips
from grader.batch.sandbox import REPOSITORY
from grader.learner_side.introspection_guard import TRIPPED, parse_trip, trip_line

CELL = "/tmp/ipykernel_1/123.py"


def run_cell(source: str, folder: Path) -> subprocess.CompletedProcess:
    """`source` run as a notebook cell in a fresh Python guarded like a graded kernel, whose
    working folder is `folder` (code under it is the notebook's, as a graded run's copy)."""
    program = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPOSITORY)!r})
        from grader.learner_side import introspection_guard
        introspection_guard.install({str(REPOSITORY)!r})
        exec(compile({source!r}, {CELL!r}, "exec"), {{"__name__": "__main__"}})
        print("finished")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", program], cwd=folder, capture_output=True, text=True, timeout=120
    )


TAKES = {
    "sys._getframe": "import sys\nsys._getframe(0)",
    "inspect.stack": "import inspect\ninspect.stack()",
    "logging.currentframe": "import logging\nlogging.currentframe()",
    "traceback.walk_stack": "import traceback\nnext(traceback.walk_stack(None))",
    "a traceback's frame": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame"
    ),
    "a running generator's frame": "def g():\n    yield me.gi_frame.f_back\nme = g()\nnext(me)",
    "gc.get_referrers": "import gc\ngc.get_referrers(gc)",
    "gc.get_objects": "import gc\ngc.get_objects()",
    "sys._current_frames in a pool": (
        "import sys\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "ThreadPoolExecutor(1).submit(sys._current_frames).result()"
    ),
    "tb_frame in a thread's target": (
        "import operator, threading\nout = []\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    tb = e.__traceback__\n"
        "frames = map(operator.attrgetter('tb_frame'), [tb])\n"
        "t = threading.Thread(target=out.extend, args=[frames])\n"
        "t.start(); t.join()"
    ),
    "sys.settrace": "import sys\nsys.settrace(lambda *a: None)",
    "sys.setprofile": "import sys\nsys.setprofile(lambda *a: None)",
    "sys.addaudithook": "import sys\nsys.addaudithook(lambda *a: None)",
    "code passing for a library's": (
        "import logging\ncode = (lambda: 0).__code__\ncode.replace(co_filename=logging.__file__)"
    ),
    "compile under a library's name": "import inspect\ncompile('x = 1', inspect.__file__, 'exec')",
    "marshal.loads": "import marshal\nmarshal.loads(marshal.dumps(1))",
    "ctypes": "import ctypes\nctypes.pythonapi.PyEval_GetFrame",
    "gc keeping dead frames in gc.garbage": "import gc\ngc.set_debug(gc.DEBUG_SAVEALL)",
    "greenlet's gr_frame": "import greenlet",
    "a signal handler, called with a frame": (
        "import signal\nsignal.signal(signal.SIGUSR1, {}.__setitem__)"
    ),
    "a reader's code run with the notebook's globals": (
        "import logging, types\n"
        "spy = dict(vars(logging), __name__='spy', _is_internal_frame=print)\n"
        "types.FunctionType(logging.Logger.findCaller.__code__, spy)(None, False, 1)"
    ),
    "every frame's locals, as text": (
        "import traceback\ntraceback.StackSummary.extract(traceback.walk_stack(None), "
        "capture_locals=True)"
    ),
}


IN_ANOTHER_THREAD = {"sys._current_frames in a pool", "tb_frame in a thread's target"}
"""Taken on a thread whose stack holds no frame of the cell: the line names no place."""


@pytest.mark.parametrize("name", TAKES)
def test_a_cell_that_takes_a_frame_or_any_object_is_stopped_before_it_gets_it(name, tmp_path):
    run = run_cell(TAKES[name], tmp_path)
    assert run.returncode == -signal.SIGKILL and "finished" not in run.stdout
    trip = parse_trip(run.stderr.strip().splitlines()[-1])
    assert trip is not None, run.stderr[-2000:]
    expected = [] if name in IN_ANOTHER_THREAD else [CELL]
    assert [place for place, _ in trip["places"]][:1] == expected


def test_what_libraries_read_frames_for_goes_on(tmp_path):
    honest = """
import collections, dataclasses, enum, logging, traceback, typing, warnings
Pair = collections.namedtuple("Pair", "a b")
Colour = enum.Enum("Colour", "red green")
class Point(typing.NamedTuple):
    x: int
@dataclasses.dataclass
class Row:
    a: int = 1
logging.getLogger("learner").warning("a warning, found where it came from")
warnings.warn("and one more", stacklevel=2)
try:
    raise ValueError("caught")
except ValueError:
    text = traceback.format_exc()
    traceback.print_stack(file=open("/dev/null", "w"))
import tensorflow as tf, keras
layer = keras.layers.Dense(2)
try:
    layer(tf.zeros((1, 3)), tf.zeros((1, 3)))  # an error through Keras' traceback filter
except Exception:
    pass
@tf.function
def f(x):
    return x * 2
f(tf.constant(1.0))
"""
    run = run_cell(honest, tmp_path)
    assert run.returncode == 0 and "finished" in run.stdout, run.stderr[-3000:]
    assert TRIPPED not in run.stderr


def test_a_trip_line_reads_back_and_names_the_cell_it_came_from(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell("x = 1\ny = 2")]
    )
    from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

    cell_file = (
        f"/tmp/ipykernel_7/{murmur2_x86('x = 1' + chr(10) + 'y = 2', get_tmp_hash_seed())}.py"
    )
    line = trip_line("sys._getframe", [("<string>", 3), (cell_file, 2)], "inspect.py:stack")
    assert parse_trip(line) == {
        "event": "sys._getframe",
        "places": [("<string>", 3), (cell_file, 2)],
        "through": "inspect.py:stack",
    }
    stderr = tmp_path / "stderr"
    stderr.write_text("TensorFlow noise\n" + line + f"{TRIPPED} not json\n")
    [finding] = read_trips(stderr, notebook)
    assert (finding.cell, finding.line, finding.rule) == (2, 2, "run-time-introspection")
    assert json.dumps(finding.code)  # plain text, for every output format
