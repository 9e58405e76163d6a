"""The trust boundary is a folder boundary: what runs in a learner's kernel knows no answer.

Kernel-side code is `grader/learner_side/` and each check's `probe.py`. Importing all of it must
not import a judge, a reference, a spec, the registry or the batch tool; and its source may
import only `grader.core`, `grader.learner_side` and its own check's declaration and inputs.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parents[3] / "grader"
KERNEL_SIDE = sorted(
    [*GRADER.glob("learner_side/*.py"), *GRADER.glob("checks/*/probe.py")],
    key=lambda path: str(path),
)
JUDGE_SIDE = re.compile(
    r"grader\.batch\b|grader\.checks\.(registry|judging|embedding_judging)$"
    r"|grader\.checks\.\w+\.(judge\w*|reference|spec)$"
)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(GRADER.parent).with_suffix("").parts).removesuffix(".__init__")


def test_there_is_a_probe_for_every_check():
    from grader.checks import CHECKS

    probes = {module_name(path) for path in KERNEL_SIDE if path.name == "probe.py"}
    assert {spec.probe.__module__ for spec in CHECKS.values()} == probes


def test_importing_every_kernel_side_module_imports_no_judge_reference_or_registry():
    modules = [module_name(path) for path in KERNEL_SIDE]
    code = (
        "import importlib, re, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('grader'))\n"
        f"bad = [m for m in loaded if re.match({JUDGE_SIDE.pattern!r}, m)]\n"
        "assert not bad, bad\n"
        "assert 'tensorflow' not in sys.modules, 'imported TensorFlow'\n"
        "print(len(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("path", KERNEL_SIDE, ids=lambda path: module_name(path))
def test_kernel_side_source_imports_only_core_learner_side_and_its_own_declaration(path):
    own = module_name(path).rsplit(".", 1)[0]  # grader.checks.<name> for a probe
    allowed = ("grader.core", "grader.learner_side", f"{own}.inputs")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if name.startswith("grader"):
                assert name == own or name.startswith(allowed), f"{path.name} imports {name}"


def test_the_kernel_is_told_only_which_probe_to_import():
    from grader.batch.probe_cell import request_entry
    from grader.batch.submissions import CheckRequest
    from grader.checks import CHECKS

    for name, spec in CHECKS.items():
        entry = request_entry(CheckRequest(name), spec)
        assert entry["probe_module"] == f"grader.checks.{name}.probe"
        assert set(entry) == {"name", "probe_module", "probe_name", "objects"}


def test_the_pattern_knows_judge_side_modules_from_kernel_side_ones():
    judge_side = [
        "grader.checks.compute_loss.reference",
        "grader.checks.registry",
        "grader.checks.build_layers.judge_behaviour",
        "grader.batch.verdicts",
        "grader.checks.pad_sentences.spec",
        "grader.checks.embedding_judging",
    ]
    kernel_side = [
        "grader.core.spec",
        "grader.learner_side.models",
        "grader.checks.compute_loss.probe",
        "grader.checks.compute_loss.inputs",
    ]
    assert all(JUDGE_SIDE.match(name) for name in judge_side)
    assert not any(JUDGE_SIDE.match(name) for name in kernel_side)
