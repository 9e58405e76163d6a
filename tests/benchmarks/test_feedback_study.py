"""The feedback study: its chains read as data, its summary counts, and its checks run as the
notebooks run them (the fast notebook 01 checks for real; the rest are `make bench` material)."""

from __future__ import annotations

import json

import pytest

from benchmarks.feedback_study import runner
from benchmarks.feedback_study.cells import PRELUDES, run_cell
from benchmarks.feedback_study.chains import load_chains, parse_chains
from benchmarks.harness import ChildRun

TEXT = """### chain: lone_at
### kind: wrong
### mistake: a lone @ becomes a mention
def normalize_token(token):
    return USER_TOKEN if token.startswith("@") else token
### try: more than one character
def normalize_token(token):
    return USER_TOKEN if token.startswith("@") and len(token) > 1 else token
### chain: slicing
### kind: correct
def normalize_token(token):
    return token
"""


def test_a_chain_file_reads_as_attempts_and_the_tries_that_followed():
    wrong, correct = parse_chains(TEXT, "normalize_token")
    assert (wrong.name, wrong.kind, wrong.mistake) == (
        "lone_at",
        "wrong",
        "a lone @ becomes a mention",
    )
    assert [t.note for t in wrong.tries] == ["", "more than one character"]
    assert "len(token) > 1" in wrong.tries[1].source and "len(token)" not in wrong.tries[0].source
    assert correct.kind == "correct" and len(correct.tries) == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("def f(): pass\n", "before the first"),
        ("### chain: x\n### kind: maybe\nx = 1\n", "kind must be"),
        ("### chain: x\n### kind: wrong\n", "first attempt"),
        ("### chain: x\n### kind: correct\nx = 1\n### try: again\nx = 2\n", "one try"),
    ],
)
def test_a_malformed_chain_file_names_its_problem(text, words):
    with pytest.raises(ValueError, match=words):
        parse_chains(text, "normalize_token")


def test_every_stored_chain_is_for_a_known_check_and_there_are_enough_of_them():
    chains = load_chains()
    assert {chain.check for chain in chains} == set(PRELUDES)
    assert sum(chain.kind == "wrong" for chain in chains) >= 40
    assert len({(chain.check, chain.name) for chain in chains}) == len(chains)


def test_the_summary_counts_catches_and_tries_to_fix():
    def verdict(passed):
        return {"note": "", "passed": passed, "message": "" if passed else "no"}

    results = [
        {
            "check": "c",
            "name": "a",
            "kind": "wrong",
            "mistake": "",
            "tries": [verdict(False), verdict(True)],
        },
        {
            "check": "c",
            "name": "b",
            "kind": "wrong",
            "mistake": "",
            "tries": [verdict(False), verdict(False), verdict(True)],
        },
        {"check": "c", "name": "m", "kind": "wrong", "mistake": "", "tries": [verdict(True)]},
        {"check": "c", "name": "n", "kind": "wrong", "mistake": "", "tries": [verdict(False)]},
        {"check": "c", "name": "ok", "kind": "correct", "mistake": "", "tries": [verdict(True)]},
    ]
    summary = runner.summarise(results)
    assert (summary["caught"], summary["wrong"], summary["missed"]) == (3, 4, ["c/m"])
    assert (summary["correct_passing"], summary["correct"]) == (1, 1)
    assert (summary["tries_median"], summary["tries_max"]) == (1.5, 2)
    assert summary["never_fixed"] == ["c/n"] and summary["more_than_one_try"] == ["c/b"]


def test_the_benchmark_turns_the_childs_summary_into_figures():
    summary = {"wrong": 10, "caught": 9, "correct": 3, "correct_passing": 3}
    summary |= {"tries_median": 1, "tries_mean": 1.2, "tries_max": 3}
    stdout = json.dumps({"summary": summary, "chains": []})
    figures = runner.collect(1, run=lambda command: ChildRun(1.0, 1.0, 1.0, stdout))
    by_name = {figure.name: figure for figure in figures}
    assert by_name["wrong first attempts caught"].met is False
    assert by_name["correct alternatives passing"].met is True
    assert by_name["tries to fix from the message, median"].met is True


def test_a_try_runs_after_its_notebooks_imports_and_reports_what_the_learner_saw():
    chains = [c for c in load_chains(only={"normalize_token"}) if c.name == "lone_at_is_a_mention"]
    first, fix = chains[0].tries
    seen = run_cell("normalize_token", first.source)
    assert not seen.passed and "A lone `@` is not a mention" in seen.message
    assert run_cell("normalize_token", fix.source).passed
    assert (
        "NameError"
        in run_cell("normalize_token", "def normalize_token(t):\n    return URL\nx = URL\n").message
    )
