"""`grade --shard K/N` grades a stable, disjoint part of a batch; `merge` joins the parts into
what one run would have written, and refuses parts that do not belong together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DOUBLE, TOY_CLI, write_notebook
from grader.batch.cli import main
from grader.batch.shards import parse_shard, select, shard_of

WRONG = "def double(x):\n    return x"


@pytest.mark.parametrize(("text", "shard"), [("0/1", (0, 1)), ("3/4", (3, 4)), (" 1 / 2 ", (1, 2))])
def test_a_shard_is_written_k_slash_n_counting_from_zero(text, shard):
    assert parse_shard(text) == shard


@pytest.mark.parametrize("text", ["4/4", "1", "-1/2", "a/b", "0/0", "1/2/3"])
def test_a_shard_outside_0_to_n_minus_1_is_refused(text):
    with pytest.raises(ValueError, match="K/N"):
        parse_shard(text)


names = st.lists(st.from_regex(r"[a-z0-9_ ]{1,12}", fullmatch=True), unique=True, max_size=40)


@given(names=names, count=st.integers(1, 7))
def test_the_shards_are_disjoint_and_together_are_the_whole_batch(names, count):
    root = Path("/submissions")
    notebooks = [(root / f"{name}.ipynb", root) for name in names]
    parts = [select(notebooks, (index, count)) for index in range(count)]
    assert sorted(p for part in parts for p in part) == sorted(notebooks)
    assert sum(len(part) for part in parts) == len(notebooks)


def test_a_notebooks_shard_depends_only_on_its_path_inside_the_submitted_folder():
    assert shard_of(Path("/a/x/n.ipynb"), Path("/a"), 5) == shard_of(
        Path("/b/x/n.ipynb"), Path("/b"), 5
    )


@pytest.fixture
def batch(tmp_path) -> Path:
    folder = tmp_path / "batch"
    for number in range(6):
        write_notebook(folder / f"learner_{number}.ipynb", DOUBLE if number % 2 else WRONG)
    return folder


def grade(capsys, folder: Path, out: Path, *options: str) -> dict:
    code = main(["grade", str(folder), *TOY_CLI, "--seed", "1", "--json", str(out), *options])
    capsys.readouterr()
    assert code == 0
    return json.loads(out.read_text())


def summary(data: dict) -> list[tuple]:
    return sorted((s["path"], s["score"], s["max_score"], s["status"]) for s in data["submissions"])


def test_merging_the_shards_gives_what_one_run_gives(capsys, batch, tmp_path):
    whole = grade(capsys, batch, tmp_path / "whole.json")
    parts = [
        grade(capsys, batch, tmp_path / f"part{k}.json", "--shard", f"{k}/3") for k in range(3)
    ]
    assert sum(len(part["submissions"]) for part in parts) == 6
    code = main(
        [
            "merge",
            *(str(tmp_path / f"part{k}.json") for k in range(3)),
            "--json",
            str(tmp_path / "all.json"),
            "--csv",
            str(tmp_path / "all.csv"),
        ]
    )
    capsys.readouterr()
    assert code == 0
    merged = json.loads((tmp_path / "all.json").read_text())
    assert summary(merged) == summary(whole)
    assert merged["total"] == whole["total"]
    assert len((tmp_path / "all.csv").read_text().splitlines()) == 7


def test_merge_refuses_overlapping_mismatched_or_missing_shards(capsys, batch, tmp_path):
    part0 = grade(capsys, batch, tmp_path / "p0.json", "--shard", "0/2")
    grade(capsys, batch, tmp_path / "p1.json", "--shard", "1/2")
    (tmp_path / "p0-again.json").write_text(json.dumps(part0))
    grade(capsys, batch, tmp_path / "p1-seed2.json", "--shard", "1/2", "--seed", "2")
    grade(capsys, batch, tmp_path / "p1-of-3.json", "--shard", "1/3")
    for files, message in [
        (["p0.json", "p0-again.json"], "shard 0/2 is in both"),
        (["p0.json", "p1-seed2.json"], "different runs"),
        (["p0.json", "p1-of-3.json"], "different --shard counts"),
        (["p0.json"], "missing"),
    ]:
        code = main(
            ["merge", *(str(tmp_path / f) for f in files), "--json", str(tmp_path / "x.json")]
        )
        _, err = capsys.readouterr()
        assert code == 2 and message in err, (files, err)
    assert main(["merge", str(tmp_path / "p0.json"), "--partial"]) == 0
