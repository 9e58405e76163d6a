"""Attacks on graded runs by a learner who knows this repository: each gains nothing.

The sandboxed kernel (bwrap) holds no answer to the exercise being graded, sees none of the
course's files, has no network, a fresh HOME, and nothing it starts outlives it. Toy checks
where they suffice (`double(x)` = 2 * x: right shape 1 point, right values 2); the course's
own checks where the attack is on the course's answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from conftest import DOUBLE, toy_options, write_notebook
from grader.batch import disk_watch, grade_paths, sandbox
from grader.batch.sandbox import REPOSITORY, bwrap_works
from grader.checks import CHECKS

pytestmark = pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap cannot run here (make system-packages)"
)
WRONG = "def double(x):\n    return x"  # 1 point of 3


def grade(folder: Path, **options) -> dict:
    """Grade with flagged notebooks allowed: the sandbox must hold even for code the static
    scan would have stopped (an instructor allowed it, or the scan was evaded)."""
    options.setdefault("allow_flagged", True)
    return {Path(r.path).stem: r for r in grade_paths([folder], toy_options(**options))}


def test_an_ipython_startup_file_planted_by_one_submission_runs_in_no_other(tmp_path):
    plant = (
        "import os\n"
        "folder = os.path.expanduser('~/.ipython/profile_default/startup')\n"
        "os.makedirs(folder, exist_ok=True)\n"
        "open(os.path.join(folder, '00-double.py'), 'w').write('double = lambda x: 2 * x')"
    )
    write_notebook(tmp_path / "a_planter.ipynb", plant, WRONG)
    write_notebook(tmp_path / "b_empty.ipynb", "pass")
    results = grade(tmp_path)
    assert results["b_empty"].score == 0
    assert all(result.sandbox == "bwrap" for result in results.values())


def test_a_process_started_in_a_new_session_does_not_outlive_its_kernel(tmp_path):
    marker = "43217"
    write_notebook(
        tmp_path / "spawner.ipynb",
        f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)",
        DOUBLE,
    )
    assert grade(tmp_path)["spawner"].score == 3
    leftovers = [
        p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", marker]
    ]
    assert leftovers == []


def test_the_kernel_has_no_network(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    threading.Thread(target=lambda: server.accept(), daemon=True).start()
    cell = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "    double = lambda x: 2 * x\n"
        "except OSError:\n"
        "    double = lambda x: x\n"
    )
    write_notebook(tmp_path / "calls_home.ipynb", cell)
    try:
        assert grade(tmp_path)["calls_home"].score == 1
    finally:
        server.close()


def test_the_course_files_and_the_users_home_are_out_of_sight(tmp_path):
    cell = (
        "import os\n"
        f"seen = [os.path.exists({str(REPOSITORY / 'solutions')!r}),\n"
        f"        os.path.exists({str(REPOSITORY / 'grader' / 'checks' / 'registry.py')!r}),\n"
        f"        os.path.exists({os.path.expanduser('~/.bashrc')!r})]\n"
        "double = (lambda x: 2 * x) if any(seen) else (lambda x: x)"
    )
    write_notebook(tmp_path / "looks_around.ipynb", cell)
    assert grade(tmp_path)["looks_around"].score == 1


def test_files_written_outside_the_working_copy_do_not_reach_the_host(tmp_path):
    target = tmp_path / "planted.txt"
    cell = f"open({str(target)!r}, 'w').write('x')\nopen('/tmp/planted-by-kernel', 'w')"
    write_notebook(tmp_path / "writer.ipynb", cell, DOUBLE)
    result = grade(tmp_path)["writer"]
    assert result.score == 3  # its own working copy is writable, so the rest runs
    assert not target.exists() and not Path("/tmp/planted-by-kernel").exists()


def test_a_secret_in_the_tools_environment_is_not_in_the_kernels(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", "instructor-only-value")
    reader = "import os\nraise RuntimeError(sorted(os.environ))"
    write_notebook(tmp_path / "reader.ipynb", reader, DOUBLE)
    result = grade(tmp_path)["reader"]
    assert result.score == 3 and result.errors[0].startswith("cell 1: RuntimeError: [")
    assert "GRADER_TEST_SECRET" not in result.errors[0]


def test_a_submission_that_links_to_a_system_file_is_refused_unread(tmp_path):
    (tmp_path / "passwd.ipynb").symlink_to("/etc/passwd")
    (result,) = grade_paths([tmp_path], toy_options())
    assert result.status == "invalid notebook" and result.score == 0
    text = " ".join(result.errors) + " ".join(i.message for _, r in result.reports for i in r.items)
    assert "symbolic link" in text and "root:" not in text


def test_a_notebook_that_is_not_json_is_described_without_quoting_it(tmp_path):
    (tmp_path / "secret.ipynb").write_text("the secret answer is 42 {")
    (result,) = grade_paths([tmp_path], toy_options())
    assert result.status == "invalid notebook"
    assert "secret answer" not in " ".join(result.errors) and "line 1" in " ".join(result.errors)


# --- the course's own answers, while their exercise is graded ---------------------------------

COURSE_ATTACKS = {
    "alias": "from bilstm_ner.model import compute_loss",
    "wrapper": (
        "import bilstm_ner.model as reference\n"
        "def compute_loss(*args):\n"
        "    return reference.compute_loss(*args)"
    ),
    "grader_reference": (
        "from grader.checks.compute_loss.reference import reference_loss\n"
        "import tensorflow as tf\n"
        "def compute_loss(logits, tags, input_batch, pad_index):\n"
        "    return tf.constant(reference_loss(logits.numpy(), tags.numpy(),\n"
        "                       input_batch.numpy(), pad_index))"
    ),
    "solution_file": (
        "import json\n"
        f"notebook = json.load(open({str(REPOSITORY / 'solutions' / '04_compute_loss.ipynb')!r}))\n"
        "for cell in notebook['cells']:\n"
        "    if 'def compute_loss' in ''.join(cell['source']):\n"
        "        exec(''.join(cell['source']))"
    ),
}


@pytest.fixture(scope="module")
def course_attacks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    for name, cell in COURSE_ATTACKS.items():
        write_notebook(folder / f"04_compute_loss_{name}.ipynb", cell)
    options = {"registry": "grader.checks", "python_path": (), "course": None, "jobs": 2}
    options["allow_flagged"] = True  # the answers must be absent, flagged or not
    return {
        Path(r.path).stem.rsplit("_", 1)[-1]: r
        for r in grade_paths([folder], toy_options(**options))
    }


@pytest.mark.parametrize("name", sorted({key.rsplit("_", 1)[-1] for key in COURSE_ATTACKS}))
def test_reusing_the_courses_answer_earns_nothing(course_attacks, name):
    result = course_attacks[name]
    full = CHECKS["compute_loss"].max_score()
    assert (result.score, result.max_score) == (0, full), [
        i.message for _, r in result.reports for i in r.items
    ]


def test_attacks_on_the_machinery_are_also_flagged_before_they_run(tmp_path):
    write_notebook(tmp_path / "spawner.ipynb", "import subprocess", DOUBLE)
    write_notebook(tmp_path / "reader.ipynb", f"open({str(REPOSITORY)!r} + '/x')", DOUBLE)
    results = grade(tmp_path, allow_flagged=False)
    assert {result.status for result in results.values()} == {"flagged"}
    assert all(result.score == 0 and result.max_score == 3 for result in results.values())


def test_a_huge_error_message_is_dropped_unread_and_the_tool_stays_small(tmp_path):
    write_notebook(tmp_path / "huge.ipynb", "raise ValueError('x' * 150_000_000)", DOUBLE)
    here = Path(__file__).resolve().parent
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(here)!r})\n"
        "from conftest import toy_options\n"
        "from grader.batch import grade_paths\n"
        f"(result,) = grade_paths([{str(tmp_path)!r}], toy_options(timeout=15))\n"
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
        "status = open('/proc/self/status').read()\n"
        "peak = int(status.split('VmHWM:')[1].split()[0])\n"
        "print(f'{result.status}|{result.score}|{peak}')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=here)
    status, points, peak_kb = done.stdout.strip().splitlines()[-1].split("|")
    assert (status, float(points)) == ("timed out", 0.0)
    assert int(peak_kb) < 300 * 1024, done.stdout  # the grading process stayed under 300 MB


def test_other_copies_of_the_course_and_other_submissions_are_out_of_sight(tmp_path):
    """A learner who knows where another clone of the course, or a classmate's folder, lies
    on the grading machine finds nothing there: the kernel sees only the system's folders,
    its Python, its library and its own working copy."""
    elsewhere = Path.home() / f".grader-test-{os.getpid()}"
    (elsewhere / "bilstm_ner").mkdir(parents=True)
    (elsewhere / "bilstm_ner" / "model.py").write_text("ANSWER = 42\n")
    classmate = tmp_path / "bob"
    write_notebook(classmate / "bob.ipynb", DOUBLE)
    cell = (
        "import os\n"
        f"seen = [os.path.exists({str(elsewhere)!r}), os.path.exists({str(classmate)!r}),\n"
        "        os.path.exists('/home'), os.path.exists('/srv'), os.path.exists('/opt'),\n"
        f"        os.path.exists({str(REPOSITORY / 'solutions')!r})]\n"
        "double = (lambda x: 2 * x) if any(seen) else (lambda x: x)"
    )
    write_notebook(tmp_path / "alice" / "alice.ipynb", cell)
    try:
        results = {
            Path(r.path).stem: r
            for r in grade_paths([tmp_path / "alice", classmate], toy_options(allow_flagged=True))
        }
    finally:
        (elsewhere / "bilstm_ner" / "model.py").unlink()
        (elsewhere / "bilstm_ner").rmdir()
        elsewhere.rmdir()
    assert results["alice"].score == 1 and results["bob"].score == 3


# --- a notebook that rewrites its own results (the probe runs in the learner's kernel) --------

FORGE = r'''
import os
import re
import numpy as np
import grader.learner_side.kernel_probe as probe_module
from grader.core.transport import read_payload, write_payload
from grader.checks.embedding_training.probe import reference_model

def forged(inputs):
    """Claims and weights made without solving the exercise: the optimizer's decay alone."""
    decay = inputs["learning_rate"] * inputs["weight_decay"]
    start = [v.numpy().astype(np.float64) for v in reference_model(inputs).trainable_variables]
    return {"status": "ok", "observations": {"train_step": {
        "after": [w * (1 - decay) for w in start],
        "iterations": 1,
        "training_flags": ["True"],
        "returned": {"values": np.array(1.0)},
    }}}
'''
AFTER_THE_PROBE = (
    FORGE
    + r"""
def after_each_cell(result):
    found = re.search(r"run_probes\(globals\(\), '([^']+)'\)", result.info.raw_cell)
    if found:
        exchange = found.group(1)
        output = read_payload(exchange + "/request")["output"] + "/0"
        write_payload(output, forged(read_payload(exchange + "/inputs/0")))

shell_of = [get_ipython][0]
shell_of().events.register("post_run_cell", after_each_cell)
"""
)
INSIDE_THE_PROBE = (
    FORGE
    + r"""
original_read, original_write = probe_module.read_payload, probe_module.write_payload
seen = {}

def read_and_keep(folder):
    data = original_read(folder)
    if type(data) is dict and "weights_seed" in data:
        seen["inputs"] = data
    return data

def write_forged(destination, data):
    original_write(destination, forged(seen["inputs"]))

probe_module.read_payload = read_and_keep
probe_module.write_payload = write_forged
"""
)
STUB_STEP = (
    "def train_step(model, optimizer, input_batch, ground_truth_tags, lengths, pad_index):\n"
    "    return 0.0"
)


def grade_05(folder: Path, forgery: str):
    write_notebook(folder / "05_training.ipynb", STUB_STEP, forgery)
    options = toy_options(registry="grader.checks", python_path=(), course=None, allow_flagged=True)
    (result,) = grade_paths([folder], options)
    return result, [item.message for _, report in result.reports for item in report.items]


def test_code_the_notebook_leaves_to_run_after_the_probe_never_runs(tmp_path):
    """A post-run hook (like an atexit function or a signal handler) would rewrite the results
    once the probe is done; the kernel seals them and stops before it can."""
    result, messages = grade_05(tmp_path, AFTER_THE_PROBE)
    assert result.status == "graded"
    assert any("returned 0.00000" in message for message in messages), messages  # the stub's
    assert (result.score, result.max_score) == (0, 7), messages


def test_grader_modules_patched_before_the_probe_are_not_the_ones_that_probe(tmp_path):
    """Patched before the probe runs, its reader and writer would swap in claims; the probe
    cell imports the grader afresh, so the stub's own result is judged. (Had they run, the
    forged weights would still earn nothing: tests/grader/checks/embedding_training/
    test_step_forgeries.py.)"""
    result, messages = grade_05(tmp_path, INSIDE_THE_PROBE)
    assert any("returned 0.00000" in message for message in messages), messages  # the stub's
    assert (result.score, result.max_score) == (0, 7), messages


def test_results_are_read_before_any_code_of_the_notebook_runs_again(tmp_path):
    """Toy check: a post-run hook and an atexit function would each write full marks over the
    probe's result; the sealed kernel runs neither. (A signal handler is refused outright: the
    guard's tests.)"""
    rewrite = (
        "import atexit, re\n"
        "from grader.core.transport import read_payload, write_payload\n"
        "def full_marks(*_):\n"
        "    for exchange in seen:\n"
        "        x = read_payload(exchange + '/inputs/0')['x']\n"
        "        output = read_payload(exchange + '/request')['output'] + '/0'\n"
        "        write_payload(output, {'status': 'ok', 'observations': {'value': 2 * x}})\n"
        "seen = []\n"
        "def remember(info):\n"
        "    found = re.search(r\"run_probes\\(globals\\(\\), '([^']+)'\\)\", info.raw_cell)\n"
        "    seen.extend([found.group(1)] if found else [])\n"
        "shell_of = [get_ipython][0]\n"
        "shell_of().events.register('pre_run_cell', remember)\n"
        "shell_of().events.register('post_run_cell', full_marks)\n"
        "atexit.register(full_marks)\n"
    )
    write_notebook(tmp_path / "hooks.ipynb", WRONG, rewrite)
    assert grade(tmp_path)["hooks"].score == 1


def test_learner_code_the_probe_calls_cannot_write_the_results_or_the_seal(tmp_path):
    """`double` is called by the probe; it looks for the exchange beside its working copy to
    write full marks and a seal of its own. The request and inputs are gone by then, and the
    results folder does not exist until every probe has returned."""
    forger = (
        "import json, pathlib\n"
        "def double(x):\n"
        "    for exchange in (pathlib.Path.cwd().parent / 'exchange').glob('exchange-*'):\n"
        "        for folder in [exchange, *exchange.iterdir()]:\n"
        "            request = folder / 'request' / 'payload.json'\n"
        "            if request.exists():\n"
        "                output = pathlib.Path(json.loads(request.read_text())['output'])\n"
        "                (output / '0').mkdir(parents=True, exist_ok=True)\n"
        "                (output / 'SEALED').write_text('sealed')\n"
        "            (folder / 'SEALED').write_text('sealed')\n"
        "    return x\n"
    )
    write_notebook(tmp_path / "forger.ipynb", forger)
    result = grade(tmp_path)["forger"]  # flagged (files-outside): graded as if the scan missed it
    assert (result.status, result.score) == ("graded", 1)


SHADOW_GRADER = '''
import os
os.makedirs("grader/learner_side", exist_ok=True)
open("grader/__init__.py", "w").close()
open("grader/learner_side/__init__.py", "w").close()
open("grader/learner_side/kernel_probe.py", "w").write("""
import json, os, signal
import numpy as np
def run_probes(namespace, request_dir):
    request = json.load(open(os.path.join(request_dir, "request", "payload.json")))
    x = np.load(os.path.join(request_dir, "inputs", "0", "a0.npy"))
    os.makedirs(os.path.join(request["output"], "0"))
    np.save(os.path.join(request["output"], "0", "a0.npy"), 2 * x)
    json.dump({"status": "ok", "observations": {"value": {"__ndarray__": 0}}},
              open(os.path.join(request["output"], "0", "payload.json"), "w"))
    open(os.path.join(request["output"], "SEALED"), "w").close()
    os.kill(os.getpid(), signal.SIGSTOP)
""")
'''


def test_a_grader_package_written_beside_the_notebook_is_not_the_one_that_probes(tmp_path):
    """Writing files in its own working copy is allowed; a `grader/` folder there would come
    first on the kernel's path, so the probe cell imports the grader from its library."""
    write_notebook(tmp_path / "shadow.ipynb", SHADOW_GRADER, WRONG)
    result = grade(tmp_path, allow_flagged=False)["shadow"]
    assert (result.status, result.score) == ("graded", 1), result.errors


def test_a_probe_planted_in_sys_modules_is_not_used(tmp_path):
    planter = (
        "import sys\n"
        "fake = type(sys)('toy_checks')\n"
        "fake.__file__ = 'toy_checks.py'\n"
        "fake._double_probe = lambda objects, inputs: {'value': 2 * inputs['x']}\n"
        "sys.modules['toy_checks'] = fake\n"
    )
    write_notebook(tmp_path / "planter.ipynb", planter, WRONG)
    assert grade(tmp_path)["planter"].score == 1


ON_ANOTHER_THREAD = '''
import tensorflow as tf
from bilstm_ner.data import parse_conll

def _elsewhere(token):
    """parse_conll (the course's own normalisation) run on a tf.data worker thread."""
    def run(_):
        return parse_conll(token + "\\tO\\n")[0][0][0]
    dataset = tf.data.Dataset.range(1).map(lambda i: tf.py_function(run, [i], tf.string))
    return next(iter(dataset)).numpy().decode()

def normalize_token(token):
    return _elsewhere(token)
'''


def test_the_courses_code_run_on_another_thread_is_still_seen(tmp_path):
    """The profile hook watches one thread; the kernel's library itself reports the call."""
    write_notebook(tmp_path / "01_data.ipynb", ON_ANOTHER_THREAD)
    options = toy_options(registry="grader.checks", python_path=(), course=None)
    (result,) = grade_paths([tmp_path], options)
    reports = dict(result.reports)
    assert result.status == "graded" and reports["normalize_token"].score == 0
    assert "course's own answer" in str(reports["normalize_token"])


FORKED_HELPER = """
import os
if os.fork() == 0:  # a helper outside the probe's sight could forge the results and the seal
    os._exit(0)
"""


@pytest.mark.parametrize(
    "start",
    [
        FORKED_HELPER,
        "import subprocess\nsubprocess.run(['true'])",
        "import os\nos.posix_spawn('/bin/true', ['true'], {})",
        "import os\nos.execv('/bin/sh', ['sh', '-c', 'sleep 60'])",
    ],
    ids=["fork", "subprocess", "posix_spawn", "exec"],
)
def test_a_graded_kernel_can_neither_start_nor_become_another_program(tmp_path, start):
    write_notebook(tmp_path / "starter.ipynb", start, DOUBLE)
    result = grade(tmp_path)["starter"]
    assert result.score == 3
    assert any("PermissionError" in error for error in result.errors)


def test_threads_still_run_in_a_graded_kernel(tmp_path):
    threads = (
        "import threading\nout = []\nt = threading.Thread(target=out.append, args=[1])\n"
        "t.start(); t.join()\nassert out == [1]"
    )
    write_notebook(tmp_path / "threads.ipynb", threads, DOUBLE)
    result = grade(tmp_path)["threads"]  # flagged (threading), graded as allowed
    assert result.score == 3
    assert [error for error in result.errors if not error.startswith("flagged:")] == []


THREAD_FORGER = '''
import json, pathlib, threading, time
import numpy as np
from grader.core.transport import read_payload, write_payload

def forge():
    """Left running by the notebook: answer the grader's request before the probe does."""
    deadline = time.time() + 60
    while time.time() < deadline:
        for request in (pathlib.Path.cwd().parent / "exchange").glob("exchange-*/request"):
            try:
                output = pathlib.Path(read_payload(request)["output"])
                x = read_payload(request.parent / "inputs" / "0")["x"]
            except Exception:
                continue
            write_payload(output / "0", {"status": "ok", "observations": {"value": 2 * x}})
            (output / "SEALED").write_text("sealed")
            return
        time.sleep(0.001)

threading.Thread(target=forge, daemon=True).start()

def double(x):
    return x
'''


def test_results_written_by_anything_but_the_probe_are_not_taken(tmp_path):
    """A thread the notebook leaves running races the probe to write full marks and a seal;
    the seal must carry the HMAC keyed with the secret only the probe cell's source held."""
    write_notebook(tmp_path / "racer.ipynb", THREAD_FORGER)
    result = grade(tmp_path)["racer"]
    assert result.score <= 1  # what `return x` earns; 0 when the forgery got in first
    if result.score == 0:
        assert any("do not match the seal" in error for error in result.errors)


LINECACHE_READER = '''
import linecache

def double(x):
    """Doubles only if the probe cell's source, which holds the seal's key, can be read."""
    cells = [lines for _size, _time, lines, _name in linecache.cache.values() if lines]
    marker = "_grader_kernel" + "_probe.run_probes("  # split: this cell is cached too
    leaked = any(marker in "".join(lines) for lines in cells)
    return 2 * x if leaked else x
'''


def test_the_probe_cells_source_and_its_key_are_gone_before_learner_code_runs(tmp_path):
    write_notebook(tmp_path / "reader.ipynb", LINECACHE_READER)
    assert grade(tmp_path)["reader"].score == 1  # the source was not found


@pytest.mark.skipif(not sandbox._bwrap_sizes_tmpfs(), reason="this bwrap cannot size a tmpfs")
def test_the_kernels_private_tmp_is_capped(tmp_path, monkeypatch):
    """/tmp is memory: a kernel filling it would fill the grading machine's memory."""
    monkeypatch.setattr(sandbox, "MAX_TMP_BYTES", 8 * 2**20)
    fill = "block = b'x' * 2**20\nwith open('/tmp/fill', 'wb') as f:\n    for _ in range(16):\n"
    write_notebook(tmp_path / "filler.ipynb", fill + "        f.write(block)", DOUBLE)
    result = grade(tmp_path)["filler"]
    assert result.score == 3  # the rest of the notebook still runs and is graded
    assert any("No space left" in error for error in result.errors)


WRITES_OUTSIDE_ITS_FOLDERS = """
wrote = []
for path in ["/graded-was-here", "/dev/graded-was-here", "/usr/graded-was-here"]:
    try:
        open(path, "w").close()
        wrote.append(path)
    except OSError:
        pass
raise RuntimeError(f"wrote {wrote}")
"""


def test_the_sandboxs_own_folders_are_read_only(tmp_path):
    """bwrap's root and /dev are memory no limit watches: a kernel must not write there."""
    write_notebook(tmp_path / "writer.ipynb", WRITES_OUTSIDE_ITS_FOLDERS, DOUBLE)
    result = grade(tmp_path)["writer"]
    assert result.score == 3
    assert any("wrote []" in error for error in result.errors), result.errors


@pytest.mark.skipif(not sandbox._bwrap_sizes_tmpfs(), reason="this bwrap cannot size a tmpfs")
def test_the_kernels_shared_memory_folder_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_SHM_BYTES", 4 * 2**20)
    fill = "with open('/dev/shm/fill', 'wb') as f:\n    f.write(b'x' * 8 * 2**20)"
    write_notebook(tmp_path / "filler.ipynb", fill, DOUBLE)
    result = grade(tmp_path)["filler"]
    assert result.score == 3
    assert any("No space left" in error for error in result.errors)


@pytest.mark.parametrize(
    "fill",
    [
        "import itertools\n"
        "for n in itertools.count():\n"
        "    open(f'f{n}', 'wb').write(b'x' * 2**20)",
        "import os, itertools\n"
        "for n in itertools.count():\n"
        "    open(os.path.expanduser(f'~/{n}'), 'w')",
        "import os, itertools\n"
        "held = []\n"
        "for n in itertools.count():\n"
        "    held.append(open(f'f{n}', 'wb'))\n"
        "    held[-1].write(b'x' * 2**20)\n"
        "    held[-1].flush()\n"
        "    os.unlink(f'f{n}')",
        "import os, itertools\n"
        "held = os.memfd_create('hidden')\n"
        "for n in itertools.count():\n"
        "    os.write(held, b'x' * 2**20)",
    ],
    ids=["bytes in the working copy", "files in HOME", "deleted files held open", "memfd"],
)
def test_a_kernel_filling_the_disk_is_stopped(tmp_path, monkeypatch, fill):
    """Each file is capped, their total is watched: the disk is everyone's."""
    monkeypatch.setattr(disk_watch, "MAX_WRITTEN_BYTES", 16 * 2**20)
    monkeypatch.setattr(disk_watch, "MAX_ENTRIES", 500)
    write_notebook(tmp_path / "filler.ipynb", DOUBLE, fill)
    result = grade(tmp_path, timeout=60.0)["filler"]
    assert (result.status, result.score) == ("out of disk", 0)
    assert "wrote more to its folders than allowed" in " ".join(
        item.message for _, report in result.reports for item in report.items
    )
    assert result.seconds < 40


WRITES_A_MODULE = """
with open("helpers.py", "w") as module:
    module.write("def double(x):\\n    return 2 * x\\n")  # code the scan never reads
from helpers import double
"""


def test_a_module_the_notebook_writes_cannot_be_imported(tmp_path):
    """Red team 7: a module written by a cell ran frame-walking code no scan had read."""
    write_notebook(tmp_path / "writer.ipynb", WRITES_A_MODULE)
    result = grade(tmp_path)["writer"]
    assert result.score == 0
    assert any("No module named 'helpers'" in error for error in result.errors), result.errors


def test_code_that_takes_the_probes_frames_at_run_time_stops_the_kernel_and_is_flagged(tmp_path):
    # Through a spelling the scan may not know: the guard in the kernel sees the frame taken.
    walker = (
        "from tensorflow.python.util import tf_inspect as where\n"
        "def double(x):\n"
        "    outer = where.stack(0)\n"
        "    return 2 * x\n"
    )
    write_notebook(tmp_path / "walker.ipynb", walker)
    result = grade(tmp_path)["walker"]
    assert (result.status, result.score) == ("flagged", 0)
    trip = next(error for error in result.errors if "run-time-introspection" in error)
    assert "cell 1, line 3" in trip and "sys._getframe" in trip


def test_honest_code_that_libraries_read_frames_for_keeps_its_points(tmp_path):
    honest = (
        "import collections, enum, logging, traceback, typing, warnings\n"
        "Pair = collections.namedtuple('Pair', 'a b')\n"
        "Colour = enum.Enum('Colour', 'red green')\n"
        "class Point(typing.NamedTuple):\n"
        "    x: int\n"
        "def double(x):\n"
        "    logging.getLogger('learner').warning('doubling %s', x)\n"
        "    warnings.warn('just so', stacklevel=2)\n"
        "    try:\n"
        "        raise ValueError(x)\n"
        "    except ValueError:\n"
        "        assert 'ValueError' in traceback.format_exc()\n"
        "    return Pair(2 * x, 0).a\n"
    )
    write_notebook(tmp_path / "honest.ipynb", honest, "raise RuntimeError('a cell that fails')")
    result = grade(tmp_path)["honest"]
    assert (result.status, result.score) == ("graded", 3), result.errors


def test_a_burst_of_writes_between_two_looks_is_still_caught(tmp_path, monkeypatch):
    # CI once saw a memfd filled between two polls, then the probe sealed: graded 3/3
    monkeypatch.setattr(disk_watch, "MAX_WRITTEN_BYTES", 16 * 2**20)
    monkeypatch.setattr(disk_watch, "POLL_SECONDS", 3600.0)  # no poll: only the last look
    burst = "import os\nheld = os.memfd_create('hidden')\nos.write(held, b'x' * 32 * 2**20)"
    write_notebook(tmp_path / "burst.ipynb", DOUBLE, burst)
    result = grade(tmp_path, timeout=60.0)["burst"]
    assert (result.status, result.score) == ("out of disk", 0)
