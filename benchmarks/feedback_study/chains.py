"""Reading the feedback study's chains: plain text, one file per check, many chains a file.

    ### chain: scheme_in_lower_case_only
    ### kind: wrong            (or: correct, an unusual but right solution)
    ### mistake: what the first attempt gets wrong
    def normalize_token(token): ...      the first attempt, a notebook cell's code
    ### try: what the learner changed after reading the message
    def normalize_token(token): ...      the next try (as many as it took)

A wrong chain's tries after the first are written from the printed message alone, never from
the grader's source; a correct chain has one try.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "chains"
KINDS = ("wrong", "correct")
MARK = "### "


@dataclass
class Try:
    """One cell the learner ran: why it was written (empty for the first) and its code."""

    note: str
    source: str


@dataclass
class Chain:
    """A first attempt and the fixes that followed it, for one check."""

    check: str
    name: str
    kind: str
    mistake: str = ""
    tries: list[Try] = field(default_factory=list)


def parse_chains(text: str, check: str) -> list[Chain]:
    """The chains of one file's `text`; ValueError naming the line for anything malformed."""
    chains: list[Chain] = []
    lines: list[str] = []

    def close_try() -> None:
        if chains and chains[-1].tries:
            chains[-1].tries[-1].source = "\n".join(lines).strip() + "\n"
        lines.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.removeprefix(MARK).partition(":")
        if not line.startswith(MARK) or key not in {"chain", "kind", "mistake", "try"}:
            if not chains and line.strip():
                raise ValueError(f"{check}, line {number}: code before the first '### chain:'")
            lines.append(line)
            continue
        value = value.strip()
        if key == "chain":
            close_try()
            chains.append(Chain(check, value, kind=""))
        elif not chains:
            raise ValueError(f"{check}, line {number}: '### {key}:' before '### chain:'")
        elif key == "kind":
            if value not in KINDS:
                raise ValueError(f"{check}, line {number}: kind must be one of {KINDS}")
            chains[-1].kind = value
            chains[-1].tries.append(Try("", ""))
        elif key == "mistake":
            chains[-1].mistake = value
        else:
            close_try()
            chains[-1].tries.append(Try(value, ""))
    close_try()
    for chain in chains:
        if not chain.kind or not chain.tries[0].source.strip():
            raise ValueError(f"{check}, chain {chain.name}: needs a kind and a first attempt")
        if chain.kind == "correct" and len(chain.tries) > 1:
            raise ValueError(f"{check}, chain {chain.name}: a correct chain has one try")
    return chains


def load_chains(folder: Path = FOLDER, only: set[str] | None = None) -> list[Chain]:
    """Every chain of every `<check>.txt` in `folder` (only those checks, if given)."""
    chains = []
    for path in sorted(folder.glob("*.txt")):
        if only is None or path.stem in only:
            chains.extend(parse_chains(path.read_text(encoding="utf-8"), path.stem))
    return chains
