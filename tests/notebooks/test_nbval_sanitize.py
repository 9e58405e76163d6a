"""nbval set-up: the sanitize file parses the way nbval reads it and each rule removes its noise;
the root conftest.py stops nbval comparing stderr."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from nbval.plugin import get_sanitize_patterns

PATTERNS = get_sanitize_patterns((Path(__file__).parent / "nbval_sanitize.cfg").read_text())
ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"


def sanitize(text: str) -> str:
    for regex, replacement in PATTERNS:
        text = re.sub(regex, replacement, text)
    return text


def test_every_rule_is_read_by_nbval():
    assert len(PATTERNS) == 7


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<Model at 0x7f3a2c1d>", "<Model at 0x7f99aa00>"),
        ("epoch 1 took 12.3 s", "epoch 1 took 9.8 s"),
        ("32/32 - 45ms/step", "32/32 - 51ms/step"),
        (
            "100%|██████████| 20/20 [00:01<00:00, 15.2it/s]",
            "100%|██████████| 20/20 [00:02<00:00, 9.1it/s]",
        ),
        ("graph written to /tmp/tmpab12cd/graph", "graph written to /tmp/tmpzz99/graph"),
        ("--logdir /var/folders/x1/ab/T/graph-1", "--logdir /tmp/graph-2"),
    ],
    ids=["address", "seconds", "per-step", "tqdm", "tempdir", "macos-tempdir"],
)
def test_run_to_run_noise_is_sanitized_away(first, second):
    assert first != second
    assert sanitize(first) == sanitize(second)


def test_numbers_that_matter_are_kept():
    assert (
        sanitize("loss 1.8934, F1 0.41, 7 rows changed") == "loss 1.8934, F1 0.41, 7 rows changed"
    )


def load_root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stderr_is_never_compared_for_notebooks():
    collector = SimpleNamespace(path=Path("solutions/01_data.ipynb"), skip_compare=("metadata",))
    load_root_conftest().pytest_collectstart(collector)
    assert collector.skip_compare == ("metadata", "stderr")


def test_other_collectors_are_left_alone():
    collector = SimpleNamespace(path=Path("tests/test_x.py"), skip_compare=("metadata",))
    load_root_conftest().pytest_collectstart(collector)
    assert collector.skip_compare == ("metadata",)


def _report(*items: tuple[str, bool]):
    from grader.core.report import CheckItem, Report

    return Report("check_x(f)", [CheckItem(name, ok, "fix it") for name, ok in items])


def test_a_passing_report_is_the_same_whatever_its_items():
    before, after = _report(("a", True)), _report(("a", True), ("renamed b", True))
    passed = "check_x: all checks passed"
    assert sanitize(before._repr_html_()) == sanitize(after._repr_html_()) == passed
    assert sanitize(repr(before)) == sanitize(repr(after)) == passed


def test_a_failing_report_is_kept_as_it_is():
    failing = _report(("a", True), ("b", False))
    assert sanitize(failing._repr_html_()) == failing._repr_html_()
    assert sanitize(repr(failing)) == repr(failing)
