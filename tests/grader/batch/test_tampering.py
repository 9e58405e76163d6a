"""Submissions that reach into the grading machinery are flagged from their source, unrun;
the course's own notebooks and correct solutions in unusual styles never are."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from conftest import DOUBLE, toy_options, write_notebook
from grader.batch import grade_paths
from grader.batch.tampering import scan_notebook, scan_source

ROOT = Path(__file__).resolve().parents[3]
ATTEMPTS = {
    "import grader.learner_side.kernel_probe as kp\nkp.run_probes = print": "grader-internals",
    "from grader.core.report import Report": "grader-internals",
    "import grader\ngrader.checks.CHECKS.clear()": "grader-internals",
    "import sys\nsys.modules['numpy'] = None": "import-machinery",
    "import importlib\nimportlib.import_module('os')": "import-machinery",
    "__import__('os')": "dynamic-code",
    "exec('x = 1')": "dynamic-code",
    "eval(input())": "dynamic-code",
    "import builtins\nbuiltins.len = lambda x: 0": "builtins-patching",
    "__builtins__.len = lambda x: 0": "builtins-patching",
    "import sys\nsys.addaudithook(print)": "audit-hooks",
    "import sys\nsys.settrace(print)": "audit-hooks",
    "import ctypes": "native-code",
    "import sys\nframe = sys._getframe(1)": "frames-and-gc",
    "def f():\n    return f.__globals__": "frames-and-gc",
    "import gc\ngc.get_objects()": "frames-and-gc",
    "import threading\nthreading.Thread(target=print).start()": "threads-or-processes",
    "import os\nos.fork()": "threads-or-processes",
    "import os as o\no.system('ls')": "threads-or-processes",
    "from subprocess import run": "threads-or-processes",
    "open('/etc/passwd').read()": "files-outside",
    "open('../other.ipynb')": "files-outside",
    "import numpy as np\nnp.allclose = lambda *a, **k: True": "module-patching",
    "import numpy as np\nsetattr(np, 'allclose', print)": "module-patching",
    "%load_ext grader_helpers": "shell-or-magic",
    "!cat /etc/passwd": "shell-or-magic",
    "get_ipython().run_cell('1')": "grader-internals",
    # Found by a red team on the first version of the scan:
    "shell = [get_ipython][0]()": "grader-internals",
    "_here = !pwd": "shell-or-magic",
    "import sys\nmachinery = getattr(sys, 'modules')['importlib']": "dynamic-attribute",
    "import sys\nsys.__dict__['modules']": "frames-and-gc",
    "import operator, sys\noperator.attrgetter('modules')(sys)": "dynamic-attribute",
    "from sys import modules": "import-machinery",
    "builtins = print.__self__": "frames-and-gc",
    "f = getattr(print.__self__, '__imp' + 'ort__')": "dynamic-attribute",
    "locals()['get_ipython']()": "dynamic-code",
    "from os import system": "threads-or-processes",
    "import os\nrun = getattr(os, 'sys' + 'tem')": "dynamic-attribute",
    "import os\nroot = os.sep.join(['', 'work'])": "files-outside",
    "import os\nfor folder, _, files in os.walk('.'):\n    pass": "files-outside",
    "target = '/work/other/bilstm_ner/model.py'": "files-outside",
    "import numpy as np\nnp.__dict__['allclose'] = min": "frames-and-gc",
    "import numpy as np\nm = np\nm.allclose = min": "module-patching",
    "import pickle": "dynamic-code",
    "import marshal": "dynamic-code",
    "subclasses = getattr(object, '__subcl' + 'asses__')": "dynamic-attribute",
    "import sys\nsys.path.insert(0, 'x')": "import-machinery",
    "import atexit": "threads-or-processes",
    "import asyncio\nasyncio.create_subprocess_exec('ls')": "dynamic-attribute",
    "import shutil\nshutil.copy('a', 'b')": "files-outside",
    # Found by the second red team, on the hardened scan:
    "import os\nos.sys.modules['grader']": "import-machinery",
    "import typing\ntyping.sys.modules": "import-machinery",
    "from os import sys as S\nS.modules": "import-machinery",
    "import pkgutil\ntarget = pkgutil.resolve_name('grader.checks')": "import-machinery",
    "import pydoc\npydoc.locate('grader.checks')": "import-machinery",
    "from unittest import mock\nmock.patch('numpy.allclose').start()": "module-patching",
    "from IPython import get_ipython as shell": "grader-internals",
    "import IPython\nIPython.get_ipython()": "grader-internals",
    "import numpy as np\n[np][0].allclose = min": "module-patching",
    "from numpy import testing\ntesting.assert_allclose = min": "module-patching",
    "def g():\n    return numpy\ng().allclose = min": "module-patching",
    "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_next": "frames-and-gc",
    "import sys\nsys._current_frames()": "frames-and-gc",
    "import asyncio\nasyncio.get_event_loop().run_in_executor(None, print)": "threads-or-processes",
    "import os\nos.register_at_fork(after_in_child=print)": "threads-or-processes",
    "import code\ncode.InteractiveInterpreter().runsource('1')": "dynamic-code",
    "import timeit\ntimeit.timeit('1')": "dynamic-code",
    "import numpy as np\nnp.load('x.npy', allow_pickle=True)": "dynamic-code",
    "import io\nio.open_code('x.py')": "dynamic-code",
    "import os\nos.listdir('.')": "files-outside",
    "import os\nos.scandir('.')": "files-outside",
    "from pathlib import Path\nPath.cwd().parent.iterdir()": "files-outside",
    "from pathlib import Path\nPath.cwd().parents[-1]": "files-outside",
    "source = In[-1]": "grader-internals",
    # Found by the third red team:
    "import sys\nloaded = getattr([sys][0], 'modules')": "dynamic-attribute",
    "import sys\nfake = type(sys)('grader.checks.normalize_token.probe')": "import-machinery",
    "g = getattr\nbuiltins = g(print, '__self__')": "dynamic-attribute",
    "import sys\ngetattr(sys, 'monitoring')": "dynamic-attribute",
    "root = chr(47) + 'etc'": "files-outside",
    "import os\nabove = os.path.dirname(os.getcwd())": "files-outside",
    "x = " + "1+" * 200_000 + "1": "unreadable-cell",
    "x = " + "-" * 100_000 + "1": "unreadable-cell",
    "x = '\udcff'": "unreadable-cell",
    # Still flagged once a learner's own `vars` and f-string pieces are told apart (red team 4):
    "f = vars\nvars = [1]": "dynamic-code",
    "vars = vars\ng = vars": "dynamic-code",
    "vars = (vars,)[0]\ng = vars": "dynamic-code",
    "vars = [1]\ndel vars\ng = vars": "dynamic-code",
    "def f():\n    def g():\n        vars = 1\n    return vars": "dynamic-code",
    "vars = [1]\nvars(print)": "dynamic-code",
    "x = ''\ntext = open(f'{x}/etc/passwd').read()": "files-outside",
    "%time import ctypes": "native-code",  # a magic's code is read as the code it is
    "%%time\nimport ctypes": "native-code",
    "%matplotlib module://grader.checks": "shell-or-magic",  # a backend imports by name
    "x = !ls": "shell-or-magic",
    "import numpy as np\nnp.load('a.npy', allow_pickle=1)": "dynamic-code",
    # Found by the fifth red team: aliases the scan did not follow, modules it did not know.
    "import sys\ns = sys if True else None\ns.setprofile(None)": "audit-hooks",
    "import os\no = os if True else None\no.fork()": "threads-or-processes",
    "import os\npid = (lambda m: m)(os).fork()": "threads-or-processes",
    "import os\ndef spawn(module):\n    return module.fork()": "threads-or-processes",
    "import numpy as np\nm = np if True else None\nm.allclose = min": "module-patching",
    "import numpy as np\nd = {'m': np}\nd['m'].array = min": "module-patching",
    "import numpy\nitems = []\nitems.append(numpy)\nitems[0].array = min": "module-patching",
    "import keras\nLSTM = keras.layers.LSTM\nLSTM.call = min": "module-patching",
    "import tensorflow as tf\nnn = tf.nn\nnn.embedding_lookup = min": "module-patching",
    "import os\npath = os.path\npath.realpath = str": "module-patching",
    "import numpy as np\nlibc = np.ctypeslib.ctypes.CDLL(None)": "native-code",
    "import site\nsite.builtins.exec('1')": "builtins-patching",
    "import grader\ng = grader if True else None\ng.learner_side.reuse.ENTERED.clear()": (
        "grader-internals"
    ),
    "import IPython.display\nIPython.get_ipython()": "grader-internals",
    "class Later:\n    def __del__(self):\n        print('collected')": "threads-or-processes",
    "import weakref\nweakref.finalize(print, print)": "threads-or-processes",
    "from re import compile\ndel compile\ncompile('1', '', 'exec')": "dynamic-code",
    "import linecache\nsources = linecache.cache": "grader-internals",
    # Found by the sixth red team: attributes read without an attribute in the syntax.
    "import sys\nmatch sys:\n    case object(setprofile=hook):\n        hook(None)": (
        "dynamic-attribute"
    ),
    "match error:\n    case object(__traceback__=trace):\n        pass": "frames-and-gc",
    "import os\nmatch os:\n    case o:\n        o.listdir('.')": "files-outside",
    "class Frame:\n    __match_args__ = ('f_back',)": "dynamic-attribute",
    "caller = '{0.tb_frame.f_back.f_locals[key]}'.format(trace)": "frames-and-gc",
    "key = ('{0.tb_' + 'frame}').format(trace)": "dynamic-attribute",
    "str.format('{0.' + name + '}', trace)": "dynamic-attribute",
    "import traceback\ntraceback.walk_stack(None)": "frames-and-gc",
    "import traceback\nt = traceback": "frames-and-gc",
    "from traceback import extract_stack": "frames-and-gc",
    "open('/etc')": "files-outside",
    # Found by the seventh red team: names and attributes handed out some other way.
    "from sys import *\nsetprofile(None)": "dynamic-attribute",
    "from operator import *\nframe = attrgetter('f_back')(frame)": "dynamic-attribute",
    "import string\nstring.Formatter().get_field('0.tb_frame', (trace,), {})": (
        "dynamic-attribute"
    ),
    "import logging\nframe = logging.currentframe()": "dynamic-attribute",
    "import keras\nkeras.saving.load_model('m.keras', safe_mode=False)": "dynamic-code",
    "import zipimport": "import-machinery",
    "import doctest": "dynamic-code",
    "import cProfile": "audit-hooks",
    "row = '{}'\nmatch '{0.tb_' + 'frame}':\n    case row:\n        row.format(trace)": (
        "dynamic-attribute"
    ),
    "row = '{}'\nrow += '{0.tb_frame' + '}'\nrow.format(trace)": "dynamic-attribute",
    "row = '{}'\ndef f():\n    row = '{0.tb_' + 'frame}'\n    return row.format(trace)": (
        "dynamic-attribute"
    ),
    "row = '{}'\nclass A:\n    row = '{0.tb_' + 'frame}'\n    row.format(trace)": (
        "dynamic-attribute"
    ),
    "row = '{}'\ndef f():\n    global row\n    row = '{0.tb_' + 'frame}'\nrow.format(t)": (
        "dynamic-attribute"
    ),
    "row = '{}'\ndef f():\n    row = '{0.tb_' + 'frame}'\n"
    "    def g():\n        return row.format(trace)": "dynamic-attribute",
    # Found reviewing them: built-ins that run text, used as values; text resolved as names.
    "run = exec\nrun('import os')": "dynamic-code",
    "answers = list(map(eval, texts))": "dynamic-code",
    "import keras\nf = keras.saving.deserialize_keras_object({'module': 'builtins'})": (
        "dynamic-attribute"
    ),
    "import logging.config\nlogging.config.dictConfig({'version': 1})": "dynamic-attribute",
    "from typing import get_type_hints": "dynamic-attribute",
    "import codecs\ncodecs.register(print)": "dynamic-code",
    # Found by the eighth red team: text run as code, and templates, by yet other ways.
    "from typing import *\nget_type_hints(f)": "dynamic-attribute",
    "from numpy import *": "dynamic-attribute",
    "import typing\ntyping._eval_type(hint, {}, None)": "dynamic-attribute",
    "import logging.config\nlogging.config.BaseConfigurator({}).resolve('builtins.exec')": (
        "import-machinery"
    ),
    "from logging import config": "import-machinery",
    "import numpy as np\nrules = np.load('rules.npy', None, True)": "dynamic-code",
    "import numpy as np\nrules = np.load('rules.npy', **options)": "dynamic-code",
    "render = str.format\nrender('{0.tb_' + 'frame}', trace)": "dynamic-attribute",
    "import functools\nrender = functools.partial(str.format)": "dynamic-attribute",
    "import tensorflow as tf\ntf.load_op_library('./op.so')": "dynamic-attribute",
    "import joblib": "dynamic-code",
    "import numpy as np\nclass A:\n    def __init__(self):\n        self.m = np\n"
    "        self.m.allclose = min": "module-patching",
    "def f(row):\n    return row.format(trace)": "dynamic-attribute",
    "def f():\n    row = '{}'\n    row += '{0.tb_frame}'[3:]\n    return row.format(t)": (
        "dynamic-attribute"
    ),
    # Found by the ninth red team: code runners the environment holds, and two switches.
    "import yaml\nyaml.unsafe_load(text)": "unlisted-module",
    "from mako.template import Template": "unlisted-module",
    "import jinja2": "unlisted-module",
    "from . import helpers": "unlisted-module",
    "import keras\nkeras.layers.Lambda.from_config(config, None, False)": "dynamic-code",
    "import keras\nkeras.models.load_model('m.keras', None, True, False)": "dynamic-code",
    "from keras.src.utils import python_utils": "import-machinery",
    "import logging\nlogging.basicConfig(format=template, style='{')": "dynamic-attribute",
    # Found by the tenth red team: flagged modules as allowed modules' attributes.
    "from gzip import builtins": "builtins-patching",
    "from dataclasses import inspect as where": "frames-and-gc",
    "import logging\nlogging.traceback.walk_stack(None)": "frames-and-gc",
    "import zipfile\nzipfile.importlib.import_module('gc')": "import-machinery",
    "import matplotlib\nmatplotlib.use('module://builtins')": "import-machinery",
    "import matplotlib.backends\nm = matplotlib.backends.backend_registry": "import-machinery",
    "module.exec(text)": "dynamic-code",
    "import logging\nstyle = logging.StrFormatStyle(template)": "dynamic-attribute",
    # Found by the eleventh red team: text run as code by dataclasses, re-exported machinery.
    "class Row:\n    __annotations__ = {field: int}": "dynamic-code",
    "Row = type('Row', (), {'__annotations__': fields})": "dynamic-code",
    "from tensorflow.python.util import tf_inspect": "import-machinery",
    "from sklearn.utils.discovery import import_module": "dynamic-attribute",
    "import sklearn\nsklearn.utils.discovery.import_module('gc')": "dynamic-attribute",
    # Found reviewing: a course module's star import hands out the modules it imports.
    "from bilstm_ner.progress import *\nimportlib._bootstrap._gcd_import('gc')": (
        "dynamic-attribute"
    ),
    # A chain of aliases written backwards: each link is found, whatever the order.
    "\n".join(f"a{n} = a{n + 1}" for n in range(300)) + "\nimport os\na300 = os\na0.listdir('.')": (
        "files-outside"
    ),
}
HONEST = [
    "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')",
    "from numpy import trace\nfrom scipy import signal",
    "print(frame.site.unique())",
    "from dataclasses import dataclass\n@dataclass\nclass Sizes:\n    hidden: int = 200",
    "import platform\nimport ast\nprint(platform.python_version(), ast.literal_eval('[1]'))",
    "from IPython.core.display import HTML",
    "import numpy as np\nfrom pathlib import Path\nnp.trace(m)\nfiles = Path('data').glob('*')",
    "from __future__ import annotations\nfrom collections import Counter\nimport tqdm",
    "from sklearn.metrics import f1_score\nfrom seqeval.metrics import classification_report",
    "import logging\nlogging.basicConfig(format='%(asctime)s %(message)s')",
    "def show(tokens, tags):\n    row = '{:14s} {}'\n    for pair in zip(tokens, tags):\n"
    "        print(row.format(*pair))",
    "import tensorflow as tf\nclass Tagger:\n    def __init__(self):\n"
    "        self.lookup = tf.nn.embedding_lookup\n        self.n_tags = 5",
    "import numpy as np\nprint(np.__version__)",
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
    "import re\nmention = re.compile(r'^@\\w+')",
    "row = '{:14s} {}'\ndef pad(rows):\n    for row in rows:\n        pass\n"
    "print(row.format(1, 2))",
    "row = '{:14s} {}'\nfor token, tag in zip(tokens, tags):\n    print(row.format(token, tag))",
    # Red team 6's false flags: each zeroed a correct notebook.
    "%load_ext autoreload\n%autoreload 2",
    "normalize_token?",
    "import traceback\ntry:\n    pad_sentences([])\nexcept Exception:\n    traceback.print_exc()",
    "assert normalize_token('/s') == '/s'  # Twitter's sarcasm tag",
    "%%capture\nhistory = train(model, batches)",
    "print('epoch {}: loss {:.3f}'.format(1, 0.5))",
    "print('{0.shape} {0.dtype}'.format(array))",
    "match tag:\n    case 'B-person' | 'I-person':\n        kind = 'person'\n"
    "    case other:\n        kind = other",
    "match batch:\n    case (words, tags):\n        pass",
    "import os\nos.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')",
    "from grader import check_compute_loss, check_embedding_training",
    "import numpy as np\nimport tensorflow as tf\nx = np.zeros(3)\nx[0] = 1",
    "class Tagger:\n    def __init__(self):\n        self.size = 3\n        self.size += 1",
    "import math\nvalue = math.sqrt(2)\nprint(f'{value:.3f}')",
    "@tf.function\ndef train_step(model, optimizer, *args):\n    return 0.0",
    "with open('results.txt', 'w') as file:\n    file.write('ok')",
    "import keras\nclass Tagger(keras.Model):\n    def build(self, shape):\n        self.w = 1",
    "layers = [1, 2]\nlayers[0] = 3",
    # Flagged by mistake before the third red team looked:
    "head, sep, rest = token.partition(':')\nlink = rest.startswith('//')",
    "parts = token.split('/')\nprint('...', parts)",
    "x = 1\nprint('~', x, f'/{x}')",
    "import re\nslashes = re.compile('/+')",
    "from IPython.display import display, Markdown",
    "class Node:\n    def __init__(self, parent):\n"
    "        self.parent = parent\n        self.modules = []",
    "units = getattr(self.model, 'units', None)",
    "from bilstm_ner.model import BiLSTMTagger\nmodel = BiLSTMTagger(10, 3)\n"
    "model.trainable = True",
    # Flagged by mistake before the fourth red team looked (each one zeroed a notebook 05):
    'loss = 3.0\nprint("loss before the step: loss=%.1f" % float(loss))',
    'a, b = 1, 2\nprint(\n    "%d rows changed, %d tokens"\n    % (a, b)\n)',
    'loss = 1.0\nprint(f"{float(loss)=!s}")',
    "vars = model.trainable_variables\ngrads = [v * 0 for v in vars]\nprint(len(vars))",
    "def train_step(model):\n    vars = model.trainable_variables\n    return zip(vars, vars)",
    'x = 1.0\nprint(f"{x:.2f}/token")',
    'n = 4\nprint(f"half: {n}/2")',
    'import numpy as np\nnp.save("weights.npy", np.zeros(3), allow_pickle=False)',
    # Flagged by mistake before the fifth red team looked:
    "from IPython import display\ndisplay.clear_output(wait=True)",
    "Out = model(x)\nprint(Out)",
    "def report(layers):\n    for In in layers:\n        print(In)",
    'from re import compile\npattern = compile(r"\\d+")',
    # The magics honest notebooks use (red team 5), read as the Python they run:
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "%time history = train(model)",
    "%timeit -n 3 -r 2 model(batch)",
    "%%time\nhistory = train(model)\nprint(history)",
    # Names bound to things made from a module are not the module:
    "import tensorflow as tf\nmask = tf.cast(x, tf.float32)\nmask.name_hint = 1",
    "import keras\nlayer = keras.layers.Dense(3)\nlayer.trainable = False",
    "import tensorflow as tf\nclass T:\n    def f(self):\n"
    "        self.w = tf.zeros([2], tf.float32)"
    "\n        self.kind = getattr(self, 'kind', None)",
]


def test_a_name_imported_in_one_cell_is_watched_in_the_others():
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from numpy import testing"),
            nbformat.v4.new_code_cell("testing.assert_allclose = min"),
        ]
    )
    assert [(f.cell, f.rule) for f in scan_notebook(notebook)] == [(2, "module-patching")]


@pytest.mark.parametrize(
    ("source", "rule"),
    ATTEMPTS.items(),
    ids=[f"{rule}-{i}" for i, rule in enumerate(ATTEMPTS.values())],
)
def test_each_way_into_the_machinery_is_flagged_with_its_rule_and_line(source, rule):
    findings = scan_source(source, cell=4)
    assert rule in {finding.rule for finding in findings}, findings
    assert all(finding.cell == 4 and finding.line >= 1 for finding in findings)


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_is_never_flagged(source):
    assert scan_source(source) == []


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("solutions/*.ipynb"), *ROOT.glob("notebooks/*.ipynb")]),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_the_course_notebooks_have_no_finding(path):
    assert scan_notebook(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("address", [None, "https://github.com/ada/bilstm-ner-course"])
def test_the_courses_install_cell_is_no_finding_but_a_changed_one_is(address):
    from bilstm_ner.course.setup_cell import install_cell_source

    cell = install_cell_source(address)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    assert scan_notebook(notebook) == []
    notebook.cells[0].source = cell + "\nimport subprocess"
    assert "threads-or-processes" in {finding.rule for finding in scan_notebook(notebook)}


def test_the_correct_solutions_in_unusual_styles_have_no_finding():
    source = (ROOT / "tests" / "grader" / "conftest.py").read_text(encoding="utf-8")
    findings = [f for f in scan_source(source) if f.rule != "files-outside"]
    assert [f.code for f in findings] == ["import pytest"]  # the fixtures', not the styles


def test_a_flagged_submission_scores_zero_unrun_and_is_graded_after_review(tmp_path):
    write_notebook(tmp_path / "patcher.ipynb", DOUBLE, "import numpy as np\nnp.allclose = min")
    (flagged,) = grade_paths([tmp_path], toy_options())
    assert (flagged.status, flagged.score, flagged.max_score) == ("flagged", 0, 3)
    assert flagged.sandbox == "" and "cell 2, line 2: module-patching" in flagged.errors[0]
    assert "--allow-flagged" in flagged.reports[0][1].items[0].message
    (reviewed,) = grade_paths([tmp_path], toy_options(allow_flagged=True))
    assert (reviewed.status, reviewed.score) == ("graded", 3)


def test_a_cell_the_scan_cannot_read_is_flagged_and_keeps_the_checks_maximum(tmp_path):
    write_notebook(tmp_path / "deep.ipynb", "x = " + "1+" * 200_000 + "1", DOUBLE)
    (result,) = grade_paths([tmp_path], toy_options())
    assert (result.status, result.score, result.max_score) == ("flagged", 0, 3)
    assert "unreadable-cell" in result.errors[0]
